import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifySqliteFile, LevelHistory, ReadModelSnapshots } from '#audit';
import { loadReferenceRegistry, metadataOf, openChainedSqliteStore, takeBackup } from '#linkage';
import { ProjectionRunner, ReadModel } from '#projections';
import { generateProvinceHistory } from '#scenario';
import type { BenchResult } from './result.js';
import { percentile, round } from './scratch.js';

export const AUDIT_BENCH_EVENTS = 1_000_000;
/** Appends per transaction when generating: the same history as the rebuild benchmark's, ~10x faster to write. */
const APPENDS_PER_TRANSACTION = 500;
const SNAPSHOT_EVERY = 50_000;
const AS_OF_SAMPLES = 7;

interface GeneratedStore {
  readonly file: string;
  readonly events: number;
  readonly seconds: number;
}

// Both audit benchmarks read the same generated store; it is made once per run and removed when
// the process exits.
let shared: Promise<GeneratedStore> | undefined;

const generatedProvinceStore = (): Promise<GeneratedStore> =>
  (shared ??= (async () => {
    const dir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'linkage-bench-audit-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'province.events.db');
    const store = openChainedSqliteStore(file);
    const started = performance.now();
    const events = await generateProvinceHistory(store, AUDIT_BENCH_EVENTS, (count) => process.stderr.write(`  generating: ${count} events\r`), {
      appendsPerTransaction: APPENDS_PER_TRANSACTION,
    });
    const seconds = (performance.now() - started) / 1000;
    process.stderr.write(`  generated ${events} chained events in ${seconds.toFixed(1)} s (${APPENDS_PER_TRANSACTION} appends per transaction)\n`);
    await store.close();
    return { file, events, seconds };
  })());

/** verify_throughput: the whole chain of a 1,000,000-event province store recomputed from its file. */
export const benchVerify = async (): Promise<BenchResult[]> => {
  const { file, events } = await generatedProvinceStore();
  const workers = Math.min(4, availableParallelism());
  const started = performance.now();
  const report = await verifySqliteFile({ file, level: 'province', workers });
  const seconds = (performance.now() - started) / 1000;
  if (!report.ok || report.events !== events) throw new Error(`verify_throughput: the generated store did not verify: ${JSON.stringify(report.firstBroken)}`);
  return [
    {
      name: 'verify_throughput',
      value: round(events / seconds, 0),
      unit: 'events/s',
      detail: `${events} events of a generated province store (SQLite file opened read-only): every event's content digest and chain link recomputed (2 SHA-256 each) and compared with the stored hash, positions checked dense, on ${report.parallel ? `${workers} worker threads, one range of positions each` : 'one thread'}; ${seconds.toFixed(2)} s`,
    },
  ];
};

/**
 * as_of_report_ms: the province report as known at a past moment of a 1,000,000-event store.
 * The read model is snapshotted while it is projected (as a running level does); an as-of query
 * finds the position known at that moment, starts from the newest snapshot at or before it and
 * replays only the events after it.
 */
