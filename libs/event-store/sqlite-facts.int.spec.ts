import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NewEvent } from '#event-store';
import { SqliteFactReader } from '#event-store';
import { MemoryEventStore, SqliteEventStore } from '#event-store/adapters';
import { testSeal } from '../../test/support/seals.js';

const fact = (n: number, type: string): NewEvent => ({
  id: `00000000-0000-7000-8000-${String(n).padStart(12, '0')}`,
  type,
  data: { n, summary: `问题 ${n}` },
  metadata: { occurredAt: `2021-10-08T02:00:${String(n % 60).padStart(2, '0')}.000Z` },
});

describe('reading a SQLite store file from another connection, for projection workers', () => {
  let folder: string;
  let store: SqliteEventStore;
  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'sqlite-facts-'));
    store = SqliteEventStore.open(join(folder, 'province.events.db'), { seal: testSeal });
    for (let n = 1; n <= 30; n++) await store.append(`stream-${n % 4}`, n <= 4 ? 'no-stream' : Math.floor((n - 1) / 4) - 1, [fact(n, n % 3 === 0 ? 'TaskAssigned' : 'IssueFound')]);
  });
  afterAll(async () => {
    await store.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('gives the facts of a range of positions in order, decoding metadata only for the types asked for', () => {
    const reader = SqliteFactReader.open(store.file, { provenanceFor: ['TaskAssigned'] });
    try {
      const facts = reader.readRange(10, 15);
      expect(facts.map((f) => f.position)).toEqual([11, 12, 13, 14, 15]);
      expect(facts.map((f) => f.data)).toEqual([11, 12, 13, 14, 15].map((n) => ({ n, summary: `问题 ${n}` })));
      expect(facts.map((f) => [f.type, f.metadata])).toEqual([
        ['IssueFound', undefined],
        ['TaskAssigned', { occurredAt: '2021-10-08T02:00:12.000Z' }],
        ['IssueFound', undefined],
        ['IssueFound', undefined],
        ['TaskAssigned', { occurredAt: '2021-10-08T02:00:15.000Z' }],
      ]);
      expect(reader.readRange(30, 40)).toEqual([]);
    } finally {
      reader.close();
    }
  });

  it('sees what the store appended after it was opened', async () => {
    const reader = SqliteFactReader.open(store.file, { provenanceFor: [] });
    try {
      await store.append('stream-late', 'no-stream', [fact(31, 'IssueFound')]);
      expect(reader.readRange(30, 31)).toEqual([{ position: 31, type: 'IssueFound', data: { n: 31, summary: '问题 31' }, metadata: undefined }]);
    } finally {
      reader.close();
    }
  });

  it('hands the types asked for only the provenance fields asked for, leaving out a field their metadata lacks', async () => {
    const head = await store.headPosition();
    const actor = { id: 'city-office', jurisdiction: '350600', role: 'leading-group' };
    await store.append('stream-provenance', 'no-stream', [
      { ...fact(61, 'TaskAssigned'), metadata: { occurredAt: '2021-10-08T03:00:00.000Z', actor, correlationId: 'c-1', origin: { level: 'county', position: 7 } } },
      { ...fact(62, 'TaskAssigned'), metadata: { occurredAt: '2021-10-08T03:00:01.000Z', actor, correlationId: 'c-2' } },
      { ...fact(63, 'IssueFound'), metadata: { occurredAt: '2021-10-08T03:00:02.000Z', actor } },
    ]);
    const picking = (provenanceFields: string[]) => {
      const reader = SqliteFactReader.open(store.file, { provenanceFor: ['TaskAssigned'], provenanceFields });
      try {
        return reader.readRange(head, head + 3).map((f) => f.metadata);
      } finally {
        reader.close();
      }
    };
    expect(picking(['occurredAt', 'actor.id', 'origin.position'])).toEqual([
      { occurredAt: '2021-10-08T03:00:00.000Z', actor: { id: 'city-office' }, origin: { position: 7 } },
      { occurredAt: '2021-10-08T03:00:01.000Z', actor: { id: 'city-office' } },
      undefined,
    ]);
    expect(picking(['occurredAt'])).toEqual([{ occurredAt: '2021-10-08T03:00:00.000Z' }, { occurredAt: '2021-10-08T03:00:01.000Z' }, undefined]);
  });

  it('refuses a file that does not exist rather than create one, and names only SQLite stores as files', () => {
    expect(() => SqliteFactReader.open(join(folder, 'missing.events.db'), { provenanceFor: [] })).toThrow();
    expect(store.capabilities.sqliteFile).toBe(store.file);
    expect(new MemoryEventStore().capabilities.sqliteFile).toBeUndefined();
  });
});
