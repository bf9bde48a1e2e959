/**
 * The audit contract (test/contracts/audit.contract.ts) on every adapter that keeps a level's chain:
 * memory, SQLite files (tampered with through a second connection to the file, as someone with the
 * file would), and EventStoreDB through the real client against the gRPC fake (tampered with in the
 * fake's log, as someone with the node's files would). The fake costs about a millisecond per event
 * read, so EventStoreDB runs the first 24 steps of the scenario and one trial of each tampering.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Level } from '#domain';
import { chainHashOf, genesisHash } from '#audit';
import { chainedMemoryStore, openChainedEsdbStore, openChainedSqliteStore } from '#linkage';
import type { ChainTamperer, StoredJson, Undo } from '../contracts/audit.contract.js';
import { describeAuditContract } from '../contracts/audit.contract.js';
import { EsdbFakeServer } from '../fakes/esdb/esdb-fake-server.js';
import type { LoggedEvent } from '../fakes/esdb/fake-log.js';

describeAuditContract('memory', async () => ({ openStore: () => chainedMemoryStore(), dispose: async () => undefined }));

/** A row of the SQLite store's events table, every column as stored. */
type Row = Record<string, unknown> & { position: number; stream_id: string; revision: number; event_id: string; type: string; data: string; metadata: string };

const sqliteTamperer = (fileOf: (level: Level) => string): ChainTamperer => {
  const withDb = <T>(level: Level, work: (db: Database.Database) => T): T => {
    const db = new Database(fileOf(level));
    try {
      return work(db);
    } finally {
      db.close();
    }
  };
  const rowsFrom = (db: Database.Database, from: number): Row[] => db.prepare('SELECT * FROM events WHERE position >= ? ORDER BY position').all(from) as Row[];
  const putBack = (level: Level, rows: readonly Row[]): Undo => async () =>
    withDb(level, (db) => {
      const columns = Object.keys(rows[0]!);
      const insert = db.prepare(`INSERT OR REPLACE INTO events (${columns.join(', ')}) VALUES (${columns.map((column) => `@${column}`).join(', ')})`);
      db.transaction(() => rows.forEach((row) => insert.run(row)))();
    });
  const edited = (row: Row, edit: (stored: StoredJson) => StoredJson): { data: string; metadata: string } => {
    const changed = edit({ data: JSON.parse(row.data) as Record<string, unknown>, metadata: JSON.parse(row.metadata) as Record<string, unknown> });
    return { data: JSON.stringify(changed.data), metadata: JSON.stringify(changed.metadata) };
  };
  return {
    editEvent: async (level, place, edit) =>
      withDb(level, (db) => {
        const [row] = rowsFrom(db, place);
        db.prepare('UPDATE events SET data = @data, metadata = @metadata WHERE position = @position').run({ ...edited(row!, edit), position: place });
        return putBack(level, [row!]);
      }),
    removeEvent: async (level, place) =>
      withDb(level, (db) => {
        const [row] = rowsFrom(db, place);
        db.prepare('DELETE FROM events WHERE position = ?').run(place);
        return putBack(level, [row!]);
      }),
    cutAfter: async (level, place) =>
      withDb(level, (db) => {
        const rows = rowsFrom(db, place + 1);
        db.prepare('DELETE FROM events WHERE position > ?').run(place);
        return putBack(level, rows);
      }),
    rewriteAndRehash: async (level, place, edit) =>
      withDb(level, (db) => {
        const rows = rowsFrom(db, place);
        const before = place === 1 ? genesisHash() : (db.prepare('SELECT chain_hash FROM events WHERE position = ?').pluck().get(place - 1) as Buffer);
        let previous: Uint8Array = before;
        const update = db.prepare('UPDATE events SET data = @data, metadata = @metadata, chain_hash = @hash WHERE position = @position');
        for (const [index, row] of rows.entries()) {
          const texts = index === 0 ? edited(row, edit) : { data: row.data, metadata: row.metadata };
          previous = chainHashOf(previous, { position: row.position, streamId: row.stream_id, revision: row.revision, eventId: row.event_id, type: row.type, ...texts });
          update.run({ ...texts, hash: previous, position: row.position });
        }
        return putBack(level, rows);
      }),
  };
};

