/**
 * EventStoreDB / KurrentDB EventStore on `@eventstore/db-client` (the distributed deployment,
 * DESIGN.md §3.3).
 *
 * Several stores (one per level) may share one cluster and stay isolated: a store owns the streams
 * whose names start with its `streamPrefix` (stored name = prefix + stream id), and its `$all` view
 * (readAll, headPosition) holds only those streams, with the prefix stripped.
 *
 * Storage format, per event: the EventStoreDB event id is the port's id when that is a lower-case
 * UUID, otherwise a name-based UUID derived from it (so a retried append keeps its ids and the
 * server's idempotency still applies); data is the JSON of the port's data; the event metadata is
 * the JSON object `{ "id": <port id>, "metadata": <port metadata> }`, so any string id round-trips.
 * Both are sent as application/json.
 *
 * Positions are `$all` commit positions as numbers. Events appended over gRPC have commit position
 * = prepare position, so a number is enough to resume a read exactly.
 *
 * Server requirements: EventStoreDB 22.6 or later (or KurrentDB): stream reads need the `$all`
 * positions servers report since 22.6.
 *
 * Cost to keep in mind on a cluster shared with much other data: client 6.2.1 cannot filter a `$all`
 * read on the server, so readAll reads the other stores' events after `after` and drops them, and
 * headPosition reads `$all` backwards until it meets one of this store's events.
 */
import { createHash } from 'node:crypto';
import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  NO_STREAM,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  type AllStreamResolvedEvent,
  type JSONEventData,
  type JSONType,
  type Position,
  type ReadPosition,
  type RecordedEvent as EsdbRecordedEvent,
} from '@eventstore/db-client';
import { encodeAppend, fromRevisionOf, readRange } from './encoding.js';
import {
  WrongExpectedRevision,
  type AppendResult,
  type EventStore,
  type EventStoreCapabilities,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StreamAppend,
} from './port.js';

export interface EsdbEventStoreOptions {
  /** For example `esdb://node1:2113,node2:2113,node3:2113?tls=true`. */
  readonly connectionString: string;
  /**
   * Prefix of every stream this store writes and sees, e.g. `province.`. End it with a separator:
   * the prefix `city` would also claim the streams of a store prefixed `citywide.`.
   */
  readonly streamPrefix: string;
}

/** Events per `$all` read request. */
const PAGE_SIZE = 500;
/** Events of the first backwards page that looks for the head. */
const HEAD_FIRST_PAGE_SIZE = 20;

const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Namespace of the name-based (version 5, RFC 9562) UUIDs derived from ids that are not UUIDs. */
const EVENT_ID_NAMESPACE = Buffer.from('aa4c1b302a4c437b84344c3f0da566c5', 'hex');

/** What EventStoreDB reports as the position of an event it has no `$all` position for (2^64 - 1). */
const NO_POSITION = 2n ** 64n - 1n;

const esdbEventId = (id: string): string => {
  if (CANONICAL_UUID.test(id)) return id;
  const hash = createHash('sha1').update(EVENT_ID_NAMESPACE).update(id, 'utf8').digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

/** The event metadata this adapter writes. */
interface StoredMetadata {
  readonly id: string;
  readonly metadata: unknown;
}

const isStoredMetadata = (value: unknown): value is StoredMetadata =>
  typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'string' && 'metadata' in value;

/**
 * The client writes metadata given as a Uint8Array of exactly this realm's class verbatim (a Buffer
 * would be JSON-encoded as an object), which keeps our JSON text as it is.
 */
const utf8 = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'utf8'));

const toStorePosition = (position: Position | undefined, streamName: string): number => {
  if (position === undefined || position.commit === NO_POSITION) {
    throw new Error(`esdb: the server reported no $all position for an event of ${streamName} (servers before 22.6 omit it on stream reads)`);
  }
  if (position.commit > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new Error(
      `esdb: $all position ${position.commit} of an event of ${streamName} exceeds Number.MAX_SAFE_INTEGER; this store's positions are JavaScript numbers`,
    );
  }
  return Number(position.commit);
};

