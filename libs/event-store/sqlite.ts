/**
 * SQLite EventStore on better-sqlite3 (the embedded default, DESIGN.md §3.3): one database file per
 * store, written by one or more connections in this or other processes.
 *
 * better-sqlite3 is synchronous: every call below runs to completion on the calling thread, so the
 * async methods only exist to honour the port. An append waits at most `busyTimeoutMs` for another
 * connection's write lock, blocking the event loop meanwhile.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
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
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
} from './port.js';
import { AppendSignal, PullSubscription } from './pull-subscription.js';

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
  /** Default 'NORMAL'. */
  readonly synchronous?: SqliteSynchronous;
  /** How long an append waits for another connection's write lock before failing. Default 5000. */
  readonly busyTimeoutMs?: number;
  /**
   * How often an idle subscription re-reads the file to see appends made by other connections.
   * Appends through this object wake subscriptions at once regardless. Default 25.
   */
  readonly pollIntervalMs?: number;
}

const SCHEMA_VERSION = 1;

// The current revision of a stream is the last entry of the (stream_id, revision) index, so no
// separate streams table is kept: it would cost one more write per append for no faster lookup.
const SCHEMA = `
  CREATE TABLE events (
    position  INTEGER PRIMARY KEY,
    stream_id TEXT    NOT NULL,
    revision  INTEGER NOT NULL,
    event_id  TEXT    NOT NULL UNIQUE,
    type      TEXT    NOT NULL,
    data      TEXT    NOT NULL,
    metadata  TEXT    NOT NULL,
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

type InsertParams = [number, string, number, string, string, string, string];

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
  private readonly appended = new AppendSignal();
  private readonly subscriptions = new Set<PullSubscription>();
  private readonly pollIntervalMs: number;
  private closing: Promise<void> | undefined;

  private readonly selectHead: Database.Statement<[], number>;
  private readonly selectStreamRevision: Database.Statement<[string], number>;
  private readonly selectStream: Database.Statement<[string, number], EventRow>;
  private readonly selectAfter: Database.Statement<[number, number], PageRow>;
  private readonly insertEvent: Database.Statement<InsertParams>;
  private readonly appendTransaction: Database.Transaction<
    (streamId: string, expected: ExpectedRevision, events: readonly EncodedEvent[]) => AppendResult
  >;

  /**
   * Opens (creating it and its parent folder if needed) the store in `file`. Several stores, in this
   * process or others, may open the same file: appends are serialized by SQLite's write lock.
   */
  static open(file: string, options: SqliteEventStoreOptions = {}): SqliteEventStore {
    const synchronous = options.synchronous ?? 'NORMAL';
    if (synchronous !== 'NORMAL' && synchronous !== 'FULL') {
      throw new Error(`SqliteEventStore: synchronous must be 'NORMAL' or 'FULL', got ${String(synchronous)}`);
    }
    const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    const pollIntervalMs = options.pollIntervalMs ?? 25;
    for (const [name, value] of [['busyTimeoutMs', busyTimeoutMs], ['pollIntervalMs', pollIntervalMs]] as const) {
      if (!Number.isSafeInteger(value) || value < 0) {
        throw new Error(`SqliteEventStore: ${name} must be an integer >= 0, got ${String(value)}`);
      }
    }

    mkdirSync(dirname(file), { recursive: true });
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
      migrate(db, file);
      return new SqliteEventStore(db, pollIntervalMs);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  private constructor(
    private readonly db: Database.Database,
    pollIntervalMs: number,
  ) {
    this.pollIntervalMs = pollIntervalMs;
    this.selectHead = db.prepare<[], number>('SELECT coalesce(max(position), 0) FROM events').pluck();
    this.selectStreamRevision = db
      .prepare<[string], number>('SELECT revision FROM events WHERE stream_id = ? ORDER BY revision DESC LIMIT 1')
      .pluck();
    this.selectStream = db.prepare<[string, number], EventRow>(
      `SELECT ${COLUMNS} FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision`,
    );
    this.selectAfter = db
      .prepare<[number, number], PageRow>(`SELECT ${COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`)
      .raw(true);
    this.insertEvent = db.prepare<InsertParams>(
      `INSERT INTO events (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.appendTransaction = db.transaction((streamId, expected, events) => this.write(streamId, expected, events));
  }

  async append(streamId: string, expected: ExpectedRevision, events: readonly NewEvent[]): Promise<AppendResult> {
    this.assertOpen();
    const encoded = encodeAppend(streamId, expected, events);
    // IMMEDIATE takes the write lock before the revision check, so no other connection can append
    // to the stream between the check and the inserts.
    const result = this.appendTransaction.immediate(streamId, expected, encoded);
    this.appended.notify();
    return result;
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

  subscribe(options: SubscribeOptions): Subscription {
    this.assertOpen();
    const subscription = new PullSubscription(options, {
      readPage: (after, limit) => this.readPage(after, limit),
      appended: this.appended,
      pollIntervalMs: this.pollIntervalMs,
      onStopped: (stopped) => this.subscriptions.delete(stopped),
    });
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** Stops every subscription (waiting for handlers in flight), then closes the file. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
      this.db.close();
    })();
    return this.closing;
  }

  private write(streamId: string, expected: ExpectedRevision, events: readonly EncodedEvent[]): AppendResult {
    const current = this.selectStreamRevision.get(streamId);
    const actual: ExpectedRevision = current ?? 'no-stream';
    if (actual !== expected) throw new WrongExpectedRevision(streamId, expected, actual);

    let position = this.selectHead.get() ?? 0;
    let revision = current ?? -1;
    for (const event of events) {
      position += 1;
      revision += 1;
      try {
        this.insertEvent.run(position, streamId, revision, event.id, event.type, event.data, event.metadata);
      } catch (error) {
        // (stream_id, revision) cannot collide under the write lock, so the unique key hit is event_id.
        if (isUniqueViolation(error)) throw new DuplicateEventId(event.id);
        throw error;
      }
    }
    return { nextExpectedRevision: revision, position };
  }

  /** Rows come as arrays (no object per row); their JSON is parsed only when read (see decodeEvent). */
  private readPage(after: number, limit: number): RecordedEvent[] {
    return this.selectAfter.all(after, limit).map(([position, streamId, revision, id, type, data, metadata]) =>
      decodeEvent(streamId, revision, position, { id, type, data, metadata }),
    );
  }

  private assertOpen(): void {
    if (this.closing) throw new Error('SqliteEventStore is closed');
  }
}

/** Creates the schema in a new file; refuses a file written by another schema version. */
const migrate = (db: Database.Database, file: string): void => {
  // IMMEDIATE: two processes opening a new file at once must not both create the schema.
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true });
    if (version === SCHEMA_VERSION) return;
    if (version !== 0) {
      throw new Error(`SqliteEventStore: ${file} has schema version ${String(version)}, this code reads version ${SCHEMA_VERSION}`);
    }
    db.exec(SCHEMA);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
};
