import { execFile } from 'node:child_process';
import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Actor } from '#domain';
import { RECTIFICATION_STATUSES } from '#domain';
import { InprocBus } from '#bus/adapters';
import { TokenService, createHttpApp } from '#http';
import { LinkageRuntime, loadReferenceRegistry, openChainedSqliteStore, systemClock } from '#linkage';
import type { LedgerFilter } from '#projections';
import { LEDGER_DOWNLOAD_CHUNK, ReadModel } from '#projections';
import { FOLLOW_THROUGH_LEVEL } from '#scenario';
import { projectedFollowThroughLevel } from './follow-through.js';
import type { LedgerExportSummary } from './ledger-export-child.js';
import type { BenchResult } from './result.js';
import { percentile, round } from './scratch.js';

const PAGE = 50;
const PASSES = 10;
const CATEGORIES = ['grain', 'funds', 'poverty', 'work-style', 'procurement'];

/** One typical read of the rectifications ledger (整改台账) of a city's subtree. */
interface LedgerRead {
  readonly kind: string;
  readonly jurisdiction: string;
  readonly filter: LedgerFilter;
  /** A later page: the cursor the first page of the same filter handed out. */
  cursor?: string;
}

/** Per city: overdue (first and second page), a status, its round family of 2022, a category, one unit. */
const typicalReads = (cities: readonly string[]): LedgerRead[] =>
  cities.flatMap((city, index) => [
    { kind: 'overdue', jurisdiction: city, filter: { overdue: true } },
    { kind: 'overdue, page 2', jurisdiction: city, filter: { overdue: true } },
    { kind: 'status', jurisdiction: city, filter: { status: RECTIFICATION_STATUSES[index % RECTIFICATION_STATUSES.length]! } },
    { kind: 'roundId family', jurisdiction: city, filter: { roundId: `${city}-2022` } },
    { kind: 'category', jurisdiction: city, filter: { category: CATEGORIES[index % CATEGORIES.length]! } },
    { kind: 'unitId', jurisdiction: city, filter: { unitId: `u-${city}-5` } },
  ]);

const query = (read: LedgerRead): string => {
  const parameters = new URLSearchParams();
  for (const [key, value] of Object.entries(read.filter)) parameters.set(key, String(value));
  if (read.cursor !== undefined) parameters.set('cursor', read.cursor);
  parameters.set('limit', String(PAGE));
  return parameters.toString();
};

/** GET over one kept-alive connection, timed from sending to the whole answer. */
const httpClient = (port: number) => {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const get = (path: string, token: string): Promise<{ millis: number; body: string }> =>
    new Promise((resolve, reject) => {
      const started = performance.now();
      const req = request({ host: '127.0.0.1', port, path, method: 'GET', agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode === 200) resolve({ millis: performance.now() - started, body });
          else reject(new Error(`GET ${path} answered ${res.statusCode}: ${body.slice(0, 300)}`));
        });
      });
      req.on('error', reject);
      req.end();
    });
  return { get, close: () => agent.destroy() };
};

const summary = (timings: number[]): string => {
  const sorted = [...timings].sort((a, b) => a - b);
  return `p50 ${round(percentile(sorted, 50), 1)} / p99 ${round(percentile(sorted, 99), 1)} ms`;
};

/**
 * ledger_query_p99_ms / _p50_ms: a page of 50 rows of the rectifications ledger of a city's subtree
 * through ReadModel.ledger on the city level's rebuilt read model (500,000 rectifications), for the
 * typical filters of every city in turn; ledger_query_http_*: the same reads through
 * GET /v1/ledgers/{city}/rectifications on a listening server of that level; and, for scale, the
 * province-wide overdue page.
 */
