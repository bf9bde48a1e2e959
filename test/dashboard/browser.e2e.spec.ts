import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Actor } from '#domain';
import type { TokenService } from '#http';
import { runCli } from '../harness/cli.js';
import type { EmbeddedServer } from '../harness/embedded-server.js';
import { startEmbeddedServer } from '../harness/embedded-server.js';
import { tokensOfDataDir } from '../support/tokens.js';

/**
 * The dashboard (看板) in Chromium against the built app as `npm start` runs it: signed in through a
 * `--link` ticket, every view read and driven like an office would, and the page's own conduct
 * checked throughout: nothing fetched from another origin, nothing in the console (a CSP violation
 * would show there). `npm run build` must have run (it builds dist/dashboard too).
 */
const PROVINCE: Actor = { id: 'fj-inspection-office', jurisdiction: '350000', role: 'leading-group' };
const ZHANGZHOU: Actor = { id: 'zz-inspection-office', jurisdiction: '350600', role: 'leading-group' };
const AUDITOR: Actor = { id: 'fj-auditor', jurisdiction: '350000', role: 'auditor' };
const ZHANGZHOU_VIEWER: Actor = { id: 'zz-viewer', jurisdiction: '350600', role: 'viewer' };
/** What the page says for a refused read (apps/dashboard/src/api.ts READ_REFUSED). */
const READ_REFUSED = '无权查看：该辖区不在本单位的管辖范围内，或不存在。';
/** Where the browser test leaves its screenshots (a test artifact; .tmp is not committed). */
const SCREENSHOTS = join(process.cwd(), '.tmp', 'dashboard-screenshots');
const HEADLINE = ['rounds.launched', 'teams.formed', 'units.inspected', 'petitions', 'issuesFound', 'clues.transferred', 'dispositions.casesFiled', 'rectifications.required', 'tasks.assigned', 'tasks.overdue'];

interface Step {
  as: Actor;
  do: string;
  with: Record<string, unknown>;
  repeat?: number;
  fails?: boolean;
}

const fill = (value: unknown, n: number): unknown =>
  typeof value === 'string'
    ? value.replaceAll('{n}', String(n))
    : Array.isArray(value)
      ? value.map((item) => fill(item, n))
      : value !== null && typeof value === 'object'
        ? Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fill(item, n)]))
        : value;

const figureOf = (figures: unknown, path: string): number => {
  let node = figures as Record<string, unknown>;
  for (const segment of path.split('.')) node = node[segment] as Record<string, unknown>;
  return node as unknown as number;
};

interface BreakdownReport {
  byLinkage: Record<string, Record<string, number>>;
  roundsByKind: Record<string, { launched: number; closed: number }>;
  petitionsByChannel: Record<string, number>;
  cluesBySubjectRank: Record<string, number>;
  issuesByCategory: Record<string, number>;
}

/**
 * What the 分析 view must show for a report, by the test id of the element that shows it: every
 * figure of the breakdowns the API answers (a figure the page left out, or one it made up, differs).
 */
const analysisFigures = (report: BreakdownReport): Record<string, number> => {
  const shown: Record<string, number> = {};
  for (const path of ['rounds.launched', 'rounds.closed', 'petitions', 'issuesFound', 'clues.transferred', 'dispositions.casesFiled', 'feedback.delivered', 'units.coverage']) shown[`analysis-${path}`] = figureOf(report, path);
  for (const [mode, figures] of Object.entries(report.byLinkage)) for (const [field, value] of Object.entries(figures)) shown[`linkage-${mode}-${field}`] = value;
  for (const [kind, figures] of Object.entries(report.roundsByKind)) Object.assign(shown, { [`kind-${kind}-launched`]: figures.launched, [`kind-${kind}-closed`]: figures.closed });
  for (const [channel, value] of Object.entries(report.petitionsByChannel)) shown[`channel-${channel}`] = value;
  for (const [rank, value] of Object.entries(report.cluesBySubjectRank)) if (value > 0) shown[`rank-${rank}`] = value;
  for (const [category, value] of Object.entries(report.issuesByCategory)) if (value > 0) shown[`category-${category}`] = value;
  return shown;
};

