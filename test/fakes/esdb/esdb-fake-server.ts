/**
 * EsdbFakeServer: a test-only FAKE of an EventStoreDB node, never a production store (DESIGN.md §3,
 * "Wire-level honesty in tests"). It serves the gRPC services that `@eventstore/db-client` ships
 * definitions for, on a real TCP port, so the real client runs over a real connection against it.
 *
 * It implements what the `esdb` adapter uses, answering the way an EventStoreDB 24.x node does:
 * - `ServerFeatures.GetSupportedMethods`, listing the methods below. Client 6.2.1 asks this before
 *   its first append and then appends through `Streams.BatchAppend` (it would fall back to
 *   `Streams.Append` only when the call answers UNIMPLEMENTED, as servers before 21.10 do).
 * - `Streams.BatchAppend`: expected revision checks with the server's error shape (a
 *   `google.rpc.Status` ALREADY_EXISTS whose details pack `event_store.client.WrongExpectedVersion`
 *   with the current and expected revisions), idempotent retries, BadRequest for malformed events.
 * - `Streams.Read`: stream reads forwards (a missing stream answers a `stream_not_found` message),
 *   `$all` reads forwards and backwards from a position, catch-up subscriptions to `$all` from a
 *   position (exclusive) with an optional stream-name or event-type filter: confirmation, catch-up
 *   events, `caught_up`, then live events.
 *
 * Anything else answers UNIMPLEMENTED. What it does not model: see `test/fakes/esdb/README.md`.
 */
import { randomUUID } from 'node:crypto';
import {
  Server,
  ServerCredentials,
  status,
  type ServerDuplexStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type sendUnaryData,
} from '@grpc/grpc-js';
import codePb from '@eventstore/db-client/generated/code_pb.js';
import featuresGrpc from '@eventstore/db-client/generated/serverfeatures_grpc_pb.js';
import featuresPb from '@eventstore/db-client/generated/serverfeatures_pb.js';
import sharedPb from '@eventstore/db-client/generated/shared_pb.js';
import statusPb from '@eventstore/db-client/generated/status_pb.js';
import streamsGrpc from '@eventstore/db-client/generated/streams_grpc_pb.js';
import streamsPb from '@eventstore/db-client/generated/streams_pb.js';
import type { SupportedMethods } from '@eventstore/db-client/generated/serverfeatures_pb.js';
import type { BatchAppendReq, BatchAppendResp, ReadReq, ReadResp } from '@eventstore/db-client/generated/streams_pb.js';
import anyPb from 'google-protobuf/google/protobuf/any_pb.js';
import emptyPb from 'google-protobuf/google/protobuf/empty_pb.js';
import type { Message } from 'google-protobuf';
import { FakeLog, type EventFilter, type ExpectedState, type LogPosition, type LoggedEvent, type ProposedEvent } from './fake-log.js';

export interface EsdbFakeServerOptions {
  /**
   * Log offset of the first event. A real log starts with system records, so no event sits at 0;
   * raise it towards 2^53 to exercise a client's handling of positions beyond safe integers.
   */
  readonly firstLogPosition?: bigint;
}

/** Where the first event lands by default: after a few hundred bytes of (unmodelled) system records. */
const DEFAULT_FIRST_LOG_POSITION = 512n;
/** Events a catch-up subscription reads from the log at a time. */
const CATCH_UP_BATCH = 32;
/** The server version whose behaviour the fake follows, reported by ServerFeatures. */
const MODELLED_SERVER_VERSION = '24.10.0';

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const { StreamsService } = streamsGrpc;
const { ServerFeaturesService } = featuresGrpc;
const { ReadResp: ReadRespMessage, BatchAppendResp: BatchAppendRespMessage } = streamsPb;

/** A malformed request the server answers with `event_store.client.BadRequest`. */
class BadRequest extends Error {}

const utf8Bytes = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'utf8'));
const utf8Text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

const streamIdentifier = (streamName: string): InstanceType<typeof sharedPb.StreamIdentifier> => {
  const identifier = new sharedPb.StreamIdentifier();
  identifier.setStreamName(utf8Bytes(streamName));
  return identifier;
};

/** A `google.rpc.Status` carrying one `event_store.client.*` detail, as the server builds them. */
const rpcStatus = (code: codePb.Code, message: string, details: Message, detailsType: string): InstanceType<typeof statusPb.Status> => {
  const packed = new anyPb.Any();
  packed.pack(details.serializeBinary(), `event_store.client.${detailsType}`);
  const rpc = new statusPb.Status();
  rpc.setCode(code);
  rpc.setMessage(message);
  rpc.setDetails(packed);
  return rpc;
};

const badRequestStatus = (message: string): InstanceType<typeof statusPb.Status> => {
  const details = new sharedPb.BadRequest();
  details.setMessage(message);
  return rpcStatus(codePb.Code.INVALID_ARGUMENT, 'BadRequest', details, 'BadRequest');
};

