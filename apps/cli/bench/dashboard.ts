import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import type { Actor } from '#domain';
import { TokenService } from '#http';
import { loadReferenceRegistry, openChainedSqliteStore } from '#linkage';
import { generateProvinceHistory } from '#scenario';
import { cityRoundSetup, recordIssue } from './command.js';
import type { BenchResult } from './result.js';
import { percentile, round } from './scratch.js';

/** Where `npm run build` puts the page and the server, seen from dist/apps/cli/bench. */
const DASHBOARD_DIR = fileURLToPath(new URL('../../../dashboard/', import.meta.url));
const SERVER_MAIN = fileURLToPath(new URL('../../linkage/main.js', import.meta.url));

export const DASHBOARD_BENCH_EVENTS = 100_000;
const FIRST_VIEW_RUNS = 5;
const LIVE_UPDATES = 30;
const UNITS = 10;
const PROVINCE: Actor = { id: 'fj-inspection-office', jurisdiction: '350000', role: 'leading-group' };
const CITY: Actor = { id: 'zz-office', jurisdiction: '350600', role: 'leading-group' };
const TEAM: Actor = { id: 'zz-team', jurisdiction: '350600', role: 'team' };

const kb = (bytes: number): number => round(bytes / 1024, 1);

/** The JS and CSS index.html makes the browser load before any view: its scripts, module preloads and stylesheets. */
const firstLoadAssets = (): string[] => {
  const index = join(DASHBOARD_DIR, 'index.html');
  if (!existsSync(index)) throw new Error(`${index} is missing: run \`npm run build\` first`);
  const html = readFileSync(index, 'utf8');
  const assets = new Set<string>();
  for (const tag of html.match(/<(script|link)\b[^>]*>/g) ?? []) {
    const target = /\b(?:src|href)="([^"]+)"/.exec(tag)?.[1];
    if (target === undefined || !/\.(m?js|css)$/.test(target) || /^[a-z]+:/i.test(target)) continue;
    if (tag.startsWith('<link') && !/rel="(stylesheet|modulepreload)"/.test(tag)) continue;
    assets.add(target.replace(/^\.?\//, ''));
  }
  return [...assets];
};

/**
 * The first view's own chunks: the Overview route's chunk and what it imports statically (not its
 * dynamic imports), each with the stylesheet Vite emitted beside it under the same name.
 */