/** Every figure a page shows with its value in `data-value`, by test id. */
const shownFigures = (target: Page): Promise<Record<string, number>> =>
  target.locator('main [data-testid][data-value]').evaluateAll((elements) => Object.fromEntries(elements.map((element) => [element.getAttribute('data-testid'), Number(element.getAttribute('data-value'))])));

/**
 * Placeholders wider than their box (cut off, or ended with an ellipsis), measured in the page's own
 * font. Page code as text: the test is compiled without the DOM's types.
 */
const CUT_PLACEHOLDERS = `(() => {
  const cut = [];
  const context = document.createElement('canvas').getContext('2d');
  for (const element of document.querySelectorAll('.el-select__placeholder')) {
    if (element.offsetParent !== null && element.scrollWidth > element.clientWidth + 1) cut.push(element.textContent);
  }
  for (const input of document.querySelectorAll('input[placeholder]')) {
    if (input.placeholder === '' || input.value !== '' || input.offsetParent === null) continue;
    const style = getComputedStyle(input);
    context.font = style.fontSize + ' ' + style.fontFamily;
    const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    if (context.measureText(input.placeholder).width > room + 1) cut.push(input.placeholder);
  }
  return cut;
})()`;
const cutPlaceholders = (target: Page): Promise<string[]> => target.evaluate<string[]>(CUT_PLACEHOLDERS);

