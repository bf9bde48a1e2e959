import { join } from 'node:path';
import { generateProvinceHistory } from '#scenario';
import { loadReferenceRegistry, openChainedSqliteStore } from '#linkage';
import type { ReportScope } from '#projections';
import { ReadModel } from '#projections';
import { REBUILD_EVENTS, rebuildInOwnProcess } from './rebuild.js';
import type { BenchResult } from './result.js';
import { percentile, round, withScratchDir } from './scratch.js';

const PASSES = 30;
const WARM_UP = 3;

/**
 * The windows read. The generated history runs from 2019-01-01 a minute per write, about 14 months
 * for 1,000,000 events: a year covers most of it (the widest range of days a window sums), a
 * quarter a part.
 */
const WINDOWS = {
  year: { from: '2018-12-31T16:00:00.000Z', to: '2019-12-31T16:00:00.000Z' },
  quarter: { from: '2019-03-31T16:00:00.000Z', to: '2019-06-30T16:00:00.000Z' },
} as const;

/**
 * report_window_ms: the province's report over its whole subtree with a time window, through
 * ReadModel.report on the rebuilt read model of a generated store of 1,000,000 events (the store
 * rebuild_throughput generates). p50 of 30 reads of the year window after 3 warm-up reads; the
 * detail gives the quarter window and the report without a window for comparison.
 */
export const benchReportWindow = async (events = REBUILD_EVENTS): Promise<BenchResult[]> =>
  withScratchDir('report-window', async (dataDir) => {
    const store = openChainedSqliteStore(join(dataDir, 'province.events.db'));
    const written = await generateProvinceHistory(store, events, (count) => process.stderr.write(`  generating: ${count} events\r`), { appendsPerTransaction: 1000 });
    await store.close();
    process.stderr.write(`  generated ${written} events; rebuilding...\n`);
    await rebuildInOwnProcess(dataDir, 'province');
    const readModel = new ReadModel(join(dataDir, 'province.read.db'));
    try {
      const registry = loadReferenceRegistry();
      const now = '2020-06-01T00:00:00.000Z';
      const time = (scope: ReportScope): number[] => {
        const timings: number[] = [];
        for (let pass = 0; pass < WARM_UP + PASSES; pass++) {
          const started = performance.now();
          readModel.report('350000', scope, registry, now, 0);
          if (pass >= WARM_UP) timings.push(performance.now() - started);
        }
        return timings.sort((a, b) => a - b);
      };
      const year = time({ window: WINDOWS.year });
      const quarter = time({ window: WINDOWS.quarter });
      const whole = time({});
      const rowsOf = (table: string) => (readModel.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
      const days = rowsOf('counter_days');
      const months = rowsOf('counter_months');
      const figures = (timings: number[]) => `p50 ${round(percentile(timings, 50), 1)} / p99 ${round(percentile(timings, 99), 1)} ms`;
      return [
        {
          name: 'report_window_ms',
          value: round(percentile(year, 50), 1),
          unit: 'ms',
          detail:
            `province report (350000, every city and county below it) with the window [2019-01-01, 2020-01-01) Asia/Shanghai, over ${written} generated events ` +
            `(${days} counter_days rows, ${months} counter_months rows): year ${figures(year)}; quarter [2019-04-01, 2019-07-01) ${figures(quarter)}; no window ${figures(whole)}; ${PASSES} reads each after ${WARM_UP} warm-up reads`,
        },
      ];
    } finally {
      readModel.close();
    }
  });
