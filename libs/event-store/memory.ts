/**
 * In-memory EventStore for tests and benchmarks. It behaves like the SQLite adapter in everything a
 * caller can observe: payloads are stored as JSON text and parsed on every read (so later mutation
 * of an appended or a read object changes nothing, and a Date comes back as a string), positions are
 * dense from 1, event ids are unique across the store, and, opened with a seal, events are sealed
 * the same way, so that what builds on seals (the audit chain) works on it too.
 */
import { DuplicateEventId, decodeEvent, encodeAppend, fromRevisionOf, readRange, type EncodedEvent } from './encoding.js';
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
  type SealedLog,
  type StreamAppend,
} from './port.js';

interface StoredEvent extends EncodedEvent {
  readonly streamId: string;
  readonly revision: number;
  /** Equal to the index in `log` plus one. */
  readonly position: number;
  /** Absent when the store was opened without a seal. */
  readonly seal: Uint8Array | undefined;
}

export interface MemoryEventStoreOptions {
  /** Seals every event as it is appended (see the port); without one, the store seals nothing. */
  readonly seal?: EventSeal;
}

const toRecorded = (event: StoredEvent): RecordedEvent =>
  decodeEvent(event.streamId, event.revision, event.position, event);

export class MemoryEventStore implements EventStore {
  private readonly log: StoredEvent[] = [];
  /** Each stream's events in revision order (the same objects as in `log`). */
  private readonly streams = new Map<string, StoredEvent[]>();
  private readonly eventIds = new Set<string>();
  private closed = false;
  private readonly seal: EventSeal | undefined;
  readonly capabilities: EventStoreCapabilities;

  constructor(options: MemoryEventStoreOptions = {}) {
    this.seal = options.seal;
    const sealed: SealedLog | undefined = options.seal && {
      sealedWith: options.seal,
      last: async () => {
        this.assertOpen();
        const last = this.log.at(-1);
        return last && { position: last.position, seal: Uint8Array.from(last.seal!) };
      },
      read: async (after, limit) => {
        this.assertOpen();
        const range = readRange({ after, limit });
        return this.log.slice(range.after, range.after + (range.limit ?? this.log.length)).map((event) => ({
          position: event.position,
          streamId: event.streamId,
          revision: event.revision,
          eventId: event.id,
          type: event.type,
          data: event.data,
          metadata: event.metadata,
          seal: Uint8Array.from(event.seal!),
        }));
      },
      // Positions are dense from 1: a position is its own place.
      placeOf: async (position) => (Number.isSafeInteger(position) && position >= 1 && position <= this.log.length ? position : undefined),
    };
    this.capabilities = sealed ? { sealed } : {};
  }

  async append(streamId: string, expected: ExpectedRevision, events: readonly NewEvent[]): Promise<AppendResult> {
    const [result] = await this.appendMany([{ streamId, expected, events }]);
    return result!;
  }

  /** All or nothing: every append is checked, in order, before the first event is written. */
  async appendMany(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    this.assertOpen();
    const encoded = appends.map(({ streamId, expected, events }) => ({ streamId, expected, events: encodeAppend(streamId, expected, events) }));
    // Revisions and ids as they will be once the appends before the one being checked are written.
    const revisions = new Map<string, ExpectedRevision>();
    const ids = new Set<string>();
    for (const { streamId, expected, events } of encoded) {
      const stream = this.streams.get(streamId);
      const actual = revisions.get(streamId) ?? (stream === undefined ? 'no-stream' : stream.length - 1);
      if (actual !== expected) throw new WrongExpectedRevision(streamId, expected, actual);
      const duplicate = events.find((event) => this.eventIds.has(event.id) || ids.has(event.id));
      if (duplicate) throw new DuplicateEventId(duplicate.id);
      for (const event of events) ids.add(event.id);
      revisions.set(streamId, (actual === 'no-stream' ? -1 : actual) + events.length);
    }
    const { events, results } = this.place(encoded);
    this.write(events);
    return results;
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    return (this.streams.get(streamId) ?? []).slice(fromRevisionOf(options)).map(toRecorded);
  }

  async readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    this.assertOpen();
    const { after, limit } = readRange(options);
    return this.readPage(after, limit ?? this.log.length);
  }

  async headPosition(): Promise<number> {
    this.assertOpen();
    return this.log.length;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /**
   * The events of appends already checked against the store, placed and sealed as they will be
   * stored; nothing is written yet, so a seal that throws leaves the store as it was.
   */
  private place(appends: readonly { readonly streamId: string; readonly events: readonly EncodedEvent[] }[]): { events: StoredEvent[]; results: AppendResult[] } {
    const revisions = new Map<string, number>();
    let position = this.log.length;
    let seal = this.log.at(-1)?.seal;
    const placed: StoredEvent[] = [];
    const results = appends.map(({ streamId, events }) => {
      let revision = revisions.get(streamId) ?? (this.streams.get(streamId)?.length ?? 0) - 1;
      for (const event of events) {
        position += 1;
        revision += 1;
        seal = this.seal?.(seal, { position, streamId, revision, eventId: event.id, type: event.type, data: event.data, metadata: event.metadata });
        placed.push({ ...event, streamId, revision, position, seal });
      }
      revisions.set(streamId, revision);
      return { nextExpectedRevision: revision, position };
    });
    return { events: placed, results };
  }

  private write(events: readonly StoredEvent[]): void {
    for (const event of events) {
      this.log.push(event);
      const stream = this.streams.get(event.streamId);
      if (stream) stream.push(event);
      else this.streams.set(event.streamId, [event]);
      this.eventIds.add(event.id);
    }
  }

  private readPage(after: number, limit: number): RecordedEvent[] {
    // Positions are dense from 1, so the event after position p sits at index p.
    return this.log.slice(after, after + limit).map(toRecorded);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('MemoryEventStore is closed');
  }
}