const wrongExpectedVersionStatus = (current: bigint | undefined, expected: ExpectedState): InstanceType<typeof statusPb.Status> => {
  const details = new sharedPb.WrongExpectedVersion();
  if (current === undefined) details.setCurrentNoStream(new emptyPb.Empty());
  else details.setCurrentStreamRevision(current.toString());
  switch (expected.kind) {
    case 'revision':
      details.setExpectedStreamPosition(expected.revision.toString());
      break;
    case 'no-stream':
      details.setExpectedNoStream(new emptyPb.Empty());
      break;
    case 'any':
      details.setExpectedAny(new emptyPb.Empty());
      break;
    case 'stream-exists':
      details.setExpectedStreamExists(new emptyPb.Empty());
      break;
  }
  return rpcStatus(codePb.Code.ALREADY_EXISTS, 'WrongExpectedVersion', details, 'WrongExpectedVersion');
};

const expectedState = (options: BatchAppendReq.Options): ExpectedState => {
  if (options.hasStreamPosition()) return { kind: 'revision', revision: BigInt(options.getStreamPosition()) };
  if (options.hasNoStream()) return { kind: 'no-stream' };
  if (options.hasAny()) return { kind: 'any' };
  if (options.hasStreamExists()) return { kind: 'stream-exists' };
  throw new BadRequest('expected stream position not set');
};

const proposedEvent = (message: BatchAppendReq.ProposedMessage): ProposedEvent => {
  const id = message.getId()?.getString() ?? '';
  if (!UUID_PATTERN.test(id)) throw new BadRequest(`event id ${JSON.stringify(id)} is not a UUID`);
  const type = message.getMetadataMap().get('type');
  const contentType = message.getMetadataMap().get('content-type');
  if (type === undefined || contentType === undefined) throw new BadRequest('event needs "type" and "content-type" metadata');
  return {
    id: id.toLowerCase(),
    type,
    // The server keeps only "is JSON or not": any other content type reads back as octet-stream.
    isJson: contentType === 'application/json',
    data: message.getData_asU8(),
    metadata: message.getCustomMetadata_asU8(),
  };
};

const readPosition = (options: ReadReq.Options.AllOptions): LogPosition | 'start' | 'end' => {
  const position = options.getPosition();
  if (position) return { commit: BigInt(position.getCommitPosition()), prepare: BigInt(position.getPreparePosition()) };
  return options.hasEnd() ? 'end' : 'start';
};

/** The request's filter as a predicate; undefined when it asks for none. */
const eventFilter = (options: ReadReq.Options): EventFilter | undefined => {
  const filter = options.getFilter();
  if (!filter) return undefined;
  const byStream = filter.getStreamIdentifier();
  const expression = byStream ?? filter.getEventType();
  if (!expression) return undefined;
  const field = (event: LoggedEvent): string => (byStream ? event.streamName : event.type);
  const regex = expression.getRegex();
  if (regex) {
    const pattern = new RegExp(regex);
    return (event) => pattern.test(field(event));
  }
  const prefixes = expression.getPrefixList();
  return (event) => prefixes.some((prefix) => field(event).startsWith(prefix));
};

const readEventResponse = (event: LoggedEvent): ReadResp => {
  const recorded = new ReadRespMessage.ReadEvent.RecordedEvent();
  const id = new sharedPb.UUID();
  id.setString(event.id);
  recorded.setId(id);
  recorded.setStreamIdentifier(streamIdentifier(event.streamName));
  recorded.setStreamRevision(event.revision.toString());
  // Servers since 22.6 report the $all position on stream reads too (events outside transactions).
  recorded.setCommitPosition(event.position.toString());
  recorded.setPreparePosition(event.position.toString());
  recorded
    .getMetadataMap()
    .set('type', event.type)
    .set('created', event.created.toString())
    .set('content-type', event.isJson ? 'application/json' : 'application/octet-stream');
  recorded.setData(event.data);
  recorded.setCustomMetadata(event.metadata);
  const readEvent = new ReadRespMessage.ReadEvent();
  readEvent.setEvent(recorded);
  readEvent.setCommitPosition(event.position.toString());
  const response = new ReadRespMessage();
  response.setEvent(readEvent);
  return response;
};

const unimplemented = (what: string): { code: status; details: string } => ({
  code: status.UNIMPLEMENTED,
  details: `EsdbFakeServer does not model ${what}`,
});

/** "/event_store.client.streams.Streams/Read" → the SupportedMethod the server lists for it. */
const supportedMethod = (path: string): InstanceType<typeof featuresPb.SupportedMethod> => {
  const [, serviceName = '', methodName = ''] = path.split('/');
  const method = new featuresPb.SupportedMethod();
  method.setServiceName(serviceName.toLowerCase());
  method.setMethodName(methodName.toLowerCase());
  return method;
};