export const benchLedgerQuery = async (): Promise<BenchResult[]> => {
  const level = await projectedFollowThroughLevel();
  const registry = loadReferenceRegistry();
  // Fujian's cities, where the generated history happens (the registry holds the whole country).
  const cities = registry.all().filter((entry) => entry.level === 'city' && registry.isAncestor('350000', entry.code)).map((entry) => entry.code);
  const at = level.history.historyEnd;
  const reads = typicalReads(cities);
  const byKind = new Map<string, number[]>();
  const direct: number[] = [];
  const counts = new Map<string, number>();

  const readModel = new ReadModel(level.readModelFile);
  let provinceMillis: number[] = [];
  try {
    const position = readModel.checkpoint('upward-report');
    const ledger = (read: LedgerRead) =>
      readModel.ledger(read.jurisdiction, 'rectifications', read.filter, registry, at, position, { ...(read.cursor !== undefined ? { cursor: read.cursor } : {}), limit: PAGE });
    // The second overdue page follows the first one's cursor; the first pass also warms the caches.
    reads.forEach((read, index) => {
      if (read.kind === 'overdue, page 2') read.cursor = ledger(reads[index - 1]!).next ?? undefined;
      const page = ledger(read);
      counts.set(read.kind, (counts.get(read.kind) ?? 0) + page.count);
      if (page.rows.length === 0) throw new Error(`ledger_query: no rows for ${read.jurisdiction} ${JSON.stringify(read.filter)}`);
    });
    for (let pass = 0; pass < PASSES; pass++) {
      for (const read of reads) {
        const started = performance.now();
        ledger(read);
        const millis = performance.now() - started;
        direct.push(millis);
        byKind.set(read.kind, [...(byKind.get(read.kind) ?? []), millis]);
      }
    }
    const province: LedgerRead = { kind: 'province overdue', jurisdiction: '350000', filter: { overdue: true } };
    ledger(province);
    provinceMillis = Array.from({ length: 5 }, () => {
      const started = performance.now();
      ledger(province);
      return performance.now() - started;
    });
  } finally {
    readModel.close();
  }

  // The same reads over HTTP: a server of the city level alone, nothing projecting meanwhile.
  const runtime = await LinkageRuntime.start({
    levels: [FOLLOW_THROUGH_LEVEL],
    clock: systemClock,
    bus: new InprocBus(),
    openStore: (name) => openChainedSqliteStore(join(level.dataDir, `${name}.events.db`)),
    dataDir: level.dataDir,
    live: false,
  });
  const tokens = await TokenService.withNewKeys({ levelOf: (jurisdiction) => runtime.levelOf(jurisdiction) });
  const app = await createHttpApp({ runtime, tokens, logger: false, swaggerUi: false, limits: { perMinute: 1_000_000, expensivePerMinute: 1_000_000, requestTimeoutMs: 60_000 } });
  const http: number[] = [];
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.getHttpServer().address() as AddressInfo;
    const client = httpClient(port);
    const viewers = new Map<string, string>();
    for (const city of cities) viewers.set(city, await tokens.mint({ id: `${city}-viewer`, jurisdiction: city, role: 'viewer' } satisfies Actor));
    const get = (read: LedgerRead) => client.get(`/v1/ledgers/${read.jurisdiction}/rectifications?${query(read)}&at=${encodeURIComponent(at)}`, viewers.get(read.jurisdiction)!);
    for (const read of reads) {
      const { body } = await get(read);
      if ((JSON.parse(body) as { rows: unknown[] }).rows.length === 0) throw new Error(`ledger_query: no rows over HTTP for ${read.jurisdiction}`);
    }
    for (let pass = 0; pass < PASSES; pass++) for (const read of reads) http.push((await get(read)).millis);
    client.close();
  } finally {
    await app.close();
    await runtime.stop();
  }

  direct.sort((a, b) => a - b);
  http.sort((a, b) => a - b);
  const rectifications = RECTIFICATION_STATUSES.reduce((sum, status) => sum + level.history.rectifications[status], 0);
  const perKind = [...byKind].map(([kind, timings]) => `${kind} ${summary(timings)} (avg ${Math.round(counts.get(kind)! / cities.length)} matching)`).join('; ');
  const setting = `a page of ${PAGE} rows of the rectifications ledger of a city's subtree, newest first, with the count of every matching row, at ${at}, from the ${FOLLOW_THROUGH_LEVEL} level's rebuilt read model (${rectifications} rectifications, ${level.history.events} events); ${reads.length} reads (${cities.length} cities × 6 filters) × ${PASSES} passes after one warm-up pass`;
  return [
    { name: 'ledger_query_p99_ms', value: round(percentile(direct, 99), 1), unit: 'ms', detail: `ReadModel.ledger: ${setting}. Per filter: ${perKind}` },
    { name: 'ledger_query_p50_ms', value: round(percentile(direct, 50), 1), unit: 'ms', detail: `ReadModel.ledger: ${setting}` },
    {
      name: 'ledger_query_http_p99_ms',
      value: round(percentile(http, 99), 1),
      unit: 'ms',
      detail: `the same reads as GET /v1/ledgers/{city}/rectifications (JSON; a city viewer's token) to a listening server of that level over one kept-alive connection, timed to the whole answer`,
    },
    { name: 'ledger_query_http_p50_ms', value: round(percentile(http, 50), 1), unit: 'ms', detail: 'the same reads over HTTP, median' },
    {
      name: 'ledger_query_province_p50_ms',
      value: round(percentile([...provinceMillis].sort((a, b) => a - b), 50), 1),
      unit: 'ms',
      detail: `for scale, not a city read: the overdue page of the whole province (350000) on the same read model, which holds every row the province's would; median of 5`,
    },
  ];
};

