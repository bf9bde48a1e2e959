import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { Actor } from '#domain';
import { ledgerCells, ledgerHeaders } from '#http';
import type { HandoverRow, IssueRow, LedgerKind, LedgerRows, RectificationRow } from '#projections';
import type { EmbeddedHarness } from '#scenario';
import { parseScenario, runScenario, startEmbeddedHarness } from '#scenario';

/**
 * The ledgers (DESIGN.md §8.3) over HTTP after follow-through-coal-two-cities.json: the province's
 * linked coal round with Longyan's and Sanming's rounds below it. Expected rows are worked out from
 * the unfiltered ledger in the test, independently of the SQL that filters and pages them.
 */
const SCENARIO = 'follow-through-coal-two-cities.json';
/** The scenario's last step: what `overdue` is measured against. */
const END = '2023-06-30T01:00:00.000Z';
const ONE_SECOND_LATER = '2023-06-30T01:00:01.000Z';
/**
 * A window of whole days in Shanghai: the scenario finds its issues on 2022-10-25, before it, and
 * requires its rectifications and hands its issues over on 2022-11-01, in it.
 */
const WINDOW_FROM = '2022-10-26T00:00:00+08:00';
const WINDOW_TO = '2022-11-02T00:00:00+08:00';

const PROVINCE: Actor = { id: 'fj-xsb', jurisdiction: '350000', role: 'leading-group' };
const PROVINCE_HANDLER: Actor = { id: 'fj-jw', jurisdiction: '350000', role: 'handler' };
const LONGYAN_VIEWER: Actor = { id: 'ly-viewer', jurisdiction: '350800', role: 'viewer' };
const LONGYAN_OFFICE: Actor = { id: 'ly-xcb', jurisdiction: '350800', role: 'leading-group' };
const LONGYAN_TEAM: Actor = { id: 'ly-xcz-1', jurisdiction: '350800', role: 'team' };
const LONGYAN_BUREAU: Actor = { id: 'ly-gxj-dz', jurisdiction: '350800', role: 'unit' };

/** The rounds of each round family: fj-coal has ly-coal and sm-coal linked below it. */
const FAMILY: Record<string, string[]> = { 'fj-coal': ['fj-coal', 'ly-coal', 'sm-coal'], 'ly-coal': ['ly-coal'], 'sm-coal': ['sm-coal'], 'ly-hk': ['ly-hk'] };
/** A result with every character CSV must quote: a comma, a double quote and a line break. */
const AWKWARD_RESULT = '已审计,发现"虚列支出"问题\n已移送纪检监察机关';
/** A claim whose texts hold one of them each: a line break only (measures), a double quote only (department). */
const LINE_BREAK_ONLY = '清理拖欠的安全专项资金\n按月通报拨付进度';
const QUOTE_ONLY = '龙岩市工信局"两违"整治办';

type Row = LedgerRows[LedgerKind];
interface Page {
  count: number;
  rows: Row[];
  next: string | null;
  asOf: string;
}
const idOf = (kind: LedgerKind, row: Row): string =>
  kind === 'issues' ? (row as IssueRow).issueId : kind === 'rectifications' ? (row as RectificationRow).rectificationId : (row as HandoverRow).handoverId;
const sortKeyOf = (kind: LedgerKind, row: Row): string =>
  (kind === 'issues' ? (row as IssueRow).foundAt : kind === 'rectifications' ? (row as RectificationRow).requiredAt : (row as HandoverRow).handedOverAt) ?? '';

/** RFC 4180: quoted fields may hold commas, doubled quotes and line breaks. */
const parseCsv = (text: string): string[][] => {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        cell += '"';
        index++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(cell);
      cell = '';
    } else if (char === '\r' && text[index + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      index++;
    } else cell += char;
  }
  if (cell !== '' || row.length > 0) rows.push([...row, cell]);
  return rows;
};

