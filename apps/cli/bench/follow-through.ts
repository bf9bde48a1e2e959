import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RectificationStatus } from '#domain';
import { RECTIFICATION_STATUSES } from '#domain';
import { ReadModel } from '#projections';
import { openChainedSqliteStore } from '#linkage';
import type { FollowThroughHistory } from '#scenario';
import { FOLLOW_THROUGH_LEVEL, generateFollowThroughHistory } from '#scenario';
import type { RebuildSummary } from './rebuild.js';
import { rebuildInOwnProcess } from './rebuild.js';
import type { BenchResult } from './result.js';
import { round } from './scratch.js';

/** Rectifications in each status of the generated city store: 500,000 in all. */
export const FOLLOW_THROUGH_PER_STATUS = 100_000;

export interface FollowThroughLevel {
  /** A data folder holding `city.events.db`. */
  readonly dataDir: string;
  readonly history: FollowThroughHistory;
  readonly generatedSeconds: number;
}

export interface ProjectedFollowThroughLevel extends FollowThroughLevel {
  /** Its read model, rebuilt by `npm run rebuild` in a process of its own. */
  readonly readModelFile: string;
  readonly rebuild: RebuildSummary;
}

// The ledger and rebuild benchmarks share one generated store and its rebuilt read model; they are
// made once per run and removed when the process exits.
let generated: Promise<FollowThroughLevel> | undefined;
let projected: Promise<ProjectedFollowThroughLevel> | undefined;

export const followThroughLevel = (): Promise<FollowThroughLevel> =>
  (generated ??= (async () => {
    // BENCH_FOLLOW_THROUGH_STORE keeps the store in a folder of one's choosing: generated there on
    // first use (20 minutes on a busy two-core machine), reused by later runs.
    const kept = process.env.BENCH_FOLLOW_THROUGH_STORE;
    const dataDir = kept ?? mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'linkage-bench-follow-through-'));
    if (kept === undefined) process.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
    else mkdirSync(dataDir, { recursive: true });
    const storeFile = join(dataDir, `${FOLLOW_THROUGH_LEVEL}.events.db`);
    const historyFile = join(dataDir, 'history.json');
    if (existsSync(historyFile) && existsSync(storeFile)) {
      const history = JSON.parse(readFileSync(historyFile, 'utf8')) as FollowThroughHistory;
      if (history.rectifications.closed >= FOLLOW_THROUGH_PER_STATUS) {
        process.stderr.write(`  reusing the ${FOLLOW_THROUGH_LEVEL} store of ${history.events} events in ${dataDir}\n`);
        return { dataDir, history, generatedSeconds: 0 };
      }
    }
    for (const suffix of ['', '-wal', '-shm']) rmSync(storeFile + suffix, { force: true });
    const store = openChainedSqliteStore(storeFile);
    const started = performance.now();
    const history = await generateFollowThroughHistory(store, {
      perStatus: FOLLOW_THROUGH_PER_STATUS,
      appendsPerTransaction: 1000,
      onProgress: (count) => process.stderr.write(`  generating: ${count} events\r`),
    });
    await store.close();
    const generatedSeconds = (performance.now() - started) / 1000;
    writeFileSync(historyFile, JSON.stringify(history));
    process.stderr.write(
      `  generated a ${FOLLOW_THROUGH_LEVEL} store of ${history.events} events (${history.decided} decided in the province) in ${generatedSeconds.toFixed(1)} s: ` +
        `${history.issues} issues, ${RECTIFICATION_STATUSES.map((status) => `${history.rectifications[status]} ${status}`).join(', ')} rectifications, ${history.handovers} handovers\n`,
    );
    return { dataDir, history, generatedSeconds };
  })());

export const projectedFollowThroughLevel = (): Promise<ProjectedFollowThroughLevel> =>
  (projected ??= (async () => {
    const level = await followThroughLevel();
    process.stderr.write('  rebuilding its read model...\n');
    const rebuild = await rebuildInOwnProcess(level.dataDir, FOLLOW_THROUGH_LEVEL);
    if (rebuild.events !== level.history.events) throw new Error(`the rebuild applied ${rebuild.events} events of the ${level.history.events} stored`);
    const readModelFile = join(level.dataDir, `${FOLLOW_THROUGH_LEVEL}.read.db`);
    // The read model must show what the deciders decided: every rectification in its status.
    const readModel = new ReadModel(readModelFile);
    try {
      const rows = readModel.db.prepare('SELECT status, COUNT(*) AS n FROM rectifications GROUP BY status').all() as { status: RectificationStatus; n: number }[];
      for (const status of RECTIFICATION_STATUSES) {
        const shown = rows.find((row) => row.status === status)?.n ?? 0;
        if (shown !== level.history.rectifications[status]) throw new Error(`the read model shows ${shown} ${status} rectifications, not ${level.history.rectifications[status]}`);
      }
    } finally {
      readModel.close();
    }
    return { ...level, readModelFile, rebuild };
  })());

/**
 * rebuild_follow_through_throughput: every projection of the generated city store (follow-through
 * facts: rectification rows folded fact by fact, issue and handover rows, counters) rebuilt by
 * `npm run rebuild` in a process of its own, as rebuild_throughput does for the province store.
 */
export const benchRebuildFollowThrough = async (): Promise<BenchResult[]> => {
  const { history, rebuild } = await projectedFollowThroughLevel();
  const statuses = RECTIFICATION_STATUSES.map((status) => `${history.rectifications[status]} ${status}`).join(', ');
  return [
    {
      name: 'rebuild_follow_through_throughput',
      value: round(rebuild.eventsPerSecond, 0),
      unit: 'events/s',
      detail:
        `${rebuild.events} events of a generated ${FOLLOW_THROUGH_LEVEL} store (SQLite; ${history.issues} issues, rectifications ${statuses}, ${history.handovers} handovers) ` +
        `into every projection (report counters, task stream, issue, rectification and handover ledgers) by \`npm run rebuild\`: ${rebuild.workers} worker thread(s), ` +
        `${rebuild.seconds.toFixed(2)} s`,
    },
    {
      name: 'rebuild_follow_through_peak_rss_mb',
      value: rebuild.peakRssMb,
      unit: 'MB',
      detail: 'peak resident set size of that rebuild process, worker threads included (getrusage maxrss), mapped store pages included',
    },
    ...(rebuild.peakAnonymousMb === undefined
      ? []
      : [{ name: 'rebuild_follow_through_peak_anonymous_mb', value: rebuild.peakAnonymousMb, unit: 'MB', detail: 'peak memory of that process not backed by a file (RssAnon sampled every 50 ms)' }]),
  ];
};
