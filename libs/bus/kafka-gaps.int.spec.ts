import kafkajs, { logLevel } from 'kafkajs';
import { Received, streamMessages, uniqueName, waitUntil } from '../../test/contracts/bus.contract.js';
import { brokersUnderTest } from '../../test/harness/kafka-brokers.js';
import { kafkaBusTestConfig } from '../../test/harness/kafka-bus-config.js';
import type { Consumer, DeliveryGap } from './port.js';
import { KafkaBus, type KafkaBusConfig } from './kafka.js';

const testConfig = (overrides: Partial<KafkaBusConfig> = {}): KafkaBusConfig => kafkaBusTestConfig('gap-test', overrides);

/** librdkafka's mock cluster does not implement DeleteRecords; only a real cluster can drop unread messages on demand. */
const onRealCluster = process.env.KAFKA_BROKERS !== undefined && process.env.KAFKA_BROKERS.trim() !== '';

describe('KafkaBus delivery gaps', () => {
  let bus: KafkaBus;
  const consumers: Consumer[] = [];

  beforeEach(() => {
    bus = new KafkaBus(testConfig());
  });

  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((consumer) => consumer.close()));
    await bus.close();
  });

  it('reports none across a restart of the group and a second member joining, with every message delivered', async () => {
    const topic = uniqueName('gaps.none');
    const groupId = uniqueName('gaps');
    const keys = ['round-a', 'round-b', 'team-c', 'issue-d', 'clue-e', 'task-f'];
    const messages = streamMessages(topic, keys, 30);
    const gaps: DeliveryGap[] = [];
    const received = new Received();
    const member = () =>
      bus.consume({ groupId, topics: [topic], deadLetterTopic: `${topic}.dead-letter`, onGap: (gap) => gaps.push(gap), onMessage: received.record });

    await bus.publish(messages.slice(0, 60));
    const first = await member();
    await waitUntil(() => received.uniqueCount >= 60, '60 messages to the first member');
    // The group resumes from its committed offsets in a new member: nothing skipped, so no gap.
    await first.close();
    await bus.publish(messages.slice(60, 120));
    consumers.push(await member());
    await waitUntil(() => received.uniqueCount >= 120, '120 messages after the restart');
    // A second member: the partitions are dealt out again.
    consumers.push(await member());
    await bus.publish(messages.slice(120));
    await waitUntil(() => received.uniqueCount >= messages.length, 'every message after the rebalance');

    expect(received.uniqueCount).toBe(messages.length);
    expect(gaps).toEqual([]);
  });

  (onRealCluster ? it : it.skip)('reports the messages a real cluster deleted before the group read them', async () => {
    const topic = uniqueName('gaps.deleted');
    const groupId = uniqueName('gaps');
    const gaps: DeliveryGap[] = [];
    const received = new Received();
    const member = () =>
      bus.consume({ groupId, topics: [topic], deadLetterTopic: `${topic}.dead-letter`, onGap: (gap) => gaps.push(gap), onMessage: received.record });
    const messages = streamMessages(topic, ['one-stream'], 20);
    await bus.publish(messages.slice(0, 10));
    const first = await member();
    await waitUntil(() => received.uniqueCount >= 10, 'the first 10 messages');
    await first.close();
    await bus.publish(messages.slice(10));
    // As retention would: the next 5 go before the group comes back for them.
    const admin = new kafkajs.Kafka({ brokers: brokersUnderTest(), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      await admin.fetchTopicMetadata({ topics: [topic] });
      const [partition] = (await admin.fetchTopicOffsets(topic)).filter((entry) => entry.high === '20');
      await admin.deleteTopicRecords({ topic, partitions: [{ partition: partition!.partition, offset: '15' }] });
      consumers.push(await member());
      await waitUntil(() => received.uniqueCount >= 15, 'the 5 messages left after the deletion');
      expect(gaps).toEqual([{ topic, partition: partition!.partition, fromOffset: '10', toOffset: '15', missing: 5 }]);
    } finally {
      await admin.disconnect();
    }
  });
});
