import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;

export interface ConsumedTopic {
  /** Topic as the cluster names it (namespace included). */
  readonly topic: string;
  /** Every consumer group that must have consumed it (as the cluster names them). */
  readonly groups: readonly string[];
}

export interface KafkaBacklog {
  /** Messages on the topics that some of their groups have not committed yet. */
  count(): Promise<number>;
  close(): Promise<void>;
}

/**
 * What is still in flight on Kafka, from the cluster's own books: per partition, the high
 * watermark (every acknowledged message) minus the offset each group committed (a group commits
 * only after its handler's effect is durable); a group that committed nothing owes everything
 * above the low watermark. Reads through kafkajs' admin client: offsets come from the partition
 * leaders and the group coordinator, which librdkafka's mock cluster serves (unlike the
 * controller-bound admin calls).
 */
export const kafkaBacklog = async (brokers: readonly string[], consumed: readonly ConsumedTopic[]): Promise<KafkaBacklog> => {
  const admin = new Kafka({ brokers: [...brokers], clientId: 'backlog-probe', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  return {
    count: async () => {
      let backlog = 0;
      for (const { topic, groups } of consumed) {
        const partitions = await admin.fetchTopicOffsets(topic);
        for (const groupId of groups) {
          const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
          for (const { partition, high, low } of partitions) {
            const offset = committed?.partitions.find((entry) => entry.partition === partition)?.offset ?? '-1';
            const from = offset === '-1' ? BigInt(low) : BigInt(offset);
            backlog += Number(BigInt(high) - from);
          }
        }
      }
      return backlog;
    },
    close: () => admin.disconnect(),
  };
};
