import { join } from 'node:path';
import { SqliteEventStore } from '#event-store';
import { ProjectionRunner, ReadModel, defaultCatchUpWorkers } from '#projections';
import { generateProvinceHistory } from './generated-store.js';
import type { BenchResult } from './result.js';
import { round, withScratchDir } from './scratch.js';

export const REBUILD_EVENTS = 1_000_000;

/** rebuild_throughput and rebuild_peak_rss_mb: every projection of one level from 1,000,000 events. */
export const benchRebuild = async (events = REBUILD_EVENTS): Promise<BenchResult[]> =>
  withScratchDir('rebuild', async (dataDir) => {
    const store = SqliteEventStore.open(join(dataDir, 'province.events.db'));
    const generatedIn = performance.now();
    // A thousand appends per transaction: the same history as one per append, written ten times faster.
    const written = await generateProvinceHistory(store, events, (count) => process.stderr.write(`  generating: ${count} events\r`), {
      appendsPerTransaction: 1000,
    });
    process.stderr.write(`  generated ${written} events in ${((performance.now() - generatedIn) / 1000).toFixed(1)} s\n`);
    const readModel = new ReadModel(join(dataDir, 'province.read.db'));
    const workers = defaultCatchUpWorkers();
    const runner = new ProjectionRunner(store, readModel, 5000, undefined, { workers });
    (globalThis as { gc?: () => void }).gc?.();
    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
    const started = performance.now();
    const applied = await runner.rebuild();
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    readModel.close();
    await store.close();
    return [
      {
        name: 'rebuild_throughput',
        value: round(applied / seconds),
        unit: 'events/s',
        detail:
          `${applied} events of a generated province store (SQLite) into the upward-report and task-stream projections as \`npm run rebuild\` does: ` +
          `${workers} worker thread(s) read and plan batches of 5000, the main thread applies each with its checkpoint in one transaction, in order; ${seconds.toFixed(2)} s`,
      },
      {
        name: 'rebuild_peak_rss_mb',
        value: round(peakRss / 1024 / 1024),
        unit: 'MB',
        detail: 'peak resident set size of the process, worker threads included, during that rebuild (sampled every 20 ms)',
      },
    ];
  });
