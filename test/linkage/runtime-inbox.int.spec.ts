// The inbox consumer as LinkageRuntime wires it to the bus: runs recorded through receiveMany, and a
// message that does not parse singled out by the bus and dead-lettered alone.
import { randomUUID } from 'node:crypto';
import type { Actor, Command } from '#domain';
import { INTEGRATION_SCHEMA } from '#domain';
import type { BusMessage, DeliveredMessage } from '#bus';
import { topicFor } from '#bus';
import { InprocBus } from '#bus/adapters';
import { MemoryEventStore } from '#event-store/adapters';
import { waitUntil } from '../contracts/bus.contract.js';
import { LevelService, LinkageRuntime, SettableClock, inboxDeadLetterTopicFor, loadReferenceRegistry, metadataOf, toIntegrationEvent } from '#linkage';

const COUNTY: Actor = { id: 'za-office', jurisdiction: '350624', role: 'leading-group' };

/** What the county recorded, as its relay would publish it. */
const countyMessages = async (commands: readonly Command[]): Promise<BusMessage[]> => {
  const county = new LevelService('county', new MemoryEventStore(), loadReferenceRegistry(), new SettableClock('2024-05-01T00:00:00.000Z'));
  for (const command of commands) await county.execute({ command, actor: COUNTY });
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
});