describe('ledgers over HTTP: filters, cursor, refusals, downloads', () => {
  let harness: EmbeddedHarness;
  const http = () => harness.app.getHttpAdapter().getInstance();
  const get = async (url: string, actor: Actor = PROVINCE) => {
    const response = await http().inject({ method: 'GET', url, headers: { authorization: `Bearer ${await harness.tokens.mint(actor)}` } });
    return { status: response.statusCode, headers: response.headers, raw: response.body, payload: response.rawPayload };
  };
  const post = async (command: string, body: unknown, actor: Actor, occurredAt: string) => {
    const response = await http().inject({
      method: 'POST',
      url: `/v1/commands/${command}`,
      headers: { authorization: `Bearer ${await harness.tokens.mint(actor)}`, 'content-type': 'application/json', 'x-occurred-at': occurredAt },
      payload: JSON.stringify(body),
    });
    expect(response.statusCode).toBe(201);
  };
  const url = (jurisdiction: string, kind: LedgerKind, query: Record<string, string | number | boolean> = {}) =>
    `/v1/ledgers/${jurisdiction}/${kind}?${new URLSearchParams(Object.entries({ at: END, ...query }).map(([key, value]): [string, string] => [key, String(value)])).toString()}`;
  const page = async (jurisdiction: string, kind: LedgerKind, query: Record<string, string | number | boolean> = {}, actor: Actor = PROVINCE): Promise<Page> => {
    const response = await get(url(jurisdiction, kind, query), actor);
    expect(response.status).toBe(200);
    return JSON.parse(response.raw) as Page;
  };
  /** Every matching row in one page (the scenario's ledgers are far below the 500-row page). */
  const whole = async (jurisdiction: string, kind: LedgerKind, query: Record<string, string | number | boolean> = {}) => {
    const answer = await page(jurisdiction, kind, { ...query, limit: 500 });
    expect(answer.next).toBeNull();
    expect(answer.count).toBe(answer.rows.length);
    return answer.rows;
  };
  /** Page after page of `limit` rows, following `next`. */
  const paged = async (jurisdiction: string, kind: LedgerKind, limit: number, query: Record<string, string | number | boolean> = {}) => {
    const pages: Page[] = [];
    for (let cursor: string | null | undefined; cursor !== null; ) {
      const answer = await page(jurisdiction, kind, { ...query, limit, ...(cursor ? { cursor } : {}) });
      pages.push(answer);
      cursor = answer.next;
      expect(pages.length).toBeLessThan(100);
    }
    return pages;
  };

  beforeAll(async () => {
    harness = await startEmbeddedHarness();
    const file = join(process.cwd(), 'test', 'scenarios', SCENARIO);
    // Its steps only: the scenario suite checks its expectations, this file checks the ledgers its own way.
    await runScenario({ ...parseScenario(JSON.parse(readFileSync(file, 'utf8')), file), expect: [] }, harness);
    // The province's department answers its handover with a text CSV has to quote.
    await post('answerHandover', { handoverId: 'fj-yj-1', result: AWKWARD_RESULT }, PROVINCE_HANDLER, '2023-06-20T09:00:00+08:00');
    // Longyan's bureau claims the rectification it had left unclaimed, in texts CSV has to quote too.
    await post(
      'planRectification',
      { rectificationId: 'ly-f-gxj-1', measures: [{ measureId: 'm1', text: LINE_BREAK_ONLY }], responsibleLeader: 'ly-gxj-juzhang', leadDepartment: QUOTE_ONLY },
      LONGYAN_BUREAU,
      '2023-06-20T10:00:00+08:00',
    );
    await harness.runtime.settle();
  }, 120_000);
  afterAll(async () => harness.close());

  describe('filters', () => {
    /** The issue categories, from the issues ledger: the category filter of the other ledgers filters by the issue's. */
    const categories = async () => new Map((await whole('350000', 'issues')).map((row) => [(row as IssueRow).issueId, (row as IssueRow).category]));

    const FILTERS: [LedgerKind, Record<string, string | boolean>][] = [
      ...['required', 'planned', 'completed', 'closed', 'reopened'].map((status): [LedgerKind, Record<string, string>] => ['rectifications', { status }]),
      ['rectifications', { overdue: true }],
      ['rectifications', { overdue: false }],
      ['rectifications', { category: 'safety' }],
      ['rectifications', { category: 'illegal-mining' }],
      ['rectifications', { category: 'no-such-category' }],
      ...Object.keys(FAMILY).map((roundId): [LedgerKind, Record<string, string>] => ['rectifications', { roundId }]),
      ['rectifications', { unitId: 'zpm-mt' }],
      ['rectifications', { unitId: 'fj-nyjt' }],
      ['rectifications', { roundId: 'fj-coal', status: 'planned', overdue: true }],
      ['rectifications', { category: 'illegal-mining', overdue: false, unitId: 'zpm-mt' }],
      ['handovers', { status: 'open' }],
      ['handovers', { status: 'answered' }],
      ['handovers', { overdue: true }],
      ['handovers', { overdue: false }],
      ['handovers', { category: 'safety' }],
      ['handovers', { roundId: 'ly-coal' }],
      ['handovers', { roundId: 'fj-coal', status: 'open' }],
      ['handovers', { unitId: 'dt-yj' }],
      ['issues', { category: 'safety' }],
      ['issues', { roundId: 'fj-coal' }],
      ['issues', { roundId: 'sm-coal' }],
      ['issues', { unitId: 'xl-ny' }],
      ['issues', { roundId: 'ly-coal', category: 'illegal-mining' }],
      // Windows of whole Shanghai days over each ledger's beginning fact, alone and with other filters.
      ...(['issues', 'rectifications', 'handovers'] as const).flatMap((kind): [LedgerKind, Record<string, string>][] => [
        [kind, { from: WINDOW_FROM, to: WINDOW_TO }],
        [kind, { from: WINDOW_TO }],
        [kind, { to: WINDOW_FROM }],
      ]),
      ['rectifications', { from: WINDOW_FROM, to: WINDOW_TO, status: 'closed' }],
      ['handovers', { to: WINDOW_TO, category: 'safety' }],
    ];

    it.each(FILTERS)('%s %j: the rows of the whole ledger that match, in the same order, and their count', async (kind, filter) => {
      const categoryOf = await categories();
      const matches = (row: Row): boolean =>
        Object.entries(filter).every(([name, value]) => {
          const fields = row as unknown as Record<string, unknown>;
          switch (name) {
            case 'category':
              return (kind === 'issues' ? fields.category : categoryOf.get(fields.issueId as string)) === value;
            case 'roundId':
              return FAMILY[value as string]!.includes(fields.roundId as string);
            case 'from':
              return sortKeyOf(kind, row) !== '' && Date.parse(sortKeyOf(kind, row)) >= Date.parse(value as string);
            case 'to':
              return sortKeyOf(kind, row) !== '' && Date.parse(sortKeyOf(kind, row)) < Date.parse(value as string);
            default:
              return fields[name] === value;
          }
        });
      const expected = (await whole('350000', kind)).filter(matches);
      const answer = await page('350000', kind, { ...filter, limit: 500 });
      expect(answer.rows).toEqual(expected);
      expect(answer.count).toBe(expected.length);
    });

    it('hold the figures worked out by hand from the scenario (every ledger row of the province)', async () => {
      expect((await page('350000', 'rectifications')).count).toBe(7);
      expect((await page('350000', 'rectifications', { status: 'closed' })).count).toBe(3);
      expect((await page('350000', 'rectifications', { status: 'reopened' })).rows.map((row) => idOf('rectifications', row))).toEqual(['ly-f-zpm-1']);
      expect((await page('350000', 'rectifications', { overdue: true })).rows.map((row) => idOf('rectifications', row)).sort()).toEqual(['ly-f-zpm-1', 'sm-f-dt-2']);
      expect((await page('350000', 'rectifications', { category: 'illegal-mining' })).count).toBe(3);
      expect((await page('350000', 'rectifications', { roundId: 'fj-coal' })).count).toBe(7);
      expect((await page('350000', 'rectifications', { roundId: 'ly-hk' })).count).toBe(0);
      // fj-yj-1 was answered (after its due date) in this test's setup: only sm-yj-dt-1 is open past due.
      expect((await page('350000', 'handovers', { overdue: true })).rows.map((row) => idOf('handovers', row))).toEqual(['sm-yj-dt-1']);
      expect((await page('350000', 'handovers', { status: 'open' })).count).toBe(2);
      expect((await page('350000', 'issues', { category: 'safety' })).count).toBe(4);
    });

    it('window by each ledger\'s beginning fact: issues found before it, rectifications required and issues handed over in it', async () => {
      const window = { from: WINDOW_FROM, to: WINDOW_TO };
      expect((await page('350000', 'issues', window)).count).toBe(0);
      expect((await page('350000', 'issues', { to: WINDOW_FROM })).count).toBe(7);
      expect((await page('350000', 'rectifications', window)).count).toBe(7);
      expect((await page('350000', 'handovers', window)).count).toBe(4);
      expect((await page('350000', 'rectifications', { from: WINDOW_TO })).count).toBe(0);
      // The window comes back as the filter applied, in canonical UTC.
      expect((await page('350000', 'rectifications', window)) as unknown as { filter: unknown }).toMatchObject({ filter: { from: '2022-10-25T16:00:00.000Z', to: '2022-11-01T16:00:00.000Z' } });
      // A download holds the window's rows only: the header and the totals row.
      const csv = await get(url('350000', 'issues', { ...window, format: 'csv' }));
      expect(parseCsv(csv.payload.subarray(3).toString('utf8'))).toHaveLength(2);
    });

    it("give rectification and handover rows their issue's category", async () => {
      const categoryOf = await categories();
      const rectifications = (await whole('350000', 'rectifications')) as RectificationRow[];
      const handovers = (await whole('350000', 'handovers')) as HandoverRow[];
      for (const row of [...rectifications, ...handovers]) expect(row.category).toBe(categoryOf.get(row.issueId));
      expect(rectifications.find((row) => row.rectificationId === 'ly-f-zpm-2')!.category).toBe('illegal-mining');
      expect(handovers.find((row) => row.handoverId === 'ly-yj-1')!.category).toBe('safety');
    });

    it('measure overdue strictly at `at`: due at that instant is not overdue, one second later it is', async () => {
      // ly-yj-2 and ly-f-gxj-1 are due at 2023-06-30T01:00Z and 10:00Z.
      const overdueHandovers = async (at: string) => (await page('350000', 'handovers', { overdue: true, at })).rows.map((row) => idOf('handovers', row)).sort();
      expect(await overdueHandovers(END)).toEqual(['sm-yj-dt-1']);
      expect(await overdueHandovers(ONE_SECOND_LATER)).toEqual(['ly-yj-2', 'sm-yj-dt-1']);
      const gxj = async (at: string) => (await page('350800', 'rectifications', { unitId: 'ly-gxj', at })).rows[0] as RectificationRow;
      expect((await gxj('2023-06-30T10:00:00.000Z')).overdue).toBe(false);
      expect((await gxj('2023-06-30T10:00:01.000Z')).overdue).toBe(true);
      const answer = await page('350000', 'rectifications', { at: '2023-06-30T18:00:01+08:00' });
      expect(answer.asOf).toBe('2023-06-30T10:00:01.000Z');
    });

    it('show a jurisdiction its subtree only: Longyan neither Sanming nor the province enterprise', async () => {
      const longyan = await whole('350800', 'rectifications');
      expect(longyan.map((row) => (row as RectificationRow).jurisdiction).sort()).toEqual(['350800', '350802', '350881', '350881']);
      expect((await page('350800', 'rectifications', { unitId: 'dt-yj' })).count).toBe(0);
      expect((await page('350425', 'rectifications')).rows.map((row) => idOf('rectifications', row)).sort()).toEqual(['sm-f-dt-1', 'sm-f-dt-2']);
    });
  });

  describe('cursor', () => {
    it.each([
      ['rectifications', 1],
      ['rectifications', 2],
      ['rectifications', 3],
      ['issues', 2],
      ['issues', 4],
      ['handovers', 1],
      ['handovers', 3],
    ] as [LedgerKind, number][])('%s, %i a page: pages concatenated are the whole ledger, no row twice, newest first, count of every match on each page', async (kind, limit) => {
      const all = await whole('350000', kind);
      const pages = await paged('350000', kind, limit);
      const rows = pages.flatMap((answer) => answer.rows);
      expect(rows).toEqual(all);
      expect(new Set(rows.map((row) => idOf(kind, row))).size).toBe(rows.length);
      for (const answer of pages) {
        expect(answer.count).toBe(all.length);
        expect(answer.rows.length).toBeLessThanOrEqual(limit);
      }
      expect(pages.length).toBe(Math.max(1, Math.ceil(all.length / limit)));
      for (let index = 1; index < rows.length; index++) {
        const [newer, older] = [rows[index - 1]!, rows[index]!];
        const [newerKey, olderKey] = [sortKeyOf(kind, newer), sortKeyOf(kind, older)];
        expect(newerKey > olderKey || (newerKey === olderKey && idOf(kind, newer) > idOf(kind, older))).toBe(true);
      }
    });

    it('pages a filtered ledger the same way, and counts every match on a one-row page', async () => {
      const all = await whole('350000', 'rectifications', { roundId: 'ly-coal' });
      const pages = await paged('350000', 'rectifications', 1, { roundId: 'ly-coal' });
      expect(pages.flatMap((answer) => answer.rows)).toEqual(all);
      expect(pages.map((answer) => answer.count)).toEqual(all.map(() => 4));
    });
  });

  describe('refusals', () => {
    const problem = (raw: string) => JSON.parse(raw) as { status: number; title: string; detail: string; field?: string; errors?: { field: string }[] };

    it('a read of another branch answers exactly like a read of an unknown jurisdiction, for every kind and for downloads', async () => {
      for (const kind of ['issues', 'rectifications', 'handovers'] as const) {
        for (const query of [{}, { format: 'csv' }, { format: 'xlsx' }, { status: 'closed' }] as Record<string, string>[]) {
          const sibling = await get(url('350400', kind, query), LONGYAN_VIEWER);
          const cousin = await get(url('350425', kind, query), LONGYAN_VIEWER);
          const unknown = await get(url('359999', kind, query), LONGYAN_VIEWER);
          expect(sibling.status).toBe(403);
          expect(sibling.headers['content-type']).toMatch(/^application\/problem\+json/);
          for (const [other, code] of [
            [cousin, '350425'],
            [unknown, '359999'],
          ] as const) {
            expect(other.status).toBe(sibling.status);
            expect(other.raw).toBe(sibling.raw.replaceAll('350400', code));
          }
          expect(sibling.raw).not.toMatch(/sm-|dt-|大田/);
        }
      }
      // Above its own jurisdiction too: a city does not read the province's ledgers.
      expect((await get(url('350000', 'rectifications'), LONGYAN_VIEWER)).status).toBe(403);
    });

    it("a round of another branch as a filter answers exactly like an unknown round", async () => {
      const sibling = await get(url('350800', 'rectifications', { roundId: 'sm-coal' }), LONGYAN_VIEWER);
      const unknown = await get(url('350800', 'rectifications', { roundId: 'xx-coal' }), LONGYAN_VIEWER);
      expect(sibling.status).toBe(404);
      expect(unknown.status).toBe(404);
      expect(unknown.raw).toBe(sibling.raw.replaceAll('sm-coal', 'xx-coal'));
      // Its own and its ancestor's rounds are fine.
      expect((await page('350800', 'rectifications', { roundId: 'fj-coal' }, LONGYAN_VIEWER)).count).toBe(4);
    });

    it.each([
      ['status', { status: 'done' }, 'rectifications'],
      ['status', { status: 'open' }, 'rectifications'],
      ['status', { status: 'closed' }, 'handovers'],
      ['status', { status: 'open' }, 'issues'],
      ['overdue', { overdue: 'yes' }, 'rectifications'],
      ['overdue', { overdue: true }, 'issues'],
      ['limit', { limit: 0 }, 'rectifications'],
      ['limit', { limit: 501 }, 'rectifications'],
      ['limit', { limit: 'ten' }, 'handovers'],
      ['cursor', { cursor: 'bm90LWEtY3Vyc29y' }, 'rectifications'],
      ['cursor', { cursor: 'not a cursor!' }, 'issues'],
      ['cursor', { cursor: '' }, 'issues'],
      ['format', { format: 'pdf' }, 'rectifications'],
      ['at', { at: '2023-06-30' }, 'rectifications'],
      ['roundId', { roundId: 'a b' }, 'issues'],
      ['unitId', { unitId: '' }, 'issues'],
      ['category', { category: 'x'.repeat(101) }, 'issues'],
      ['kind', {}, 'tasks'],
      ['from', { from: '2023-02-29T00:00:00+08:00' }, 'issues'],
      ['to', { to: 'yesterday' }, 'handovers'],
    ] as [string, Record<string, string | number | boolean>, string][])('400 naming %s for %j on %s', async (field, query, kind) => {
      const response = await get(url('350000', kind as LedgerKind, query));
      expect(response.status).toBe(400);
      const body = problem(response.raw);
      expect(body.title).toBe('ValidationFailed');
      expect([body.field, ...(body.errors ?? []).map((error) => error.field)]).toContain(field);
    });
  });

  describe('a refused window', () => {
    it.each([
      ['rectifications', { from: '2023-01-01T08:00:00+08:00' }, 'from', 'wholeDay'],
      ['issues', { to: '2023-01-01T00:00:00Z' }, 'to', 'wholeDay'],
      ['handovers', { from: '2023-02-01T00:00:00+08:00', to: '2023-02-01T00:00:00+08:00' }, 'to', 'afterFrom'],
      ['rectifications', { from: '2023-03-01T00:00:00+08:00', to: '2023-02-01T00:00:00+08:00', format: 'xlsx' }, 'to', 'afterFrom'],
      ['handovers', { from: '2023-01-01T12:00:00+08:00', to: '2023-01-01T00:00:00+08:00', format: 'csv' }, 'from', 'wholeDay'],
    ] as [LedgerKind, Record<string, string>, string, string][])('%s %j: 400 problem+json naming %s and rule %s, no rows and no download', async (kind, query, field, rule) => {
      const response = await get(url('350000', kind, query));
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.headers['content-disposition']).toBeUndefined();
      const body = JSON.parse(response.raw) as { title: string; errors: { field: string; rule: string }[]; rows?: unknown };
      expect(body.title).toBe('ValidationFailed');
      expect(body.errors).toEqual([expect.objectContaining({ field, rule })]);
      expect(body.rows).toBeUndefined();
    });
  });

  describe('downloads', () => {
    const SHEETS: Record<LedgerKind, string> = { issues: '问题清单', rectifications: '整改台账', handovers: '移交清单' };
    const cellText = (value: ExcelJS.CellValue): string | number => (value === null || value === undefined ? '' : (value as string | number));

    it.each([
      ['rectifications', {}],
      ['rectifications', { status: 'closed' }],
      ['issues', {}],
      ['handovers', {}],
      ['handovers', { overdue: false }],
    ] as [LedgerKind, Record<string, string | boolean>][])('XLSX of %s %j: one sheet named in Chinese, Chinese headers, every cell of every JSON row, a totals row', async (kind, filter) => {
      const rows = await whole('350000', kind, filter);
      const response = await get(url('350000', kind, { ...filter, format: 'xlsx' }));
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      expect(response.headers['content-disposition']).toBe(`attachment; filename="350000-${kind}.xlsx"`);
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load(response.payload as unknown as ArrayBuffer);
      expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual([SHEETS[kind]]);
      const sheet = workbook.worksheets[0]!;
      const headers = ledgerHeaders(kind);
      for (const header of headers) expect(header).toMatch(/^[\u4e00-\u9fff]+$/);
      const cellsOf = (index: number) => headers.map((_, column) => cellText(sheet.getRow(index).getCell(column + 1).value));
      expect(String(sheet.getRow(1).getCell(1).value)).toBe(`福建省${SHEETS[kind]}（截至 2023-06-30 09:00，共 ${rows.length} 条）`);
      expect(cellsOf(2)).toEqual(headers);
      rows.forEach((row, index) => expect(cellsOf(3 + index)).toEqual(ledgerCells(kind, row)));
      const totals = cellsOf(3 + rows.length);
      expect(totals[0]).toBe(`合计 ${rows.length} 条`);
      const overdueColumn = headers.indexOf('是否逾期');
      if (kind === 'issues') expect(overdueColumn).toBe(-1);
      else expect(totals[overdueColumn]).toBe(`逾期 ${rows.filter((row) => (row as RectificationRow | HandoverRow).overdue).length} 条`);
      expect(sheet.rowCount).toBe(3 + rows.length);
    });

    it('XLSX cells read as offices read them: Chinese statuses and recipients, Beijing time, yes and no', async () => {
      const response = await get(url('350000', 'rectifications', { format: 'xlsx' }));
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load(response.payload as unknown as ArrayBuffer);
      const sheet = workbook.worksheets[0]!;
      const headers = ledgerHeaders('rectifications');
      const byId = new Map<string, Record<string, unknown>>();
      for (let index = 3; index < sheet.rowCount; index++) {
        const row = sheet.getRow(index);
        byId.set(String(row.getCell(1).value), Object.fromEntries(headers.map((header, column) => [header, row.getCell(column + 1).value])));
      }
      expect(byId.get('ly-f-zpm-1')).toMatchObject({ 整改状态: '已重新整改', 是否逾期: '是', 逾期完成: '否', 整改时限: '2023-01-31 18:00', 问题类别: 'safety' });
      expect(byId.get('ly-f-zpm-2')).toMatchObject({ 问题类别: 'illegal-mining' });
      expect(byId.get('ly-f-xl-1')).toMatchObject({ 整改状态: '已销号', 退回次数: 1, 完成时间: '2023-04-30 18:00', 销号时间: '2023-05-05 09:00', 回头看评估: '2023-05-10 09:00 整改到位' });
      expect(byId.get('fj-f-1')).toMatchObject({ 责任领导: 'fj-nyjt-dongshizhang', 责任单位: '福建省能源集团有限责任公司' });
      const handovers = await get(url('350000', 'handovers', { format: 'xlsx' }));
      const handoverBook = new ExcelJS.Workbook();
      await handoverBook.xlsx.load(handovers.payload as unknown as ArrayBuffer);
      const handoverRows = handoverBook.worksheets[0]!.getSheetValues().slice(3);
      expect(handoverRows.some((values) => Array.isArray(values) && values.includes('审计部门') && values.includes(AWKWARD_RESULT))).toBe(true);
      // getSheetValues() counts columns from 1.
      const categoryColumn = 1 + ledgerHeaders('handovers').indexOf('问题类别');
      const byHandover = new Map(handoverRows.map((values) => [(values as unknown[])[1], values as unknown[]]));
      expect(byHandover.get('ly-yj-1')![categoryColumn]).toBe('safety');
    });

    it.each([
      ['handovers', {}],
      ['rectifications', {}],
      ['issues', { roundId: 'ly-coal' }],
    ] as [LedgerKind, Record<string, string>][])('CSV of %s %j: UTF-8 with a byte order mark, quoted where needed, every cell of every JSON row, a totals row', async (kind, filter) => {
      const rows = await whole('350000', kind, filter);
      const response = await get(url('350000', kind, { ...filter, format: 'csv' }));
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(response.headers['content-disposition']).toBe(`attachment; filename="350000-${kind}.csv"`);
      expect([...response.payload.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const text = response.payload.subarray(3).toString('utf8');
      expect(text.endsWith('\r\n')).toBe(true);
      const [headers, ...lines] = parseCsv(text);
      expect(headers).toEqual(ledgerHeaders(kind));
      expect(lines).toHaveLength(rows.length + 1);
      rows.forEach((row, index) => expect(lines[index]).toEqual(ledgerCells(kind, row).map(String)));
      expect(lines[rows.length]![0]).toBe(`合计 ${rows.length} 条`);
      // Texts with a comma, quotes or a line break come back whole, and were quoted on the wire.
      const quoted = (value: string) => `,"${value.replaceAll('"', '""')}",`;
      if (kind === 'handovers') {
        expect(lines.some((line) => line.includes(AWKWARD_RESULT))).toBe(true);
        expect(text).toContain(quoted(AWKWARD_RESULT));
      }
      if (kind === 'rectifications') {
        expect(lines.some((line) => line.includes(LINE_BREAK_ONLY) && line.includes(QUOTE_ONLY))).toBe(true);
        expect(text).toContain(quoted(LINE_BREAK_ONLY));
        expect(text).toContain(quoted(QUOTE_ONLY));
      }
    });
  });

  describe('a cursor stays valid while facts arrive', () => {
    it('rows recorded after the first page come first in a new read, and the old cursor goes on where it stopped', async () => {
      const before = await whole('350000', 'rectifications');
      const first = await page('350000', 'rectifications', { limit: 3 });
      expect(first.rows).toEqual(before.slice(0, 3));
      // Longyan's round is still open: a new finding, and its rectification required later than any other.
      await post('recordIssue', { issueId: 'ly-i-late-1', roundId: 'ly-coal', teamId: 'ly-coal-t1', unitId: 'xl-ny', category: 'safety', summary: '新罗区能源局煤矿复工验收把关不严' }, LONGYAN_TEAM, '2023-07-01T09:00:00+08:00');
      await post('requireRectification', { rectificationId: 'ly-f-late-1', issueId: 'ly-i-late-1', unitId: 'xl-ny', dueBy: '2023-09-30T18:00:00+08:00' }, LONGYAN_OFFICE, '2023-07-02T09:00:00+08:00');
      await harness.runtime.settle();
      const rest: Row[] = [];
      let last = first;
      for (let cursor = first.next; cursor !== null; cursor = last.next) {
        last = await page('350000', 'rectifications', { limit: 3, cursor });
        expect(last.count).toBe(before.length + 1);
        rest.push(...last.rows);
      }
      expect(rest).toEqual(before.slice(3));
      const after = await whole('350000', 'rectifications');
      expect(after.map((row) => idOf('rectifications', row))).toEqual(['ly-f-late-1', ...before.map((row) => idOf('rectifications', row))]);
    });
  });
});