/** The `$all` position of the event at commit position `commit`; the start of `$all` for 0. */
const allPosition = (commit: bigint): ReadPosition => (commit === 0n ? START : { commit, prepare: commit });

/** An append's events as this adapter stores them (see the storage format above). */
const proposedEvents = (streamId: string, expected: ExpectedRevision, events: readonly NewEvent[]): JSONEventData[] =>
  encodeAppend(streamId, expected, events).map(
    (event): JSONEventData => ({
      id: esdbEventId(event.id),
      contentType: 'application/json',
      type: event.type,
      // A private copy taken now: the client serializes only when it sends. It JSON-encodes any
      // value; its JSONType merely leaves out numbers, booleans and null.
      data: JSON.parse(event.data) as JSONType,
      metadata: utf8(`{"id":${JSON.stringify(event.id)},"metadata":${event.metadata}}`),
    }),
  );

const collect = async <T>(read: AsyncIterable<T>): Promise<T[]> => {
  const items: T[] = [];
  for await (const item of read) items.push(item);
  return items;
};

export class EsdbEventStore implements EventStore {
  private readonly client: EventStoreDBClient;
  private readonly prefix: string;
  private closing: Promise<void> | undefined;
  /** The head when `$all` ended at `to` (see headPosition). */
  private headScan: { readonly head: number; readonly to: bigint } | undefined;
  /** No event of this store lies at a `$all` position in (lastOwn, to] (see readAll). */
  private scanned: { readonly lastOwn: bigint; readonly to: bigint } = { lastOwn: 0n, to: 0n };
  /**
   * None: the client has no column to keep a seal in and no hook inside the server's append (and
   * concurrent writers append to `$all` in an order only the server fixes), and no file to share.
   */
  readonly capabilities: EventStoreCapabilities = {};

  constructor(options: EsdbEventStoreOptions) {
    if (options.streamPrefix.length === 0 || options.streamPrefix.startsWith('$')) {
      // An empty prefix would claim every stream of the cluster, '$' its system streams.
      throw new Error(`EsdbEventStore: streamPrefix must be non-empty and not start with '$', got ${JSON.stringify(options.streamPrefix)}`);
    }
    this.prefix = options.streamPrefix;
    this.client = EventStoreDBClient.connectionString(options.connectionString);
  }

  async append(streamId: string, expected: ExpectedRevision, events: readonly NewEvent[]): Promise<AppendResult> {
    this.assertOpen();
    return this.appendProposed(streamId, expected, proposedEvents(streamId, expected, events));
  }

  /**
   * One append after another, in order: EventStoreDB has no transaction across streams. Every append
   * is checked and encoded before the first is sent; the first refused one is thrown and stops the
   * rest, while those before it stay written (see the port).
   */
  async appendMany(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    this.assertOpen();
    const proposed = appends.map(({ streamId, expected, events }) => ({ streamId, expected, events: proposedEvents(streamId, expected, events) }));
    const results: AppendResult[] = [];
    for (const { streamId, expected, events } of proposed) results.push(await this.appendProposed(streamId, expected, events));
    return results;
  }

