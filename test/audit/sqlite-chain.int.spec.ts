import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { genesisHash, toHex, verifyChain, verifySqliteFile, StoreChain } from '#audit';
import type { EventStore, NewEvent, StreamAppend } from '#event-store';
import { chainedMemoryStore, openChainedSqliteStore } from '#linkage';
import { referenceChainHash } from '../support/chain-reference.js';
import { assertBriefly, eventPayload, scriptText } from '../support/event-arbitraries.js';

/** The chain of a store opened chained. */
const chainOf = (store: EventStore): StoreChain => StoreChain.of(store)!;

const event = (n: number): NewEvent => ({
  id: `00000000-0000-7000-8000-${String(n).padStart(12, '0')}`,
  type: 'IssueFound',
  data: { issueId: `i-${n}`, summary: `问题 ${n}`, amount: n / 4 },
  metadata: { actor: { id: 'za-team', jurisdiction: '350624', role: 'team' }, recordedAt: '2021-10-08T02:00:00.000Z' },
});

/** The same appends, in the same order, on any store: 3 streams, batches of 1 to 5 events. */
const appendHistory = async (store: EventStore, from = 0, count = 60): Promise<void> => {
  for (let n = from; n < from + count; ) {
    const streamId = `issue-${n % 3}`;
    const size = 1 + (n % 5);
    const existing = await store.readStream(streamId);
    await store.append(
      streamId,
      existing.length === 0 ? 'no-stream' : existing.length - 1,
      Array.from({ length: size }, (_, index) => event(n + index)),
    );
    n += size;
  }
};

