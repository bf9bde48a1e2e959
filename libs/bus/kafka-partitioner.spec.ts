import { randomBytes } from 'node:crypto';
import kafkajs from 'kafkajs';
import type { PartitionMetadata } from 'kafkajs';
import { javaCompatiblePartitioner, murmur2 } from './kafka-partitioner.js';

const partitions = (count: number): PartitionMetadata[] =>
  Array.from({ length: count }, (_, partitionId) => ({ partitionErrorCode: 0, partitionId, leader: partitionId % 3, replicas: [0, 1, 2], isr: [0, 1, 2] }));

describe('javaCompatiblePartitioner', () => {
  const keys = [
    '',
    'a',
    'ab',
    'abc',
    'abcd',
    'abcde',
    'issue-relay-issue-17',
    'round-350624-2024-grain',
    'jurisdiction-350624',
    '巡察-粮库-1',
    '😀 emoji and spaces',
    ...Array.from({ length: 2_000 }, (_, index) => randomBytes(1 + (index % 40)).toString(index % 2 === 0 ? 'hex' : 'latin1')),
  ];

  it.each([1, 3, 4, 12, 50])('puts every key in the partition kafkajs DefaultPartitioner picks (%i partitions)', (count) => {
    const ours = javaCompatiblePartitioner();
    const kafkajsOwn = kafkajs.Partitioners.DefaultPartitioner();
    const partitionMetadata = partitions(count);
    for (const keyAs of [(key: string) => key, (key: string) => Buffer.from(key, 'utf8')]) {
      const argsOf = (key: string) => ({ topic: 't', partitionMetadata, message: { key: keyAs(key), value: 'v' } });
      expect(keys.map((key) => [key, ours(argsOf(key))])).toEqual(keys.map((key) => [key, kafkajsOwn(argsOf(key))]));
    }
  });

  it('matches the Java client on its published murmur2 values', () => {
    // From Apache Kafka's UtilsTest.testMurmur2 (clients/src/test/java/org/apache/kafka/common/utils).
    const cases: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ];
    for (const [key, hash] of cases) expect([key, murmur2(Buffer.from(key))]).toEqual([key, hash]);
  });

  it('keeps an explicit partition and refuses a message without a key', () => {
    const partitioner = javaCompatiblePartitioner();
    expect(partitioner({ topic: 't', partitionMetadata: partitions(4), message: { key: 'stream-a', value: 'v', partition: 2 } })).toBe(2);
    expect(() => partitioner({ topic: 't', partitionMetadata: partitions(4), message: { value: 'v' } })).toThrow(/without a key/);
  });
});
