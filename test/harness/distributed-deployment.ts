import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Level } from '#domain';
import { INTEGRATION_SCHEMA, LEVELS } from '#domain';
import { topicFor } from '#bus';
import { inboxGroupFor } from '#linkage';
import type { TokenKeys } from '#http';
import { newDeploymentTokenKeys } from '#http';
import { RemoteTarget, type RemoteSettleOptions } from '#scenario';
import { EsdbFakeServer } from '../fakes/esdb/esdb-fake-server.js';
import { kafkaBacklog, type KafkaBacklog } from './kafka-backlog.js';
import { brokersUnderTest } from './kafka-brokers.js';
import { LevelProcess, freePort } from './level-processes.js';

/**
 * The distributed deployment on one machine: province, city and county each as its own OS process,
 * EventStoreDB (the wire-level fake, one server for the three levels, each under its own stream
 * prefix; or a SQLite file per level with `store: 'sqlite'`) as event store, Kafka (the tests' brokers) as bus, one shared token key, a data folder
 * per process for read models and relay checkpoints.
 *
 * Consumer-group timing is shortened so that a restarted process gets its partitions back in
 * seconds (a member killed without leaving holds them until its session times out), and fetches
 * wait at most 20 ms on the broker (librdkafka's mock answers an empty fetch only when that wait
 * is over, whatever arrives meanwhile).
 *
 * Each deployment gets its own KAFKA_NAMESPACE, so tests on the same brokers (run one after the
 * other or in parallel) never share a topic or a consumer group.
 */
export interface DistributedDeployment {
  readonly processes: ReadonlyMap<Level, LevelProcess>;
  readonly target: RemoteTarget;
  /** The EventStoreDB fake the levels share; undefined when they keep SQLite files. */
  readonly esdb: EsdbFakeServer | undefined;
  readonly brokers: readonly string[];
  /** Prefix of the deployment's topics and groups on the brokers. */
  readonly namespace: string;
  /** Every level's token keys (each process holds only its own). */
  readonly tokenKeys: TokenKeys;
  /** Messages on the level topics that a receiving group has not committed yet. */
  readonly backlog: KafkaBacklog;
  process(level: Level): LevelProcess;
  /** DATA_DIR of a level's process (its SQLite stores, read model, relay checkpoint). */
  dataDirOf(level: Level): string;
  /** Stops every process (SIGTERM), the probe and the fake; removes the data folders. */
  close(): Promise<void>;
}

export const DISTRIBUTED_CONSUMER_TUNING = {
  KAFKA_SESSION_TIMEOUT_MS: '6000',
  KAFKA_HEARTBEAT_INTERVAL_MS: '500',
  KAFKA_MAX_WAIT_MS: '20',
  // The workloads drive hundreds of commands a minute through one token, as no office would.
  RATE_LIMIT_PER_MINUTE: '10000000',
} as const;

export interface DistributedDeploymentOptions {
  readonly settle?: Omit<RemoteSettleOptions, 'backlog'>;
  readonly env?: Readonly<Record<string, string>>;
  /** `esdb` (default): the three levels on one EventStoreDB fake; `sqlite`: a file per level in its DATA_DIR. */
  readonly store?: 'esdb' | 'sqlite';
}

export const startDistributedDeployment = async (options: DistributedDeploymentOptions = {}): Promise<DistributedDeployment> => {
  // Each process's DATA_DIR lies in here; removed on close.
  const root = mkdtempSync(join(process.cwd(), '.tmp', 'distributed-'));
  const brokers = brokersUnderTest();
  const namespace = `t-${randomUUID().slice(0, 8)}.`;
  // Each process holds its own level's token key and trusts every level's public keys.
  const tokenKeys = await newDeploymentTokenKeys();
  mkdirSync(root, { recursive: true });
  const jwksFile = join(root, 'trusted.jwks.json');
  writeFileSync(jwksFile, JSON.stringify(tokenKeys.jwks));
  const esdb = options.store === 'sqlite' ? undefined : await EsdbFakeServer.start();
  const processes = new Map<Level, LevelProcess>();
  let backlog: KafkaBacklog | undefined;
  const close = async () => {
    await Promise.all([...processes.values()].map((level) => level.stop()));
    await backlog?.close();
    await esdb?.stop();
    rmSync(root, { recursive: true, force: true });
  };
  try {
    const ports = new Map<Level, number>();
    for (const level of LEVELS) ports.set(level, await freePort());
    // Settled, not all: when one level fails to start, the others are still to be stopped once up.
    const starts = await Promise.allSettled(
      LEVELS.map(async (level) => {
        const started = await LevelProcess.start({
          level,
          port: ports.get(level)!,
          env: {
            DATA_DIR: join(root, level),
            ...(esdb ? { LINKAGE_STORE: 'esdb', ESDB_CONNECTION_STRING: esdb.connectionString } : { LINKAGE_STORE: 'sqlite' }),
            LINKAGE_BUS: 'kafka',
            KAFKA_BROKERS: brokers.join(','),
            KAFKA_NAMESPACE: namespace,
            ...DISTRIBUTED_CONSUMER_TUNING,
            ...tokenKeys.environmentOf(level),
            TOKEN_TRUSTED_JWKS: jwksFile,
            ...options.env,
          },
        });
        processes.set(level, started);
      }),
    );
    const failed = starts.find((start): start is PromiseRejectedResult => start.status === 'rejected');
    if (failed) throw failed.reason;
    backlog = await kafkaBacklog(
      brokers,
      LEVELS.map((source) => ({
        topic: namespace + topicFor(source, INTEGRATION_SCHEMA),
        groups: LEVELS.filter((receiver) => receiver !== source).map((receiver) => namespace + inboxGroupFor(receiver)),
      })),
    );
    const probe = backlog;
    const target = new RemoteTarget({
      services: { province: processes.get('province')!.url, city: processes.get('city')!.url, county: processes.get('county')!.url },
      tokenKeys: tokenKeys.keys,
      settle: { ...options.settle, backlog: () => probe.count() },
    });
    return {
      processes,
      target,
      esdb,
      brokers,
      namespace,
      tokenKeys: tokenKeys.keys,
      backlog: probe,
      process: (level) => processes.get(level)!,
      dataDirOf: (level) => join(root, level),
      close,
    };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
};
