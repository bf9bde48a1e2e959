/**
 * One ledger download in a process of its own (started by ledger.ts), so that its peak memory is
 * the download's: `node ledger-export-child.js <read model> <jurisdiction> <filter JSON> <at> <out.xlsx>`.
 * Reads the download from the read model and streams the workbook exactly as GET /v1/ledgers/...?format=xlsx
 * does (ReadModel.ledgerDownload, streamLedgerXlsx), into a file, then prints one JSON line.
 */
import { createWriteStream, readFileSync, statSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Worker } from 'node:worker_threads';
import ExcelJS from 'exceljs';
import { LEDGER_TITLES, shanghaiTime, streamLedgerXlsx } from '#http';
import { loadReferenceRegistry } from '#linkage';
import type { LedgerFilter } from '#projections';
import { ReadModel } from '#projections';

export interface LedgerExportSummary {
  readonly rows: number;
  /** Reads of the read model (chunks of LEDGER_DOWNLOAD_CHUNK rows). */
  readonly pages: number;
  readonly bytes: number;
  readonly seconds: number;
  /** CPU time of the process (all its threads: zlib deflates on the thread pool) over those seconds. */
  readonly cpuSeconds: number;
  /** Rows the workbook read back holds besides the caption, header and totals rows. */
  readonly rowsReadBack: number;
  readonly peakRssMb: number;
  readonly peakAnonymousMb: number | null;
  /** Anonymous memory once the read model is open, before the download starts. */
  readonly baselineAnonymousMb: number | null;
}

/**
 * RssAnon sampled every 20 ms on a thread of its own: the download keeps the main thread busy for
 * long stretches, when a timer there would not fire.
 */
const SAMPLER = `
const { parentPort } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
let peak = null;
const sample = () => {
  try {
    const match = /^RssAnon:\\s+(\\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match) peak = Math.max(peak ?? 0, Number(match[1]));
  } catch {}
};
sample();
const timer = setInterval(sample, 20);
parentPort.on('message', () => { sample(); clearInterval(timer); parentPort.postMessage(peak); });
`;

const anonymousMb = (): number | null => {
  try {
    const match = /^RssAnon:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : null;
  } catch {
    return null;
  }
};

const [readModelFile, jurisdiction, filterJson, at, out] = process.argv.slice(2);
if (!readModelFile || !jurisdiction || !filterJson || !at || !out) throw new Error('usage: ledger-export-child <read model> <jurisdiction> <filter JSON> <at> <out.xlsx>');
const filter = JSON.parse(filterJson) as LedgerFilter;
const registry = loadReferenceRegistry();
const readModel = new ReadModel(readModelFile);
const baselineAnonymousMb = anonymousMb();
const sampler = new Worker(SAMPLER, { eval: true });

const started = performance.now();
const cpuBefore = process.cpuUsage();
const download = readModel.ledgerDownload(jurisdiction, 'rectifications', filter, registry, at);
let pages = 0;
const chunks = (function* () {
  for (const chunk of download.chunks) {
    pages++;
    yield chunk;
  }
})();
const title = `${registry.get(jurisdiction)?.name ?? jurisdiction}${LEDGER_TITLES.rectifications}（截至 ${shanghaiTime(at)}，共 ${download.count} 条）`;
await pipeline(streamLedgerXlsx('rectifications', title, chunks), createWriteStream(out));
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
const peakAnonymousKb = await new Promise<number | null>((resolve) => {
  sampler.once('message', resolve);
  sampler.postMessage('stop');
});
await sampler.terminate();
const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
readModel.close();

// Read back: the workbook must hold the caption, the header, every row and the totals row.
let sheetRows = 0;
for await (const worksheet of new ExcelJS.stream.xlsx.WorkbookReader(out, { worksheets: 'emit', sharedStrings: 'ignore', styles: 'ignore', hyperlinks: 'ignore' })) {
  for await (const _row of worksheet as AsyncIterable<unknown>) sheetRows++;
}
const summary: LedgerExportSummary = {
  rows: download.count,
  pages,
  bytes: statSync(out).size,
  seconds,
  cpuSeconds: (cpu.user + cpu.system) / 1e6,
  rowsReadBack: sheetRows - 3,
  peakRssMb,
  peakAnonymousMb: peakAnonymousKb === null ? null : Math.round(peakAnonymousKb / 1024),
  baselineAnonymousMb,
};
console.log(JSON.stringify(summary));
