import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Level } from '#domain';
import { generateProvinceHistory } from '#scenario';
import { openChainedSqliteStore } from '#linkage';
import type { BenchResult } from './result.js';
import { round, withScratchDir } from './scratch.js';

export const REBUILD_EVENTS = 1_000_000;

const CLI = fileURLToPath(new URL('../main.js', import.meta.url));

/** What `npm run rebuild -- --json` prints for a level. */
export interface RebuildSummary {
  readonly level: string;
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly workers: number;
  /** CPU seconds of the whole process (worker threads included) and of its main thread (Linux only). */
  readonly cpuSeconds?: number;
  readonly mainThreadCpuSeconds?: number;
  readonly peakRssMb: number;
  readonly peakAnonymousMb?: number;
}

/** Rebuilds `level` of the stores in `dataDir` with `npm run rebuild -- --json`, in a process of its own. */
export const rebuildInOwnProcess = async (dataDir: string, level: Level): Promise<RebuildSummary> => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--max-semi-space-size=64', CLI, 'rebuild', '--level', level, '--json'], {
    env: { ...process.env, DATA_DIR: dataDir },
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as RebuildSummary;
};

/**
 * rebuild_throughput and rebuild_peak_rss_mb: every projection of one level from 1,000,000 events,
 * rebuilt by `npm run rebuild` in a process of its own (as an operator runs it), so the figures are
 * the rebuild's alone: neither the heap this process grew while generating the store nor its JIT state.
 */
export const benchRebuild = async (events = REBUILD_EVENTS): Promise<BenchResult[]> =>
  withScratchDir('rebuild', async (dataDir) => {
    const store = openChainedSqliteStore(join(dataDir, 'province.events.db'));
    const generatedIn = performance.now();
    // A thousand appends per transaction: the same history as one per append, written ten times faster.
    const written = await generateProvinceHistory(store, events, (count) => process.stderr.write(`  generating: ${count} events\r`), {
      appendsPerTransaction: 1000,
    });
    await store.close();
    process.stderr.write(`  generated ${written} events in ${((performance.now() - generatedIn) / 1000).toFixed(1)} s; rebuilding...\n`);
    const summary = await rebuildInOwnProcess(dataDir, 'province');
    if (summary.events !== written) throw new Error(`the rebuild applied ${summary.events} events of the ${written} stored`);
    return [
      {
        name: 'rebuild_throughput',
        value: round(summary.eventsPerSecond),
        unit: 'events/s',
        detail:
          `${summary.events} events of a generated province store (SQLite) into the upward-report and task-stream projections by \`npm run rebuild\`: ` +
          `${summary.workers} worker thread(s) read and plan batches of 5000, the main thread applies each with its checkpoint in one transaction, in order; ` +
          `${summary.seconds.toFixed(2)} s` +
          (summary.cpuSeconds === undefined ? '' : `, ${summary.cpuSeconds} s of CPU`) +
          (summary.mainThreadCpuSeconds === undefined ? '' : ` of which ${summary.mainThreadCpuSeconds} s on the main thread`),
      },
      {
        name: 'rebuild_peak_rss_mb',
        value: summary.peakRssMb,
        unit: 'MB',
        detail:
          'peak resident set size of that rebuild process, worker threads included (getrusage maxrss); it counts the pages of the store file the ' +
          'workers read through a memory map, which the kernel may drop at any time',
      },
      ...(summary.peakAnonymousMb === undefined
        ? []
        : [
            {
              name: 'rebuild_peak_anonymous_mb',
              value: summary.peakAnonymousMb,
              unit: 'MB',
              detail: 'peak memory of that process not backed by a file (heaps, stacks; RssAnon sampled every 50 ms): what the rebuild itself holds',
            },
          ]),
    ];
  });
