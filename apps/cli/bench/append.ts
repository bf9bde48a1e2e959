import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ExpectedRevision, NewEvent } from '#event-store';
import type { SqliteSynchronous } from '#event-store/adapters';
import { openChainedSqliteStore } from '#linkage';
import { newEventId } from '#event-store';
import type { BenchResult } from './result.js';
import { round } from './scratch.js';

const SYNCHRONOUS: SqliteSynchronous = 'NORMAL';
const BATCH_SIZE = 100;
const STREAMS = 1_000;
const TARGET_EVENTS = 500_000;
const MAX_MILLISECONDS = 5_000;
/** Untimed: lets V8 optimize the append path and SQLite grow the file before the clock starts. */
const WARMUP_BATCHES = 50;

const COUNTIES = ['350624', '350626', '350627', '350628', '350629'];

/**
 * A fact as the linkage service records it (about 500 bytes of JSON with its provenance). Built
 * inside the timed loop, as a caller has to.
 */
const issueFound = (sequence: number, streamId: string, correlationId: string): NewEvent => {
  const jurisdiction = COUNTIES[sequence % COUNTIES.length]!;
  const now = new Date(Date.UTC(2025, 2, 1) + sequence * 1000).toISOString();
  return {
    // The ids the level services give events: time-ordered UUIDv7.
    id: newEventId(),
    type: 'IssueFound',
    data: {
      issueId: `${streamId}-issue-${sequence}`,
      roundId: 'bench-round',
      teamId: 'bench-team-1',
      unit: { unitId: `depot-${sequence % 97}`, jurisdiction },
      category: 'grain-storage',
      severity: sequence % 3 === 0 ? 'major' : 'general',
      description: `第${sequence}号问题：粮库账实不符，轮换台账缺失，需限期整改并报送整改情况。`,
    },
    metadata: {
      actor: { id: 'bench-team-leader', role: 'team', jurisdiction },
      jurisdiction,
      correlationId,
      causationId: correlationId,
      occurredAt: now,
      recordedAt: now,
    },
  };
};

/**
 * append_throughput: events per second appended to a SqliteEventStore (WAL, synchronous NORMAL) in
 * batches of 100 realistic events, round-robin over 1,000 streams with exact expected revisions,
 * until 500,000 events or 5 seconds. Runs in a new folder under `dataDir`, removed afterwards.
 */
export async function benchAppend(dataDir: string): Promise<BenchResult[]> {
  mkdirSync(dataDir, { recursive: true });
  const folder = mkdtempSync(join(dataDir, 'bench-append-'));
  try {
    const store = openChainedSqliteStore(join(folder, 'events.db'), { synchronous: SYNCHRONOUS });
    try {
      const revisions = new Map<string, ExpectedRevision>();
      let sequence = 0;
      const appendBatch = async (): Promise<void> => {
        const streamId = `bench-stream-${sequence % STREAMS}`;
        const correlationId = randomUUID();
        const events = Array.from({ length: BATCH_SIZE }, () => issueFound(sequence++, streamId, correlationId));
        const result = await store.append(streamId, revisions.get(streamId) ?? 'no-stream', events);
        revisions.set(streamId, result.nextExpectedRevision);
      };

      for (let batch = 0; batch < WARMUP_BATCHES; batch++) await appendBatch();
      const warmupEvents = sequence;
      const started = performance.now();
      let elapsed = 0;
      while (sequence - warmupEvents < TARGET_EVENTS && elapsed < MAX_MILLISECONDS) {
        await appendBatch();
        elapsed = performance.now() - started;
      }
      const appended = sequence - warmupEvents;
      return [
        {
          name: 'append_throughput',
          value: round(appended / (elapsed / 1000), 0),
          unit: 'events/s',
          detail: `SqliteEventStore, WAL, synchronous ${SYNCHRONOUS}, batches of ${BATCH_SIZE} events (~500 B JSON each with metadata, time-ordered UUIDv7 ids as the services give them) over ${STREAMS} streams; ${appended} events in ${round(elapsed / 1000, 2)} s`,
        },
      ];
    } finally {
      await store.close();
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
