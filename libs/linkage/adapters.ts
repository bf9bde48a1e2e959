import { join } from 'node:path';
import type { Level } from '#domain';
import type { Bus } from '#bus';
import type { KafkaBusConfig } from '#bus/adapters';
import { InprocBus, KafkaBus } from '#bus/adapters';
import { chainSeal } from '#audit';
import type { LinkageConfig } from '#config';
import type { EventStore } from '#event-store';
import type { SqliteEventStoreOptions } from '#event-store/adapters';
import { EsdbEventStore, MemoryEventStore, SqliteEventStore } from '#event-store/adapters';

/**
 * A level's SQLite store: its events sealed with the audit hash chain, which verify, sign and export
 * read back. Every writer of a level's file must open it this way, or the chain breaks.
 */
export const openChainedSqliteStore = (file: string, options: Omit<SqliteEventStoreOptions, 'seal'> = {}): SqliteEventStore =>
  SqliteEventStore.open(file, { ...options, seal: chainSeal });

/**
 * A level's EventStoreDB / KurrentDB store (streams prefixed `<level>.`), chained like a SQLite one:
 * the level's process is its only writer, and its store serializes its appends to chain them.
 */
export const openChainedEsdbStore = (connectionString: string, level: Level): EsdbEventStore =>
  new EsdbEventStore({ connectionString, streamPrefix: `${level}.`, seal: chainSeal });

/** A level's store in memory, chained like a SQLite one (tests, scenario runs). */
export const chainedMemoryStore = (): MemoryEventStore => new MemoryEventStore({ seal: chainSeal });

/** The event store of `level` as configured: a SQLite file per level under DATA_DIR by default. */
export const openConfiguredStore = (config: LinkageConfig, level: Level): EventStore => {
  switch (config.store) {
    case 'sqlite':
      return openChainedSqliteStore(join(config.dataDir, `${level}.events.db`), { synchronous: config.sqliteSynchronous });
    case 'memory':
      return chainedMemoryStore();
    case 'esdb':
      // One cluster may hold every level; each level reads and writes only under its own prefix.
      return openChainedEsdbStore(config.esdbConnectionString!, level);
  }
};

/** KAFKA_SSL* and KAFKA_SASL_* as kafkajs takes them: TLS without a CA file trusts Node's bundled CAs. */
export const kafkaSecurityOf = (config: LinkageConfig): Pick<KafkaBusConfig, 'ssl' | 'sasl'> => {
  const { ssl, sasl } = config.kafkaSecurity;
  return {
    ...(ssl ? { ssl: Object.keys(ssl).length === 0 ? (true as const) : ssl } : {}),
    ...(sasl ? { sasl } : {}),
  };
};

export const openConfiguredBus = (config: LinkageConfig): Bus => {
  switch (config.bus) {
    case 'inproc':
      return new InprocBus();
    case 'kafka':
      return new KafkaBus({
        brokers: config.kafkaBrokers ?? [],
        clientId: `inspection-linkage-${config.levels.join('-')}`,
        namespace: config.kafkaNamespace,
        ...kafkaSecurityOf(config),
        consumer: {
          sessionTimeout: config.kafkaConsumer.sessionTimeoutMs,
          heartbeatInterval: config.kafkaConsumer.heartbeatIntervalMs,
          maxWaitTimeInMs: config.kafkaConsumer.maxWaitMs,
        },
      });
  }
};
