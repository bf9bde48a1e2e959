/**
 * In-memory EventStore for tests and benchmarks. It behaves like the SQLite adapter in everything a
 * caller can observe: payloads are stored as JSON text and parsed on every read (so later mutation
 * of an appended or a read object changes nothing, and a Date comes back as a string), positions are
 * dense from 1, event ids are unique across the store.
 */
import { DuplicateEventId, decodeEvent, encodeAppend, fromRevisionOf, readRange, type EncodedEvent } from './encoding.js';
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

interface StoredEvent extends EncodedEvent {
  readonly streamId: string;
  readonly revision: number;
  /** Equal to the index in `log` plus one. */
  readonly position: number;
}

const toRecorded = (event: StoredEvent): RecordedEvent =>
  decodeEvent(event.streamId, event.revision, event.position, event);

export class MemoryEventStore implements EventStore {
  private readonly log: StoredEvent[] = [];
  /** Each stream's events in revision order (the same objects as in `log`). */
  private readonly streams = new Map<string, StoredEvent[]>();
  private readonly eventIds = new Set<string>();
  private readonly appended = new AppendSignal();
  private readonly subscriptions = new Set<PullSubscription>();
  private closed = false;

  async append(streamId: string, expected: ExpectedRevision, events: readonly NewEvent[]): Promise<AppendResult> {
    this.assertOpen();
    const encoded = encodeAppend(streamId, expected, events);
    const stream = this.streams.get(streamId);
    const actual: ExpectedRevision = stream === undefined ? 'no-stream' : stream.length - 1;
    if (actual !== expected) throw new WrongExpectedRevision(streamId, expected, actual);
    const duplicate = encoded.find((event) => this.eventIds.has(event.id));
    if (duplicate) throw new DuplicateEventId(duplicate.id);

    const written = stream ?? [];
    for (const event of encoded) {
      const stored: StoredEvent = { ...event, streamId, revision: written.length, position: this.log.length + 1 };
      this.log.push(stored);
      written.push(stored);
      this.eventIds.add(event.id);
    }
    this.streams.set(streamId, written);
    this.appended.notify();
    return { nextExpectedRevision: written.length - 1, position: this.log.length };
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

  subscribe(options: SubscribeOptions): Subscription {
    this.assertOpen();
    const subscription = new PullSubscription(options, {
      readPage: (after, limit) => this.readPage(after, limit),
      appended: this.appended,
      // Every append goes through this object, so the signal alone sees them all.
      pollIntervalMs: undefined,
      onStopped: (stopped) => this.subscriptions.delete(stopped),
    });
    this.subscriptions.add(subscription);
    return subscription;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
  }

  private readPage(after: number, limit: number): RecordedEvent[] {
    // Positions are dense from 1, so the event after position p sits at index p.
    return this.log.slice(after, after + limit).map(toRecorded);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('MemoryEventStore is closed');
  }
}