const CHILD = fileURLToPath(new URL('./ledger-export-child.js', import.meta.url));

/**
 * ledger_export_rows_per_s: an XLSX download of the closed rectifications (100,000 and more) of the
 * generated store, read out of the read model and streamed as XLSX exactly as
 * GET /v1/ledgers/...?format=xlsx does, in a process of its own so that its peak memory is the
 * download's.
 */
export const benchLedgerExport = async (): Promise<BenchResult[]> => {
  const level = await projectedFollowThroughLevel();
  const filter: LedgerFilter = { status: 'closed' };
  const out = join(level.dataDir, 'export.xlsx');
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--max-semi-space-size=64', CHILD, level.readModelFile, '350000', JSON.stringify(filter), level.history.historyEnd, out],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  const result = JSON.parse(stdout.trim().split('\n').pop()!) as LedgerExportSummary;
  if (result.rows !== level.history.rectifications.closed || result.rowsReadBack !== result.rows) {
    throw new Error(`ledger_export: ${result.rows} rows exported, ${result.rowsReadBack} read back, ${level.history.rectifications.closed} closed rectifications stored`);
  }
  const what = `XLSX of the ${result.rows} closed rectifications (status=closed, scope 350000) of the generated ${FOLLOW_THROUGH_LEVEL} store's read model: ${result.pages} reads of up to ${LEDGER_DOWNLOAD_CHUNK} rows (ReadModel.ledgerDownload) fed to streamLedgerXlsx as the ledger route does, written to a file (${round(result.bytes / 1024 / 1024, 1)} MB, read back whole: ${result.rowsReadBack} rows), in a process of its own`;
  return [
    { name: 'ledger_export_rows_per_s', value: round(result.rows / result.seconds, 0), unit: 'rows/s', detail: `${what}; ${result.seconds.toFixed(2)} s, ${result.cpuSeconds.toFixed(2)} s of CPU` },
    { name: 'ledger_export_peak_rss_mb', value: result.peakRssMb, unit: 'MB', detail: 'peak resident set size of that process (getrusage maxrss), the read model opened and the download made' },
    ...(result.peakAnonymousMb === null
      ? []
      : [
          {
            name: 'ledger_export_peak_anonymous_mb',
            value: result.peakAnonymousMb,
            unit: 'MB',
            detail: `peak memory of that process not backed by a file (RssAnon sampled every 20 ms on a thread of its own); ${result.baselineAnonymousMb} MB before the download started`,
          },
        ]),
  ];
};