describe('on SQLite files', () => {
  const dir = mkdtempSync(join(process.cwd(), '.tmp', 'audit-contract-'));
  const fileOf = (level: Level): string => join(dir, `${level}.events.db`);
  describeAuditContract('sqlite', async () => ({
    openStore: (level) => openChainedSqliteStore(fileOf(level)),
    tamperer: sqliteTamperer(fileOf),
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  }));
});

/** The adapter's metadata wrapper (libs/event-store/esdb.ts): the port's id and metadata, the event's place and seal. */
interface Wrapper {
  readonly id: string;
  readonly metadata: Record<string, unknown>;
  readonly place: number;
  readonly seal: string;
}

const utf8 = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'utf8'));
const textOf = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

const esdbTamperer = (fake: () => EsdbFakeServer): ChainTamperer => {
  const storage = () => fake().storage;
  const levelEvents = (level: Level): LoggedEvent[] => storage().loggedEvents.filter((event) => event.streamName.startsWith(`${level}.`));
  const wrapperOf = (event: LoggedEvent): Wrapper => JSON.parse(textOf(event.metadata)) as Wrapper;
  const atPlace = (level: Level, place: number): LoggedEvent => levelEvents(level).find((event) => wrapperOf(event).place === place)!;
  /** Changes the log, returning the undo that puts the whole log back. */
  const change = (replace: (events: readonly LoggedEvent[]) => LoggedEvent[]): Undo => {
    const pristine = storage().loggedEvents;
    storage().replaceEvents(replace(pristine));
    return async () => storage().replaceEvents(pristine);
  };
  const edited = (event: LoggedEvent, edit: (stored: StoredJson) => StoredJson, seal?: string): LoggedEvent => {
    const wrapper = wrapperOf(event);
    const changed = edit({ data: JSON.parse(textOf(event.data)) as Record<string, unknown>, metadata: wrapper.metadata });
    return { ...event, data: utf8(JSON.stringify(changed.data)), metadata: utf8(JSON.stringify({ ...wrapper, metadata: changed.metadata, seal: seal ?? wrapper.seal })) };
  };
  return {
    editEvent: async (level, place, edit) => {
      const target = atPlace(level, place);
      return change((events) => events.map((event) => (event === target ? edited(event, edit) : event)));
    },
    removeEvent: async (level, place) => {
      const target = atPlace(level, place);
      return change((events) => events.filter((event) => event !== target));
    },
    cutAfter: async (level, place) => {
      const cut = new Set(levelEvents(level).filter((event) => wrapperOf(event).place > place));
      return change((events) => events.filter((event) => !cut.has(event)));
    },
    rewriteAndRehash: async (level, place, edit) => {
      const ownEvents = levelEvents(level);
      const from = ownEvents.findIndex((event) => wrapperOf(event).place === place);
      let previous: Uint8Array = from === 0 ? genesisHash() : Buffer.from(wrapperOf(ownEvents[from - 1]!).seal, 'hex');
      const replaced = new Map<LoggedEvent, LoggedEvent>();
      for (const [index, event] of ownEvents.slice(from).entries()) {
        const changed = index === 0 ? edited(event, edit) : event;
        const wrapper = wrapperOf(changed);
        previous = chainHashOf(previous, {
          position: wrapper.place,
          streamId: changed.streamName.slice(`${level}.`.length),
          revision: Number(changed.revision),
          eventId: wrapper.id,
          type: changed.type,
          data: textOf(changed.data),
          metadata: JSON.stringify(wrapper.metadata),
        });
        replaced.set(event, edited(changed, (stored) => stored, Buffer.from(previous).toString('hex')));
      }
      return change((events) => events.map((event) => replaced.get(event) ?? event));
    },
  };
};

describe('on EventStoreDB (the gRPC fake, through @eventstore/db-client)', () => {
  let fake: EsdbFakeServer | undefined;
  describeAuditContract('esdb', async () => {
    fake = await EsdbFakeServer.start();
    return {
      openStore: (level) => openChainedEsdbStore(fake!.connectionString, level),
      tamperer: esdbTamperer(() => fake!),
      dispose: async () => fake?.stop(),
    };
  }, { trials: 1, run: { pause: 12, steps: 24 } });
});
