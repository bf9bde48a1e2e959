import kafkajs from 'kafkajs';
import { kafkaLogsInto, operationsLog } from '#observability';

// kafkajs is CommonJS: Node's ESM loader sees only the exports its lexer can find, which leaves out
// the error classes, so everything is taken from the default export.
const { Kafka, KafkaJSError, KafkaJSProtocolError, logLevel: LogLevel } = kafkajs;
type LogLevel = kafkajs.logLevel;
type Kafka = kafkajs.Kafka;
import type { Admin, Consumer as KafkaConsumer, EachBatchPayload, IHeaders, ISocketFactory, KafkaMessage, Message, Producer, SASLOptions, TopicMessages } from 'kafkajs';
import { assertDeadLetterTopicApart, deadLetterOf } from './dead-letter.js';
import { DeliveryContinuity } from './delivery-continuity.js';
import { javaCompatiblePartitioner } from './kafka-partitioner.js';
import type { Bus, BusConnectivity, BusMessage, Consumer, ConsumerOptions, DeliveredMessage } from './port.js';
import { MAX_RUN_LENGTH, PoisonMessage, nextRetryDelay } from './port.js';

/** Consumer-group timing; the defaults are kafkajs' own, tests shorten them to keep rebalances quick. */
export interface KafkaConsumerTuning {
  /**
   * Silence after which the coordinator evicts a member and rebalances (kafkajs default 30 000 ms).
   * kafkajs heartbeats only between messages, so a handler that runs longer than this loses its
   * partitions and its message is redelivered to their next owner.
   */
  readonly sessionTimeout?: number;
  /** kafkajs heartbeats between messages and fetches at most this often (default 3 000 ms). */
  readonly heartbeatInterval?: number;
  /** Longest a fetch waits on the broker for new records; closing waits for an idle fetch too (default 5 000 ms). */
  readonly maxWaitTimeInMs?: number;
}