describe('the SQLite store chains its events', () => {
  let folder: string;
  beforeAll(() => (folder = mkdtempSync(join(tmpdir(), 'sqlite-chain-'))));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('computes in its append transaction the chain the verifier recomputes, and the memory store the same chain', async () => {
    const file = join(folder, `${randomUUID()}.db`);
    const sqlite = openChainedSqliteStore(file);
    const memory = chainedMemoryStore();
    await appendHistory(sqlite);
    await appendHistory(memory);
    expect(await chainOf(sqlite).head()).toEqual(await chainOf(memory).head());
    expect((await chainOf(sqlite).head()).position).toBeGreaterThanOrEqual(60);
    const report = await verifyChain({ source: { description: 'live', readPage: (after, limit) => chainOf(sqlite).readPage(after, limit) }, level: 'county' });
    expect(report).toMatchObject({ ok: true, events: (await chainOf(sqlite).head()).position });
    await sqlite.close();
    expect(await verifySqliteFile({ file, level: 'county' })).toMatchObject({ ok: true });
  });

  it('keeps one chain when two connections append to the same file', async () => {
    const file = join(folder, `${randomUUID()}.db`);
    const first = openChainedSqliteStore(file);
    const second = openChainedSqliteStore(file);
    for (let n = 0; n < 40; n++) {
      const store = n % 2 === 0 ? first : second;
      const streamId = `stream-${n % 4}`;
      const existing = await store.readStream(streamId);
      await store.append(streamId, existing.length === 0 ? 'no-stream' : existing.length - 1, [event(n)]);
    }
    expect(await chainOf(first).head()).toEqual(await chainOf(second).head());
    await first.close();
    await second.close();
    expect(await verifySqliteFile({ file, level: 'county' })).toMatchObject({ ok: true, events: 40 });
  });

  it('appends to many streams in one transaction, all or nothing, on one chain', async () => {
    const store = openChainedSqliteStore(join(folder, `${randomUUID()}.db`));
    const results = await store.appendMany([
      { streamId: 'a', expected: 'no-stream', events: [event(1), event(2)] },
      { streamId: 'b', expected: 'no-stream', events: [event(3)] },
      { streamId: 'a', expected: 1, events: [event(4)] },
    ]);
    expect(results).toEqual([
      { nextExpectedRevision: 1, position: 2 },
      { nextExpectedRevision: 0, position: 3 },
      { nextExpectedRevision: 2, position: 4 },
    ]);
    await expect(
      store.appendMany([
        { streamId: 'c', expected: 'no-stream', events: [event(5)] },
        { streamId: 'b', expected: 'no-stream', events: [event(6)] },
      ]),
    ).rejects.toThrow(/expected revision no-stream, actual 0/);
    expect(await store.headPosition()).toBe(4);
    const reference = chainedMemoryStore();
    await reference.append('a', 'no-stream', [event(1), event(2)]);
    await reference.append('b', 'no-stream', [event(3)]);
    await reference.append('a', 1, [event(4)]);
    expect(await chainOf(store).head()).toEqual(await chainOf(reference).head());
    await store.close();
  });

  it('chains a version-1 file when it first opens it, as if the events had been appended chained', async () => {
    // A store written by the previous version: the same events, no chain column.
    const reference = chainedMemoryStore();
    await appendHistory(reference);
    const file = join(folder, `${randomUUID()}.db`);
    const v1 = new Database(file);
    v1.pragma('journal_mode = WAL');
    v1.exec(`CREATE TABLE events (
      position INTEGER PRIMARY KEY, stream_id TEXT NOT NULL, revision INTEGER NOT NULL, event_id TEXT NOT NULL UNIQUE,
      type TEXT NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL, UNIQUE (stream_id, revision)) STRICT`);
    const insert = v1.prepare('INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?)');
    for (const row of await chainOf(reference).readPage(0, 1000)) insert.run(row.position, row.streamId, row.revision, row.eventId, row.type, row.data, row.metadata);
    v1.pragma('user_version = 1');
    v1.close();

    const migrated = openChainedSqliteStore(file);
    expect(await chainOf(migrated).head()).toEqual(await chainOf(reference).head());
    // Appends continue the migrated chain.
    await appendHistory(migrated, 1000, 10);
    await appendHistory(reference, 1000, 10);
    expect(await chainOf(migrated).head()).toEqual(await chainOf(reference).head());
    await migrated.close();
    const check = new Database(file, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(2);
    check.close();
    expect(await verifySqliteFile({ file, level: 'county' })).toMatchObject({ ok: true });
  });

  it('chains and verifies clean events of 0 B to 2 MB in any script, appended one by one or all at once', async () => {
    const MB = 1024 * 1024;
    const stored = fc.record({ streamId: scriptText(40, 1), data: eventPayload(2 * MB), metadata: eventPayload(4096) });
    await assertBriefly(
      fc.asyncProperty(fc.array(stored, { minLength: 1, maxLength: 5 }), fc.boolean(), async (events, allAtOnce) => {
        const file = join(folder, `${randomUUID()}.db`);
        const store = openChainedSqliteStore(file);
        const revisions = new Map<string, number>();
        const appends = events.map(({ streamId, data, metadata }): StreamAppend => {
          const expected = revisions.get(streamId) ?? 'no-stream';
          revisions.set(streamId, expected === 'no-stream' ? 0 : expected + 1);
          return { streamId, expected, events: [{ id: randomUUID(), type: 'IssueFound', data, metadata }] };
        });
        if (allAtOnce) await store.appendMany(appends);
        else for (const append of appends) await store.append(append.streamId, append.expected, append.events);

        // Every stored hash is the documented chain over the stored texts.
        let reference = genesisHash();
        for (const row of await chainOf(store).readPage(0, 100)) {
          reference = referenceChainHash(reference, row);
          expect(toHex(row.chainHash)).toBe(toHex(reference));
        }
        const live = await verifyChain({ source: { description: 'live', readPage: (after, limit) => chainOf(store).readPage(after, limit) }, level: 'county' });
        expect(live).toMatchObject({ ok: true, findings: [], events: events.length });
        await store.close();
        expect(await verifySqliteFile({ file, level: 'county' })).toMatchObject({ ok: true, findings: [], events: events.length });
        rmSync(file, { force: true });
      }),
      { numRuns: 8 },
    );
  });
});
