import { benchHttpCommandThroughput } from './http-commands.js';
import { UsageError, subcommand } from '../args.js';
import { benchAppend } from './append.js';
import { benchAsOfReport, benchBackup, benchVerify } from './audit.js';
import { benchCommandThroughput } from './command.js';
import { benchAuthorityLaunch } from './authority.js';
import { benchCrossProcess } from './cross-process.js';
import { benchDashboardBundle, benchDashboardFirstView, benchDashboardLiveUpdate, stopDashboardServer } from './dashboard.js';
import { benchRebuildFollowThrough } from './follow-through.js';
import { benchCountyToProvince } from './latency.js';
import { benchLedgerExport, benchLedgerQuery } from './ledger.js';
import { benchLiveFanout } from './live-fanout.js';
import { benchRebuild } from './rebuild.js';
import { benchRelayThroughput } from './relay.js';
import { benchReportWindow } from './report-window.js';
import { benchTokenVerify } from './tokens.js';
import type { BenchResult } from './result.js';
import { printResult } from './result.js';
import { withScratchDir } from './scratch.js';

/** Each benchmark by the name of the first figure it prints. */
const BENCHMARKS: Record<string, () => Promise<BenchResult[]>> = {
  command_throughput: benchCommandThroughput,
  http_command_throughput: benchHttpCommandThroughput,
  authority_launch_overhead_pct: benchAuthorityLaunch,
  append_throughput: () => withScratchDir('append', benchAppend),
  rebuild_throughput: () => benchRebuild(),
  rebuild_follow_through_throughput: benchRebuildFollowThrough,
  county_to_province: () => benchCountyToProvince(),
  verify_throughput: benchVerify,
  as_of_report_ms: benchAsOfReport,
  report_window_ms: () => benchReportWindow(),
  backup_throughput: benchBackup,
  relay_throughput: () => benchRelayThroughput(),
  cross_process: () => benchCrossProcess(),
  live_fanout: () => benchLiveFanout(),
  token_verify_first_us: benchTokenVerify,
  ledger_query_p99_ms: benchLedgerQuery,
  ledger_export_rows_per_s: benchLedgerExport,
  dashboard_bundle_kb: benchDashboardBundle,
  dashboard_first_view_ms: benchDashboardFirstView,
  dashboard_live_update_ms_p50: benchDashboardLiveUpdate,
};

export const BENCH_USAGE = `npm run bench [-- name ...]
  Prints one JSON line per figure: {"name","value","unit","detail"}. Names: ${Object.keys(BENCHMARKS).join(', ')}.`;

export const benchCommand = subcommand({
  name: 'bench',
  usage: BENCH_USAGE,
  options: {},
  positionals: true,
  run: async ({ positionals }) => {
    const names = positionals.length > 0 ? positionals : Object.keys(BENCHMARKS);
    for (const name of names) if (!BENCHMARKS[name]) throw new UsageError(`unknown benchmark ${name}`);
    try {
      for (const name of names) {
        process.stderr.write(`bench ${name}...\n`);
        for (const result of await BENCHMARKS[name]!()) printResult(result);
      }
    } finally {
      // The dashboard benchmarks share one server and one Chromium; stopped once all have run.
      await stopDashboardServer();
    }
  },
});
