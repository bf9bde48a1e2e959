/**
 * The esdb adapter over a real gRPC connection: against EsdbFakeServer by default, against the real
 * server named by ESDB_CONNECTION_STRING when it is set (each store then gets a prefix of its own,
 * so runs never see each other's events). Tests that need to crash the server run on the fake only.
 */
import { randomUUID } from 'node:crypto';
import { EventStoreDBClient } from '@eventstore/db-client';
import { describeEventStoreContract, describeSealingContract } from '../../test/contracts/event-store.contract.js';
import { EsdbFakeServer } from '../../test/fakes/esdb/esdb-fake-server.js';
import { EsdbEventStore, type EsdbEventStoreOptions } from './esdb.js';
import { StoreUnreachable, WrongExpectedRevision, type NewEvent } from './port.js';

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

describeSealingContract(
  'esdb',
  async (seal) => {
    const store = openStore({ seal });
    return { store, close: () => store.close() };
  },
  { atomicAppendMany: false },
);

describe('EsdbEventStore', () => {
  it('opened without a seal, keeps none and shares no file', () => {
    expect(openStore().capabilities).toEqual({});
  });

  it('isolates stores sharing one server by stream prefix', async () => {
    const run = randomUUID();
    const province = openStore({ streamPrefix: `${run}.province.` });
    const city = openStore({ streamPrefix: `${run}.city.` });
    const inProvince = await province.append('case-1', 'no-stream', [event('p0'), event('p1')]);
    const inCity = await city.append('case-1', 'no-stream', [event('c0')]);

    expect(inProvince.nextExpectedRevision).toBe(1);
    expect(inCity.nextExpectedRevision).toBe(0);
    expect((await province.readStream('case-1')).map(({ data }) => data)).toEqual([{ label: 'p0' }, { label: 'p1' }]);
    expect((await city.readAll()).map(({ streamId, data }) => [streamId, data])).toEqual([['case-1', { label: 'c0' }]]);
    expect(await province.headPosition()).toBe(inProvince.position);
    expect(await city.headPosition()).toBe(inCity.position);

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

  onFakeOnly('reads and appends again after the server restarts', async () => {
    const store = openStore();
    await store.append('s', 'no-stream', [event('0'), event('1')]);

    await fake!.restart();
    // The first call after a drop may still meet the dead connection; the client then reconnects.
    const append = () => store.append('s', 1, [event('2')]);
    await append().catch(append);
    expect((await store.readAll()).map(({ data }) => (data as { label: string }).label)).toEqual(['0', '1', '2']);
  });

  onFakeOnly('reports a server it cannot reach as StoreUnreachable, naming the address, and writes once it answers', async () => {
    const port = fake!.port;
    await fake!.stop();
    try {
      const store = openStore({ seal: (previous) => Uint8Array.of((previous?.[0] ?? 0) + 1) });
      await expect(store.append('s', 'no-stream', [event('refused')])).rejects.toThrow(new RegExp(`^EventStoreDB at 127\\.0\\.0\\.1:${port} cannot be reached: `));
      await expect(store.readAll()).rejects.toBeInstanceOf(StoreUnreachable);
      await fake!.resume();
      await store.append('s', 'no-stream', [event('written')]);
      expect((await store.readAll()).map(({ data }) => data)).toEqual([{ label: 'written' }]);
    } finally {
      await fake!.resume();
    }
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

  it('reaches a KurrentDB server given as kurrentdb:// or kdb://, in any case (client 6.2.1 knows only esdb:// in lower case)', async () => {
    const address = connectionString().replace(/^esdb:\/\//, '');
    for (const scheme of ['kurrentdb://', 'kdb://', 'KurrentDB://', 'ESDB://']) {
      const store = openStore({ connectionString: scheme + address });
      await store.append('s', 'no-stream', [event(scheme)]);
      expect((await store.readAll()).map(({ data }) => data)).toEqual([{ label: scheme }]);
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
