/**
 * The esdb adapter over a real gRPC connection: against EsdbFakeServer by default, against the real
 * server named by ESDB_CONNECTION_STRING when it is set (each store then gets a prefix of its own,
 * so runs never see each other's events). Tests that need to crash the server run on the fake only.
 */
import { randomUUID } from 'node:crypto';
import { EventStoreDBClient } from '@eventstore/db-client';
import { describeEventStoreContract } from '../../test/contracts/event-store.contract.js';
import { EsdbFakeServer } from '../../test/fakes/esdb/esdb-fake-server.js';
import { EsdbEventStore, type EsdbEventStoreOptions } from './esdb.js';
import { WrongExpectedRevision, type NewEvent, type RecordedEvent } from './port.js';

const realServer = process.env.ESDB_CONNECTION_STRING;
const onFakeOnly = realServer ? it.skip : it;

let fake: EsdbFakeServer | undefined;
const connectionString = (): string => realServer ?? fake!.connectionString;

beforeAll(async () => {
  if (!realServer) fake = await EsdbFakeServer.start();
});
afterAll(async () => {
  await fake?.stop();
});

const stores: EsdbEventStore[] = [];
const openStore = (options: Partial<EsdbEventStoreOptions> = {}): EsdbEventStore => {
  const store = new EsdbEventStore({ connectionString: connectionString(), streamPrefix: `test-${randomUUID()}.`, ...options });
  stores.push(store);
  return store;
};
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

describeEventStoreContract('esdb', async () => {
  const store = openStore();
  return { store, close: () => store.close() };
});

const event = (label: string, id: string = randomUUID()): NewEvent => ({ id, type: 'Happened', data: { label }, metadata: { label } });

const until = async (condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe('EsdbEventStore', () => {
  it('isolates stores sharing one server by stream prefix', async () => {
    const run = randomUUID();
    const province = openStore({ streamPrefix: `${run}.province.` });
    const city = openStore({ streamPrefix: `${run}.city.` });
    const inProvince = await province.append('case-1', 'no-stream', [event('p0'), event('p1')]);
    const inCity = await city.append('case-1', 'no-stream', [event('c0')]);
    const seenByCity: RecordedEvent[] = [];
    const subscription = city.subscribe({ after: 0, onEvent: (recorded) => void seenByCity.push(recorded) });

    expect(inProvince.nextExpectedRevision).toBe(1);
    expect(inCity.nextExpectedRevision).toBe(0);
    expect((await province.readStream('case-1')).map(({ data }) => data)).toEqual([{ label: 'p0' }, { label: 'p1' }]);
    expect((await city.readAll()).map(({ streamId, data }) => [streamId, data])).toEqual([['case-1', { label: 'c0' }]]);
    expect(await province.headPosition()).toBe(inProvince.position);
    expect(await city.headPosition()).toBe(inCity.position);
    await until(() => seenByCity.length === 1, 'the city subscription delivers its event');
    await subscription.close();
    expect(seenByCity.map(({ data }) => data)).toEqual([{ label: 'c0' }]);

    // On the server the streams carry the prefix; the server's event ids are the UUIDs appended.
    const client = EventStoreDBClient.connectionString(connectionString());
    try {
      const [stored] = await collect(client.readStream(`${run}.city.case-1`));
      const [recorded] = await city.readStream('case-1');
      expect(stored?.event).toMatchObject({ id: recorded?.id, isJson: true, data: { label: 'c0' } });
    } finally {
      await client.dispose();
    }
  });

  it('answers a retried append (same events, same expectation) as a success without writing twice', async () => {
    // EventStoreDB's idempotent writes; ids that are not UUIDs map to the same server ids each time.
    const store = openStore();
    const events = [event('a', `evt-${randomUUID()}`), event('b', `evt-${randomUUID()}`)];
    const first = await store.append('retried', 'no-stream', events);
    const retry = await store.append('retried', 'no-stream', events);

    expect(retry).toEqual(first);
    expect((await store.readStream('retried')).map(({ id }) => id)).toEqual(events.map(({ id }) => id));
    await expect(store.append('retried', 'no-stream', [event('c')])).rejects.toBeInstanceOf(WrongExpectedRevision);
  });

  onFakeOnly('resubscribes after the server restarts, without repeating or skipping an event', async () => {
    const streamPrefix = `test-${randomUUID()}.`;
    const store = openStore({ streamPrefix, reconnect: { initialDelayMs: 20 } });
    // A second connection, so the appends below do not depend on the subscriber's reconnecting.
    const writer = openStore({ streamPrefix });
    await store.append('s', 'no-stream', [event('0'), event('1')]);
    const delivered: string[] = [];
    const errors: unknown[] = [];
    let caughtUp = 0;
    const subscription = store.subscribe({
      after: 0,
      onEvent: (recorded) => void delivered.push(String((recorded.data as { label: string }).label)),
      onCaughtUp: () => (caughtUp += 1),
      onError: (error) => errors.push(error),
    });
    await until(() => caughtUp === 1 && delivered.length === 2, 'the subscription has caught up');

    await fake!.restart();
    // Appended while the subscription is still reconnecting: it must find these by catching up.
    const append = (expected: number, label: string) => writer.append('s', expected, [event(label)]);
    await append(1, '2').catch(() => append(1, '2'));
    await until(() => delivered.length === 3, 'the event appended during the reconnect is delivered');
    await append(2, '3');
    await until(() => delivered.length === 4, 'the live event after the reconnect is delivered');
    await subscription.close();

    expect(delivered).toEqual(['0', '1', '2', '3']);
    expect(caughtUp).toBe(1);
    expect(errors).toEqual([]);
  });

  it('gives up and reports to onError once the server stays unreachable', async () => {
    const unreachable = await EsdbFakeServer.start();
    await unreachable.stop();
    const store = openStore({
      connectionString: unreachable.connectionString,
      reconnect: { initialDelayMs: 5, maxDelayMs: 20, maxAttempts: 2 },
    });
    const errors: unknown[] = [];
    store.subscribe({ after: 0, onEvent: () => undefined, onError: (error) => errors.push(error) });

    await until(() => errors.length > 0, 'the subscription gives up');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(Error);
  });

  it('refuses positions beyond Number.MAX_SAFE_INTEGER with a clear error', async () => {
    const farOff = await EsdbFakeServer.start({ firstLogPosition: BigInt(Number.MAX_SAFE_INTEGER) + 1n });
    try {
      const store = openStore({ connectionString: farOff.connectionString });
      await expect(store.append('s', 'no-stream', [event('x')])).rejects.toThrow(/exceeds Number\.MAX_SAFE_INTEGER/);
    } finally {
      await farOff.stop();
    }
  });

  it('refuses a stream prefix that is empty or names system streams', () => {
    expect(() => openStore({ streamPrefix: '' })).toThrow(/streamPrefix/);
    expect(() => openStore({ streamPrefix: '$ce-' })).toThrow(/streamPrefix/);
  });
});

const collect = async <T>(read: AsyncIterable<T>): Promise<T[]> => {
  const items: T[] = [];
  for await (const item of read) items.push(item);
  return items;
};