export const benchAsOfReport = async (): Promise<BenchResult[]> => {
  const { file, events } = await generatedProvinceStore();
  const dir = join(file, '..');
  const store = openChainedSqliteStore(file);
  const readModel = new ReadModel(join(dir, 'province.read.db'));
  const snapshots = new ReadModelSnapshots(join(dir, 'province.snapshots'), SNAPSHOT_EVERY);
  try {
    const runner = new ProjectionRunner(store, readModel, 5000);
    const unfollow = snapshots.follow(runner, readModel);
    const projectedIn = performance.now();
    await runner.rebuild();
    const projectSeconds = (performance.now() - projectedIn) / 1000;
    unfollow();
    const snapshotFiles = readdirSync(snapshots.folder).map((name) => statSync(join(snapshots.folder, name)).size);
    const snapshotMb = snapshotFiles.reduce((sum, size) => sum + size, 0) / snapshotFiles.length / 1024 / 1024;

    const history = new LevelHistory('province', store, () => loadReferenceRegistry(), snapshots);
    const withoutSnapshots = new LevelHistory('province', store, () => loadReferenceRegistry());
    const head = await store.headPosition();
    // Past moments spread over the history, each the record time of some event.
    const moments: string[] = [];
    for (let sample = 0; sample < AS_OF_SAMPLES; sample++) {
      const [event] = await store.readAll({ after: Math.floor(((sample + 0.37) / AS_OF_SAMPLES) * head), limit: 1 });
      moments.push(metadataOf(event!).recordedAt);
    }
    const timings: number[] = [];
    const replayed: number[] = [];
    for (const moment of moments) {
      const started = performance.now();
      const position = await history.positionKnownAt(moment);
      const { value: report, replay } = await history.withReadModelAt(position, (model, registry) => model.report('350000', {}, registry, moment, position));
      timings.push(performance.now() - started);
      replayed.push(replay.replayedEvents);
      if (report.position !== position || report.issuesFound === 0) throw new Error(`as_of_report_ms: an empty report as of ${moment}`);
    }
    // For scale: the same query for the last moment, replaying from the first event.
    const last = moments[moments.length - 1]!;
    const fullStarted = performance.now();
    const lastPosition = await withoutSnapshots.positionKnownAt(last);
    await withoutSnapshots.withReadModelAt(lastPosition, (model, registry) => model.report('350000', {}, registry, last, lastPosition));
    const fullMillis = performance.now() - fullStarted;
    timings.sort((a, b) => a - b);
    return [
      {
        name: 'as_of_report_ms',
        value: round(percentile(timings, 50), 1),
        unit: 'ms',
        detail:
          `province report as known at ${AS_OF_SAMPLES} past moments of ${events} events (median; max ${round(timings[timings.length - 1]!, 1)} ms): ` +
          `the position known at T by binary search on recordedAt (~20 indexed reads), then the newest read-model snapshot at or before it ` +
          `(VACUUM INTO every ${SNAPSHOT_EVERY} projected events while projecting, ${snapshotFiles.length} files of ~${round(snapshotMb, 1)} MB, taken during a ${projectSeconds.toFixed(1)} s projection) ` +
          `loaded into an in-memory read model and the events after it replayed (median ${percentile([...replayed].sort((a, b) => a - b), 50)}), then the report query itself; replaying from the first event instead took ${round(fullMillis, 0)} ms`,
      },
    ];
  } finally {
    readModel.close();
    await store.close();
  }
};

/**
 * backup_throughput: `npm run backup` of the 1,000,000-event province store's data folder (the
 * store, and its read model and snapshots when as_of_report_ms ran before), nothing writing it:
 * copied inside a read transaction, then verified (every chain hash recomputed) and hashed.
 */
export const benchBackup = async (): Promise<BenchResult[]> => {
  const { file, events } = await generatedProvinceStore();
  const dataDir = join(file, '..');
  const out = join(mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'linkage-bench-backup-')), 'backup');
  try {
    const started = performance.now();
    const result = await takeBackup({ dataDir, out, appVersion: 'bench' });
    const seconds = (performance.now() - started) / 1000;
    if (result.problems.length > 0) throw new Error(`backup_throughput: the backup did not verify: ${result.problems.join('; ')}`);
    const bytes = result.manifest.files.reduce((sum, entry) => sum + entry.bytes, 0);
    return [
      {
        name: 'backup_throughput',
        value: round(bytes / 1048576 / seconds, 1),
        unit: 'MB/s',
        detail: `${round(bytes / 1048576, 1)} MB in ${result.manifest.files.length} files (a province store of ${events} events${result.manifest.files.length > 1 ? ', its read model and snapshots' : ''}) copied with SQLite's backup API inside a read transaction, each copy's chain verified and every file's SHA-256 taken: ${seconds.toFixed(2)} s`,
      },
    ];
  } finally {
    rmSync(join(out, '..'), { recursive: true, force: true });
  }
};
