/**
 * The storage model behind EsdbFakeServer: one in-memory transaction log, shaped like the one an
 * EventStoreDB node keeps, so that the positions and revisions the fake reports over gRPC follow the
 * same rules as a real server's.
 *
 * - Every event is one record in the log. Its `$all` position is the record's log offset, used as
 *   both commit and prepare position (what a server reports for events appended outside explicit
 *   transactions). Offsets grow by the record's size, so positions are strictly increasing but not
 *   dense, and the first event never sits at 0 (a real log starts with system records).
 * - An append writes its events as one implicit transaction; the append result carries the last
 *   event's position as commit position and the first event's as prepare position.
 * - Expected revisions are checked per stream; an append that repeats, with the same expectation,
 *   the event ids already written right after that expectation is an idempotent success that
 *   writes nothing (the server's idempotency for exact expectations).
 * - Event ids are not unique across streams: the server does not index them.
 */

export type ExpectedState =
  | { readonly kind: 'revision'; readonly revision: bigint }
  | { readonly kind: 'no-stream' }
  | { readonly kind: 'any' }
  | { readonly kind: 'stream-exists' };

export interface ProposedEvent {
  /** Canonical lower-case UUID. */
  readonly id: string;
  readonly type: string;
  readonly isJson: boolean;
  readonly data: Uint8Array;
  readonly metadata: Uint8Array;
}

export interface LoggedEvent extends ProposedEvent {
  readonly streamName: string;
  readonly revision: bigint;
  /** Ticks (100 ns) since the Unix epoch, the unit the server reports `created` in. */
  readonly created: bigint;
  /** Offset of the event's record: its commit and prepare position in `$all`. */
  readonly position: bigint;
  /** Offset right after the record, where the next one starts. */
  readonly postPosition: bigint;
}

/** A `$all` position as the protocol carries it. */
export interface LogPosition {
  readonly commit: bigint;
  readonly prepare: bigint;
}

/**
 * `currentRevision` is undefined when the stream does not exist; `position` is undefined when the
 * append wrote (or confirmed) no event.
 */
export type AppendOutcome =
  | { readonly ok: true; readonly currentRevision: bigint | undefined; readonly position: LogPosition | undefined }
  | { readonly ok: false; readonly currentRevision: bigint | undefined };

export type EventFilter = (event: LoggedEvent) => boolean;

const acceptAll: EventFilter = () => true;

/** Fixed part of a record's size: flags, ids, revision, timestamps, lengths. */
const RECORD_HEADER_BYTES = 100n;

/** An append's position: its last event's as commit position, its first event's as prepare position. */
const transactionPosition = (events: readonly LoggedEvent[]): LogPosition | undefined => {
  const [first, last] = [events[0], events.at(-1)];
  return first && last ? { commit: last.position, prepare: first.position } : undefined;
};

const utf8Length = (text: string): bigint => BigInt(Buffer.byteLength(text, 'utf8'));

/** Orders an event's position (commit = prepare = its offset) against a requested position. */
const compareToPosition = (event: LoggedEvent, position: LogPosition): number => {
  if (event.position !== position.commit) return event.position < position.commit ? -1 : 1;
  if (event.position === position.prepare) return 0;
  return event.position < position.prepare ? -1 : 1;
};

export class FakeLog {
  private readonly events: LoggedEvent[] = [];
  private readonly streams = new Map<string, LoggedEvent[]>();
  private readonly listeners = new Set<(appended: readonly LoggedEvent[]) => void>();
  private nextPosition: bigint;

  constructor(firstPosition: bigint) {
    this.nextPosition = firstPosition;
  }

  append(streamName: string, expected: ExpectedState, proposed: readonly ProposedEvent[]): AppendOutcome {
    const stream = this.streams.get(streamName) ?? [];
    const currentRevision = stream.length === 0 ? undefined : BigInt(stream.length - 1);

    const check = this.checkExpectation(stream, expected, proposed);
    if (check === 'conflict') return { ok: false, currentRevision };
    if (check !== 'write') return { ok: true, currentRevision: check.at(-1)?.revision, position: transactionPosition(check) };

    const created = BigInt(Date.now()) * 10_000n;
    const written = proposed.map((event, index): LoggedEvent => {
      const size =
        RECORD_HEADER_BYTES +
        utf8Length(streamName) +
        utf8Length(event.type) +
        BigInt(event.data.byteLength + event.metadata.byteLength);
      const logged: LoggedEvent = {
        ...event,
        streamName,
        revision: BigInt(stream.length + index),
        created,
        position: this.nextPosition,
        postPosition: this.nextPosition + size,
      };
      this.nextPosition = logged.postPosition;
      return logged;
    });
    stream.push(...written);
    this.streams.set(streamName, stream);
    this.events.push(...written);
    for (const listener of [...this.listeners]) listener(written);
    return { ok: true, currentRevision: written.at(-1)?.revision ?? currentRevision, position: transactionPosition(written) };
  }

