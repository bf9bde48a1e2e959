import kafkajs from 'kafkajs';
import { uniqueName, waitUntil } from '../../test/contracts/bus.contract.js';
import { brokersUnderTest } from '../../test/harness/kafka-brokers.js';
import { DEAD_LETTER_HEADERS } from './dead-letter.js';
import { KafkaBus } from './kafka.js';
import type { DeliveredMessage } from './port.js';
import { PoisonMessage } from './port.js';

const { Kafka, logLevel } = kafkajs;

/** Two deployments on one cluster under KAFKA_NAMESPACE: same topic and group names, nothing shared. */
describe('KafkaBus namespace', () => {
  const buses: KafkaBus[] = [];
  const open = (namespace: string) => {
    const bus = new KafkaBus({
      brokers: brokersUnderTest(),
      clientId: uniqueName('namespace-test'),
      namespace,
      consumer: { sessionTimeout: 6_000, heartbeatInterval: 500, maxWaitTimeInMs: 100 },
      logLevel: logLevel.NOTHING,
    });
    buses.push(bus);
    return bus;
  };

  afterAll(async () => {
    await Promise.all(buses.map((bus) => bus.close()));
  });

  it('keeps topics and groups of different namespaces apart and hands callers the names they use', async () => {
    const [a, b] = [uniqueName('ns-a'), uniqueName('ns-b')].map((prefix) => `${prefix}.`);
    const topic = 'linkage.county.v1';
    const received = new Map<string, DeliveredMessage[]>([[a!, []], [b!, []]]);
    for (const namespace of [a!, b!]) {
      const bus = open(namespace);
      await bus.consume({
        groupId: 'linkage-inbox-province',
        topics: [topic],
        deadLetterTopic: 'linkage.inbox-province.v1.dead-letter',
        onMessage: async (message) => {
          if (message.value === 'poison') throw new PoisonMessage('cannot apply');
          received.get(namespace)!.push(message);
        },
      });
    }
    await buses[0]!.publish([{ topic, key: 'stream-1', value: 'from a' }, { topic, key: 'stream-1', value: 'poison' }]);
    await buses[1]!.publish([{ topic, key: 'stream-1', value: 'from b' }]);
    await waitUntil(() => received.get(a!)!.length === 1 && received.get(b!)!.length === 1, 'each namespace got its own message');

    expect(received.get(a!)!.map((message) => [message.topic, message.value])).toEqual([[topic, 'from a']]);
    expect(received.get(b!)!.map((message) => [message.topic, message.value])).toEqual([[topic, 'from b']]);

    // On the cluster, the names carry the namespace: the dead letter of `a` sits in a's dead-letter topic and names a's topic and group.
    const kafka = new Kafka({ brokers: brokersUnderTest(), clientId: uniqueName('namespace-reader'), logLevel: logLevel.NOTHING });
    const reader = kafka.consumer({ groupId: uniqueName('namespace-reader'), sessionTimeout: 6_000, heartbeatInterval: 500, maxWaitTimeInMs: 100 });
    const letters: Record<string, string>[] = [];
    await reader.connect();
    try {
      await reader.subscribe({ topics: [`${a}linkage.inbox-province.v1.dead-letter`], fromBeginning: true });
      await reader.run({
        eachMessage: async ({ message }) => {
          letters.push(Object.fromEntries(Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)])));
        },
      });
      await waitUntil(() => letters.length === 1, 'the dead letter is on the namespaced topic');
    } finally {
      await reader.disconnect();
    }
    expect(letters[0]![DEAD_LETTER_HEADERS.topic]).toBe(`${a}${topic}`);
    expect(letters[0]![DEAD_LETTER_HEADERS.groupId]).toBe(`${a}linkage-inbox-province`);
    expect(letters[0]![DEAD_LETTER_HEADERS.error]).toMatch(/cannot apply/);
  });
});