export interface KafkaBusConfig {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** Opens every broker connection (kafkajs' `socketFactory`); tests route them through a fault-injecting proxy. */
  readonly socketFactory?: ISocketFactory;
  readonly consumer?: KafkaConsumerTuning;
  /**
   * Prefix of every topic and consumer-group name this bus uses on the cluster (default none), so
   * that several deployments, or test runs, share one cluster without reading each other's
   * messages or joining each other's groups. Callers keep using the unprefixed names: messages
   * they publish and receive carry them; only the cluster (and a dead-letter record's source-topic
   * header, which an operator reads off the cluster) sees the prefixed ones.
   */
  readonly namespace?: string;
  /**
   * TLS towards the brokers (kafkajs' `ssl`: true for Node's bundled CAs, or tls.connect options
   * such as `ca`, `cert`, `key`); absent: plaintext.
   */
  readonly ssl?: true | { readonly ca?: string; readonly cert?: string; readonly key?: string };
  /** SASL authentication (kafkajs' `sasl`); absent: none. */
  readonly sasl?: { readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; readonly username: string; readonly password: string };
  /** kafkajs log level; default WARN. */
  readonly logLevel?: LogLevel;
  /** Where kafkajs' lines go; default the process log (libs/observability), `source: kafkajs`. */
  readonly logCreator?: kafkajs.logCreator;
}

/** kafkajs types each mechanism's options apart. */
const saslOptionsOf = ({ mechanism, username, password }: NonNullable<KafkaBusConfig['sasl']>): SASLOptions => {
  switch (mechanism) {
    case 'plain':
      return { mechanism, username, password };
    case 'scram-sha-256':
      return { mechanism, username, password };
    case 'scram-sha-512':
      return { mechanism, username, password };
    default: {
      const unknown: never = mechanism;
      throw new Error(`unknown SASL mechanism ${String(unknown)}`);
    }
  }
};

export interface TopicLayout {
  readonly partitions: number;
  readonly replicationFactor: number;
}

/**
 * A consumer commits the offset past the messages it has handled after this many of them or this
 * long, whichever comes first, and at the end of every fetched batch.
 */
const COMMIT_EVERY = 500;
const COMMIT_INTERVAL_MS = 200;

/** Pauses between attempts of a consumer to join its group while the cluster is out of reach: 1 s, 2 s, 4 s … at most 30 s. */
const JOIN_RETRY = { initialPauseMs: 1000, maxPauseMs: 30_000 } as const;

/** acks=-1: the partition leader answers only once every in-sync replica has the records. */
const ALL_IN_SYNC_REPLICAS = -1;

/**
 * The Bus on Kafka (kafkajs), the cross-level backbone of the distributed deployment.
 *
 * Publishing: one producer, acks from all in-sync replicas, each message keyed by its source stream
 * so a stream stays in one partition and keeps its order. The producer is deliberately neither
 * idempotent nor transactional: consumers dedupe by event id anyway (DESIGN.md §3.5), so a retried
 * send that lands twice costs a duplicate, not a wrong fact; and kafkajs asks the controller broker
 * for a producer id, which librdkafka's mock cluster (the tests' real wire) reports as broker 0, one
 * that does not exist. What idempotence would otherwise give, order under retries, comes from one
 * request in flight per broker connection and from publishers awaiting each publish (the relay does):
 * a retried batch is then never overtaken by a later one.
 *
 * Consuming: one kafkajs consumer per `consume` call, starting from the earliest offset when its
 * group has none, with auto-commit off. Each fetched batch goes to `onMessages` in runs of up to
 * MAX_RUN_LENGTH messages when the consumer has one (one store transaction per run rather than per
 * message), message by message through `onMessage` otherwise or when a run's handler threw. A
 * message's offset is committed only after its handler (or its run's) resolved, in groups (every
 * COMMIT_EVERY messages or COMMIT_INTERVAL_MS, and at the end of each fetched batch): a commit per
 * message would cap a consumer at a few thousand messages a second.
 * A handler that throws a PoisonMessage gets the message dead-lettered (with the error and where
 * the message sat) and committed past, so a poison message never stalls its partition. Failures of
 * that bookkeeping (a commit or the dead-letter send lost to a broker error) are retried by kafkajs
 * and redeliver from the first message not yet done; nothing is skipped. kafkajs may also
 * redeliver after a rebalance or a crash, since a partition's owner resumes from the last committed
 * offset: receivers dedupe by event id.
 *
 * No admin API is used on the normal path (topics are auto-created where the cluster allows it, as
 * the mock does; the mock's controller id 0 also makes kafkajs' admin fail): `ensureTopics` is there
 * for real clusters that want partitions and replication set explicitly.
 */
export class KafkaBus implements Bus {
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private producerConnection: Promise<void> | undefined;
  private readonly consumers = new Set<KafkaGroupConsumer>();
  private closed = false;
  private readonly names: Namespace;

  constructor(private readonly config: KafkaBusConfig) {
    this.names = new Namespace(config.namespace ?? '');
    this.kafka = new Kafka({
      brokers: [...config.brokers],
      clientId: config.clientId,
      logLevel: config.logLevel ?? LogLevel.WARN,
      logCreator: config.logCreator ?? kafkaLogsInto(operationsLog),
      ...(config.socketFactory ? { socketFactory: config.socketFactory } : {}),
      ...(config.ssl ? { ssl: config.ssl === true ? true : { ...config.ssl } } : {}),
      ...(config.sasl ? { sasl: saslOptionsOf(config.sasl) } : {}),
    });
    this.producer = this.kafka.producer({
      // The Java-compatible murmur2 partitioner, so every client puts a key in the same partition:
      // kafkajs' DefaultPartitioner's choice, computed without its per-key Long arithmetic.
      createPartitioner: javaCompatiblePartitioner,
      idempotent: false,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: true,
    });
  }

  async publish(messages: readonly BusMessage[]): Promise<void> {
    this.assertOpen();
    await this.send(messages);
  }