  private async appendProposed(streamId: string, expected: ExpectedRevision, proposed: JSONEventData[]): Promise<AppendResult> {
    const streamName = this.prefix + streamId;
    try {
      const result = await this.client.appendToStream(streamName, proposed, {
        expectedRevision: expected === 'no-stream' ? NO_STREAM : BigInt(expected),
      });
      if (!result.success) {
        throw new Error(`esdb: append to ${streamName} failed; the connection string must not set throwOnAppendFailure=false`);
      }
      return {
        nextExpectedRevision: Number(result.nextExpectedRevision),
        position: toStorePosition(result.position, streamName),
      };
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError)) throw error;
      const actual = error.actualVersion === NO_STREAM ? 'no-stream' : Number(error.actualVersion);
      throw new WrongExpectedRevision(streamId, expected, actual);
    }
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    try {
      const read = await collect(this.client.readStream(this.prefix + streamId, { fromRevision: BigInt(fromRevisionOf(options)) }));
      return read.map((resolved) => this.toRecorded(resolved.event));
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
  }

  async readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    this.assertOpen();
    const { after, limit } = readRange(options);
    const found: RecordedEvent[] = [];
    // Commit position of the last `$all` event looked at. Reads start at their position inclusively,
    // so each page begins with the event the previous one ended on (or with `after` itself).
    let seen = BigInt(after);
    // What an earlier read established: none of this store's events lie in (lastOwn, to]. A caught-up
    // poller (relay, projections) asks again and again from its last event; without this it would
    // re-read every event the other stores appended since, on every poll.
    const known = this.scanned;
    const fromFrontier = seen >= known.lastOwn && known.to > seen;
    if (fromFrontier) seen = known.to;
    while (limit === undefined || found.length < limit) {
      const page = await collect(this.client.readAll({ fromPosition: allPosition(seen), maxCount: PAGE_SIZE }));
      for (const { event } of page) {
        if (!event || event.position.commit <= seen) continue;
        seen = event.position.commit;
        if (!event.streamId.startsWith(this.prefix)) continue;
        found.push(this.toRecorded(event));
        if (found.length === limit) break;
      }
      if (page.length < PAGE_SIZE) break;
    }
    // This read looked at every event in (start, seen]: its last own event, or else where the
    // stretch without own events began, bounds the new stretch. `$all` only grows at its end, so the
    // statement stays true; keep whichever reaches further.
    const lastOwn = found.length > 0 ? BigInt(found[found.length - 1]!.position) : fromFrontier ? known.lastOwn : BigInt(after);
    if (seen > this.scanned.to) this.scanned = { lastOwn, to: seen };
    return found;
  }

  async headPosition(): Promise<number> {
    this.assertOpen();
    // Status polls ask often. `$all` only grows at its end and this store's events never move, so
    // a head found when `$all` ended at `to` is still the head unless an own event came after `to`:
    // reading backwards stops at `to`, and a small first page covers the usual case.
    const known = this.headScan;
    let fromPosition: ReadPosition = END;
    let maxCount = HEAD_FIRST_PAGE_SIZE;
    let end: bigint | undefined;
    let head: number | undefined;
    while (head === undefined) {
      // Backwards reads exclude the event at `fromPosition`, so pages do not overlap.
      const page: AllStreamResolvedEvent[] = await collect(this.client.readAll({ fromPosition, direction: BACKWARDS, maxCount }));
      end ??= page[0]?.event?.position.commit;
      for (const { event } of page) {
        if (!event) continue;
        if (known && event.position.commit <= known.to) {
          head = known.head;
          break;
        }
        if (event.streamId.startsWith(this.prefix)) {
          head = toStorePosition(event.position, event.streamId);
          break;
        }
      }
      const oldest = page.at(-1)?.event;
      if (head === undefined && (!oldest || page.length < maxCount)) head = 0;
      if (oldest) fromPosition = oldest.position;
      maxCount = PAGE_SIZE;
    }
    if (end !== undefined && end > (this.headScan?.to ?? -1n)) this.headScan = { head, to: end };
    return head;
  }

  /** Drops the connection. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.client.dispose();
    return this.closing;
  }

  private toRecorded(event: EsdbRecordedEvent | undefined): RecordedEvent {
    const stored = event?.metadata;
    if (!event || !event.isJson || !event.streamId.startsWith(this.prefix) || !isStoredMetadata(stored)) {
      throw new Error(`esdb: event ${event?.id ?? '(none)'} of ${event?.streamId ?? '(no stream)'} was not written by EsdbEventStore`);
    }
    return {
      streamId: event.streamId.slice(this.prefix.length),
      revision: Number(event.revision),
      position: toStorePosition(event.position, event.streamId),
      id: stored.id,
      type: event.type,
      data: event.data,
      metadata: stored.metadata,
    };
  }

  private assertOpen(): void {
    if (this.closing) throw new Error('EsdbEventStore is closed');
  }
}
