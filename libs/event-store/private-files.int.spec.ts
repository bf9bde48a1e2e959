import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteEventStore } from '#event-store/adapters';
import { folderMode, modesUnder, notOwnerOnly } from '../../test/support/file-modes.js';
import { testSeal } from '../../test/support/seals.js';

describe('the files of a SQLite store', () => {
  let parent: string;
  let umask: number;
  beforeAll(() => {
    // The usual umask, under which SQLite on its own makes every file readable by anyone.
    umask = process.umask(0o022);
    parent = mkdtempSync(join(tmpdir(), 'private-files-'));
  });
  afterAll(() => {
    process.umask(umask);
    rmSync(parent, { recursive: true, force: true });
  });

  it('are created owner-only, in an owner-only folder', async () => {
    const folder = join(parent, 'new', 'data');
    const store = SqliteEventStore.open(join(folder, 'county.events.db'), { seal: testSeal });
    await store.append('unit-za', 'no-stream', [{ id: 'e-1', type: 'UnitRegistered', data: {}, metadata: {} }]);
    expect(modesUnder(folder).map((entry) => entry.path).sort()).toEqual(['county.events.db', 'county.events.db-shm', 'county.events.db-wal']);
    expect(notOwnerOnly(modesUnder(folder))).toEqual([]);
    expect(folderMode(folder)).toBe('700');
    await store.close();
  });

  it('are made owner-only when an earlier version left them readable', async () => {
    const file = join(parent, 'county.events.db');
    const earlier = new Database(file);
    earlier.pragma('journal_mode = WAL');
    earlier.exec('CREATE TABLE t (x)');
    expect(modesUnder(parent).filter((entry) => entry.path.startsWith('county.')).map((entry) => entry.mode)).toEqual(['644', '644', '644']);
    // Still open, as a crashed server leaves its -wal and -shm files.
    const store = SqliteEventStore.open(file, { seal: testSeal });
    expect(notOwnerOnly(modesUnder(parent).filter((entry) => entry.path.startsWith('county.')))).toEqual([]);
    await store.close();
    earlier.close();
  });
});
