/**
 * Argument checks and JSON encoding shared by the adapters that store events as JSON text (sqlite,
 * memory). Both reject the same inputs with the same messages, so a test written against the memory
 * store keeps passing on SQLite.
 */
import type { ExpectedRevision, NewEvent, ReadAllOptions, ReadStreamOptions, RecordedEvent } from './port.js';

/** An event as stored: payloads kept as JSON text, parsed again on every read. */
export interface EncodedEvent {
  readonly id: string;
  readonly type: string;
  readonly data: string;
  readonly metadata: string;
}

export const assertExpectedRevision = (streamId: string, expected: ExpectedRevision): void => {
  if (expected === 'no-stream') return;
  if (!Number.isSafeInteger(expected) || expected < 0) {
    throw new Error(`append to ${streamId}: expected revision must be 'no-stream' or an integer >= 0, got ${String(expected)}`);
  }
};

const encodeJson = (streamId: string, eventId: string, field: 'data' | 'metadata', value: unknown): string => {
  // JSON.stringify returns undefined (not a string) for undefined, functions and symbols; storing
  // anything else would make the read side disagree with what was appended.
  const text: string | undefined = JSON.stringify(value);
  if (text === undefined) {
    throw new Error(`append to ${streamId}: event ${eventId} ${field} is not JSON-serializable`);
  }
  return text;
};

/**
 * Ids are kept as text (SQLite TEXT, EventStoreDB stream names, UTF-8 on every wire), and text that
 * is not well-formed UTF-16 (a lone surrogate) has no UTF-8 form: a driver turns it into U+FFFD on
 * one path and keeps it, JSON-escaped, on another, so one id would name two streams. SQLite's
 * single-stream append found such a stream and its appendMany did not, and failed on every
 * redelivery. Refused before anything is written, with the id JSON-escaped so it can be read.
 */
const assertWellFormed = (what: 'stream id' | 'event id', id: string, streamId?: string): void => {
  if (id.isWellFormed()) return;
  const where = streamId === undefined ? 'append' : `append to ${JSON.stringify(streamId)}`;
  throw new Error(`${where}: ${what} ${JSON.stringify(id)} is not well-formed UTF-16 (it has a lone surrogate) and cannot be stored as text`);
};

/**
 * Checks a whole append before anything is written and returns its events encoded. Duplicate ids
 * inside one append are refused here; duplicates of already stored ids are the adapter's job.
 */
export const encodeAppend = (streamId: string, expected: ExpectedRevision, events: readonly NewEvent[]): EncodedEvent[] => {
  if (typeof streamId !== 'string' || streamId.length === 0) {
    throw new Error('append: stream id must be a non-empty string');
  }
  assertWellFormed('stream id', streamId);
  assertExpectedRevision(streamId, expected);
  if (events.length === 0) {
    throw new Error(`append to ${streamId}: no events given (an append writes at least one event)`);
  }
  const ids = new Set<string>();
  return events.map((event) => {
    if (typeof event.id !== 'string' || event.id.length === 0) {
      throw new Error(`append to ${streamId}: every event needs a non-empty string id`);
    }
    assertWellFormed('event id', event.id, streamId);
    if (typeof event.type !== 'string' || event.type.length === 0) {
      throw new Error(`append to ${streamId}: event ${event.id} needs a non-empty string type`);
    }
    if (ids.has(event.id)) {
      throw new Error(`append to ${streamId}: event id ${event.id} appears twice in one append`);
    }
    ids.add(event.id);
    return {
      id: event.id,
      type: event.type,
      data: encodeJson(streamId, event.id, 'data', event.data),
      metadata: encodeJson(streamId, event.id, 'metadata', event.metadata),
    };
  });
};

export class DuplicateEventId extends Error {
  constructor(readonly eventId: string) {
    super(`event id ${eventId} is already stored; event ids are unique across the store`);
    this.name = 'DuplicateEventId';
  }
}

export interface ReadRange {
  readonly after: number;
  /** Maximum number of events; `undefined` means no limit. */
  readonly limit: number | undefined;
}

export const fromRevisionOf = (options: ReadStreamOptions): number => {
  const from = options.fromRevision ?? 0;
  if (!Number.isSafeInteger(from) || from < 0) throw new Error(`readStream: fromRevision must be an integer >= 0, got ${String(options.fromRevision)}`);
  return from;
};

export const readRange = (options: ReadAllOptions = {}): ReadRange => {
  const after = options.after ?? 0;
  if (!Number.isSafeInteger(after) || after < 0) {
    throw new Error(`readAll: after must be an integer >= 0, got ${String(options.after)}`);
  }
  const limit = options.limit;
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 0)) {
    throw new Error(`readAll: limit must be an integer >= 0, got ${String(limit)}`);
  }
  return { after, limit };
};

/**
 * A stored event. Its metadata JSON is parsed on first access only: readers that need provenance
 * for few events (a projection rebuild counts most facts by their data alone) skip most of that
 * parsing. Data is parsed at once, since every reader needs it.
 */
export const decodeEvent = (streamId: string, revision: number, position: number, event: EncodedEvent): RecordedEvent => {
  let metadata: unknown = NOT_PARSED;
  return {
    streamId,
    revision,
    position,
    id: event.id,
    type: event.type,
    data: JSON.parse(event.data) as unknown,
    get metadata() {
      if (metadata === NOT_PARSED) metadata = JSON.parse(event.metadata) as unknown;
      return metadata;
    },
  };
};

const NOT_PARSED: unique symbol = Symbol('not parsed');