export class EsdbFakeServer {
  private server: Server | undefined;
  /**
   * Events this fake has written to read calls and subscriptions since it started: what crossed the
   * wire, so that a test can tell a filter applied by the server from one applied by its client.
   */
  eventsSent = 0;
  /** Detaches each live subscription from the log; run when its call ends or the server stops. */
  private readonly liveSubscriptions = new Set<() => void>();

  private constructor(
    private readonly log: FakeLog,
    private boundPort: number,
  ) {}

  /** Starts a fake with an empty log on 127.0.0.1 and a free port. */
  static async start(options: EsdbFakeServerOptions = {}): Promise<EsdbFakeServer> {
    const fake = new EsdbFakeServer(new FakeLog(options.firstLogPosition ?? DEFAULT_FIRST_LOG_POSITION), 0);
    await fake.listen();
    return fake;
  }

  get port(): number {
    return this.boundPort;
  }

  /**
   * The log itself, for tamper tests that play someone who edits a node's files (changes, removes
   * or cuts off events behind the server's back): `loggedEvents` and `replaceEvents`.
   */
  get storage(): Pick<FakeLog, 'loggedEvents' | 'replaceEvents'> {
    return this.log;
  }

  /** For `EventStoreDBClient.connectionString`: a single insecure node. */
  get connectionString(): string {
    return `esdb://127.0.0.1:${this.boundPort}?tls=false`;
  }

  /**
   * Drops every connection and call at once, as a crashing node would, and listens again on the
   * same port with the log kept.
   */
  async restart(): Promise<void> {
    await this.stop();
    await this.listen();
  }

  /**
   * Listens again on the port it had before `stop`, log kept: a node that was down (or not yet up
   * when a level started) and comes back at its address.
   */
  async resume(): Promise<void> {
    if (!this.server) await this.listen();
  }

  async stop(): Promise<void> {
    for (const detach of this.liveSubscriptions) detach();
    this.liveSubscriptions.clear();
    this.server?.forceShutdown();
    this.server = undefined;
  }

  private listen(): Promise<void> {
    const server = new Server();
    server.addService(StreamsService, {
      read: (call: ServerWritableStream<ReadReq, ReadResp>) => this.read(call),
      batchAppend: (call: ServerDuplexStream<BatchAppendReq, BatchAppendResp>) => this.batchAppend(call),
    });
    server.addService(ServerFeaturesService, {
      getSupportedMethods: (_call: ServerUnaryCall<unknown, SupportedMethods>, callback: sendUnaryData<SupportedMethods>) => {
        const supported = new featuresPb.SupportedMethods();
        supported.setEventStoreServerVersion(MODELLED_SERVER_VERSION);
        supported.setMethodsList(
          [StreamsService.read.path, StreamsService.batchAppend.path, ServerFeaturesService.getSupportedMethods.path].map(supportedMethod),
        );
        callback(null, supported);
      },
    });
    return new Promise((resolve, reject) => {
      server.bindAsync(`127.0.0.1:${this.boundPort}`, ServerCredentials.createInsecure(), (error, port) => {
        if (error) return reject(error);
        this.boundPort = port;
        this.server = server;
        resolve();
      });
    });
  }

  /** One call carries many appends, each identified by its correlation id, possibly in chunks. */
  private batchAppend(call: ServerDuplexStream<BatchAppendReq, BatchAppendResp>): void {
    const pending = new Map<string, { options: BatchAppendReq.Options; messages: BatchAppendReq.ProposedMessage[] }>();
    call.on('data', (request: BatchAppendReq) => {
      const correlationId = request.getCorrelationId()?.getString() ?? '';
      const options = request.getOptions();
      if (options) pending.set(correlationId, { options, messages: [] });
      const append = pending.get(correlationId);
      if (!append) return;
      append.messages.push(...request.getProposedMessagesList());
      if (!request.getIsFinal()) return;
      pending.delete(correlationId);
      const response = this.append(append.options, append.messages);
      response.setCorrelationId(request.getCorrelationId());
      call.write(response);
    });
    call.on('end', () => call.end());
  }

