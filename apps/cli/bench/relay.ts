import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { DomainEvent, EventMetadata, Level } from '#domain';
import { INTEGRATION_SCHEMA, streamOf } from '#domain';
import kafkajs from 'kafkajs';
import { MAX_RUN_LENGTH, topicFor } from '#bus';
import { KafkaBus } from '#bus/adapters';
import type { StreamAppend } from '#event-store';
import type { SqliteEventStore } from '#event-store/adapters';
import { Inbox, inboxDeadLetterTopicFor, inboxGroupFor, openChainedSqliteStore, parseIntegrationEvent } from '#linkage';
import { withBenchKafka } from './kafka-cluster.js';
import type { RelayWorkerCommand, RelayWorkerData, RelayWorkerMessage } from './relay-worker.js';
import type { BenchResult } from './result.js';
import { round, withScratchDir } from './scratch.js';

/**
 * librdkafka's mock cluster keeps at most 5 MB per partition (4 partitions per auto-created topic)
 * and drops the oldest messages beyond that. 20,000 facts of ~700 B fit whole, so the figure never
 * depends on whether the consumer keeps pace with the relay; 50,000 would not.
 */
export const RELAY_EVENTS = 20_000;
/**
 * Facts sent through the whole path before the timed ones, so that the figure is the steady state
 * of a running relay and inbox, not a new thread compiling its code (the first thousand facts take
 * several times as long). 21,000 facts still fit the mock's partitions whole.
 */
const WARM_UP_EVENTS = 1_000;
/** No fact recorded for this long while some are owed: the run has failed, say why rather than hang. */
const STALL_MS = 15_000;

const RECEIVER: Level = 'province';

/**
 * Adds to a county store `count` facts the county recorded itself (issues found by its teams at
 * its units, each in its own stream, as recordIssue writes them), numbered from `from`, which its
 * relay owes the city and the province. Written straight to the store, a thousand streams per
 * transaction: deciding each would time the deciders.
 */
const fillCountyStore = async (store: SqliteEventStore, from: number, count: number): Promise<void> => {
  const counties = ['350602', '350603', '350622', '350624', '350626'];
  const occurredAt = '2024-03-01T08:00:00.000Z';
  const appends: StreamAppend[] = [];
  for (let n = from; n < from + count; n++) {
    const county = counties[n % counties.length]!;
    const event = {
      type: 'IssueFound',
      data: {
        issueId: `relay-issue-${n}`,
        roundId: `round-${county}`,
        teamId: `team-${county}`,
        owner: county,
        unitId: `unit-${county}-${n % 40}`,
        unitJurisdiction: county,
        category: 'grain',
        summary: `粮库问题 ${n}：账实不符，需核查`,
        immediate: n % 5 === 0,
      },
    } as DomainEvent;
    const metadata: EventMetadata = {
      eventId: randomUUID(),
      actor: { id: `team-${county}`, jurisdiction: county, role: 'team' },
      jurisdiction: county,
      correlationId: `relay-bench-${n}`,
      causationId: `relay-bench-${n}`,
      occurredAt,
      recordedAt: occurredAt,
    };
    appends.push({ streamId: streamOf(event), expected: 'no-stream', events: [{ id: metadata.eventId, type: event.type, data: event.data, metadata }] });
    if (appends.length === 1_000) await store.appendMany(appends.splice(0));
  }
  if (appends.length > 0) await store.appendMany(appends);
};

/** Adds facts to the county store through a connection of its own, as the county's commands would. */
const addCountyFacts = async (storeFile: string, from: number, count: number): Promise<void> => {
  const county = openChainedSqliteStore(storeFile);
  try {
    await fillCountyStore(county, from, count);
  } finally {
    await county.close();
  }
};

const nextMessage = (worker: Worker): Promise<RelayWorkerMessage> =>
  new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    worker.once('error', onError);
    worker.once('message', (message: RelayWorkerMessage) => {
      worker.off('error', onError);
      resolve(message);
    });
  });

/**
 * relay_throughput: events per second from one level's store through Kafka into another level's
 * inbox. A county SQLite store holds 20,000 facts the county recorded; the county relay (on a
 * thread of its own, as the county's process would be: batches from its durable checkpoint, acks
 * from all in-sync replicas) publishes them to linkage.county.v1 while the province inbox consumer
 * (group linkage-inbox-province) records them in the province's SQLite store, deduplicated by
 * source event id, one transaction per run of a fetched batch (up to MAX_RUN_LENGTH messages),
 * committing offsets after the appends. Timed from the relay's start (the consumer has joined its
 * group, and WARM_UP_EVENTS facts have been through the whole path) until the province has
 * recorded the last of them.
 */
