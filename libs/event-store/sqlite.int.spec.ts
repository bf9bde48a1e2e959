import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describeEventStoreContract, describeSealingContract } from '../../test/contracts/event-store.contract.js';
import { resealed, testSeal } from '../../test/support/seals.js';
import { DuplicateEventId } from './encoding.js';
import { WrongExpectedRevision, type NewEvent } from './port.js';
import { SqliteEventStore } from './sqlite.js';

const folder = mkdtempSync(join(tmpdir(), 'sqlite-event-store-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** A file in a folder that does not exist yet: the store creates it. */
const newFile = (): string => join(folder, randomUUID(), 'events.db');

describeEventStoreContract('sqlite', async () => {
  const store = SqliteEventStore.open(newFile(), { seal: testSeal });
  return { store, close: () => store.close() };
});

describeSealingContract('sqlite', async (seal) => {
  const store = SqliteEventStore.open(newFile(), { seal });
  return { store, close: () => store.close() };
});

const event = (label: string): NewEvent => ({
  id: randomUUID(),
  type: 'Happened',
  data: { label, body: 'x'.repeat(100) },
  metadata: { label },
});

describe('SqliteEventStore', () => {
  const opened: SqliteEventStore[] = [];
  const open = (...args: Parameters<typeof SqliteEventStore.open>): SqliteEventStore => {
    const store = SqliteEventStore.open(...args);
    opened.push(store);
    return store;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
  });

  it('numbers positions densely from 1 across streams', async () => {
    const store = open(newFile(), { seal: testSeal });
    await store.append('a', 'no-stream', [event('a0'), event('a1')]);
    await store.append('b', 'no-stream', [event('b0')]);
    const last = await store.append('a', 1, [event('a2'), event('a3')]);

    expect((await store.readAll()).map(({ position }) => position)).toEqual([1, 2, 3, 4, 5]);
    expect(last).toEqual({ nextExpectedRevision: 3, position: 5 });
  });

  it('keeps every event across close and reopen, and goes on from where it stopped', async () => {
    const file = newFile();
    const first = SqliteEventStore.open(file, { seal: testSeal });
    await first.append('a', 'no-stream', [event('a0'), event('a1')]);
    await first.append('b', 'no-stream', [event('b0')]);
    const before = await first.readAll();
    await first.close();

    const reopened = open(file, { seal: testSeal });
    expect(await reopened.readAll()).toEqual(before);
    expect(await reopened.headPosition()).toBe(3);
    await expect(reopened.append('a', 0, [event('stale')])).rejects.toMatchObject({ actual: 1 });
    expect(await reopened.append('a', 1, [event('a2')])).toEqual({ nextExpectedRevision: 2, position: 4 });
  });

  it('runs the file in WAL mode', async () => {
    const file = newFile();
    open(file, { seal: testSeal });
    const inspector = new Database(file, { readonly: true });
    try {
      expect(inspector.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      inspector.close();
    }
  });

  it('refuses an event id already stored and rolls back the whole append', async () => {
    const store = open(newFile(), { seal: testSeal });
    const stored = event('stored');
    await store.append('a', 'no-stream', [stored]);

    const error = await store.append('b', 'no-stream', [event('new'), { ...stored, data: {} }]).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(DuplicateEventId);
    expect(error).toMatchObject({ eventId: stored.id });
    expect(await store.readStream('b')).toEqual([]);
    expect(await store.headPosition()).toBe(1);
  });

  it('goes on from the last seal in the file, whichever store object wrote it', async () => {
    const file = newFile();
    const one = open(file, { seal: testSeal });
    const two = open(file, { seal: testSeal });
    for (let n = 0; n < 6; n++) await (n % 2 === 0 ? one : two).append(`s${n}`, 'no-stream', [event(`e${n}`), event(`f${n}`)]);
    const stored = await one.capabilities.sealed!.read(0, 100);
    expect(stored).toHaveLength(12);
    expect(stored.map(({ seal }) => [...seal])).toEqual(resealed(stored).map((seal) => [...seal]));
    expect(await two.capabilities.sealed!.read(0, 100)).toEqual(stored);
  });

  it('checks expected revisions across two store objects on one file', async () => {
    const file = newFile();
    const one = open(file, { seal: testSeal });
    const two = open(file, { seal: testSeal });
    await one.append('a', 'no-stream', [event('from one')]);

    await expect(two.append('a', 'no-stream', [event('from two')])).rejects.toBeInstanceOf(WrongExpectedRevision);
    expect(await two.append('a', 0, [event('from two')])).toEqual({ nextExpectedRevision: 1, position: 2 });
    expect((await one.readStream('a')).map(({ revision }) => revision)).toEqual([0, 1]);
  });

  it('reads synchronously exactly what readAll reads', async () => {
    const store = open(newFile(), { seal: testSeal });
    for (let index = 0; index < 5; index += 1) {
      await store.append(`s${index}`, 'no-stream', [event(`e${index}`), event(`f${index}`)]);
    }

    for (const options of [undefined, {}, { after: 3 }, { limit: 4 }, { after: 2, limit: 5 }, { after: 10 }, { after: 9, limit: 0 }]) {
      expect(store.readAllSync(options)).toEqual(await store.readAll(options));
    }
    expect(store.readAllSync({ after: 2, limit: 3 }).map(({ position }) => position)).toEqual([3, 4, 5]);
    expect(() => store.readAllSync({ after: -1 })).toThrow(/after must be an integer >= 0/);
    expect(() => store.readAllSync({ limit: 1.5 })).toThrow(/limit must be an integer >= 0/);
  });

  it('refuses further use once closed, and closes again without complaint', async () => {
    const store = SqliteEventStore.open(newFile(), { seal: testSeal });
    await store.append('a', 'no-stream', [event('a0')]);
    await store.close();

    await expect(store.append('a', 0, [event('late')])).rejects.toThrow('SqliteEventStore is closed');
    expect(() => store.readAllSync()).toThrow('SqliteEventStore is closed');
    await expect(store.close()).resolves.toBeUndefined();
  });

  it('opens with synchronous FULL and refuses unknown options', async () => {
    const store = open(newFile(), { seal: testSeal, synchronous: 'FULL' });
    await store.append('a', 'no-stream', [event('durable')]);
    expect(await store.headPosition()).toBe(1);

    const badMode = { seal: testSeal, synchronous: 'OFF' } as unknown as { seal: typeof testSeal; synchronous: 'FULL' };
    expect(() => SqliteEventStore.open(newFile(), badMode)).toThrow(/synchronous must be 'NORMAL' or 'FULL'/);
    expect(() => SqliteEventStore.open(newFile(), { seal: testSeal, busyTimeoutMs: -1 })).toThrow(/busyTimeoutMs must be an integer >= 0/);
  });

  it('refuses a file written with another schema version', () => {
    const file = join(folder, `${randomUUID()}.db`);
    const other = new Database(file);
    other.pragma('user_version = 7');
    other.close();

    expect(() => SqliteEventStore.open(file, { seal: testSeal })).toThrow(/schema version 7, this code reads version 2/);
  });
});
