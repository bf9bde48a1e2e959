// The inbox consumer as LinkageRuntime wires it to the bus: runs recorded through receiveMany, a
// message that does not parse singled out by the bus and dead-lettered alone, and a registration
// that the level's registry cannot take recorded without holding up its partition.
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import type { Actor, Command } from '#domain';
import { INTEGRATION_SCHEMA } from '#domain';
import type { BusMessage, DeliveredMessage } from '#bus';
import { topicFor } from '#bus';
import { InprocBus } from '#bus/adapters';
import type { EventStore } from '#event-store';
import { MemoryEventStore } from '#event-store/adapters';
import { waitUntil } from '../contracts/bus.contract.js';
import { LevelService, LinkageRuntime, SettableClock, inboxDeadLetterTopicFor, loadReferenceRegistry, metadataOf, toIntegrationEvent } from '#linkage';
import { LinkageMetrics, createOperationsLog, operationsLog, useOperationsLog } from '#observability';

const COUNTY: Actor = { id: 'za-office', jurisdiction: '350624', role: 'leading-group' };
const ADMIN: Actor = { id: 'ops', jurisdiction: '350000', role: 'admin' };

/** What the county recorded, as its relay would publish it. */
const countyMessages = async (commands: readonly Command[], actor: Actor = COUNTY): Promise<BusMessage[]> => {
  const county = new LevelService('county', new MemoryEventStore(), loadReferenceRegistry(), new SettableClock('2024-05-01T00:00:00.000Z'));
  for (const command of commands) await county.execute({ command, actor });
  const messages: BusMessage[] = [];
  for (const recorded of await county.store.readAll()) {
    const integration = toIntegrationEvent(recorded, 'county', county.registry)!;
    messages.push({ topic: topicFor('county', INTEGRATION_SCHEMA), key: recorded.streamId, value: JSON.stringify(integration), headers: { 'event-id': integration.metadata.eventId } });
  }
  return messages;
};

/** A province store that counts the appends it is asked for. */
class CountingStore extends MemoryEventStore {
  appendManyCalls = 0;
  override appendMany(...args: Parameters<MemoryEventStore['appendMany']>): ReturnType<MemoryEventStore['appendMany']> {
    this.appendManyCalls++;
    return super.appendMany(...args);
  }
}