export const benchRelayThroughput = async (events = RELAY_EVENTS): Promise<BenchResult[]> =>
  withScratchDir('relay', (dataDir) =>
    withBenchKafka(async (kafka) => {
      const storeFile = join(dataDir, 'county.events.db');
      await addCountyFacts(storeFile, 0, WARM_UP_EVENTS);

      const receiverStore = openChainedSqliteStore(join(dataDir, `${RECEIVER}.events.db`));
      const inbox = new Inbox({ level: RECEIVER, store: receiverStore });
      const receiverBus = new KafkaBus({
        brokers: kafka.brokers,
        clientId: 'bench-relay-province',
        namespace: kafka.namespace,
        consumer: { sessionTimeout: 10_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 100 },
        // The mock answers the first fetches of a just-created topic with OFFSET_OUT_OF_RANGE, which
        // kafkajs logs as errors and recovers from; a real failure shows as a stall or an exception.
        logLevel: kafkajs.logLevel.NOTHING,
      });
      const worker = new Worker(new URL('./relay-worker.js', import.meta.url), {
        workerData: { storeFile, checkpointsFile: join(dataDir, 'county.outbox.db'), brokers: kafka.brokers, namespace: kafka.namespace } satisfies RelayWorkerData,
      });
      const command = (what: RelayWorkerCommand) => worker.postMessage(what);
      let stallCheck: NodeJS.Timeout | undefined;
      /** Resolves once the inbox has recorded `target` facts in all; rejects when it stops moving before. */
      let waiting: { target: number; resolve: () => void } | undefined;
      const recordedAll = (target: number): Promise<void> => {
        const reached = new Promise<void>((resolve) => (waiting = { target, resolve }));
        const stalled = new Promise<never>((_, reject) => {
          let last = -1;
          clearInterval(stallCheck);
          stallCheck = setInterval(() => {
            if (inbox.stats.recorded !== last) {
              last = inbox.stats.recorded;
              return;
            }
            reject(
              new Error(
                `the province inbox recorded ${last} of ${target} facts and then nothing for ${STALL_MS / 1000} s. ` +
                  `librdkafka's mock cluster keeps at most 5 MB per partition: a consumer that falls that far behind loses the oldest messages.`,
              ),
            );
          }, STALL_MS);
        });
        return Promise.race([reached, stalled]).finally(() => clearInterval(stallCheck));
      };
      const onRecorded = () => {
        if (waiting && inbox.stats.recorded >= waiting.target) waiting.resolve();
      };
      try {
        const ready = nextMessage(worker);
        // Resolves once the consumer has joined its group (the mock delays a group's first join by 3 s).
        await receiverBus.consume({
          groupId: inboxGroupFor(RECEIVER),
          topics: [topicFor('county', INTEGRATION_SCHEMA)],
          deadLetterTopic: inboxDeadLetterTopicFor(RECEIVER),
          onMessage: async (message) => {
            await inbox.receive(parseIntegrationEvent(message.value));
            onRecorded();
          },
          // As the runtime wires it: each run of a fetched batch recorded in one SQLite transaction.
          onMessages: async (messages) => {
            await inbox.receiveMany(messages.map((message) => parseIntegrationEvent(message.value)));
            onRecorded();
          },
        });
        await ready;

        process.stderr.write(`  warming up with ${WARM_UP_EVENTS} facts...\n`);
        const warmedUp = nextMessage(worker);
        command('drain');
        await recordedAll(WARM_UP_EVENTS);
        await warmedUp;

        process.stderr.write(`  writing ${events} county facts...\n`);
        await addCountyFacts(storeFile, WARM_UP_EVENTS, events);
        const drained = nextMessage(worker);
        const started = performance.now();
        command('drain');
        await recordedAll(WARM_UP_EVENTS + events);
        const seconds = (performance.now() - started) / 1000;
        const relay = await drained;
        if (relay.type !== 'drained') throw new Error(`relay worker: unexpected ${relay.type}`);
        if (relay.published !== events) throw new Error(`the relay published ${relay.published} facts, ${events} were written`);
        return [
          {
            name: 'relay_throughput',
            value: round(events / seconds, 0),
            unit: 'events/s',
            detail:
              `${events} county facts (IssueFound, a stream each), after ${WARM_UP_EVENTS} to warm up, from a SQLite store through the county relay (its own thread; published all in ` +
              `${(relay.millis / 1000).toFixed(2)} s) to ${kafka.description} and into the province inbox (dedupe by source event id, one SQLite ` +
              `transaction per fetched run of up to ${MAX_RUN_LENGTH} messages, offsets committed after the appends): ${seconds.toFixed(2)} s from relay start ` +
              `to the last fact recorded, ${inbox.stats.duplicates} duplicates`,
          },
        ];
      } finally {
        clearInterval(stallCheck);
        // Let the relay's producer leave the cluster cleanly, within reason.
        command('close');
        await Promise.race([once(worker, 'exit'), new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
        await worker.terminate();
        await receiverBus.close();
        await receiverStore.close();
      }
    }),
  );
