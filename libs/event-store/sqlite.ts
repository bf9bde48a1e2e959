/**
 * SQLite EventStore on better-sqlite3 (the embedded default, DESIGN.md §3.3): one database file per
 * store, written by one or more connections in this or other processes.
 *
 * better-sqlite3 is synchronous: every call below runs to completion on the calling thread, so the
 * async methods only exist to honour the port. An append waits at most `busyTimeoutMs` for another
 * connection's write lock, blocking the event loop meanwhile.
 */
import Database from 'better-sqlite3';
import {
  DuplicateEventId,
  decodeEvent,
  encodeAppend,
  fromRevisionOf,
  readRange,
  type EncodedEvent,
} from './encoding.js';
import {
  WrongExpectedRevision,
  type AppendResult,
  type EventSeal,
  type EventStore,
  type EventStoreCapabilities,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SealedEvent,
  type SealedLog,
} from './port.js';
import { preparePrivateSqliteFile } from './private-files.js';

/**
 * Durability of a committed append. The store always runs in WAL mode, where
 * - 'NORMAL' does not fsync on commit: a *process* crash (kill -9, OOM, uncaught error) loses no
 *   acknowledged append, because the commit is already in the OS page cache; a power loss or kernel
 *   crash may lose the last appends (never corrupting the file or splitting an append).
 * - 'FULL' fsyncs the WAL on every commit, so acknowledged appends also survive a power loss, at
 *   the price of one fsync per append.
 */
export type SqliteSynchronous = 'NORMAL' | 'FULL';

export interface SqliteEventStoreOptions {
  /**
   * Seals every event as it is appended (see the port), and a version-1 file when it is first
   * opened. Required: the file format keeps a seal with every event, so an unsealed append would
   * break the sequence of seals for every later reader.
   */
  readonly seal: EventSeal;
  /** Default 'NORMAL'. */
  readonly synchronous?: SqliteSynchronous;
  /** How long an append waits for another connection's write lock before failing. Default 5000. */
  readonly busyTimeoutMs?: number;
}

/**
 * 1: events. 2: every event also keeps its seal, computed in the append transaction; a version-1
 * file is sealed when it is first opened by this code. The seal's column is named `chain_hash`
 * because the store once computed the audit hash chain itself, and the audit context still seals
 * with it: the name stays so that existing files, and the readers that open them, keep working.
 */
const SCHEMA_VERSION = 2;

// The current revision of a stream is the last entry of the (stream_id, revision) index, so no
// separate streams table is kept: it would cost one more write per append for no faster lookup.
const eventsTable = (name: string): string => `
  CREATE TABLE ${name} (
    position   INTEGER PRIMARY KEY,
    stream_id  TEXT    NOT NULL,
    revision   INTEGER NOT NULL,
    event_id   TEXT    NOT NULL UNIQUE,
    type       TEXT    NOT NULL,
    data       TEXT    NOT NULL,
    metadata   TEXT    NOT NULL,
    chain_hash BLOB    NOT NULL,
    UNIQUE (stream_id, revision)
  ) STRICT;
`;

const COLUMNS = 'position, stream_id, revision, event_id, type, data, metadata';

interface EventRow {
  readonly position: number;
  readonly stream_id: string;
  readonly revision: number;
  readonly event_id: string;
  readonly type: string;
  readonly data: string;
  readonly metadata: string;
}

/** A `readAll` row as an array (no per-row object), columns in COLUMNS order. */
type PageRow = [position: number, streamId: string, revision: number, eventId: string, type: string, data: string, metadata: string];

type InsertParams = [number, string, number, string, string, string, string, Uint8Array];

interface EncodedAppend {
  readonly streamId: string;
  readonly expected: ExpectedRevision;
  readonly events: readonly EncodedEvent[];
}

/** Rows gathered for multi-row INSERTs of INSERT_ROWS rows, written as each group fills up. */
class PendingRows {
  private params: unknown[] = [];
  private ids: string[] = [];

  constructor(private readonly insert: (count: number, params: unknown[], ids: readonly string[]) => void) {}

  add(id: string, ...row: InsertParams): void {
    this.params.push(...row);
    this.ids.push(id);
    if (this.ids.length === INSERT_ROWS) this.flush();
  }

  flush(): void {
    if (this.ids.length === 0) return;
    const [params, ids] = [this.params, this.ids];
    this.params = [];
    this.ids = [];
    this.insert(ids.length, params, ids);
  }
}

