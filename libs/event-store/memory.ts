/**
 * In-memory EventStore for tests and benchmarks. It behaves like the SQLite adapter in everything a
 * caller can observe: payloads are stored as JSON text and parsed on every read (so later mutation
 * of an appended or a read object changes nothing, and a Date comes back as a string), positions are
 * dense from 1, event ids are unique across the store, and events are hash-chained the same way
 * (two hashes per event, a few microseconds), so audit features work on it too.
 */
import type { ChainHead, ChainRow } from '#audit';
import { ChainBuilder, genesisHash, toHex } from '#audit';
import { DuplicateEventId, decodeEvent, encodeAppend, fromRevisionOf, readRange, type EncodedEvent } from './encoding.js';
import {
  WrongExpectedRevision,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type HashChainedStore,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StreamAppend,
  type SubscribeOptions,
  type Subscription,
} from './port.js';
import { AppendSignal, PullSubscription } from './pull-subscription.js';

interface StoredEvent extends EncodedEvent {
  readonly streamId: string;
  readonly revision: number;
  /** Equal to the index in `log` plus one. */
  readonly position: number;
  readonly chainHash: Buffer;
}

const toRecorded = (event: StoredEvent): RecordedEvent =>
  decodeEvent(event.streamId, event.revision, event.position, event);

export class MemoryEventStore implements EventStore, HashChainedStore {
  private readonly log: StoredEvent[] = [];
  /** Each stream's events in revision order (the same objects as in `log`). */
  private readonly streams = new Map<string, StoredEvent[]>();
  private readonly eventIds = new Set<string>();
  private readonly appended = new AppendSignal();
  private readonly subscriptions = new Set<PullSubscription>();
  private closed = false;

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
    const results = encoded.map(({ streamId, events }) => this.write(streamId, events));
    if (results.length > 0) this.appended.notify();
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

  async chainHead(): Promise<ChainHead> {
    this.assertOpen();
    const last = this.log[this.log.length - 1];
    return last ? { position: last.position, hash: toHex(last.chainHash) } : { position: 0, hash: toHex(genesisHash()) };
  }

  async readChain(after: number, limit: number): Promise<ChainRow[]> {
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
      chainHash: Buffer.from(event.chainHash),
    }));
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

  /** Writes an append already checked against the store. */
  private write(streamId: string, events: readonly EncodedEvent[]): AppendResult {
    const written = this.streams.get(streamId) ?? [];
    const chain = new ChainBuilder(this.log[this.log.length - 1]?.chainHash ?? genesisHash());
    for (const event of events) {
      const position = this.log.length + 1;
      const revision = written.length;
      const chainHash = chain.next({ position, streamId, revision, eventId: event.id, type: event.type, data: event.data, metadata: event.metadata });
      const stored: StoredEvent = { ...event, streamId, revision, position, chainHash };
      this.log.push(stored);
      written.push(stored);
      this.eventIds.add(event.id);
    }
    this.streams.set(streamId, written);
    return { nextExpectedRevision: written.length - 1, position: this.log.length };
  }

  private readPage(after: number, limit: number): RecordedEvent[] {
    // Positions are dense from 1, so the event after position p sits at index p.
    return this.log.slice(after, after + limit).map(toRecorded);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('MemoryEventStore is closed');
  }
}
