import { randomUUID } from 'node:crypto';
import type { Metadata, ProducerGlobalConfig } from 'node-rdkafka';

/** Brokers a Kafka benchmark runs against, and a namespace that keeps its topics and groups apart. */
export interface BenchKafka {
  readonly brokers: readonly string[];
  /** Prefix for every topic and group of this run (KAFKA_NAMESPACE of the services). */
  readonly namespace: string;
  /** What the figures were measured against, for the `detail` line. */
  readonly description: string;
}

const STARTUP_TIMEOUT_MS = 10_000;

/**
 * Runs `work` against `KAFKA_BROKERS` when set (a real cluster), otherwise against librdkafka's mock
 * cluster (3 brokers on loopback TCP, the real Kafka protocol) started in this process through
 * node-rdkafka, and stopped afterwards. node-rdkafka is a devDependency: benchmarks run from a
 * checkout with devDependencies installed.
 */
export const withBenchKafka = async <T>(work: (kafka: BenchKafka) => Promise<T>): Promise<T> => {
  const namespace = `bench-${randomUUID().slice(0, 8)}.`;
  const given = process.env.KAFKA_BROKERS?.split(',').map((broker) => broker.trim()).filter(Boolean);
  if (given && given.length > 0) return work({ brokers: given, namespace, description: `Kafka at ${given.join(',')}` });

  type Rdkafka = typeof import('node-rdkafka');
  let Rdkafka: Rdkafka;
  try {
    // CommonJS: Node's ESM loader hands module.exports over as the default export.
    const loaded = await import('node-rdkafka');
    Rdkafka = (loaded as Rdkafka & { default?: Rdkafka }).default ?? loaded;
  } catch (error) {
    throw new Error(
      `this benchmark starts librdkafka's mock Kafka cluster through node-rdkafka, a devDependency that could not be loaded ` +
        `(${error instanceof Error ? error.message : String(error)}): install devDependencies (npm ci) or set KAFKA_BROKERS to a real cluster`,
    );
  }
  // The mock settings are hidden librdkafka properties, absent from node-rdkafka's config type.
  const config: ProducerGlobalConfig & { 'test.mock.num.brokers': number } = {
    'client.id': 'bench-kafka-mock-owner',
    'test.mock.num.brokers': 3,
    log_level: 3,
  };
  const owner = new Rdkafka.Producer(config);
  const metadata = await new Promise<Metadata>((resolve, reject) => {
    owner.connect({ timeout: STARTUP_TIMEOUT_MS }, (error, data) => (error ? reject(new Error(`Kafka mock cluster did not start: ${error.message}`)) : resolve(data)));
  });
  const brokers = [...metadata.brokers].sort((a, b) => a.id - b.id).map((broker) => `${broker.host}:${broker.port}`);
  try {
    return await work({ brokers, namespace, description: "librdkafka's mock cluster (3 brokers, loopback)" });
  } finally {
    await new Promise<void>((resolve) => owner.disconnect(() => resolve()));
  }
};