describe('the dashboard (看板) in Chromium', () => {
  let parent: string;
  let dataDir: string;
  let server: EmbeddedServer;
  let tokens: TokenService;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const requests: string[] = [];
  const consoleErrors: string[] = [];
  let recordIssue: Step;
  /** An instant after the seeding and before the issue the live test records. */
  let beforeLive: string;

  const api = async <T>(actor: Actor, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${await tokens.mint(actor)}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  const post = (actor: Actor, type: string, data: Record<string, unknown>, at?: string) =>
    api<{ level: string; position: number }>(actor, 'POST', `/v1/commands/${type}`, data, at !== undefined ? { 'x-occurred-at': at } : {});

  /** A sign-in link as `npm run token -- … --link` prints it, pointed at this server. */
  const signInLink = (actor: Actor): string => {
    const run = runCli(['token', '--id', actor.id, '--jurisdiction', actor.jurisdiction, '--role', actor.role, '--link', '--base-url', server.url], { DATA_DIR: dataDir });
    expect(run.code).toBe(0);
    const link = /https?:\/\/\S+#\/sign-in\?ticket=\S+/.exec(run.out)?.[0];
    if (link === undefined) throw new Error(`no sign-in link in: ${run.out}`);
    const url = new URL(link);
    return `${server.url}/${url.hash}`;
  };

  const watch = (target: Page) => {
    target.on('request', (request) => requests.push(request.url()));
    target.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    target.on('pageerror', (error) => consoleErrors.push(error.message));
  };

  /** A fresh browser context signed in by a `--link` ticket, or by pasting a bearer token on the sign-in page. */
  const signedInPage = async (actor: Actor, by: 'link' | 'token'): Promise<{ context: BrowserContext; page: Page }> => {
    // A browser far from Beijing: every time the page shows or sends is Beijing's all the same.
    const own = await browser.newContext({ locale: 'zh-CN', timezoneId: 'America/New_York', viewport: { width: 1366, height: 900 } });
    const opened = await own.newPage();
    watch(opened);
    if (by === 'link') {
      await opened.goto(signInLink(actor));
    } else {
      await opened.goto(`${server.url}/`);
      await opened.waitForURL(/#\/sign-in/);
      await opened.getByTestId('token-input').fill(await tokens.mint(actor));
      await opened.getByTestId('sign-in').click();
    }
    await opened.waitForURL(/#\/overview/);
    return { context: own, page: opened };
  };

  beforeAll(async () => {
    mkdirSync(join(process.cwd(), '.tmp'), { recursive: true });
    parent = mkdtempSync(join(process.cwd(), '.tmp', 'dashboard-'));
    dataDir = join(parent, 'data');
    server = await startEmbeddedServer({ DATA_DIR: dataDir, PORT: '0' });
    tokens = await tokensOfDataDir(dataDir);

    // The Fujian grain round of 2021 (a province round, linked city and county rounds, issues, clues, tasks).
    const scenario = JSON.parse(readFileSync(join(process.cwd(), 'test', 'scenarios', 'fujian-grain-2021.json'), 'utf8')) as { steps: Step[] };
    for (const step of scenario.steps) {
      if (step.fails) continue;
      for (let n = 1; n <= (step.repeat ?? 1); n++) await post(step.as, step.do, fill(step.with, n) as Record<string, unknown>);
    }
    // Zhangzhou's rounds of 2016-2021 (test/scenarios/breakdowns-and-windows.json) at their own
    // domain times, for the 分析 view: a cross round with twice the clues per round of the regular
    // ones, 35 visits of 48 petitions. Its province steps are left out: the grain round above
    // registers the same provincial unit already.
    const breakdowns = JSON.parse(readFileSync(join(process.cwd(), 'test', 'scenarios', 'breakdowns-and-windows.json'), 'utf8')) as { steps: (Step & { at?: string })[] };
    let at: string | undefined;
    for (const step of breakdowns.steps) {
      at = step.at ?? at;
      if (step.fails || step.as.jurisdiction === PROVINCE.jurisdiction) continue;
      for (let n = 1; n <= (step.repeat ?? 1); n++) await post(step.as, step.do, fill(step.with, n) as Record<string, unknown>, at);
    }
    recordIssue = scenario.steps.find((step) => step.do === 'recordIssue' && !step.fails && step.repeat === undefined) ?? scenario.steps.find((step) => step.do === 'recordIssue' && !step.fails)!;
    // A task still to be accepted, due long after the test runs.
    await post(PROVINCE, 'assignTask', { taskId: 'fj-dash-task', toJurisdiction: '350600', kind: 'follow-up', title: '跟踪督办诏安粮库问题整改', dueBy: '2099-12-31T00:00:00+08:00' });
    // And one long overdue.
    await post(PROVINCE, 'assignTask', { taskId: 'fj-dash-overdue', toJurisdiction: '350600', kind: 'report', title: '报送专项巡察工作总结', dueBy: '2020-01-01T00:00:00+08:00' });

    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
    ({ context, page } = await signedInPage(ZHANGZHOU, 'link'));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (parent) rmSync(parent, { recursive: true, force: true });
  });

  it('signs in through a --link ticket: the overview of the signed-in office, the ticket gone from the address', async () => {
    expect(page.url()).not.toContain('ticket=');
    await expect(page.getByTestId('whoami').textContent()).resolves.toContain(ZHANGZHOU.id);
    // And the start log line said where the dashboard is, in its message as well as in a field.
    const started = server.stdout().split('\n').find((line) => line.includes('"event":"started"'))!;
    expect(JSON.parse(started)).toMatchObject({ dashboard: `${server.url}/`, msg: expect.stringContaining(`dashboard (看板) at ${server.url}/`) });
  });

  it('shows the headline figures the API reports, and the children breakdown as a chart and a table', async () => {
    const report = await api<Record<string, unknown> & { children: { name: string }[] }>(ZHANGZHOU, 'GET', '/v1/reports/350600');
    await page.getByTestId('figure-issuesFound').waitFor();
    for (const path of HEADLINE) {
      expect([path, Number(await page.getByTestId(`figure-${path}`).getAttribute('data-value'))]).toEqual([path, figureOf(report, path)]);
    }
    expect(figureOf(report, 'issuesFound')).toBeGreaterThan(0);
    await expect(page.getByTestId('children-chart').locator('canvas').count()).resolves.toBeGreaterThan(0);
    const table = await page.getByTestId('children-table').textContent();
    for (const child of report.children) expect(table).toContain(child.name);
  });

  it('goes live (实时) and shows a new issue the moment it is recorded', async () => {
    const indicator = page.getByTestId('live-indicator');
    await page.locator('[data-testid="live-indicator"][data-state="live"]').waitFor();
    await expect(indicator.textContent()).resolves.toContain('实时');
    const before = Number(await page.getByTestId('figure-issuesFound').getAttribute('data-value'));
    beforeLive = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await post(recordIssue.as, 'recordIssue', { ...(fill(recordIssue.with, 1) as Record<string, unknown>), issueId: 'za-dash-live-1' });
    await page.locator(`[data-testid="figure-issuesFound"][data-value="${before + 1}"]`).waitFor({ timeout: 15_000 });
  });

  it('shows the breakdowns on the 分析 view as the API reports them, and over a window of whole days picked in Beijing time', async () => {
    await page.getByTestId('nav-analysis').click();
    await page.waitForURL(/#\/analysis/);
    await page.getByTestId('analysis-linkage').waitFor();
    const report = await api<BreakdownReport & Record<string, unknown>>(ZHANGZHOU, 'GET', '/v1/reports/350600');
    await page.locator(`[data-testid="analysis-issuesFound"][data-value="${figureOf(report, 'issuesFound')}"]`).waitFor();
    expect(await shownFigures(page)).toEqual(analysisFigures(report));
    expect(report.petitionsByChannel.visit).toBeGreaterThan(0);
    await expect(page.getByTestId('category-grain').locator('xpath=..').textContent()).resolves.toContain('粮食购销');
    await expect(page.getByTestId('rank-county-managed').locator('xpath=..').textContent()).resolves.toContain('县管干部');

    // 2017 up to the day the cross round began, both days included: the API is asked for
    // [2017-01-01, 2021-04-13) in Beijing time, and the days stay in the address.
    const range = page.getByTestId('window-picker').locator('input');
    await range.nth(0).click();
    await range.nth(0).fill('2017-01-01');
    await range.nth(1).fill('2021-04-12');
    await range.nth(1).press('Enter');
    await page.waitForURL(/from=2017-01-01&to=2021-04-12/);
    const windowed = await api<BreakdownReport & { scope: { window: { from: string; to: string } } }>(ZHANGZHOU, 'GET', `/v1/reports/350600?from=${encodeURIComponent('2017-01-01T00:00:00+08:00')}&to=${encodeURIComponent('2021-04-13T00:00:00+08:00')}`);
    const title = page.locator('[data-testid="analysis-title"]:not([data-window-to=""])');
    await title.waitFor();
    expect([await title.getAttribute('data-window-from'), await title.getAttribute('data-window-to')]).toEqual([windowed.scope.window.from, windowed.scope.window.to]);
    expect(await shownFigures(page)).toEqual(analysisFigures(windowed));
    // The Fujian reading, at a glance: the cross round's 6 clues against 3 a round without linkage.
    expect([windowed.byLinkage.cross!.cluesPerRound, windowed.byLinkage.none!.cluesPerRound]).toEqual([6, 3]);
    await expect(page.getByTestId('comparison-cross').textContent()).resolves.toBe('交叉巡察每轮移交线索 6 条，是非联动巡察（每轮 3 条）的 2 倍');
    await expect(page.getByTestId('window-text').textContent()).resolves.toBe('2017年1月1日至2021年4月12日');
    // A reload reads the window from the address.
    await page.reload();
    await page.locator(`[data-testid="analysis-rounds.launched"][data-value="${figureOf(windowed, 'rounds.launched')}"]`).waitFor();
  });

  it('lists the task stream with overdue tasks marked, and accepts a task through the page with the CSRF header', async () => {
    await page.goto(`${server.url}/#/tasks`);
    const accept = page.getByTestId('accept-fj-dash-task');
    await accept.waitFor();
    await expect(page.locator('tr.il-row-overdue').count()).resolves.toBe(1);
    await expect(page.getByTestId('due-fj-dash-overdue').textContent()).resolves.toContain('已逾期');
    await expect(page.getByTestId('due-fj-dash-task').textContent()).resolves.not.toContain('已逾期');
    await accept.click();
    await page.getByTestId('command-note').fill('已部署专人跟踪');
    await page.getByTestId('command-submit').click();
    await page.locator('[data-testid="status-fj-dash-task"][data-status="accepted"]').waitFor();
    const stream = await api<{ tasks: { taskId: string; status: string; history: { type: string; note: string | null; by: string }[] }[] }>(ZHANGZHOU, 'GET', '/v1/tasks/350600');
    const task = stream.tasks.find((candidate) => candidate.taskId === 'fj-dash-task')!;
    expect(task.status).toBe('accepted');
    expect(task.history.at(-1)).toMatchObject({ type: 'TaskAccepted', note: '已部署专人跟踪', by: ZHANGZHOU.id });
  });

  it('shows the problem+json detail when the server refuses a command', async () => {
    await page.getByTestId('complete-fj-dash-task').click();
    // Completed elsewhere while the dialog is open: completing it again is refused.
    await post(ZHANGZHOU, 'completeTask', { taskId: 'fj-dash-task', result: '已办结' });
    await page.getByTestId('command-submit').click();
    const shown = page.getByTestId('command-error');
    await shown.waitFor();
    const again = await fetch(`${server.url}/v1/commands/completeTask`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await tokens.mint(ZHANGZHOU)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ taskId: 'fj-dash-task' }),
    });
    const problem = (await again.json()) as { detail?: string; title?: string };
    expect(again.status).toBeGreaterThanOrEqual(400);
    await expect(shown.textContent()).resolves.toContain(problem.detail ?? problem.title);
    await page.keyboard.press('Escape');
  });

  it('filters a ledger by a category chosen by its Chinese name, names categories and jurisdictions in Chinese, pages it, and downloads it as CSV and XLSX through plain links', async () => {
    await page.goto(`${server.url}/#/ledgers`);
    await page.getByTestId('filter-category').click();
    await page.getByRole('option', { name: '粮食购销', exact: true }).click();
    await page.getByTestId('filter-apply').click();
    const expected = await api<{ count: number; rows: { jurisdiction: string }[] }>(ZHANGZHOU, 'GET', '/v1/ledgers/350600/issues?category=grain&limit=1');
    await page.getByTestId('ledger-count').filter({ hasText: `共 ${expected.count} 条` }).waitFor();
    expect(expected.count).toBeGreaterThan(0);
    // The unit's jurisdiction by the name its report gives (诏安县 for 350624), the category by the dashboard's label.
    const county = await api<{ jurisdiction: string; name: string }>(ZHANGZHOU, 'GET', `/v1/reports/${expected.rows[0]!.jurisdiction}`);
    expect(county.name).toMatch(/\p{Script=Han}/u);
    await page.getByTestId('ledger-jurisdiction').filter({ hasText: county.name }).first().waitFor();
    expect([...new Set(await page.getByTestId('ledger-jurisdiction').allTextContents())]).toEqual([county.name]);
    expect([...new Set(await page.getByTestId('ledger-category').allTextContents())]).toEqual(['粮食购销']);
    const csv = await page.getByTestId('download-csv').getAttribute('href');
    expect(csv).toContain('category=grain');
    expect(csv).toContain('format=csv');
    const download = await page.request.get(new URL(csv!, `${server.url}/`).toString());
    expect(download.status()).toBe(200);
    expect(download.headers()['content-type']).toContain('csv');
    expect((await download.text()).split('\n').length).toBeGreaterThan(expected.count);
    const xlsx = await page.request.get(new URL((await page.getByTestId('download-xlsx').getAttribute('href'))!, `${server.url}/`).toString());
    expect(xlsx.status()).toBe(200);
    expect((await xlsx.body()).subarray(0, 2).toString()).toBe('PK');
    // Over a window of whole days (the issues found in it), sent as the report's window is.
    const range = page.getByTestId('window-picker').locator('input');
    await range.nth(0).click();
    await range.nth(0).fill('2017-01-01');
    await range.nth(1).fill('2021-12-31');
    await range.nth(1).press('Enter');
    await page.getByTestId('filter-apply').click();
    const windowed = await api<{ count: number }>(ZHANGZHOU, 'GET', `/v1/ledgers/350600/issues?category=grain&limit=1&from=${encodeURIComponent('2017-01-01T00:00:00+08:00')}&to=${encodeURIComponent('2022-01-01T00:00:00+08:00')}`);
    expect(windowed.count).toBeLessThan(expected.count);
    await page.getByTestId('ledger-count').filter({ hasText: `共 ${windowed.count} 条` }).waitFor();
    expect(await page.getByTestId('download-csv').getAttribute('href')).toContain(`to=${encodeURIComponent('2022-01-01T00:00:00+08:00')}`);
  });

  it('prints as an A4 report: navigation and controls hidden, the report title shown', async () => {
    await page.goto(`${server.url}/#/overview`);
    await page.getByTestId('figure-issuesFound').waitFor();
    await page.emulateMedia({ media: 'print' });
    try {
      await expect(page.locator('.il-header').isVisible()).resolves.toBe(false);
      await expect(page.getByTestId('print').isVisible()).resolves.toBe(false);
      await expect(page.locator('.il-print-title').isVisible()).resolves.toBe(true);
      await expect(page.getByTestId('figure-issuesFound').isVisible()).resolves.toBe(true);
    } finally {
      await page.emulateMedia({ media: 'screen' });
    }
    await expect(page.locator('.il-header').isVisible()).resolves.toBe(true);
    // Printed by Chromium with the page's own @page size: A4 (595 × 842 pt) pages.
    const pdf = (await page.pdf({ preferCSSPageSize: true })).toString('latin1');
    const sizes = new Set([...pdf.matchAll(/MediaBox\s*\[0 0 ([\d.]+) ([\d.]+)\]/g)].map((match) => `${Math.round(Number(match[1]))}x${Math.round(Number(match[2]))}`));
    expect([...sizes]).toEqual(['595x842']);
  });

  it('verifies every level chain for an auditor signed in with a pasted token: 通过; draws a task lineage; shows the report as of a past instant, live updates paused', async () => {
    const auditor = await signedInPage(AUDITOR, 'token');
    try {
      await auditor.page.goto(`${server.url}/#/audit`);
      for (const level of ['province', 'city', 'county']) {
        await auditor.page.getByTestId(`verify-button-${level}`).click();
        await expect(auditor.page.getByTestId(`verify-result-${level}`).textContent({ timeout: 30_000 })).resolves.toBe('通过');
      }
      await auditor.page.getByTestId('lineage-id').fill('fj-grain-task-350600');
      await auditor.page.getByTestId('lineage-button').click();
      await auditor.page.getByTestId('lineage-graph').locator('canvas').waitFor();

      // As of before the live issue: the audit route's figures, and live updates paused.
      const asOf = await api<{ view: Record<string, unknown> }>(AUDITOR, 'GET', `/v1/audit/as-of/reports/350000?asOf=${encodeURIComponent(beforeLive)}`);
      const now = await api<Record<string, unknown>>(AUDITOR, 'GET', '/v1/reports/350000');
      expect(figureOf(asOf.view, 'issuesFound')).toBe(figureOf(now, 'issuesFound') - 1);
      await auditor.page.goto(`${server.url}/#/overview?asOf=${encodeURIComponent(beforeLive)}`);
      await auditor.page.locator('[data-testid="live-indicator"][data-state="paused"]').waitFor();
      await auditor.page.locator(`[data-testid="figure-issuesFound"][data-value="${figureOf(asOf.view, 'issuesFound')}"]`).waitFor();
    } finally {
      await auditor.context.close();
    }
  });

  it('shows the province on the wall as Fujian map, and a city (no outlines) as bars, saying so', async () => {
    const province = await signedInPage(PROVINCE, 'token');
    try {
      await province.page.goto(`${server.url}/#/wall?figure=issuesFound`);
      await province.page.getByTestId('wall-map').locator('canvas').waitFor();
      await expect(province.page.locator('.il-header').count()).resolves.toBe(0);
      await province.page.locator('[data-testid="live-indicator"][data-state="live"]').waitFor();
      await province.page.goto(`${server.url}/#/wall/350600`);
      await province.page.getByTestId('wall-bars').locator('canvas').waitFor();
      await expect(province.page.getByTestId('wall-no-map').textContent()).resolves.toContain('暂无地图轮廓');
    } finally {
      await province.context.close();
    }
  });

  it("refuses another city's overview, tasks and ledgers with a Chinese message, exactly as it answers an unknown jurisdiction", async () => {
    // 350500 is Quanzhou (泉州), a sibling of the signed-in Zhangzhou office; 359900 is no jurisdiction at all.
    const shown = async (view: string, code: string, testId: string): Promise<string> => {
      await page.goto(`${server.url}/#/${view}/${code}`);
      const alert = page.getByTestId(testId);
      await alert.waitFor();
      return ((await alert.textContent()) ?? '').trim();
    };
    for (const [view, testId] of [
      ['overview', 'overview-error'],
      ['tasks', 'tasks-error'],
      ['ledgers', 'ledger-error'],
    ] as const) {
      const foreign = await shown(view, '350500', testId);
      const unknown = await shown(view, '359900', testId);
      expect([view, foreign]).toEqual([view, READ_REFUSED]);
      expect([view, unknown]).toEqual([view, foreign]);
    }
    // The wall display says the same, in its own large type.
    await page.goto(`${server.url}/#/wall/350500`);
    await expect(page.getByTestId('wall-error').textContent()).resolves.toBe(READ_REFUSED);
    // Nothing of the refused jurisdiction drawn, no live stream opened for it, no English or stack trace.
    await shown('overview', '350500', 'overview-error');
    await expect(page.getByTestId('figure-issuesFound').count()).resolves.toBe(0);
    await expect(page.locator('[data-testid="live-indicator"]').getAttribute('data-state')).resolves.not.toBe('live');
    expect(await page.locator('main').innerText()).not.toMatch(/ReadForbidden|may not read|Error|\bat \S+ \(/);
    // And the office's own overview still reads.
    await page.goto(`${server.url}/#/overview`);
    await page.getByTestId('figure-issuesFound').waitFor();
  });

  it('shows a viewer the task stream without any action button (accept, progress, complete)', async () => {
    const viewer = await signedInPage(ZHANGZHOU_VIEWER, 'token');
    try {
      await viewer.page.goto(`${server.url}/#/tasks`);
      await viewer.page.getByTestId('status-fj-dash-overdue').waitFor();
      await expect(viewer.page.getByTestId('status-fj-dash-overdue').getAttribute('data-status')).resolves.toBe('assigned');
      await expect(viewer.page.locator('[data-testid^="accept-"], [data-testid^="progress-"], [data-testid^="complete-"]').count()).resolves.toBe(0);
      await expect(viewer.page.getByRole('button', { name: /接收|报告进展|办结/ }).count()).resolves.toBe(0);
    } finally {
      await viewer.context.close();
    }
    // The office's leading group, on the same stream, does get them.
    await page.goto(`${server.url}/#/tasks`);
    await page.getByTestId('accept-fj-dash-overdue').waitFor();
  });

  it('draws every view (sign-in, overview and its print, analysis, tasks, ledgers, audit, wall) with no console error at all and no placeholder cut off, and keeps screenshots of each', async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const own = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 800 } });
    const tour = await own.newPage();
    watch(tour);
    const errors: string[] = [];
    tour.on('console', (message) => {
      if (message.type() !== 'error') return;
      // Signed out, the page asks GET /v1/session once and is answered 401: the only failure allowed.
      if (new URL(message.location().url || tour.url()).pathname === '/v1/session' && /status of 401/.test(message.text())) return;
      errors.push(`${tour.url()}: ${message.text()} (${message.location().url})`);
    });
    tour.on('pageerror', (error) => errors.push(`${tour.url()}: ${error.message}`));
    const cut: string[] = [];
    const settle = async (name: string, fullPage = false) => {
      await tour.evaluate('document.fonts.ready.then(() => true)');
      await tour.waitForTimeout(300); // charts finish their first frame
      await tour.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage });
      cut.push(...(await cutPlaceholders(tour)).map((text) => `${name}: ${text}`));
    };
    /** The view as it prints (Chromium's print media), the whole page. */
    const settlePrinted = async (name: string) => {
      await tour.emulateMedia({ media: 'print' });
      try {
        await settle(name, true);
      } finally {
        await tour.emulateMedia({ media: 'screen' });
      }
    };
    try {
      await tour.goto(`${server.url}/`);
      await tour.waitForURL(/#\/sign-in/);
      await tour.getByTestId('token-input').waitFor();
      await settle('sign-in');
      await tour.getByTestId('token-input').fill(await tokens.mint(AUDITOR));
      await tour.getByTestId('sign-in').click();
      await tour.waitForURL(/#\/overview/);
      await tour.getByTestId('figure-issuesFound').waitFor();
      await tour.getByTestId('children-chart').locator('canvas').waitFor();
      await settle('overview');
      await settlePrinted('overview-print');
      await tour.goto(`${server.url}/#/analysis?from=2017-01-01&to=2021-12-31`);
      await tour.getByTestId('linkage-chart').locator('canvas').waitFor();
      await tour.getByTestId('comparison-cross').waitFor();
      await settle('analysis', true);
      await tour.goto(`${server.url}/#/tasks/350600`);
      await tour.getByTestId('status-fj-dash-overdue').waitFor();
      await settle('tasks');
      await tour.goto(`${server.url}/#/ledgers`);
      await tour.getByTestId('ledger-table').locator('tbody tr').first().waitFor();
      // The province's ledger: its rows lie in counties, which no report the page read so far names.
      const county = await api<{ name: string }>(AUDITOR, 'GET', '/v1/reports/350624');
      await tour.getByTestId('ledger-jurisdiction').filter({ hasText: county.name }).first().waitFor({ timeout: 10_000 });
      expect(await tour.getByTestId('ledger-jurisdiction').allTextContents()).not.toContain('350624');
      await settle('ledgers');
      await tour.goto(`${server.url}/#/audit`);
      await tour.getByTestId('verify-button-province').waitFor();
      await settle('audit');
      await tour.goto(`${server.url}/#/wall?figure=issuesFound`);
      await tour.getByTestId('wall-map').locator('canvas').waitFor();
      await tour.locator('[data-testid="live-indicator"][data-state="live"]').waitFor();
      await settle('wall');
    } finally {
      await own.close();
    }
    expect(errors).toEqual([]);
    // Every placeholder reads whole (the audit page's store-level selectors once ended in …).
    expect(cut).toEqual([]);
  });

  it('signs out: the session ends and the page asks to sign in again', async () => {
    await page.goto(`${server.url}/#/overview`);
    await page.getByTestId('sign-out').click();
    await page.waitForURL(/#\/sign-in/);
    await page.goto(`${server.url}/#/tasks`);
    await page.waitForURL(/#\/sign-in/);
    expect((await page.request.get(`${server.url}/v1/session`)).status()).toBe(401);
  });

  it('loaded nothing from another origin and logged no console error (a CSP violation would)', async () => {
    await context.close();
    const origin = new URL(server.url).origin;
    expect(requests.length).toBeGreaterThan(10);
    expect(requests.filter((url) => !url.startsWith(`${origin}/`) && !url.startsWith('data:') && !url.startsWith('blob:'))).toEqual([]);
    // A refused command answers 4xx, which the browser logs as a failed resource; nothing else may appear.
    expect(consoleErrors.filter((text) => !/status of 4\d\d/.test(text))).toEqual([]);
  });

  it('says 已断开 when the live stream drops (the server stops)', async () => {
    const watcher = await signedInPage(PROVINCE, 'token');
    try {
      await watcher.page.locator('[data-testid="live-indicator"][data-state="live"]').waitFor();
      expect(await server.stop()).toBe(0);
      await watcher.page.locator('[data-testid="live-indicator"][data-state="disconnected"]').waitFor({ timeout: 20_000 });
      await expect(watcher.page.getByTestId('live-indicator').textContent()).resolves.toContain('已断开');
    } finally {
      await watcher.context.close();
    }
  });
});