  /** Events of one stream from a revision on; undefined when the stream does not exist. */
  readStream(streamName: string, fromRevision: bigint, count: number): LoggedEvent[] | undefined {
    const stream = this.streams.get(streamName);
    if (!stream) return undefined;
    return stream.filter((event) => event.revision >= fromRevision).slice(0, count);
  }

  /** Forwards from a position, inclusive: the event at `from` is the first one returned. */
  readForwards(from: LogPosition | 'start' | 'end', count: number, filter: EventFilter = acceptAll): LoggedEvent[] {
    if (from === 'end') return [];
    const first = from === 'start' ? 0 : this.firstIndex((event) => compareToPosition(event, from) >= 0);
    const found: LoggedEvent[] = [];
    for (let index = first; index < this.events.length && found.length < count; index++) {
      if (filter(this.events[index]!)) found.push(this.events[index]!);
    }
    return found;
  }

  /** Backwards from a position, exclusive: only events whose record ends at or before `from`. */
  readBackwards(from: LogPosition | 'start' | 'end', count: number, filter: EventFilter = acceptAll): LoggedEvent[] {
    if (from === 'start') return [];
    const end =
      from === 'end'
        ? this.events.length
        : this.firstIndex((event) => !(event.postPosition < from.commit || (event.postPosition === from.commit && event.postPosition <= from.prepare)));
    const found: LoggedEvent[] = [];
    for (let index = end - 1; index >= 0 && found.length < count; index--) {
      if (filter(this.events[index]!)) found.push(this.events[index]!);
    }
    return found;
  }

  /** Events strictly after a position (where a catch-up subscription from there starts), at most `count`. */
  eventsAfter(from: LogPosition | 'start', filter: EventFilter, count = Number.POSITIVE_INFINITY): LoggedEvent[] {
    const first = from === 'start' ? 0 : this.firstIndex((event) => compareToPosition(event, from) > 0);
    const found: LoggedEvent[] = [];
    for (let index = first; index < this.events.length && found.length < count; index++) {
      if (filter(this.events[index]!)) found.push(this.events[index]!);
    }
    return found;
  }

  /**
   * Index of the first event for which `reached` holds, or the log's length. Positions and record
   * ends grow along the log, so every predicate used here is false up to some event and true from
   * it on: a binary search keeps reads from a position cheap however long the log grows (tests
   * with several processes polling their `$all` views would otherwise scan it on every poll).
   */
  private firstIndex(reached: (event: LoggedEvent) => boolean): number {
    let low = 0;
    let high = this.events.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (reached(this.events[middle]!)) high = middle;
      else low = middle + 1;
    }
    return low;
  }

  /**
   * What someone with the server's files could do, for tamper tests: the logged events in order
   * (`events`), and `replaceEvents`, which puts another list in their place (an event changed in
   * place, removed, cut off), rebuilding each stream's list from it. Positions stay as they were.
   */
  get loggedEvents(): readonly LoggedEvent[] {
    return [...this.events];
  }

  replaceEvents(events: readonly LoggedEvent[]): void {
    this.events.splice(0, this.events.length, ...events);
    this.streams.clear();
    for (const event of events) {
      const stream = this.streams.get(event.streamName);
      if (stream) stream.push(event);
      else this.streams.set(event.streamName, [event]);
    }
  }

  /** Calls `listener` with the events of every later append; returns the unsubscribe function. */
  onAppended(listener: (appended: readonly LoggedEvent[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * 'write' when the append may go ahead, 'conflict' for a wrong expected revision, or the events
   * already written by an identical earlier append (an idempotent retry).
   */
  private checkExpectation(
    stream: readonly LoggedEvent[],
    expected: ExpectedState,
    proposed: readonly ProposedEvent[],
  ): 'write' | 'conflict' | readonly LoggedEvent[] {
    switch (expected.kind) {
      case 'any':
        return 'write';
      case 'stream-exists':
        return stream.length > 0 ? 'write' : 'conflict';
      case 'no-stream':
      case 'revision': {
        const firstNew = expected.kind === 'no-stream' ? 0 : Number(expected.revision) + 1;
        if (firstNew === stream.length) return 'write';
        const alreadyWritten = stream.slice(firstNew, firstNew + proposed.length);
        const isRetry =
          proposed.length > 0 &&
          alreadyWritten.length === proposed.length &&
          alreadyWritten.every((event, index) => event.id === proposed[index]?.id);
        return isRetry ? alreadyWritten : 'conflict';
      }
    }
  }
}