  async consume(options: ConsumerOptions): Promise<Consumer> {
    this.assertOpen();
    assertDeadLetterTopicApart(options.topics, options.deadLetterTopic);
    const tuning = this.config.consumer ?? {};
    const kafkaConsumer = this.kafka.consumer({
      groupId: this.names.onCluster(options.groupId),
      allowAutoTopicCreation: true,
      ...(tuning.sessionTimeout === undefined ? {} : { sessionTimeout: tuning.sessionTimeout }),
      ...(tuning.heartbeatInterval === undefined ? {} : { heartbeatInterval: tuning.heartbeatInterval }),
      ...(tuning.maxWaitTimeInMs === undefined ? {} : { maxWaitTimeInMs: tuning.maxWaitTimeInMs }),
    });
    // Committed offsets are read through an admin client (OffsetFetch goes to the group coordinator).
    const admin = options.onGap ? this.kafka.admin() : undefined;
    const consumer = new KafkaGroupConsumer(kafkaConsumer, admin, options, this.names, (messages) => this.send(messages), () => this.consumers.delete(consumer));
    this.consumers.add(consumer);
    // Not awaited: a level whose cluster is out of reach at start still serves its own commands and
    // reads; the consumer joins when the cluster answers, and readiness says so meanwhile.
    consumer.joinInBackground();
    return consumer;
  }

  /** Creates missing topics with an explicit layout. For real clusters; the mock cluster cannot serve kafkajs' admin client. */
  async ensureTopics(topics: readonly string[], layout: TopicLayout): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: topics.map((topic) => ({ topic: this.names.onCluster(topic), numPartitions: layout.partitions, replicationFactor: layout.replicationFactor })),
      });
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * Connected while open and every consumer has heard from the cluster (a heartbeat, a fetch, a
   * group join) within its session timeout and has not crashed since: past that the coordinator
   * has evicted it anyway.
   */
  connectivity(): BusConnectivity {
    if (this.closed) return { connected: false, detail: 'the bus is closed' };
    const limit = this.config.consumer?.sessionTimeout ?? 30_000;
    for (const consumer of this.consumers) {
      const joining = consumer.joining();
      if (joining !== undefined) return { connected: false, detail: joining };
      const silence = consumer.silenceMillis();
      if (silence === undefined) return { connected: false, detail: `consumer ${consumer.groupId} crashed or left its group` };
      if (silence > limit) return { connected: false, detail: `consumer ${consumer.groupId} has not heard from the cluster for ${silence} ms` };
    }
    return { connected: true };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Consumers first: a handler still running may yet need the producer for a dead-letter record.
    await Promise.all([...this.consumers].map((consumer) => consumer.close()));
    if (this.producerConnection) {
      await this.producerConnection.catch(() => undefined);
      await this.producer.disconnect();
    }
  }

  private async send(messages: readonly BusMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.connectProducer();
    await this.producer.sendBatch({ acks: ALL_IN_SYNC_REPLICAS, topicMessages: byTopic(messages, this.names) });
  }

  private connectProducer(): Promise<void> {
    this.producerConnection ??= this.producer.connect().catch((error: unknown) => {
      // Forget the failed attempt so the next publish tries again.
      this.producerConnection = undefined;
      throw error;
    });
    return this.producerConnection;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('KafkaBus is closed');
  }
}

/** One `consume` call: a kafkajs consumer in the group, committing by hand. */
class KafkaGroupConsumer implements Consumer {
  private closing: Promise<void> | undefined;
  private readonly continuity = new DeliveryContinuity();
  /** The group's committed offsets as read at the last assignment (cluster topic names); undefined when they could not be read. */
  private committedAtAssignment: Promise<Map<string, Map<number, string>> | undefined> = Promise.resolve(undefined);

  constructor(
    private readonly consumer: KafkaConsumer,
    private readonly admin: Admin | undefined,
    private readonly options: ConsumerOptions,
    private readonly names: Namespace,
    private readonly sendDeadLetter: (messages: readonly BusMessage[]) => Promise<void>,
    private readonly onClosed: () => void,
  ) {}

  /** When this consumer last heard from the cluster; undefined after a crash, a stop or a disconnect. */
  private lastContact: number | undefined = Date.now();
  /** Set until the consumer runs in its group: how far joining has come, for the readiness probe. */
  private joiningState: string | undefined;
  /** Ends the pause between two attempts to join (when closing). */
  private endPause: (() => void) | undefined;
  /** The attempts to join, until one succeeds or the consumer closes: closing waits for them. */
  private joinAttempts: Promise<void> = Promise.resolve();

