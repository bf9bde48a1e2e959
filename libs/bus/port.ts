/**
 * The Bus port (DESIGN.md §3.4): how integration events cross levels. Adapters: `inproc` (embedded
 * default) and `kafka`. Delivery is at-least-once; receivers dedupe by event id.
 */

export interface BusMessage {
  readonly topic: string;
  /** Messages with the same key keep their order (the source stream id). */
  readonly key: string;
  /** JSON text of the message. */
  readonly value: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface DeliveredMessage extends BusMessage {
  /** Where it sat on the bus, for logs and the dead-letter record. */
  readonly partition: number;
  readonly offset: string;
}

export interface ConsumerOptions {
  /** Consumers in one group share the work; each group sees every message. */
  readonly groupId: string;
  readonly topics: readonly string[];
  /**
   * Handles one message. Resolving means its effect is durable (the inbox append committed); only
   * then may the adapter commit past it. Throwing a `PoisonMessage` dead-letters it and moves on;
   * any other error is taken as transient (a store briefly away): the same message is handled
   * again after a backoff, and nothing behind it on its partition goes first.
   */
  readonly onMessage: (message: DeliveredMessage) => Promise<void>;
  /**
   * Optional: handles a run of consecutive messages of one partition (at most MAX_RUN_LENGTH), in
   * offset order, in one go, so that a receiver can make them durable together (the inbox records a
   * run in one store transaction instead of one per message). Resolving means the effects of every
   * message of the run are durable; only then may the adapter commit past the run.
   *
   * When it throws, whatever the error (a `PoisonMessage` or anything else), the adapter handles
   * that same run again message by message through `onMessage`, with `onMessage`'s rules: a poison
   * message is singled out and dead-lettered alone while the others are still handled, and a
   * transient failure is retried in place, nothing behind it going first. So a batch handler may
   * throw at the first message it cannot apply without working out which one it was; and since the
   * run it gave up on may be partly applied (or be applied again after a crash), its effects must be
   * safe to repeat, as every handler's are (delivery is at-least-once, receivers dedupe).
   *
   * Without it, every message goes through `onMessage`.
   */
  readonly onMessages?: (messages: readonly DeliveredMessage[]) => Promise<void>;
  /** Topic that receives undecodable or unappliable messages with their error. */
  readonly deadLetterTopic: string;
  /**
   * Optional: told when the bus hands this group messages that do not follow on from what it
   * handled or committed before, because the bus no longer had the ones between (Kafka deletes old
   * messages by retention, read or not). Those messages are lost to this receiver; the bus goes on
   * with what it has. A bus that never discards messages (inproc) never calls it.
   */
  readonly onGap?: (gap: DeliveryGap) => void;
}

/** Messages of one partition that were gone from the bus before this group received them. */
export interface DeliveryGap {
  readonly topic: string;
  readonly partition: number;
  /** First missing offset: where the group was to go on. */
  readonly fromOffset: string;
  /** Offset of the first message the bus still had: the one handed over instead. */
  readonly toOffset: string;
  readonly missing: number;
}

/**
 * The longest run an adapter hands to `onMessages`: long enough to spread a store transaction over
 * hundreds of messages, short enough that a consumer still heartbeats and commits often.
 */
export const MAX_RUN_LENGTH = 500;

/** A message that can never be applied (undecodable, unknown contract): retrying cannot help. */
export class PoisonMessage extends Error {
  override readonly name: string = 'PoisonMessage';
}

/** Backoff between attempts at a message whose handler failed transiently. */
export const TRANSIENT_RETRY = { initialDelayMs: 50, maxDelayMs: 5_000 } as const;

export const nextRetryDelay = (previousMs: number | undefined): number =>
  previousMs === undefined ? TRANSIENT_RETRY.initialDelayMs : Math.min(previousMs * 2, TRANSIENT_RETRY.maxDelayMs);

export interface Consumer {
  close(): Promise<void>;
}

export interface Bus {
  /** Resolves once the bus holds every message durably (acks from all in-sync replicas). */
  publish(messages: readonly BusMessage[]): Promise<void>;
  /**
   * Sets up a consumer; it need not have reached the bus yet. An adapter over a remote cluster joins
   * in the background, trying again until it can, so a level out of reach of its bus still starts
   * and serves what it can; `connectivity` says whether it has joined.
   */
  consume(options: ConsumerOptions): Promise<Consumer>;
  close(): Promise<void>;
  /**
   * Whether the bus is reachable as far as this process can tell without asking it (the readiness
   * probe runs often). Absent: always connected (a bus in this process).
   */
  connectivity?(): BusConnectivity;
}

export interface BusConnectivity {
  readonly connected: boolean;
  /** Why not, for the operator. */
  readonly detail?: string;
}

/** Topic per source level and contract version: `linkage.<level>.v<schema>`. */
export const topicFor = (level: string, schema: number): string => `linkage.${level}.v${schema}`;
export const deadLetterTopicFor = (level: string, schema: number): string => `linkage.${level}.v${schema}.dead-letter`;