/** Rows per INSERT statement: 8 parameters each, far below SQLite's limit of 32,766. */
const INSERT_ROWS = 100;

/** A sealed-log row: the stored columns and the seal. */
type SealedPageRow = [...PageRow, seal: Buffer];

const toRecorded = (row: EventRow): RecordedEvent =>
  decodeEvent(row.stream_id, row.revision, row.position, {
    id: row.event_id,
    type: row.type,
    data: row.data,
    metadata: row.metadata,
  });

// By code, not `instanceof Database.SqliteError`: the native addon is loaded once per process and
// throws the SqliteError class of whichever copy of better-sqlite3 registered last (jest gives each
// test file its own copy).
const isUniqueViolation = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE';

export class SqliteEventStore implements EventStore {
  private closed = false;

  private readonly selectHead: Database.Statement<[], number>;
  private readonly selectLastSeal: Database.Statement<[], [number, Buffer]>;
  private readonly selectSealed: Database.Statement<[number, number], SealedPageRow>;
  private readonly selectStreamRevision: Database.Statement<[string], number>;
  private readonly selectStream: Database.Statement<[string, number], EventRow>;
  private readonly selectAfter: Database.Statement<[number, number], PageRow>;
  /** Multi-row INSERTs by row count, prepared on first use (see `write`). */
  private readonly insertRows = new Map<number, Database.Statement<unknown[]>>();
  private readonly selectKnownIds: Database.Statement<[string], string>;
  private readonly selectStreamRevisions: Database.Statement<[string], [string, number]>;
  private readonly appendTransaction: Database.Transaction<(appends: readonly EncodedAppend[]) => AppendResult[]>;
  readonly capabilities: EventStoreCapabilities;

