import Rdkafka from 'node-rdkafka';
import type { Metadata, ProducerGlobalConfig } from 'node-rdkafka';

/**
 * librdkafka's built-in mock cluster (DESIGN.md §3, wire-level honesty): real Kafka protocol on real
 * loopback TCP ports, no server to install. Creating any librdkafka client with
 * `test.mock.num.brokers` starts the cluster inside that client; the client's metadata then names
 * the brokers, which is all kafkajs needs.
 *
 * The creating client does not have to be polled: the cluster runs on its own thread inside
 * librdkafka (rd_kafka_mock_cluster_new starts one that serves the listeners and every broker
 * connection), so the producer is only the owner whose lifetime bounds the cluster's. Disconnecting
 * it destroys the brokers and everything they hold.
 *
 * Limits of the mock, as seen from kafkajs 2.2.4 (librdkafka 2.12):
 * - Topics are auto-created on first metadata request or produce: 4 partitions, replication factor
 *   min(3, brokers), leaders spread over the brokers.
 * - Metadata reports controller id 0 (no such broker), so kafkajs' admin client fails, and there is
 *   no CreateTopics handler anyway; the idempotent and transactional producers fail too.
 * - LeaveGroup v3, the version kafkajs negotiates, is misparsed by the mock (it reads a v0 member id
 *   where v3 sends a member array): the member is not removed and kafkajs logs an error decoding the
 *   reply. A closed consumer therefore stays in its group until its session times out, and the
 *   group's next rebalance waits for that; tests use short session timeouts.
 * - A group's first join waits 3 s (the mock's fixed group.initial.rebalance.delay.ms); a rebalance
 *   of a non-empty group waits up to the session timeout minus 1 s for members to rejoin.
 * - Storage is in memory and lives as long as the owning client.
 */
export interface KafkaMockCluster {
  /** `host:port` of every mock broker, in broker id order. */
  readonly brokers: readonly string[];
  stop(): Promise<void>;
}

export interface KafkaMockClusterOptions {
  /** Default 3, so that acks=-1 waits on a three-replica in-sync set. */
  readonly brokers?: number;
  /** Simulated round-trip time per broker request (`test.mock.broker.rtt`); default 0. */
  readonly brokerRttMs?: number;
}

const STARTUP_TIMEOUT_MS = 10_000;

export const startKafkaMockCluster = async (options: KafkaMockClusterOptions = {}): Promise<KafkaMockCluster> => {
  // The mock settings are hidden librdkafka properties, absent from node-rdkafka's config type.
  const config: ProducerGlobalConfig & { 'test.mock.num.brokers': number; 'test.mock.broker.rtt': number } = {
    'client.id': 'kafka-mock-cluster-owner',
    'test.mock.num.brokers': options.brokers ?? 3,
    'test.mock.broker.rtt': options.brokerRttMs ?? 0,
    // librdkafka logs the mock's NOTICE lines to stderr; only errors matter here.
    log_level: 3,
  };
  const owner = new Rdkafka.Producer(config);
  const metadata = await new Promise<Metadata>((resolve, reject) => {
    owner.connect({ timeout: STARTUP_TIMEOUT_MS }, (error, data) => (error ? reject(new Error(`Kafka mock cluster did not start: ${error.message}`)) : resolve(data)));
  });
  const brokers = [...metadata.brokers].sort((a, b) => a.id - b.id).map((broker) => `${broker.host}:${broker.port}`);
  return {
    brokers,
    stop: () => new Promise<void>((resolve, reject) => owner.disconnect((error) => (error ? reject(error) : resolve()))),
  };
};