  private append(options: BatchAppendReq.Options, messages: readonly BatchAppendReq.ProposedMessage[]): BatchAppendResp {
    const response = new BatchAppendRespMessage();
    response.setStreamIdentifier(options.getStreamIdentifier());
    try {
      const identifier = options.getStreamIdentifier();
      if (!identifier) throw new BadRequest('Required field StreamIdentifier not set.');
      const expected = expectedState(options);
      const outcome = this.log.append(utf8Text(identifier.getStreamName_asU8()), expected, messages.map(proposedEvent));
      if (!outcome.ok) {
        response.setError(wrongExpectedVersionStatus(outcome.currentRevision, expected));
        return response;
      }
      const success = new BatchAppendRespMessage.Success();
      if (outcome.currentRevision === undefined) success.setNoStream(new emptyPb.Empty());
      else success.setCurrentRevision(outcome.currentRevision.toString());
      if (outcome.position) {
        const position = new sharedPb.AllStreamPosition();
        position.setCommitPosition(outcome.position.commit.toString());
        position.setPreparePosition(outcome.position.prepare.toString());
        success.setPosition(position);
      } else {
        success.setNoPosition(new emptyPb.Empty());
      }
      response.setSuccess(success);
    } catch (error) {
      if (!(error instanceof BadRequest)) throw error;
      response.setError(badRequestStatus(error.message));
    }
    return response;
  }

  private read(call: ServerWritableStream<ReadReq, ReadResp>): void {
    const options = call.request.getOptions();
    if (!options) return void call.emit('error', { code: status.INVALID_ARGUMENT, details: 'read options not set' });
    const filter = eventFilter(options);
    const forwards = options.getReadDirection() === streamsPb.ReadReq.Options.ReadDirection.FORWARDS;
    const all = options.getAll();
    const stream = options.getStream();

    if (options.hasSubscription()) {
      if (!all) return void call.emit('error', unimplemented('stream subscriptions'));
      return this.subscribeToAll(call, readPosition(all), filter ?? (() => true));
    }
    const count = Number(options.getCount());
    if (all) {
      const from = readPosition(all);
      const events = forwards ? this.log.readForwards(from, count, filter) : this.log.readBackwards(from, count, filter);
      for (const event of events) this.send(call, event);
      return void call.end();
    }
    if (!stream || !forwards || filter || stream.hasEnd()) {
      return void call.emit('error', unimplemented('this kind of stream read'));
    }
    const streamName = utf8Text(stream.getStreamIdentifier()?.getStreamName_asU8() ?? new Uint8Array());
    const events = this.log.readStream(streamName, stream.hasRevision() ? BigInt(stream.getRevision()) : 0n, count);
    if (events === undefined) {
      const notFound = new ReadRespMessage.StreamNotFound();
      notFound.setStreamIdentifier(streamIdentifier(streamName));
      const response = new ReadRespMessage();
      response.setStreamNotFound(notFound);
      call.write(response);
    }
    for (const event of events ?? []) this.send(call, event);
    call.end();
  }

  /** Writes one event; false when the call's buffer is full (wait for 'drain'). */
  private send(call: ServerWritableStream<ReadReq, ReadResp>, event: LoggedEvent): boolean {
    // A cancelled call takes no more writes (the server stops reading the log for it).
    if (call.cancelled || call.destroyed) return false;
    this.eventsSent += 1;
    return call.write(readEventResponse(event));
  }

  /**
   * Confirmation, the catch-up events strictly after `from`, `caught_up`, then live events. Catch-up
   * events are written as the call's flow control lets them through (a server reads the log in
   * batches while the client reads, and stops when the client cancels), so a client that cancels
   * after a few events is not sent the whole log. Once no more events are found, the switch to live
   * happens in one synchronous step, so no append falls between.
   */
  private subscribeToAll(call: ServerWritableStream<ReadReq, ReadResp>, from: LogPosition | 'start' | 'end', filter: EventFilter): void {
    const confirmation = new ReadRespMessage.SubscriptionConfirmation();
    confirmation.setSubscriptionId(randomUUID());
    const confirmed = new ReadRespMessage();
    confirmed.setConfirmation(confirmation);
    call.write(confirmed);

    let cancelled = false;
    call.on('cancelled', () => (cancelled = true));
    const goLive = (): void => {
      if (cancelled || call.cancelled) return;
      const caughtUp = new ReadRespMessage();
      caughtUp.setCaughtUp(new ReadRespMessage.CaughtUp());
      call.write(caughtUp);
      const stopListening = this.log.onAppended((appended) => {
        for (const event of appended) if (filter(event)) this.send(call, event);
      });
      const detach = (): void => {
        stopListening();
        this.liveSubscriptions.delete(detach);
      };
      this.liveSubscriptions.add(detach);
      call.on('cancelled', detach);
    };
    if (from === 'end') return goLive();

    let after: LogPosition | 'start' = from;
    const catchUp = (): void => {
      while (!cancelled) {
        const batch = this.log.eventsAfter(after, filter, CATCH_UP_BATCH);
        if (batch.length === 0) return goLive();
        let room = true;
        for (const event of batch) room = this.send(call, event);
        const last = batch.at(-1)!;
        after = { commit: last.position, prepare: last.position };
        if (!room) return void call.once('drain', catchUp);
      }
    };
    catchUp();
  }
}