  /**
   * Opens (creating it and its parent folder if needed, owner-only) the store in `file`. Several stores, in this
   * process or others, may open the same file: appends are serialized by SQLite's write lock.
   */
  static open(file: string, options: SqliteEventStoreOptions): SqliteEventStore {
    const synchronous = options.synchronous ?? 'NORMAL';
    if (synchronous !== 'NORMAL' && synchronous !== 'FULL') {
      throw new Error(`SqliteEventStore: synchronous must be 'NORMAL' or 'FULL', got ${String(synchronous)}`);
    }
    const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    if (!Number.isSafeInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
      throw new Error(`SqliteEventStore: busyTimeoutMs must be an integer >= 0, got ${String(busyTimeoutMs)}`);
    }

    preparePrivateSqliteFile(file);
    const db = new Database(file, { timeout: busyTimeoutMs });
    try {
      const journalMode: unknown = db.pragma('journal_mode = WAL', { simple: true });
      if (journalMode !== 'wal') {
        throw new Error(`SqliteEventStore: ${file} cannot use WAL journal mode (SQLite kept '${String(journalMode)}')`);
      }
      db.pragma(`synchronous = ${synchronous}`);
      // Random event ids (UUIDv4) land on about one event_id index leaf each, so an append of 100
      // events dirties ~100 pages. Checkpointing every 10,000 WAL pages (~40 MB) instead of every
      // 1,000 copies a leaf rewritten by many appends to the database file once instead of many
      // times: ~1.3x append throughput in apps/cli/bench/append.ts. Past a checkpoint the WAL file
      // is cut back to 64 MB.
      db.pragma('wal_autocheckpoint = 10000');
      db.pragma('journal_size_limit = 67108864');
      migrate(db, file, options.seal);
      return new SqliteEventStore(db, file, options.seal);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  private constructor(
    private readonly db: Database.Database,
    /** The database file: verifiers and exporters open it read-only beside this connection. */
    readonly file: string,
    private readonly seal: EventSeal,
  ) {
    this.selectHead = db.prepare<[], number>('SELECT coalesce(max(position), 0) FROM events').pluck();
    this.selectLastSeal = db.prepare<[], [number, Buffer]>('SELECT position, chain_hash FROM events ORDER BY position DESC LIMIT 1').raw(true);
    this.selectSealed = db
      .prepare<[number, number], SealedPageRow>(`SELECT ${COLUMNS}, chain_hash FROM events WHERE position > ? ORDER BY position LIMIT ?`)
      .raw(true);
    const sealed: SealedLog = {
      sealedWith: seal,
      last: async () => this.lastSeal(),
      read: async (after, limit) => this.readSealed(after, limit),
      // Positions are dense from 1: a position is its own place.
      placeOf: async (position) => (Number.isSafeInteger(position) && position >= 1 && position <= (await this.headPosition()) ? position : undefined),
    };
    this.capabilities = { sealed, sqliteFile: file };
    this.selectStreamRevision = db
      .prepare<[string], number>('SELECT revision FROM events WHERE stream_id = ? ORDER BY revision DESC LIMIT 1')
      .pluck();
    this.selectStream = db.prepare<[string, number], EventRow>(
      `SELECT ${COLUMNS} FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision`,
    );
    this.selectAfter = db
      .prepare<[number, number], PageRow>(`SELECT ${COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`)
      .raw(true);
    this.selectKnownIds = db.prepare<[string], string>('SELECT event_id FROM events WHERE event_id IN (SELECT value FROM json_each(?))').pluck();
    this.selectStreamRevisions = db
      .prepare<[string], [string, number]>(
        'SELECT stream_id, max(revision) FROM events WHERE stream_id IN (SELECT value FROM json_each(?)) GROUP BY stream_id',
      )
      .raw(true);
    this.appendTransaction = db.transaction((appends: readonly EncodedAppend[]) => this.write(appends));
  }

  async append(streamId: string, expected: ExpectedRevision, events: readonly NewEvent[]): Promise<AppendResult> {
    this.assertOpen();
    const encoded = encodeAppend(streamId, expected, events);
    // IMMEDIATE takes the write lock before the revision check, so no other connection can append
    // to the stream between the check and the inserts.
    const [result] = this.appendTransaction.immediate([{ streamId, expected, events: encoded }]);
    return result!;
  }

  /**
   * Several appends, to any streams, in one transaction: all are written or none (the first
   * conflict or duplicate id rolls everything back and is thrown). For bulk loads such as imports
   * and benchmark histories, where one transaction per stream would dominate the cost.
   */
  async appendMany(appends: readonly { readonly streamId: string; readonly expected: ExpectedRevision; readonly events: readonly NewEvent[] }[]): Promise<AppendResult[]> {
    this.assertOpen();
    const encoded = appends.map(({ streamId, expected, events }) => ({ streamId, expected, events: encodeAppend(streamId, expected, events) }));
    if (encoded.length === 0) return [];
    return this.appendTransaction.immediate(encoded);
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    return this.selectStream.all(streamId, fromRevisionOf(options)).map(toRecorded);
  }

  async readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.readAllSync(options);
  }

  /**
   * `readAll` without the promise, for synchronous callers such as projection rebuilds: no promise
   * and no microtask turn per page, and the page can be read and applied inside one synchronous
   * better-sqlite3 transaction of the read model (those cannot span an await).
   */
  readAllSync(options?: ReadAllOptions): RecordedEvent[] {
    this.assertOpen();
    const { after, limit } = readRange(options);
    // SQLite reads a negative LIMIT as "no limit".
    return this.readPage(after, limit ?? -1);
  }

  async headPosition(): Promise<number> {
    this.assertOpen();
    return this.selectHead.get() ?? 0;
  }

  private lastSeal(): { position: number; seal: Uint8Array } | undefined {
    this.assertOpen();
    const last = this.selectLastSeal.get();
    return last ? { position: last[0], seal: last[1] } : undefined;
  }

  private readSealed(after: number, limit: number): SealedEvent[] {
    this.assertOpen();
    const range = readRange({ after, limit });
    return this.selectSealed.all(range.after, range.limit ?? -1).map(([position, streamId, revision, eventId, type, data, metadata, seal]) => ({
      position,
      streamId,
      revision,
      eventId,
      type,
      data,
      metadata,
      seal,
    }));
  }

  /** Closes the file. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  /**
   * Writes appends, checked in order against their expected revisions, inside the caller's
   * transaction. Every event costs one row of a multi-row INSERT whatever stream it goes to; the
   * head, the last seal and the revisions of the streams already seen are carried from one append
   * to the next rather than read again, which is what lets an inbox record a run of received facts,
   * a stream each, at the cost of a bulk load.
   */
  private write(appends: readonly EncodedAppend[]): AppendResult[] {
    const revisions = this.currentRevisions(appends);
    // The head is read under the write lock, so the seals go on from the one that really is last,
    // whichever connection or process wrote it.
    const last = this.selectLastSeal.get();
    let position = last?.[0] ?? 0;
    let seal: Uint8Array | undefined = last?.[1];
    const rows = new PendingRows((count, params, ids) => this.insertChunk(count, params, ids));
    const results = appends.map(({ streamId, expected, events }) => {
      const current = revisions.get(streamId);
      const actual: ExpectedRevision = current ?? 'no-stream';
      if (actual !== expected) throw new WrongExpectedRevision(streamId, expected, actual);
      let revision = current ?? -1;
      for (const event of events) {
        position += 1;
        revision += 1;
        seal = this.seal(seal, { position, streamId, revision, eventId: event.id, type: event.type, data: event.data, metadata: event.metadata });
        rows.add(event.id, position, streamId, revision, event.id, event.type, event.data, event.metadata, seal);
      }
      revisions.set(streamId, revision);
      return { nextExpectedRevision: revision, position };
    });
    rows.flush();
    return results;
  }

  /** The current revision of every stream the appends name (absent: no such stream), in one query. */
  private currentRevisions(appends: readonly EncodedAppend[]): Map<string, number> {
    if (appends.length === 1) {
      const current = this.selectStreamRevision.get(appends[0]!.streamId);
      return new Map(current === undefined ? [] : [[appends[0]!.streamId, current]]);
    }
    const streamIds = JSON.stringify([...new Set(appends.map((append) => append.streamId))]);
    return new Map(this.selectStreamRevisions.all(streamIds));
  }

  private insertChunk(count: number, params: unknown[], ids: readonly string[]): void {
    try {
      this.insertStatement(count).run(...params);
    } catch (error) {
      // (stream_id, revision) cannot collide under the write lock, so the unique key hit is
      // event_id; the failed statement wrote nothing, so the ids already stored tell which.
      if (isUniqueViolation(error)) {
        const known = this.selectKnownIds.all(JSON.stringify(ids));
        throw new DuplicateEventId(known[0] ?? ids[0]!);
      }
      throw error;
    }
  }

  private insertStatement(rows: number): Database.Statement<unknown[]> {
    let statement = this.insertRows.get(rows);
    if (!statement) {
      const values = Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
      statement = this.db.prepare<unknown[]>(`INSERT INTO events (${COLUMNS}, chain_hash) VALUES ${values}`);
      this.insertRows.set(rows, statement);
    }
    return statement;
  }

  /** Rows come as arrays (no object per row); their JSON is parsed only when read (see decodeEvent). */
  private readPage(after: number, limit: number): RecordedEvent[] {
    return this.selectAfter.all(after, limit).map(([position, streamId, revision, id, type, data, metadata]) =>
      decodeEvent(streamId, revision, position, { id, type, data, metadata }),
    );
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('SqliteEventStore is closed');
  }
}

/**
 * Creates the schema in a new file and seals a version-1 file; refuses a file written by another
 * schema version.
 */
const migrate = (db: Database.Database, file: string, seal: EventSeal): void => {
  // IMMEDIATE: two processes opening a file at once must not both create or migrate the schema.
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true });
    if (version === SCHEMA_VERSION) return;
    if (version === 0) db.exec(eventsTable('events'));
    else if (version === 1) sealVersion1(db, seal);
    else throw new Error(`SqliteEventStore: ${file} has schema version ${String(version)}, this code reads version ${SCHEMA_VERSION} (and migrates version 1)`);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
};