  get groupId(): string {
    return this.options.groupId;
  }

  /** How long since it last heard from the cluster; undefined when it is not running. */
  silenceMillis(): number | undefined {
    return this.lastContact === undefined ? undefined : Date.now() - this.lastContact;
  }

  /** Why the consumer is not running in its group yet (undefined once it is, or once closing). */
  joining(): string | undefined {
    return this.closing ? undefined : this.joiningState;
  }

  /**
   * Joins the group, trying again after a failed attempt with growing pauses (JOIN_RETRY) until it
   * runs or is closed. Each attempt already retries inside kafkajs (its `retry` settings); a failed
   * one is logged, as a warning, once per attempt.
   */
  joinInBackground(): void {
    this.joiningState = `consumer ${this.groupId} is joining its group`;
    const { events } = this.consumer;
    for (const event of [events.HEARTBEAT, events.FETCH, events.GROUP_JOIN, events.CONNECT]) this.consumer.on(event, () => void (this.lastContact = Date.now()));
    for (const event of [events.CRASH, events.STOP, events.DISCONNECT]) this.consumer.on(event, () => void (this.lastContact = undefined));
    if (this.admin) {
      this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
        // A new assignment: another member may have handled any partition meanwhile.
        this.continuity.forgetAll();
        this.committedAtAssignment = this.readCommitted(Object.keys(payload.memberAssignment));
      });
    }
    this.joinAttempts = (async () => {
      for (let attempt = 1, pause: number | undefined; !this.closing; attempt++) {
        try {
          await this.join();
          // Closed while joining: kafkajs may have started the run after the disconnect.
          if (this.closing) {
            await this.consumer.disconnect().catch(() => undefined);
            return;
          }
          this.joiningState = undefined;
          if (attempt > 1) operationsLog().info({ event: 'bus-consumer-joined', groupId: this.groupId, attempt }, `[bus] consumer ${this.groupId} joined its group (attempt ${attempt})`);
          return;
        } catch (error) {
          if (this.closing) return;
          pause = Math.min((pause ?? JOIN_RETRY.initialPauseMs / 2) * 2, JOIN_RETRY.maxPauseMs);
          const reason = error instanceof Error ? error.message : String(error);
          this.joiningState = `consumer ${this.groupId} cannot reach the cluster (attempt ${attempt}: ${reason}); trying again in ${pause} ms`;
          operationsLog().warn({ event: 'bus-consumer-unreachable', groupId: this.groupId, attempt, retryInMs: pause, err: error }, `[bus] ${this.joiningState}`);
          await this.consumer.disconnect().catch(() => undefined);
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, pause);
            this.endPause = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          this.endPause = undefined;
        }
      }
    })();
  }

  private async join(): Promise<void> {
    if (this.admin) await this.admin.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: this.options.topics.map((topic) => this.names.onCluster(topic)), fromBeginning: true });
    await this.consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: (payload) => this.handleBatch(payload) });
  }

  /**
   * Leaves the group. kafkajs waits for the batch being handled to finish; whatever a handler
   * returns after closing began is neither committed nor dead-lettered, and kafkajs commits nothing
   * once stopping, so those messages and any done but not yet committed go to the group's next
   * member, as they would had the process died.
   */
  close(): Promise<void> {
    this.endPause?.();
    this.closing ??= this.consumer
      .disconnect()
      // An attempt to join in flight ends once disconnected; nothing of it may outlive the close.
      .finally(() => this.joinAttempts)
      // A read of committed offsets for the last assignment may still be on its way: disconnected
      // under it, kafkajs would reconnect the admin client after this close.
      .finally(() => this.committedAtAssignment)
      // The admin client goes too, whether or not the consumer left cleanly.
      .finally(() => this.admin?.disconnect().catch(() => undefined))
      .finally(this.onClosed);
    return this.closing;
  }

  private async readCommitted(topics: readonly string[]): Promise<Map<string, Map<number, string>> | undefined> {
    try {
      const offsets = await this.admin!.fetchOffsets({ groupId: this.names.onCluster(this.options.groupId), topics: [...topics] });
      return new Map(offsets.map(({ topic, partitions }) => [topic, new Map(partitions.map(({ partition, offset }) => [partition, offset]))]));
    } catch (error) {
      // Only the check of this assignment's first batches is lost; consuming goes on.
      operationsLog().warn({ event: 'bus-offsets-unread', groupId: this.options.groupId, err: error }, `[bus] committed offsets of ${this.options.groupId} could not be read; gaps before this assignment go unseen`);
      return undefined;
    }
  }

  /** Tells `onGap` when a batch does not start where this group left off. */
  private async checkContinuity(topic: string, partition: number, firstOffset: string): Promise<void> {
    const onGap = this.options.onGap;
    if (!onGap) return;
    if (!this.continuity.knows(topic, partition)) {
      const committed = (await this.committedAtAssignment)?.get(topic)?.get(partition);
      if (committed === undefined) return;
      this.continuity.committed(topic, partition, committed);
    }
    const gap = this.continuity.arrived(topic, partition, firstOffset);
    if (gap) onGap({ ...gap, topic: this.names.fromCluster(topic) });
  }

  /**
   * A fetched batch of one partition, in order: in runs of up to MAX_RUN_LENGTH messages through
   * `onMessages` when the consumer has one, otherwise (and for a run whose `onMessages` threw)
   * message by message through `onMessage`. A message counts as done once its handler, or its
   * run's, resolved (or its dead letter is on the bus); the offset after the last done one is
   * committed every COMMIT_EVERY messages or COMMIT_INTERVAL_MS and when the batch ends, so
   * committing costs a round trip per group of messages, not per message. What is done but not yet
   * committed when the process dies is delivered again: receivers dedupe.
   */
  private async handleBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    let done: string | undefined;
    let doneSinceCommit = 0;
    let lastCommit = Date.now();
    const commit = async () => {
      if (done === undefined) return;
      const offset = (BigInt(done) + 1n).toString();
      await this.consumer.commitOffsets([{ topic, partition, offset }]);
      done = undefined;
      doneSinceCommit = 0;
      lastCommit = Date.now();
    };
    const markDone = async (messages: readonly KafkaMessage[]) => {
      const last = messages[messages.length - 1]!.offset;
      resolveOffset(last);
      this.continuity.handled(topic, partition, last);
      done = last;
      doneSinceCommit += messages.length;
      if (doneSinceCommit >= COMMIT_EVERY || Date.now() - lastCommit >= COMMIT_INTERVAL_MS) await commit();
      // kafkajs heartbeats between runs and messages at most every heartbeatInterval; a rebalance surfaces here.
      await heartbeat();
    };
    // Stale: a rebalance or seek moved this partition on; its next fetch starts where it must.
    const mayGoOn = () => isRunning() && !isStale() && !this.closing;
    /** Message by message; false when it stopped before the end (the rest is left for the next fetch or owner). */
    const handleOneByOne = async (messages: readonly KafkaMessage[]): Promise<boolean> => {
      for (const message of messages) {
        if (!mayGoOn()) return false;
        if (!(await this.handle(topic, partition, message))) return false;
        await markDone([message]);
      }
      return true;
    };
    try {
      if (batch.messages.length > 0) await this.checkContinuity(topic, partition, batch.messages[0]!.offset);
      const { onMessages } = this.options;
      if (onMessages === undefined) {
        await handleOneByOne(batch.messages);
      } else {
        for (let start = 0; start < batch.messages.length && mayGoOn(); start += MAX_RUN_LENGTH) {
          const run = batch.messages.slice(start, start + MAX_RUN_LENGTH);
          if (await this.handleRun(onMessages, topic, partition, run)) await markDone(run);
          else if (!(await handleOneByOne(run))) break;
        }
      }
      await commit();
    } catch (error) {
      // Keep what is done if the coordinator still takes it; either way the failure decides what follows.
      await commit().catch(() => undefined);
      throw keepConsuming(error);
    }
  }

  /**
   * Hands a run to `onMessages`; false when it threw, and the caller then handles the run message by
   * message, which singles out a poison message and retries a transient failure in place.
   */
  private async handleRun(
    onMessages: (messages: readonly DeliveredMessage[]) => Promise<void>,
    topic: string,
    partition: number,
    run: readonly KafkaMessage[],
  ): Promise<boolean> {
    try {
      await onMessages(run.map((message) => this.delivered(topic, partition, message)));
      return true;
    } catch {
      return false;
    }
  }

  /** Handles one message; false when the consumer closed before it was done (it is left for the next owner). */
  private async handle(topic: string, partition: number, message: KafkaMessage): Promise<boolean> {
    const delivered = this.delivered(topic, partition, message);
    for (let delay: number | undefined; ; ) {
      try {
        await this.options.onMessage(delivered);
        return true;
      } catch (error) {
        if (error instanceof PoisonMessage) {
          if (this.closing) return false;
          // Named as the cluster knows them: the record says where an operator finds the original.
          await this.sendDeadLetter([deadLetterOf({ ...delivered, topic }, this.names.onCluster(this.options.groupId), this.options.deadLetterTopic, error)]);
          return true;
        }
        // Transient: handle the same message again after a pause, never committing past it.
        if (this.closing) return false;
        delay = nextRetryDelay(delay);
        await new Promise((resolve) => setTimeout(resolve, delay));
        if (this.closing) return false;
      }
    }
  }

  /** The message as the port describes it, under the topic name callers use. */
  private delivered(topic: string, partition: number, message: KafkaMessage): DeliveredMessage {
    return {
      topic: this.names.fromCluster(topic),
      partition,
      offset: message.offset,
      key: message.key?.toString() ?? '',
      value: message.value?.toString() ?? '',
      headers: textHeaders(message.headers),
    };
  }
}

