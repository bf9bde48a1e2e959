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
 * Sealed (opened with a seal, as a level's store is: the audit hash chain): the store's single
 * writer (the level's process; appends are serialized inside this object) places every event it
 * appends in a dense order, 1, 2, 3 … (its *place*: positions here are log offsets, and a seal
 * cannot cover a position the server assigns only after the append), seals it from the seal of the
 * event before it, and writes place and seal into the event's own metadata
 * (`{ "id", "metadata", "place", "seal": <hex> }`), so they are stored atomically with it. The seal
 * covers the data and metadata texts the adapter sends (JSON.stringify's output, which the client's
 * parse-and-stringify round trip reproduces byte for byte). A second writer of the same prefix would
 * fork the places, which verification reports; the level's server lock prevents one per data folder.
 *
 * Server requirements: EventStoreDB 22.6 or later (or KurrentDB): stream reads need the `$all`
 * positions servers report since 22.6.
 *
 * Cost to keep in mind on a cluster shared with much other data: client 6.2.1 offers the server-side
 * `$all` filter only on subscribeToAll (its readAll sends "no filter"), so readAll reads the other
 * stores' events after `after` and drops them (remembering stretches without own events, so that a
 * caught-up poller does not read them again), and headPosition reads `$all` backwards until it meets
 * one of this store's events. Reading through filtered catch-up subscriptions instead was tried:
 * every read that ends before the subscription catches up cancels a stream the server is still
 * sending on, and after a minute of relay and projection polling the client's HTTP/2 connection was
 * closed (GOAWAY, INTERNAL_ERROR) under every call on it.
 */
import { createHash } from 'node:crypto';
import {
  BACKWARDS,
  CancelledError,
  DeadlineExceededError,
  END,
  EventStoreDBClient,
  NO_STREAM,
  START,
  StreamNotFoundError,
  UnavailableError,
  WrongExpectedVersionError,
  type AllStreamResolvedEvent,
  type JSONEventData,
  type JSONType,
  type Position,
  type ReadPosition,
  type RecordedEvent as EsdbRecordedEvent,
} from '@eventstore/db-client';
import { encodeAppend, fromRevisionOf, readRange, type EncodedEvent } from './encoding.js';
import {
  StoreUnreachable,
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
  /** Seals every event as it is appended (see the port and "Sealed" above); without one, nothing is sealed. */
  readonly seal?: EventSeal;
}

/**
 * The connection string as client 6.2.1 reads it. KurrentDB servers are addressed as `kurrentdb://`
 * (or `kdb://`, each with `+discover`), which this client does not know and throws on, and it takes
 * its own scheme in lower case only (URL schemes are case-insensitive): the same server address with
 * the scheme it knows (`esdb://`, `esdb+discover://`); the rest is kept as given.
 */
export const clientConnectionString = (connectionString: string): string =>
  connectionString.replace(/^(?:esdb|kurrentdb|kdb)(\+discover)?:\/\//i, (_scheme, discover: string | undefined) => `esdb${discover?.toLowerCase() ?? ''}://`);

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

/** The event metadata this adapter writes; `place` and `seal` (hex) in a sealed store only. */
interface StoredMetadata {
  readonly id: string;
  readonly metadata: unknown;
  readonly place?: number;
  readonly seal?: string;
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

/** An append's event as this adapter sends it; `place` and `seal` in a sealed store only. */
const proposedEvent = (event: EncodedEvent, sealing?: { readonly place: number; readonly seal: Uint8Array }): JSONEventData => ({
  id: esdbEventId(event.id),
  contentType: 'application/json',
  type: event.type,
  // A private copy taken now: the client serializes only when it sends. It JSON-encodes any
  // value; its JSONType merely leaves out numbers, booleans and null.
  data: JSON.parse(event.data) as JSONType,
  metadata: utf8(
    `{"id":${JSON.stringify(event.id)},"metadata":${event.metadata}${sealing ? `,"place":${sealing.place},"seal":"${Buffer.from(sealing.seal).toString('hex')}"` : ''}}`,
  ),
});

/** One stream's append, checked and encoded, not yet sealed. */
interface EncodedAppend {
  readonly streamId: string;
  readonly expected: ExpectedRevision;
  readonly events: readonly EncodedEvent[];
}

/** The last sealed event: where the next append's places and seals go on from. */
interface SealTip {
  readonly place: number;
  readonly seal: Uint8Array | undefined;
}

/**
 * Sparse index of places to `$all` positions: one entry every this many places (a read from a place
 * starts at most this many own events before it; a million events index in 31,250 entries).
 */
const PLACE_INDEX_EVERY = 32;

/** An event's data or metadata as text: JSON as JSON.stringify writes it, bytes as UTF-8. */
const textOf = (value: unknown): string => (value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : (JSON.stringify(value) ?? 'null'));

const collect = async <T>(read: AsyncIterable<T>): Promise<T[]> => {
  const items: T[] = [];
  for await (const item of read) items.push(item);
  return items;
};

const firstLineOf = (text: string): string => text.split('\n').map((line) => line.trim()).filter(Boolean).join('; ');

/** The server address of a connection string, without its options (which may hold credentials). */
const serverAddressOf = (connectionString: string): string => connectionString.replace(/^[a-z+]+:\/\/(?:[^@/]*@)?/i, '').replace(/[/?].*$/, '');

/**
 * Whether the client gave up on reaching the server, rather than the server refusing the request:
 * no connection (UNAVAILABLE, which the client also reports for a connection cut mid-call), no
 * answer within the deadline, a call the server cancelled, no node found by gossip discovery.
 */
const isUnreachable = (error: unknown): boolean =>
  error instanceof UnavailableError ||
  error instanceof DeadlineExceededError ||
  error instanceof CancelledError ||
  (error instanceof Error && /^Failed to discover after \d+ attempts/.test(error.message));

export class EsdbEventStore implements EventStore {
  private readonly client: EventStoreDBClient;
  private readonly connectionString: string;
  private readonly prefix: string;
  private readonly seal: EventSeal | undefined;
  private closing: Promise<void> | undefined;
  /** No event of this store lies at a `$all` position in (lastOwn, to] (see readOwnAfter). */
  private scanned: { readonly lastOwn: bigint; readonly to: bigint } = { lastOwn: 0n, to: 0n };
  /** The head when `$all` ended at `to` (see headPosition). */
  private headScan: { readonly head: number; readonly to: bigint } | undefined;
  /** Appends of a sealed store, one after another (each seal needs the one before it). */
  private writing: Promise<unknown> = Promise.resolve();
  /** The last sealed event as this writer knows it; undefined until read from the server (again after a failed append). */
  private tip: SealTip | undefined;
  /** Every PLACE_INDEX_EVERY-th place seen and its `$all` position, in place order (see SealedLog.read). */
  private readonly placeIndex: { readonly place: number; readonly position: bigint }[] = [];
  readonly capabilities: EventStoreCapabilities;

  constructor(options: EsdbEventStoreOptions) {
    if (options.streamPrefix.length === 0 || options.streamPrefix.startsWith('$')) {
      // An empty prefix would claim every stream of the cluster, '$' its system streams.
      throw new Error(`EsdbEventStore: streamPrefix must be non-empty and not start with '$', got ${JSON.stringify(options.streamPrefix)}`);
    }
    this.prefix = options.streamPrefix;
    this.seal = options.seal;
    this.connectionString = options.connectionString;
    // No connection is made here: the client connects on the first call, and again after a failed one.
    this.client = EventStoreDBClient.connectionString(clientConnectionString(options.connectionString));
    const seal = options.seal;
    const sealed: SealedLog | undefined = seal && {
      sealedWith: seal,
      last: async () => {
        this.assertOpen();
        const last = await this.lastOwnEvent();
        if (!last) return undefined;
        const { place, seal: kept } = this.sealOf(last, undefined);
        return { position: place, seal: kept };
      },
      read: (after, limit) => this.readSealed(after, limit),
      placeOf: async (position) => {
        this.assertOpen();
        if (!Number.isSafeInteger(position) || position < 1) return undefined;
        const [found] = await this.readOwnAfter(BigInt(position) - 1n, 1);
        if (!found || BigInt(toStorePosition(found.position, found.streamId)) !== BigInt(position)) return undefined;
        try {
          return this.sealOf(found, undefined).place;
        } catch {
          return undefined;
        }
      },
    };
    // No file to share: readers on other threads reach the server themselves.
    this.capabilities = sealed ? { sealed } : {};
  }

  async append(streamId: string, expected: ExpectedRevision, events: readonly NewEvent[]): Promise<AppendResult> {
    this.assertOpen();
    const [result] = await this.appendEncoded([{ streamId, expected, events: encodeAppend(streamId, expected, events) }]);
    return result!;
  }

  /**
   * One append after another, in order: EventStoreDB has no transaction across streams. Every append
   * is checked, encoded (and sealed) before the first is sent; the first refused one is thrown and
   * stops the rest, while those before it stay written (see the port).
   */
  async appendMany(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    this.assertOpen();
    return this.appendEncoded(appends.map(({ streamId, expected, events }) => ({ streamId, expected, events: encodeAppend(streamId, expected, events) })));
  }

  private appendEncoded(appends: readonly EncodedAppend[]): Promise<AppendResult[]> {
    if (!this.seal) return this.sendAll(appends.map(({ streamId, expected, events }) => ({ streamId, expected, proposed: events.map((event) => proposedEvent(event)) })));
    const work = this.writing.then(() => this.appendSealed(this.seal!, appends));
    this.writing = work.catch(() => undefined);
    return work;
  }

  /**
   * Seals every event of the appends from the tip on, as if all of them will be written, then sends
   * them. A seal that throws refuses the whole call before anything is sent. After a refused or
   * failed append the tip is read again from the server: what the server kept is what the next
   * event links to (a lost connection may or may not have written the append).
   */
  private async appendSealed(seal: EventSeal, appends: readonly EncodedAppend[]): Promise<AppendResult[]> {
    let { place, seal: previous } = (this.tip ??= await this.readTip());
    const tips: SealTip[] = [];
    const sealed = appends.map(({ streamId, expected, events }) => {
      let revision = expected === 'no-stream' ? -1 : expected;
      const proposed = events.map((event) => {
        place += 1;
        revision += 1;
        previous = seal(previous, { position: place, streamId, revision, eventId: event.id, type: event.type, data: event.data, metadata: event.metadata });
        return proposedEvent(event, { place, seal: previous });
      });
      tips.push({ place, seal: previous });
      return { streamId, expected, proposed };
    });
    const results: AppendResult[] = [];
    try {
      for (const [index, append] of sealed.entries()) {
        results.push(await this.send(append.streamId, append.expected, append.proposed));
        this.tip = tips[index];
      }
    } catch (error) {
      this.tip = undefined;
      throw error;
    }
    return results;
  }

  private async sendAll(appends: readonly { streamId: string; expected: ExpectedRevision; proposed: JSONEventData[] }[]): Promise<AppendResult[]> {
    const results: AppendResult[] = [];
    for (const { streamId, expected, proposed } of appends) results.push(await this.send(streamId, expected, proposed));
    return results;
  }

  private async send(streamId: string, expected: ExpectedRevision, proposed: JSONEventData[]): Promise<AppendResult> {
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
      if (!(error instanceof WrongExpectedVersionError)) throw this.unreachableOr(error);
      const actual = error.actualVersion === NO_STREAM ? 'no-stream' : Number(error.actualVersion);
      throw new WrongExpectedRevision(streamId, expected, actual);
    }
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    try {
      const read = await this.collect(() => this.client.readStream(this.prefix + streamId, { fromRevision: BigInt(fromRevisionOf(options)) }));
      return read.map((resolved) => this.toRecorded(resolved.event));
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
  }

  async readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    this.assertOpen();
    const { after, limit } = readRange(options);
    return (await this.readOwnAfter(BigInt(after), limit)).map((event) => this.toRecorded(event));
  }

  /**
   * This store's events strictly after the `$all` position `after` (0: from the start), at most
   * `limit`, read from `$all` in pages and kept when their stream has the store's prefix (see the
   * header on why the server does not filter them).
   */
  private async readOwnAfter(after: bigint, limit: number | undefined): Promise<EsdbRecordedEvent[]> {
    const found: EsdbRecordedEvent[] = [];
    // Commit position of the last `$all` event looked at. Reads start at their position inclusively,
    // so each page begins with the event the previous one ended on (or with `after` itself).
    let seen = after;
    // What an earlier read established: none of this store's events lie in (lastOwn, to]. A caught-up
    // poller (relay, projections) asks again and again from its last event; without this it would
    // re-read every event the other stores appended since, on every poll.
    const known = this.scanned;
    const fromFrontier = seen >= known.lastOwn && known.to > seen;
    if (fromFrontier) seen = known.to;
    // A read for a few events (a place looked up, a diagnosis reading one event) starts with a page
    // of about that size: the event at `seen` itself comes first, and often the next ones are own.
    let maxCount = limit === undefined ? PAGE_SIZE : Math.min(PAGE_SIZE, limit + 1);
    while (limit === undefined || found.length < limit) {
      const page = await this.collect(() => this.client.readAll({ fromPosition: allPosition(seen), maxCount }));
      for (const { event } of page) {
        if (!event || event.position.commit <= seen) continue;
        seen = event.position.commit;
        if (!event.streamId.startsWith(this.prefix)) continue;
        found.push(event);
        if (found.length === limit) break;
      }
      if (page.length < maxCount) break;
      maxCount = PAGE_SIZE;
    }
    // This read looked at every event in (start, seen]: its last own event, or else where the
    // stretch without own events began, bounds the new stretch. `$all` only grows at its end, so the
    // statement stays true; keep whichever reaches further.
    const lastOwn = found.length > 0 ? BigInt(toStorePosition(found[found.length - 1]!.position, found[found.length - 1]!.streamId)) : fromFrontier ? known.lastOwn : after;
    if (seen > this.scanned.to) this.scanned = { lastOwn, to: seen };
    return found;
  }

  async headPosition(): Promise<number> {
    this.assertOpen();
    return (await this.scanHead()).head;
  }

  /** This store's last event; undefined while it has none. */
  private async lastOwnEvent(): Promise<EsdbRecordedEvent | undefined> {
    const { head, last } = await this.scanHead();
    if (last || head === 0) return last;
    // The head did not move since it was found: read that event itself (forwards reads include the
    // event at their position). Should it be gone (a node's files edited), look again from the end.
    const [event] = await this.collect(() => this.client.readAll({ fromPosition: allPosition(BigInt(head)), maxCount: 1 }));
    if (event?.event && event.event.position.commit === BigInt(head) && event.event.streamId.startsWith(this.prefix)) return event.event;
    this.headScan = undefined;
    return this.lastOwnEvent();
  }

  /** The head position, and the head event when this scan read it (not when it was known already). */
  private async scanHead(): Promise<{ readonly head: number; readonly last?: EsdbRecordedEvent }> {
    // Status polls ask often. `$all` only grows at its end and this store's events never move, so
    // a head found when `$all` ended at `to` is still the head unless an own event came after `to`:
    // reading backwards stops at `to`, and a small first page covers the usual case.
    const known = this.headScan;
    let fromPosition: ReadPosition = END;
    let maxCount = HEAD_FIRST_PAGE_SIZE;
    let end: bigint | undefined;
    let last: EsdbRecordedEvent | undefined;
    let head: number | undefined;
    while (head === undefined) {
      // Backwards reads exclude the event at `fromPosition`, so pages do not overlap.
      const page: AllStreamResolvedEvent[] = await this.collect(() => this.client.readAll({ fromPosition, direction: BACKWARDS, maxCount }));
      end ??= page[0]?.event?.position.commit;
      for (const { event } of page) {
        if (!event) continue;
        if (known && event.position.commit <= known.to) {
          head = known.head;
          break;
        }
        if (event.streamId.startsWith(this.prefix)) {
          head = toStorePosition(event.position, event.streamId);
          last = event;
          break;
        }
      }
      const oldest = page.at(-1)?.event;
      if (head === undefined && (!oldest || page.length < maxCount)) head = 0;
      if (oldest) fromPosition = oldest.position;
      maxCount = PAGE_SIZE;
    }
    if (end !== undefined && end > (this.headScan?.to ?? -1n)) this.headScan = { head, to: end };
    return last ? { head, last } : { head };
  }

  /** The tip a sealed append goes on from: the place and seal of the last event stored. */
  private async readTip(): Promise<SealTip> {
    const last = await this.lastOwnEvent();
    return last ? this.sealOf(last, undefined) : { place: 0, seal: undefined };
  }

  /**
   * The place and seal an event carries. An event without them (written unsealed, or forged by
   * someone writing to the server directly) takes the place after `previousPlace` and an empty
   * seal, which no seal equals: whoever checks seals finds it there.
   */
  private sealOf(event: EsdbRecordedEvent, previousPlace: number | undefined): { place: number; seal: Uint8Array } {
    const stored = event.metadata;
    if (isStoredMetadata(stored) && Number.isSafeInteger(stored.place) && typeof stored.seal === 'string' && /^(?:[0-9a-f]{2})*$/.test(stored.seal)) {
      return { place: stored.place!, seal: Uint8Array.from(Buffer.from(stored.seal, 'hex')) };
    }
    if (previousPlace === undefined) {
      throw new Error(`esdb: the last event of ${this.prefix}* (${event.streamId}@${event.revision}) carries no seal: this store was written unsealed and cannot be sealed from here on`);
    }
    return { place: previousPlace + 1, seal: new Uint8Array(0) };
  }

  /**
   * Sealed events with places strictly after `after`, in `$all` order (the order they were placed
   * in). A reader pages on from the last place it got, so the read starts at the nearest place
   * seen before (the sparse index) instead of at the start of the store.
   */
  private async readSealed(after: number, limit: number): Promise<SealedEvent[]> {
    this.assertOpen();
    const { after: from } = readRange({ after, limit });
    const rows: SealedEvent[] = [];
    let start = this.indexedBefore(from);
    let previousPlace = start.place;
    while (rows.length < limit) {
      const wanted = Math.min(PAGE_SIZE, limit - rows.length + Math.max(0, from - previousPlace));
      const page = await this.readOwnAfter(start.position, wanted);
      for (const event of page) {
        const { place, seal } = this.sealOf(event, previousPlace);
        previousPlace = place;
        if (place % PLACE_INDEX_EVERY === 0 && place > (this.placeIndex.at(-1)?.place ?? 0)) this.placeIndex.push({ place, position: BigInt(toStorePosition(event.position, event.streamId)) });
        if (place <= from || rows.length >= limit) continue;
        // The texts as sent: JSON.stringify of what the client parsed gives back JSON.stringify's output.
        const stored = isStoredMetadata(event.metadata) ? event.metadata : undefined;
        rows.push({
          position: place,
          streamId: event.streamId.slice(this.prefix.length),
          revision: Number(event.revision),
          eventId: stored?.id ?? event.id,
          type: event.type,
          data: textOf(event.data),
          metadata: stored ? JSON.stringify(stored.metadata) : textOf(event.metadata ?? null),
          seal,
        });
      }
      const last = page.at(-1);
      if (!last || page.length < wanted) break;
      start = { place: previousPlace, position: BigInt(toStorePosition(last.position, last.streamId)) };
    }
    return rows;
  }

  /** The indexed place furthest along at or before `place`, or the start of the store. */
  private indexedBefore(place: number): { readonly place: number; readonly position: bigint } {
    let low = 0;
    let high = this.placeIndex.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.placeIndex[middle]!.place <= place) low = middle + 1;
      else high = middle;
    }
    return low === 0 ? { place: 0, position: 0n } : this.placeIndex[low - 1]!;
  }

  /** Every item of a read, the client's failures to reach the server thrown as StoreUnreachable. */
  private async collect<T>(read: () => AsyncIterable<T>): Promise<T[]> {
    try {
      return await collect(read());
    } catch (error) {
      throw this.unreachableOr(error);
    }
  }

  /**
   * `error` as StoreUnreachable when the client could not reach the server, else as it is. The
   * client connects again by itself on the next call after UNAVAILABLE (it drops the channel).
   */
  private unreachableOr(error: unknown): unknown {
    if (!isUnreachable(error) || this.closing) return error;
    // grpc-js ends its message with an empty "Resolution note:" for an address that needed no lookup.
    const reason = firstLineOf(error instanceof Error ? error.message : String(error)).replace(/\.?\s*Resolution note:\s*$/, '');
    return new StoreUnreachable(`EventStoreDB at ${serverAddressOf(this.connectionString)} cannot be reached: ${reason}`, { cause: error });
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