describe('the inbox consumer of a level', () => {
  let bus: InprocBus;
  let runtime: LinkageRuntime;
  let store: CountingStore;
  const deadLetters: DeliveredMessage[] = [];

  beforeEach(async () => {
    bus = new InprocBus();
    store = new CountingStore();
    deadLetters.length = 0;
    runtime = await LinkageRuntime.start({ levels: ['province'], clock: new SettableClock('2024-05-01T00:00:00.000Z'), bus, openStore: () => store, live: false });
    await bus.consume({
      groupId: 'operator',
      topics: [inboxDeadLetterTopicFor('province')],
      deadLetterTopic: 'operator.dead-letter',
      onMessage: async (message) => void deadLetters.push(message),
    });
  });

  afterEach(async () => {
    await runtime.stop();
  });

  const rounds: Command[] = [
    { type: 'registerUnit', data: { unitId: 'za-depot', name: '诏安县中心粮库', jurisdiction: '350624' } },
    { type: 'planRound', data: { roundId: 'za-r', title: '巡察', kind: 'regular', targets: ['za-depot'] } },
    { type: 'launchRound', data: { roundId: 'za-r' } },
  ];

  it('given a run of published facts, when the bus delivers it, then the province records it in one appendMany', async () => {
    const messages = await countyMessages(rounds);
    // One key: every message in one partition, so the bus hands them over as one run.
    const run = messages.map((message) => ({ ...message, key: 'one-partition' }));

    await bus.publish(run);

    expect(store.appendManyCalls).toBe(1);
    expect((await store.readAll()).map((recorded) => recorded.type)).toEqual(['UnitRegistered', 'RoundPlanned', 'RoundLaunched']);
    expect(runtime.node('province')!.inbox.stats).toMatchObject({ recorded: 3, duplicates: 0 });
    expect(deadLetters).toEqual([]);
  });

  it('given a run with a message that does not parse, when the bus delivers it, then the others are recorded and only that one is dead-lettered', async () => {
    const [unit, planned, launched] = (await countyMessages(rounds)).map((message) => ({ ...message, key: 'one-partition' }));
    const garbled: BusMessage = { ...planned!, value: planned!.value.slice(0, 40), headers: { 'event-id': 'garbled' } };

    await bus.publish([unit!, garbled, planned!, launched!]);

    await waitUntil(() => deadLetters.length > 0, 'the operator sees the dead letter');
    const recorded = await store.readAll();
    expect(recorded.map((event) => event.type)).toEqual(['UnitRegistered', 'RoundPlanned', 'RoundLaunched']);
    expect(new Set(recorded.map((event) => metadataOf(event).origin?.eventId)).size).toBe(3);
    expect(deadLetters.map((deadLetter) => deadLetter.headers?.['event-id'])).toEqual(['garbled']);
    expect(deadLetters[0]!.headers?.['dead-letter-error']).toMatch(/UndeliverableMessage: not JSON/);
    // Counted once for the status and the metrics (the run was refused whole, then taken one by one).
    expect(runtime.node('province')!.inbox.stats).toMatchObject({ recorded: 3, duplicates: 0, deadLettered: 1 });
  });

  it('given messages holding a lone surrogate (source stream id, an id in the data, a key), when the bus delivers them, then only those are dead-lettered', async () => {
    const [unit, planned, launched] = (await countyMessages(rounds)).map((message) => ({ ...message, key: 'one-partition' }));
    type Editable = { source: { streamId: string }; data: Record<string, unknown>; metadata: { eventId: string } };
    /**
     * The message as another fact (its own source event id) with one change; JSON.stringify writes
     * a lone surrogate as an escape, as any producer could.
     */
    const altered = (message: BusMessage, label: string, change: (integration: Editable) => void): BusMessage => {
      const integration = JSON.parse(message.value) as Editable;
      integration.metadata.eventId = randomUUID();
      change(integration);
      return { ...message, value: JSON.stringify(integration), headers: { 'event-id': label } };
    };
    const poisoned = [
      altered(planned!, 'in-source-stream', (integration) => (integration.source.streamId = 'round-za-r\ud800')),
      altered(planned!, 'in-data', (integration) => (integration.data.targets = ['za-depot\udc00'])),
      altered(planned!, 'in-a-key', (integration) => (integration.data['\ud83d'] = 1)),
    ];
    expect(poisoned.every((message) => message.value.includes('\\ud'))).toBe(true);

    // Not awaited first: a message that fails as if it were transient is retried in place for ever,
    // and the wait below reports it (the bus then rejects this publish when it is closed).
    const published = bus.publish([unit!, ...poisoned, planned!, launched!]);
    published.catch(() => undefined);

    await waitUntil(() => deadLetters.length === poisoned.length, 'the operator sees the three dead letters', 5000);
    await published;
    expect((await store.readAll()).map((event) => event.type)).toEqual(['UnitRegistered', 'RoundPlanned', 'RoundLaunched']);
    expect(deadLetters.map((deadLetter) => deadLetter.headers?.['event-id'])).toEqual(['in-source-stream', 'in-data', 'in-a-key']);
    for (const deadLetter of deadLetters) expect(deadLetter.headers?.['dead-letter-error']).toMatch(/UndeliverableMessage: text at .* is not well-formed UTF-16/);
    expect(runtime.node('province')!.inbox.stats).toMatchObject({ recorded: 3, duplicates: 0 });
  });

  it("given a code the city registered, when the county's registration of it with another parent and level arrives, then it is recorded, the registry keeps the first, it is said and counted once, and the partition goes on", async () => {
    // Each level registered 359901 before the other's fact reached it: the city level as a city of
    // the province, the county level as a county of Zhangzhou.
    const cityBus = new InprocBus();
    const cityStore = new MemoryEventStore();
    const cityRuntime = await LinkageRuntime.start({ levels: ['city'], clock: new SettableClock('2024-05-01T00:00:00.000Z'), bus: cityBus, openStore: () => cityStore, live: false });
    const city = cityRuntime.node('city')!;
    const previousLog = operationsLog();
    const warnings: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) warnings.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    useOperationsLog(createOperationsLog({ level: 'warn', destination }));
    try {
      await city.service.execute({ command: { type: 'registerJurisdiction', data: { code: '359901', name: '新市', level: 'city', parent: '350000' } }, actor: ADMIN });
      const [registration] = await countyMessages([{ type: 'registerJurisdiction', data: { code: '359901', name: '新区', level: 'county', parent: '350600' } }], ADMIN);
      const [unit] = await countyMessages([rounds[0]!]);
      // One partition: the unit's fact comes behind the conflicting one.
      const run = [registration!, unit!].map((message) => ({ ...message, key: 'one-partition' }));

      // Not awaited first: a registrar that throws makes the bus retry the run in place for ever.
      const published = cityBus.publish(run);
      published.catch(() => undefined);
      await waitUntil(() => city.inbox.stats.recorded === 2, 'the city records both facts', 5000);
      await published;
      // Delivered again (a relay replaying): duplicates, and no second warning.
      await cityBus.publish(run);

      const recorded = await cityStore.readAll();
      expect(recorded.filter((event) => event.type === 'JurisdictionRegistered').map((event) => [metadataOf(event).origin?.level ?? 'city', event.data])).toEqual([
        ['city', { code: '359901', name: '新市', level: 'city', parent: '350000' }],
        ['county', { code: '359901', name: '新区', level: 'county', parent: '350600' }],
      ]);
      expect(recorded.filter((event) => event.type === 'UnitRegistered')).toHaveLength(1);
      expect(city.jurisdictions.get('359901')).toMatchObject({ level: 'city', parent: '350000' });
      expect(city.inbox.stats).toMatchObject({ recorded: 2, duplicates: 2, deadLettered: 0 });
      expect(warnings.filter((line) => line.event === 'jurisdiction-conflict')).toEqual([
        expect.objectContaining({
          level: 'warn',
          atLevel: 'city',
          code: '359901',
          kept: { name: '新市', level: 'city', parent: '350000' },
          ignored: { name: '新区', level: 'county', parent: '350600' },
        }),
      ]);
      expect((await cityRuntime.status())[0]).toMatchObject({ registry: { conflicts: 1 } });
      const metrics = new LinkageMetrics();
      metrics.observe({ levels: () => cityRuntime.status(), liveViewsOpen: () => 0 });
      expect(await metrics.scrape()).toContain('linkage_jurisdiction_conflicts_total{level="city"} 1');

      // Started again over the same facts, the level warms up past the conflicting one and keeps the
      // first (through a store of its own, whose close leaves the first runtime's open).
      const sameFacts: EventStore = {
        append: (...args) => cityStore.append(...args),
        appendMany: (appends) => cityStore.appendMany(appends),
        readStream: (streamId, options) => cityStore.readStream(streamId, options),
        readAll: (options) => cityStore.readAll(options),
        headPosition: () => cityStore.headPosition(),
        capabilities: cityStore.capabilities,
        close: async () => undefined,
      };
      const again = await LinkageRuntime.start({ levels: ['city'], clock: new SettableClock('2024-05-01T00:00:00.000Z'), bus: new InprocBus(), openStore: () => sameFacts, live: false });
      try {
        expect(again.node('city')!.jurisdictions.get('359901')).toMatchObject({ level: 'city', parent: '350000' });
      } finally {
        await again.stop();
      }
    } finally {
      useOperationsLog(previousLog);
      await cityRuntime.stop();
    }
  });
});
