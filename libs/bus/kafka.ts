import kafkajs from 'kafkajs';

// kafkajs is CommonJS: Node's ESM loader sees only the exports its lexer can find, which leaves out
// the error classes, so everything is taken from the default export.
const { Kafka, KafkaJSError, KafkaJSProtocolError, Partitioners, logLevel: LogLevel } = kafkajs;
type LogLevel = kafkajs.logLevel;
type Kafka = kafkajs.Kafka;
import type { Consumer as KafkaConsumer, EachMessagePayload, IHeaders, ISocketFactory, Message, Producer, TopicMessages } from 'kafkajs';
import { assertDeadLetterTopicApart, deadLetterOf } from './dead-letter.js';
import type { Bus, BusMessage, Consumer, ConsumerOptions, DeliveredMessage } from './port.js';
import { PoisonMessage, nextRetryDelay } from './port.js';

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
  /** kafkajs log level; default WARN. */
  readonly logLevel?: LogLevel;
}

export interface TopicLayout {
  readonly partitions: number;
  readonly replicationFactor: number;
}

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
 * group has none, with auto-commit off. A message's offset is committed only after `onMessage`
 * resolved; a handler that throws gets the message dead-lettered (with the error and where the
 * message sat) and committed past, so a poison message never stalls its partition. Failures of that
 * bookkeeping (a commit or the dead-letter send lost to a broker error) are retried by kafkajs and
 * redeliver the message; nothing is skipped. kafkajs may also redeliver after a rebalance, since a
 * partition's new owner resumes from the last committed offset: receivers dedupe by event id.
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

  constructor(private readonly config: KafkaBusConfig) {
    this.kafka = new Kafka({
      brokers: [...config.brokers],
      clientId: config.clientId,
      logLevel: config.logLevel ?? LogLevel.WARN,
      ...(config.socketFactory ? { socketFactory: config.socketFactory } : {}),
    });
    this.producer = this.kafka.producer({
      // Named explicitly: the Java-compatible murmur2 partitioner, so every client puts a key in the
      // same partition (and kafkajs stops warning that its default changed in v2).
      createPartitioner: Partitioners.DefaultPartitioner,
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
      groupId: options.groupId,
      allowAutoTopicCreation: true,
      ...(tuning.sessionTimeout === undefined ? {} : { sessionTimeout: tuning.sessionTimeout }),
      ...(tuning.heartbeatInterval === undefined ? {} : { heartbeatInterval: tuning.heartbeatInterval }),
      ...(tuning.maxWaitTimeInMs === undefined ? {} : { maxWaitTimeInMs: tuning.maxWaitTimeInMs }),
    });
    const consumer = new KafkaGroupConsumer(kafkaConsumer, options, (messages) => this.send(messages), () => this.consumers.delete(consumer));
    this.consumers.add(consumer);
    try {
      await consumer.start();
    } catch (error) {
      await consumer.close();
      throw error;
    }
    return consumer;
  }

  /** Creates missing topics with an explicit layout. For real clusters; the mock cluster cannot serve kafkajs' admin client. */
  async ensureTopics(topics: readonly string[], layout: TopicLayout): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: topics.map((topic) => ({ topic, numPartitions: layout.partitions, replicationFactor: layout.replicationFactor })),
      });
    } finally {
      await admin.disconnect();
    }
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
    await this.producer.sendBatch({ acks: ALL_IN_SYNC_REPLICAS, topicMessages: byTopic(messages) });
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

  constructor(
    private readonly consumer: KafkaConsumer,
    private readonly options: ConsumerOptions,
    private readonly sendDeadLetter: (messages: readonly BusMessage[]) => Promise<void>,
    private readonly onClosed: () => void,
  ) {}

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...this.options.topics], fromBeginning: true });
    await this.consumer.run({ autoCommit: false, eachMessage: (payload) => this.handle(payload) });
  }

  /**
   * Leaves the group. kafkajs waits for a running handler to finish; whatever it returns then is
   * neither committed nor dead-lettered, so the message goes to the group's next member, as it would
   * had the process died.
   */
  close(): Promise<void> {
    this.closing ??= this.consumer.disconnect().finally(this.onClosed);
    return this.closing;
  }

  private async handle({ topic, partition, message }: EachMessagePayload): Promise<void> {
    const delivered: DeliveredMessage = {
      topic,
      partition,
      offset: message.offset,
      key: message.key?.toString() ?? '',
      value: message.value?.toString() ?? '',
      headers: textHeaders(message.headers),
    };
    let failure: { readonly error: unknown } | undefined;
    for (let delay: number | undefined; ; ) {
      try {
        await this.options.onMessage(delivered);
        break;
      } catch (error) {
        if (error instanceof PoisonMessage) {
          failure = { error };
          break;
        }
        // Transient: handle the same message again after a pause, never committing past it.
        if (this.closing) return;
        delay = nextRetryDelay(delay);
        await new Promise((resolve) => setTimeout(resolve, delay));
        if (this.closing) return;
      }
    }
    if (this.closing) return;
    try {
      if (failure) {
        await this.sendDeadLetter([deadLetterOf(delivered, this.options.groupId, this.options.deadLetterTopic, failure.error)]);
      }
      await this.consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
    } catch (error) {
      throw keepConsuming(error);
    }
  }
}

/** kafkajs rejoins the group on these; the partition's next owner resumes from the committed offset. */
const GROUP_MEMBERSHIP_ERRORS = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'NOT_COORDINATOR_FOR_GROUP']);

const rootCause = (error: unknown): unknown => (error instanceof Error && error.cause !== undefined ? rootCause(error.cause) : error);

/**
 * What eachMessage throws when a commit or dead-letter send failed. kafkajs re-runs a message whose
 * handler threw, but a consumer whose error counts as non-retriable stops for good; so group
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

const byTopic = (messages: readonly BusMessage[]): TopicMessages[] => {
  const topics = new Map<string, Message[]>();
  for (const message of messages) {
    const batch = topics.get(message.topic) ?? [];
    topics.set(message.topic, batch);
    batch.push({ key: message.key, value: message.value, ...(message.headers ? { headers: { ...message.headers } } : {}) });
  }
  return [...topics].map(([topic, batch]) => ({ topic, messages: batch }));
};
