import type { Bus, BusMessage, Consumer } from '#bus';
import { MemoryEventStore } from '#event-store/adapters';
import { MemoryCheckpoints, PUBLISH_BYTES, RELAY_BATCH, Relay, loadReferenceRegistry } from '#linkage';

/**
 * A bus double whose publishes are held until the test lets them through, one at a time, so the
 * test decides what happens while the relay waits for acks. It records what it was given.
 */
class HeldPublishBus implements Bus {
  readonly published: BusMessage[][] = [];
  private release: (() => void)[] = [];
  private inFlight = 0;
  maxInFlight = 0;

  async publish(messages: readonly BusMessage[]): Promise<void> {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise<void>((resolve) => this.release.push(resolve));
    this.inFlight -= 1;
    this.published.push([...messages]);
  }

  /** Resolves once a publish is being held. */
  async held(): Promise<void> {
    while (this.release.length === 0) await new Promise((resolve) => setImmediate(resolve));
  }

  /** Lets the oldest held publish through once it is there. */
  async letOneThrough(): Promise<void> {
    await this.held();
    this.release.shift()!();
  }

  consume(): Promise<Consumer> {
    throw new Error('this double only publishes');
  }

  async close(): Promise<void> {}
}

const unitRegistered = (n: number, name = `单位 ${n}`) => ({
  id: `00000000-0000-7000-8000-${String(n).padStart(12, '0')}`,
  type: 'UnitRegistered',
  data: { unitId: `unit-${n}`, name, jurisdiction: '350624', kind: null },
  metadata: { eventId: `e-${n}`, actor: { id: 'za-office', jurisdiction: '350624', role: 'leading-group' }, jurisdiction: '350624', correlationId: 'c', causationId: 'c', occurredAt: '2024-05-01T00:00:00.000Z', recordedAt: '2024-05-01T00:00:00.000Z' },
});

describe('a relay publishing its store', () => {
  it('publishes one batch at a time, in store order', async () => {
    const store = new MemoryEventStore();
    const bus = new HeldPublishBus();
    const relay = new Relay({ level: 'county', store, jurisdictions: loadReferenceRegistry(), bus, checkpoints: new MemoryCheckpoints() });
    const facts = 2 * RELAY_BATCH + 10;
    for (let n = 1; n <= facts; n++) await store.append(`unit-${n}`, 'no-stream', [unitRegistered(n)]);

    const drained = relay.drain();
    for (let publish = 0; publish < 3; publish++) await bus.letOneThrough();
    expect(await drained).toBe(facts);
    expect(bus.maxInFlight).toBe(1);
    expect(bus.published.map((batch) => batch.length)).toEqual([RELAY_BATCH, RELAY_BATCH, 10]);
    expect(bus.published.flat().map((message) => message.key)).toEqual(Array.from({ length: facts }, (_, index) => `unit-${index + 1}`));
    expect(relay.checkpoint).toBe(facts);
  });

  it('replays from a position asked for while a batch is on its way once that batch is through, and never moves forward', async () => {
    const store = new MemoryEventStore();
    const bus = new HeldPublishBus();
    const relay = new Relay({ level: 'county', store, jurisdictions: loadReferenceRegistry(), bus, checkpoints: new MemoryCheckpoints() });
    for (let n = 1; n <= 6; n++) await store.append(`unit-${n}`, 'no-stream', [unitRegistered(n)]);

    const drained = relay.drain();
    await bus.held();
    // The batch of facts 1-6 waits for its acks; its checkpoint must not overwrite the replay's.
    const replay = relay.replayAfter(2);
    await bus.letOneThrough();
    expect(await replay).toEqual({ previousCheckpoint: 6, checkpoint: 2 });
    // The drain goes on from the replayed position: facts 3-6 once more.
    await bus.letOneThrough();
    expect(await drained).toBe(6 + 4);
    expect(bus.published.map((batch) => batch.map((message) => message.key))).toEqual([
      ['unit-1', 'unit-2', 'unit-3', 'unit-4', 'unit-5', 'unit-6'],
      ['unit-3', 'unit-4', 'unit-5', 'unit-6'],
    ]);
    expect(relay.checkpoint).toBe(6);
    // A replay never moves the checkpoint forward.
    expect(await relay.replayAfter(10)).toEqual({ previousCheckpoint: 6, checkpoint: 6 });
    expect(() => relay.replayAfter(-1)).toThrow(RangeError);
  });

  it('keeps its checkpoint and publishes the same batch again when a publish fails', async () => {
    const store = new MemoryEventStore();
    let failures = 1;
    const sent: string[][] = [];
    const bus: Bus = {
      publish: async (messages) => {
        if (failures-- > 0) throw new Error('broker away');
        sent.push(messages.map((message) => message.key));
      },
      consume: () => Promise.reject(new Error('this double only publishes')),
      close: async () => undefined,
    };
    const relay = new Relay({ level: 'county', store, jurisdictions: loadReferenceRegistry(), bus, checkpoints: new MemoryCheckpoints() });
    for (let n = 1; n <= RELAY_BATCH + 1; n++) await store.append(`unit-${n}`, 'no-stream', [unitRegistered(n)]);
    await expect(relay.drain()).rejects.toThrow('broker away');
    expect(relay.checkpoint).toBe(0);
    expect(await relay.drain()).toBe(RELAY_BATCH + 1);
    expect(sent.map((keys) => keys.length)).toEqual([RELAY_BATCH, 1]);
    expect(sent[0]![0]).toBe('unit-1');
  });

  it('sends a batch of large facts in parts a broker accepts, in order, and moves its checkpoint after the last', async () => {
    const store = new MemoryEventStore();
    const sent: BusMessage[][] = [];
    const bus: Bus = {
      publish: async (messages) => void sent.push([...messages]),
      consume: () => Promise.reject(new Error('this double only publishes')),
      close: async () => undefined,
    };
    const relay = new Relay({ level: 'county', store, jurisdictions: loadReferenceRegistry(), bus, checkpoints: new MemoryCheckpoints() });
    // 12 facts of ~150 kB (a unit with a very long name): 1.8 MB in one batch.
    for (let n = 1; n <= 12; n++) await store.append(`unit-${n}`, 'no-stream', [unitRegistered(n, '名'.repeat(50_000))]);
    expect(await relay.drain()).toBe(12);
    expect(sent.length).toBeGreaterThan(1);
    for (const part of sent) expect(part.reduce((bytes, message) => bytes + Buffer.byteLength(message.value) + Buffer.byteLength(message.key), 0)).toBeLessThanOrEqual(PUBLISH_BYTES);
    expect(sent.flat().map((message) => message.key)).toEqual(Array.from({ length: 12 }, (_, index) => `unit-${index + 1}`));
    expect(relay.checkpoint).toBe(12);
  });
});
