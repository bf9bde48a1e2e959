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
   * then may the adapter commit past it. Throwing means "poison": the adapter dead-letters it.
   */
  readonly onMessage: (message: DeliveredMessage) => Promise<void>;
  /** Topic that receives undecodable or unappliable messages with their error. */
  readonly deadLetterTopic: string;
}

export interface Consumer {
  close(): Promise<void>;
}

export interface Bus {
  /** Resolves once the bus holds every message durably (acks from all in-sync replicas). */
  publish(messages: readonly BusMessage[]): Promise<void>;
  consume(options: ConsumerOptions): Promise<Consumer>;
  close(): Promise<void>;
}

/** Topic per source level and contract version: `linkage.<level>.v<schema>`. */
export const topicFor = (level: string, schema: number): string => `linkage.${level}.v${schema}`;
export const deadLetterTopicFor = (level: string, schema: number): string => `linkage.${level}.v${schema}.dead-letter`;
