/**
 * The EventStore port (DESIGN.md §3.4). Adapters: `sqlite` (embedded default), `memory` (tests and
 * benchmarks), `esdb` (EventStoreDB/KurrentDB). One contract suite runs against all of them.
 */
/** Exact expectations only: an append never says "any". */
export type ExpectedRevision = 'no-stream' | number;

export interface NewEvent {
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: unknown;
}

export interface RecordedEvent {
  readonly streamId: string;
  /** 0-based position within its stream. */
  readonly revision: number;
  /**
   * Global position in this store's order: strictly increasing along `readAll`, stable forever.
   * Not necessarily dense (EventStoreDB positions are log offsets).
   */
  readonly position: number;
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: unknown;
}

/** One stream's part of an `appendMany`: what `append` takes. */
export interface StreamAppend {
  readonly streamId: string;
  readonly expected: ExpectedRevision;
  readonly events: readonly NewEvent[];
}

export interface AppendResult {
  /** Revision of the last event written. */
  readonly nextExpectedRevision: number;
  /** Global position of the last event written. */
  readonly position: number;
}

export class WrongExpectedRevision extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    /** The stream's actual revision, or 'no-stream'. */
    readonly actual: ExpectedRevision,
  ) {
    super(`stream ${streamId}: expected revision ${expected}, actual ${actual}`);
    this.name = 'WrongExpectedRevision';
  }
}

/**
 * The store's server could not be reached (the connection was refused, cut, or did not answer in
 * time): the call may succeed later, unchanged. An append refused before it was sent wrote nothing;
 * one cut while in flight may or may not have been written (a retry with the same expected
 * revision tells). A store in a file or in memory never throws it.
 */
export class StoreUnreachable extends Error {
  /**
   * Whoever watches the store reports the outage once (libs/linkage store-link.ts); a background
   * loop that meets this error pass after pass adds no line of its own (libs/background).
   */
  readonly reported = true;
  /** When the store will next be tried, if whoever refused the call knows. */
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options?: { readonly cause?: unknown; readonly retryAfterMs?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StoreUnreachable';
    this.retryAfterMs = options?.retryAfterMs;
  }
}

export interface ReadStreamOptions {
  /** Inclusive: the first revision to return (0, the default, reads the whole stream). */
  readonly fromRevision?: number;
}

export interface ReadAllOptions {
  /** Exclusive: events strictly after this position. 0 (the default) reads from the start. */
  readonly after?: number;
  readonly limit?: number;
}

export interface EventStore {
  /** Appends atomically; at least one event. */
  append(streamId: string, expected: ExpectedRevision, events: readonly NewEvent[]): Promise<AppendResult>;
  /**
   * Several appends, to any streams, in one call: made in the order given, as if one after another
   * (a later one may expect the revision an earlier one wrote), so positions increase along the
   * list; one result per append, in the same order. Each append is checked as `append` checks it,
   * and malformed input (an append without events, say) is refused before anything is written.
   *
   * How much a refused append (WrongExpectedRevision, DuplicateEventId) takes with it depends on
   * the adapter:
   * - sqlite and memory: all or nothing. The first refusal is thrown and nothing of the call is
   *   written (sqlite: one IMMEDIATE transaction).
   * - esdb: EventStoreDB has no transaction across streams. The appends are made one after another
   *   and the first refusal (or lost connection) stops the rest; the appends before it stay written.
   * A caller must therefore be safe to retry a failed call after reading again what is stored (the
   * inbox is: it dedupes by source event id).
   */
  appendMany(appends: readonly StreamAppend[]): Promise<AppendResult[]>;
  /**
   * Events of one stream in revision order from `fromRevision`; an empty array for a stream that
   * does not exist or has nothing from there (a caller that keeps a stream's earlier events asks
   * only for what is new).
   */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /**
   * Events of every stream in global order. Readers that follow the store (relay, projections,
   * signer) page through it from a checkpoint of their own, woken by the level service after
   * appends and polling otherwise (libs/background): no push delivery is part of the port.
   */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Position of the last event stored, 0 when empty. */
  headPosition(): Promise<number>;
  readonly capabilities: EventStoreCapabilities;
  close(): Promise<void>;
}

/**
 * An event as a store keeps it: what a seal covers. Data and metadata are the JSON texts exactly as
 * stored, so that whoever checks a seal recomputes it from the stored bytes, with no JSON formatting
 * rule to agree on.
 */
export interface StoredEventText {
  /**
   * The event's place in the sealed order: 1, 2, 3 … along the store's order, dense. In sqlite and
   * memory that is its position; EventStoreDB's positions are log offsets, so there the store numbers
   * its events itself (see esdb.ts) and `SealedLog.placeOf` maps a position to its place.
   */
  readonly position: number;
  readonly streamId: string;
  readonly revision: number;
  readonly eventId: string;
  readonly type: string;
  readonly data: string;
  readonly metadata: string;
}

/**
 * Computes the seal of an event from the event as stored and the seal of the event before it in the
 * store's order (undefined for the store's first event). A store opened with a seal calls it once
 * per event, in position order, inside the append's transaction, and keeps the bytes with the event
 * without interpreting them: whoever supplies the seal (the audit context's hash chain) gives them
 * their meaning and reads them back through `capabilities.sealed`. Synchronous, since it runs under
 * the store's write lock; a throw refuses the whole append. The bytes returned are the store's to
 * keep: a seal must not reuse them for the next event.
 */
export type EventSeal = (previous: Uint8Array | undefined, event: StoredEventText) => Uint8Array;

export interface SealedEvent extends StoredEventText {
  readonly seal: Uint8Array;
}

/** The events of a sealed store with their seals. */
export interface SealedLog {
  /** What every event of the store is sealed with, so that a reader can tell whose seals they are. */
  readonly sealedWith: EventSeal;
  /** The last event's position and seal; undefined while the store is empty. */
  last(): Promise<{ readonly position: number; readonly seal: Uint8Array } | undefined>;
  /** Events with their stored texts and seals, places strictly after `after`, at most `limit`, in order. */
  read(after: number, limit: number): Promise<SealedEvent[]>;
  /** The place of the event stored at `position`; undefined when no event of the store is there. */
  placeOf(position: number): Promise<number | undefined>;
}

/**
 * What a store can do beyond the port, asked for instead of testing which adapter it is: each is
 * absent when the store cannot do it.
 */
export interface EventStoreCapabilities {
  /** Every event is sealed as it is appended (sqlite always, memory and esdb when opened with a seal). */
  readonly sealed?: SealedLog;
  /**
   * The store's SQLite database file (layout of sqlite.ts), which readers on other threads may open
   * read-only beside the store: SqliteFactReader, the audit's chain verifier.
   */
  readonly sqliteFile?: string;
}