const overviewAssets = (): string[] => {
  const folder = join(DASHBOARD_DIR, 'assets');
  const files = readdirSync(folder);
  const entry = files.find((file) => /^Overview-[\w-]+\.js$/.test(file));
  if (entry === undefined) throw new Error(`no Overview chunk in ${folder}`);
  const found = new Set<string>();
  const visit = (file: string) => {
    if (found.has(file)) return;
    found.add(file);
    const code = readFileSync(join(folder, file), 'utf8');
    for (const match of code.matchAll(/(?:\bfrom|\bimport)\s*["']\.\/([\w.-]+\.js)["']/g)) visit(match[1]!);
  };
  visit(entry);
  const css = files.filter((file) => file.endsWith('.css') && [...found].some((chunk) => file.split('-')[0] === chunk.split('-')[0]));
  return [...found, ...css].map((file) => `assets/${file}`);
};

/**
 * dashboard_bundle_kb: gzipped JS + CSS of the first view: what dist/dashboard/index.html references
 * and the overview's chunks (ECharts among them).
 */
export const benchDashboardBundle = async (): Promise<BenchResult[]> => {
  const assets = [...new Set([...firstLoadAssets(), ...overviewAssets()])];
  let raw = 0;
  let gzipped = 0;
  const parts: string[] = [];
  for (const asset of assets) {
    const body = readFileSync(join(DASHBOARD_DIR, asset));
    const packed = gzipSync(body, { level: 9 }).length;
    raw += body.length;
    gzipped += packed;
    parts.push(`${asset} ${kb(packed)} KB`);
  }
  return [
    {
      name: 'dashboard_bundle_kb',
      value: kb(gzipped),
      unit: 'KB gzipped',
      detail: `JS + CSS of the first view: what dist/dashboard/index.html references (scripts, module preloads, stylesheets) and the overview route's chunk with its static imports and stylesheets, each gzipped (node:zlib, level 9): ${parts.join(', ')}; ${kb(raw)} KB before compression; target ≤ 800 KB`,
    },
  ];
};

interface DashboardServer {
  readonly url: string;
  readonly tokens: TokenService;
  readonly events: number;
  readonly browser: Browser;
}

// Both browser benchmarks use one generated store, one server on it and one Chromium; made once per
// run and stopped when the process exits.
let shared: Promise<DashboardServer> | undefined;
let child: ChildProcess | undefined;
let scratch: string | undefined;
let openBrowser: Browser | undefined;
process.once('exit', () => {
  child?.kill('SIGKILL');
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const waitForReady = async (url: string, timeoutMs: number): Promise<void> => {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(`${url}/health/ready`)).ok) return;
    } catch {
      // not answering yet
    }
    if (Date.now() > until) throw new Error(`${url}/health/ready did not answer 200 within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
};

const dashboardServer = (): Promise<DashboardServer> =>
  (shared ??= (async () => {
    if (!existsSync(SERVER_MAIN) || !existsSync(join(DASHBOARD_DIR, 'index.html'))) throw new Error('run `npm run build` first (the server and dist/dashboard)');
    scratch = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'linkage-bench-dashboard-'));
    const dataDir = join(scratch, 'data');
    const store = openChainedSqliteStore(join(dataDir, 'province.events.db'));
    const started = performance.now();
    const events = await generateProvinceHistory(store, DASHBOARD_BENCH_EVENTS, (count) => process.stderr.write(`  generating: ${count} events\r`), { appendsPerTransaction: 500 });
    await store.close();
    process.stderr.write(`  generated ${events} province events in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);

    const server = spawn(process.execPath, [SERVER_MAIN], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATA_DIR: dataDir, PORT: '0', READY_MAX_PROJECTION_LAG: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = server;
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      const take = (chunk: Buffer) => {
        if (output.length > 1_000_000) return; // its request log after the banner is not kept
        output += chunk.toString();
        const match = /serving .* on (http:\/\/[^\s"]+)/.exec(output);
        if (match) resolve(match[1]!);
      };
      server.stdout!.on('data', take);
      server.stderr!.on('data', take);
      server.once('exit', (code) => reject(new Error(`the server exited (${code}) before its banner:\n${output}`)));
    });
    const projecting = performance.now();
    await waitForReady(url, 300_000);
    process.stderr.write(`  server on ${url}, projections caught up in ${((performance.now() - projecting) / 1000).toFixed(1)} s\n`);
    const registry = loadReferenceRegistry();
    const tokens = await TokenService.fromDataDir(dataDir, { levelOf: (jurisdiction) => registry.get(jurisdiction)?.level });
    // Imported here, not at the top: playwright-core is a development dependency, and the CLI's
    // other commands must run without it.
    const { chromium } = await import('playwright-core');
    openBrowser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
    return { url, tokens, events, browser: openBrowser };
  })());

/** Closes what the browser benchmarks opened (the CLI calls it after the last one). */
export const stopDashboardServer = async (): Promise<void> => {
  if (!shared) return;
  await openBrowser?.close().catch(() => undefined);
  child?.kill('SIGTERM');
  shared = undefined;
};

/** A fresh browser context (empty cache) on the sign-in page, the token pasted, not yet submitted. */
const atSignIn = async (server: DashboardServer, actor: Actor): Promise<Page> => {
  const context = await server.browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${server.url}/#/sign-in`);
  await page.getByTestId('token-input').fill(await server.tokens.mint(actor));
  return page;
};

const overviewDrawn = async (page: Page): Promise<void> => {
  await page.waitForURL(/#\/overview/);
  await page.getByTestId('figure-issuesFound').waitFor();
  await page.getByTestId('children-chart').locator('canvas').waitFor();
  // Two animation frames: the chart's first frame is painted.
  await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
};

/**
 * dashboard_first_view_ms: from pressing 登录 (a pasted token) to the province overview fully drawn
 * (headline figures and the children's chart painted), on localhost against the built app over a
 * generated province store of ~100,000 events; each run a fresh browser context (empty cache).
 */
export const benchDashboardFirstView = async (): Promise<BenchResult[]> => {
  const server = await dashboardServer();
  const times: number[] = [];
  let loadedKb = 0;
  for (let run = 0; run < FIRST_VIEW_RUNS; run++) {
    const page = await atSignIn(server, PROVINCE);
    let bytes = 0;
    const counting: Promise<void>[] = [];
    page.on('response', (response) => {
      if (/\.(m?js|css)(\?|$)/.test(response.url())) counting.push(response.body().then((body) => void (bytes += gzipSync(body).length)).catch(() => undefined));
    });
    const started = performance.now();
    await page.getByTestId('sign-in').click();
    await overviewDrawn(page);
    times.push(performance.now() - started);
    await Promise.all(counting);
    if (run === 0) loadedKb = kb(bytes);
    await page.context().close();
  }
  const sorted = [...times].sort((a, b) => a - b);
  // For scale: the report the overview reads, over HTTP alone.
  const reads: number[] = [];
  const authorization = `Bearer ${await server.tokens.mint(PROVINCE)}`;
  for (let run = 0; run < FIRST_VIEW_RUNS; run++) {
    const started = performance.now();
    await (await fetch(`${server.url}/v1/reports/350000`, { headers: { authorization } })).arrayBuffer();
    reads.push(performance.now() - started);
  }
  const read = percentile([...reads].sort((a, b) => a - b), 50);
  return [
    {
      name: 'dashboard_first_view_ms',
      value: round(percentile(sorted, 50), 0),
      unit: 'ms',
      detail: `median of ${FIRST_VIEW_RUNS} (each a fresh Chromium context, empty cache; ${sorted.map((ms) => ms.toFixed(0)).join(', ')} ms): 登录 pressed with a pasted token → province overview figures and children chart painted, localhost, the built app on a generated province store of ${server.events} events; the sign-in page's own load not counted, the overview's chunks are (${loadedKb} KB of JS + CSS gzipped fetched after 登录 in the first run); GET /v1/reports/350000 alone takes ${read.toFixed(0)} ms (median of ${FIRST_VIEW_RUNS})`,
    },
  ];
};

/** Records, in the page, when the issuesFound figure first showed each value (Date.now()). */
const OBSERVE = `(() => {
  window.__shownAt = {};
  const note = () => {
    const figure = document.querySelector('[data-testid="figure-issuesFound"]');
    const value = figure && figure.getAttribute('data-value');
    if (value !== null && value !== undefined && !(value in window.__shownAt)) window.__shownAt[value] = Date.now();
  };
  note();
  new MutationObserver(note).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
})()`;

/**
 * dashboard_live_update_ms: from the 201 of a recordIssue command (HTTP, city team) to the
 * issuesFound figure changing in the page, measured in the page (MutationObserver) against the
 * response's arrival, on the city's overview (the level that took the command) and on the
 * province's (after the relay up), both live over SSE, 30 commands one after another.
 */
export const benchDashboardLiveUpdate = async (): Promise<BenchResult[]> => {
  const server = await dashboardServer();
  const post = async (actor: Actor, type: string, data: unknown): Promise<void> => {
    const response = await fetch(`${server.url}/v1/commands/${type}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await server.tokens.mint(actor)}`, 'content-type': 'application/json' },
      body: JSON.stringify(data),
    });
    if (response.status !== 201) throw new Error(`${type}: ${response.status} ${await response.text()}`);
  };
  for (const { command, actor } of cityRoundSetup(UNITS)) await post(actor, command.type, command.data);

  const pages: [string, Page][] = [];
  for (const [name, actor] of [
    ['city', CITY],
    ['province', PROVINCE],
  ] as const) {
    const page = await atSignIn(server, actor);
    await page.getByTestId('sign-in').click();
    await overviewDrawn(page);
    await page.locator('[data-testid="live-indicator"][data-state="live"]').waitFor();
    await page.evaluate(OBSERVE);
    pages.push([name, page]);
  }
  const latencies = new Map<string, number[]>(pages.map(([name]) => [name, []]));
  const token = await server.tokens.mint(TEAM);
  for (let n = 0; n < LIVE_UPDATES; n++) {
    const before = await Promise.all(pages.map(async ([, page]) => Number(await page.getByTestId('figure-issuesFound').getAttribute('data-value'))));
    const { type, data } = recordIssue(1_000_000 + n, UNITS);
    const response = await fetch(`${server.url}/v1/commands/${type}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(data),
    });
    const answered = Date.now();
    if (response.status !== 201) throw new Error(`${type}: ${response.status} ${await response.text()}`);
    await response.arrayBuffer();
    for (const [index, [name, page]] of pages.entries()) {
      const expected = before[index]! + 1;
      await page.locator(`[data-testid="figure-issuesFound"][data-value="${expected}"]`).waitFor({ timeout: 30_000 });
      const shownAt = (await page.evaluate(`window.__shownAt[${JSON.stringify(String(expected))}]`)) as number;
      latencies.get(name)!.push(shownAt - answered);
    }
  }
  for (const [, page] of pages) await page.context().close();
  await stopDashboardServer();

  const results: BenchResult[] = [];
  for (const [name, values] of latencies) {
    const sorted = [...values].sort((a, b) => a - b);
    const where =
      name === 'city'
        ? "the city's overview (350600), the level that took the command"
        : "the province's overview (350000, over a store of generated history), after the city → province relay";
    for (const p of [50, 99]) {
      results.push({
        name: `dashboard_live_update${name === 'city' ? '' : '_province'}_ms_p${p}`,
        value: round(percentile(sorted, p), 0),
        unit: 'ms',
        detail: `p${p} of ${sorted.length} recordIssue commands (city team, HTTP, one after another): the 201's arrival → the issuesFound figure changed in ${where}, live over SSE in Chromium, timed in the page by a MutationObserver (min ${sorted[0]} ms, max ${sorted.at(-1)} ms)`,
      });
    }
  }
  return results;
};
