import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { DomainEvent, EventMetadata, Level } from '#domain';
import { INTEGRATION_SCHEMA, streamOf } from '#domain';
import kafkajs from 'kafkajs';
import { KafkaBus, MAX_RUN_LENGTH, topicFor } from '#bus';
import { SqliteEventStore } from '#event-store';
import { Inbox, LevelService, inboxDeadLetterTopicFor, inboxGroupFor, loadReferenceRegistry, parseIntegrationEvent, systemClock } from '#linkage';
import { withBenchKafka } from './kafka-cluster.js';
import type { RelayWorkerData, RelayWorkerMessage } from './relay-worker.js';
import type { BenchResult } from './result.js';
import { round, withScratchDir } from './scratch.js';

/**
 * librdkafka's mock cluster keeps at most 5 MB per partition (4 partitions per auto-created topic)
 * and drops the oldest messages beyond that. 20,000 facts of ~700 B fit whole, so the figure never
 * depends on whether the consumer keeps pace with the relay; 50,000 would not.
 */
export const RELAY_EVENTS = 20_000;
/** No fact recorded for this long while some are owed: the run has failed, say why rather than hang. */
const STALL_MS = 15_000;

const RECEIVER: Level = 'province';

/**
 * Fills a county store with `count` facts the county recorded itself (issues found by its teams at
 * its units, each in its own stream, as recordIssue writes them), which its relay owes the city and
 * the province. Written straight to the store: deciding each would time the deciders.
 */
const fillCountyStore = async (store: SqliteEventStore, count: number): Promise<void> => {
  const counties = ['350602', '350603', '350622', '350624', '350626'];
  const occurredAt = '2024-03-01T08:00:00.000Z';
  for (let n = 0; n < count; n++) {
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
    await store.append(streamOf(event), 'no-stream', [{ id: metadata.eventId, type: event.type, data: event.data, metadata }]);
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
 * group) until the province has recorded the last of them.
 */
export const benchRelayThroughput = async (events = RELAY_EVENTS): Promise<BenchResult[]> =>
  withScratchDir('relay', (dataDir) =>
    withBenchKafka(async (kafka) => {
      const storeFile = join(dataDir, 'county.events.db');
      const county = SqliteEventStore.open(storeFile);
      process.stderr.write(`  writing ${events} county facts...\n`);
      try {
        await fillCountyStore(county, events);
      } finally {
        await county.close();
      }

      const receiverStore = SqliteEventStore.open(join(dataDir, `${RECEIVER}.events.db`));
      const inbox = new Inbox(new LevelService(RECEIVER, receiverStore, loadReferenceRegistry(), systemClock));
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
      let stallCheck: NodeJS.Timeout | undefined;
      try {
        const ready = nextMessage(worker);
        let allRecorded: () => void = () => undefined;
        const recorded = new Promise<void>((resolve) => (allRecorded = resolve));
        // Resolves once the consumer has joined its group (the mock delays a group's first join by 3 s).
        await receiverBus.consume({
          groupId: inboxGroupFor(RECEIVER),
          topics: [topicFor('county', INTEGRATION_SCHEMA)],
          deadLetterTopic: inboxDeadLetterTopicFor(RECEIVER),
          onMessage: async (message) => {
            await inbox.receive(parseIntegrationEvent(message.value));
            if (inbox.stats.recorded >= events) allRecorded();
          },
          // As the runtime wires it: each run of a fetched batch recorded in one SQLite transaction.
          onMessages: async (messages) => {
            await inbox.receiveMany(messages.map((message) => parseIntegrationEvent(message.value)));
            if (inbox.stats.recorded >= events) allRecorded();
          },
        });
        await ready;

        const drained = nextMessage(worker);
        const started = performance.now();
        worker.postMessage('start');
        const stalled = new Promise<never>((_, reject) => {
          let last = -1;
          stallCheck = setInterval(() => {
            if (inbox.stats.recorded !== last) {
              last = inbox.stats.recorded;
              return;
            }
            reject(
              new Error(
                `the province inbox recorded ${last} of ${events} facts and then nothing for ${STALL_MS / 1000} s. ` +
                  `librdkafka's mock cluster keeps at most 5 MB per partition: a consumer that falls that far behind loses the oldest messages.`,
              ),
            );
          }, STALL_MS);
        });
        await Promise.race([recorded, stalled]);
        const seconds = (performance.now() - started) / 1000;
        const relay = await drained;
        if (relay.type !== 'drained') throw new Error(`relay worker: unexpected ${relay.type}`);
        return [
          {
            name: 'relay_throughput',
            value: round(events / seconds, 0),
            unit: 'events/s',
            detail:
              `${events} county facts (IssueFound, a stream each) from a SQLite store through the county relay (its own thread; published all in ` +
              `${(relay.millis / 1000).toFixed(2)} s) to ${kafka.description} and into the province inbox (dedupe by source event id, one SQLite ` +
              `transaction per fetched run of up to ${MAX_RUN_LENGTH} messages, offsets committed after the appends): ${seconds.toFixed(2)} s from relay start ` +
              `to the last fact recorded, ${inbox.stats.duplicates} duplicates`,
          },
        ];
      } finally {
        clearInterval(stallCheck);
        await worker.terminate();
        await receiverBus.close();
        await receiverStore.close();
      }
    }),
  );