const MIGRATION_PAGE = 5000;

/**
 * Version 1 → 2: copies the events, in position order, into a table with the seal column, sealing
 * each as an append would have, then puts the new table in the old one's place. A rebuilt table
 * rather than ALTER TABLE ADD COLUMN, so that a migrated file has exactly the schema of a new one
 * (the seal NOT NULL). Runs inside the caller's transaction: a crash leaves version 1 intact.
 */
const sealVersion1 = (db: Database.Database, seal: EventSeal): void => {
  db.exec(eventsTable('events_chained'));
  const select = db
    .prepare<[number, number], PageRow>(`SELECT ${COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`)
    .raw(true);
  const insert = db.prepare<InsertParams>(`INSERT INTO events_chained (${COLUMNS}, chain_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
  let previous: Uint8Array | undefined;
  for (let after = 0; ; ) {
    const page = select.all(after, MIGRATION_PAGE);
    if (page.length === 0) break;
    for (const [position, streamId, revision, eventId, type, data, metadata] of page) {
      previous = seal(previous, { position, streamId, revision, eventId, type, data, metadata });
      insert.run(position, streamId, revision, eventId, type, data, metadata, previous);
    }
    after = page[page.length - 1]![0];
  }
  db.exec('DROP TABLE events');
  db.exec('ALTER TABLE events_chained RENAME TO events');
};