/** kafkajs rejoins the group on these; the partition's next owner resumes from the committed offset. */
const GROUP_MEMBERSHIP_ERRORS = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'NOT_COORDINATOR_FOR_GROUP']);

const rootCause = (error: unknown): unknown => (error instanceof Error && error.cause !== undefined ? rootCause(error.cause) : error);

/**
 * What eachBatch throws when a commit or dead-letter send failed. kafkajs fetches again from the
 * first message not resolved, but a consumer whose error counts as non-retriable stops for good; so group
 * membership errors go back unwrapped (kafkajs rejoins on them) and everything else is marked
 * retriable: the message is redelivered, never skipped, and the consumer never silently dies.
 */
const keepConsuming = (error: unknown): Error => {
  const cause = rootCause(error);
  if (cause instanceof KafkaJSProtocolError && GROUP_MEMBERSHIP_ERRORS.has(cause.type)) return cause;
  return new KafkaJSError(error instanceof Error ? error : String(error), { retriable: true });
};

/** Kafka allows a header name to repeat (kafkajs then gives an array); the port keeps one value, the last. */
const textHeaders = (headers: IHeaders | undefined): Record<string, string> => {
  const text: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers ?? {})) {
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    if (value !== undefined) text[name] = value.toString();
  }
  return text;
};

/** Maps the names callers use to the names on the cluster and back. */
class Namespace {
  constructor(private readonly prefix: string) {}

  onCluster(name: string): string {
    return this.prefix + name;
  }

  fromCluster(name: string): string {
    return name.startsWith(this.prefix) ? name.slice(this.prefix.length) : name;
  }
}

const byTopic = (messages: readonly BusMessage[], names: Namespace): TopicMessages[] => {
  const topics = new Map<string, Message[]>();
  for (const message of messages) {
    const batch = topics.get(message.topic) ?? [];
    topics.set(message.topic, batch);
    batch.push({ key: message.key, value: message.value, ...(message.headers ? { headers: { ...message.headers } } : {}) });
  }
  return [...topics].map(([topic, batch]) => ({ topic: names.onCluster(topic), messages: batch }));
};
