import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JurisdictionRegistry, RECTIFICATION_STATUSES } from '#domain';
import type { LedgerFilter, RectificationRow } from '../ledgers.js';
import { LEDGER_DOWNLOAD_FIELDS } from '../ledgers.js';
import { ReadModel } from '../read-model.js';

// A page is found either by walking the ledger-order index from the cursor (filters that match many
// rows) or by gathering each jurisdiction's matching rows (filters that match few, or whose rows lie
// far from the newest). Whichever it takes, every page must be the next rows of the whole ledger,
// filtered and ordered by brute force here, over a read model file holding thousands of rows.

const REGISTRY = JurisdictionRegistry.of([
  { code: '350000', name: '福建省', level: 'province', parent: null },
  { code: '350100', name: '福州市', level: 'city', parent: '350000' },
  { code: '350102', name: '鼓楼区', level: 'county', parent: '350100' },
  { code: '350103', name: '台江区', level: 'county', parent: '350100' },
  { code: '350200', name: '厦门市', level: 'city', parent: '350000' },
  { code: '350203', name: '思明区', level: 'county', parent: '350200' },
]);
const PLACES = ['350100', '350102', '350103', '350200', '350203'];
const CATEGORIES = ['grain', 'funds', 'poverty'];
const AT = '2023-01-01T00:00:00.000Z';
/** More than a walk for a page of 3 reaches (4 × 200 index entries): sparse filters get gathered. */
const ROWS = 1200;

interface Stored {
  readonly id: string;
  readonly issueId: string;
  readonly roundId: string;
  readonly unitId: string;
  readonly jurisdiction: string;
  readonly status: string;
  readonly dueBy: string;
  readonly order: string;
  readonly category: string;
}

/** A small deterministic generator, so that a failure shows the same rows again. */
const random = (() => {
  let state = 12345;
  return (below: number) => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state % below;
  };
})();

const instant = (day: number, second = 0) => new Date(Date.UTC(2020, 0, 1) + day * 86_400_000 + second * 1000).toISOString();

const generated: Stored[] = Array.from({ length: ROWS }, (_, index) => {
  // Rows share ledger times (ties broken by id), a few have none yet (''), and `required` ones are
  // all old: a walk from the newest gives up on them and the rows are gathered instead.
  const day = random(1000);
  const order = index % 97 === 0 ? '' : instant(day, random(3) * 60);
  const status = day < 100 ? 'required' : RECTIFICATION_STATUSES.filter((status) => status !== 'required')[random(4)]!;
  return {
    id: `r-${String(index).padStart(5, '0')}`,
    issueId: `i-${index % 700}`,
    roundId: ['round-a', 'round-a-county', 'round-b'][random(3)]!,
    unitId: `u-${random(40)}`,
    jurisdiction: PLACES[random(PLACES.length)]!,
    status,
    dueBy: instant(random(1400)),
    order,
    category: CATEGORIES[(index % 700) % 3]!,
  };
});

const inSubtree = (root: string) => new Set(REGISTRY.subtreeOf(root));
const matches = (row: Stored, root: string, filter: LedgerFilter): boolean =>
  inSubtree(root).has(row.jurisdiction) &&
  (filter.status === undefined || row.status === filter.status) &&
  (filter.overdue === undefined || filter.overdue === (!['completed', 'closed'].includes(row.status) && row.dueBy < AT)) &&
  (filter.unitId === undefined || row.unitId === filter.unitId) &&
  (filter.roundId === undefined || (filter.roundId === 'round-a' ? ['round-a', 'round-a-county'] : [filter.roundId]).includes(row.roundId)) &&
  (filter.category === undefined || row.category === filter.category) &&
  // A window keeps rows whose ledger time lies in [from, to); one not known yet lies in none.
  ((filter.from === undefined && filter.to === undefined) ||
    (row.order !== '' && (filter.from === undefined || row.order >= filter.from) && (filter.to === undefined || row.order < filter.to)));
const ledgerOrder = (a: Stored, b: Stored) => (a.order !== b.order ? (a.order < b.order ? 1 : -1) : a.id < b.id ? 1 : -1);

/** Filters that walk and filters that gather, of the province, a city and a county. */
const FILTERS: [string, LedgerFilter][] = [
    ['350000', { overdue: true }],
    ['350100', { overdue: true }],
    ['350100', { overdue: false }],
    ['350000', { status: 'closed' }],
    ['350200', { status: 'required' }],
    ['350000', { status: 'required' }],
    ['350100', { category: 'grain' }],
    ['350000', { roundId: 'round-a' }],
    ['350100', { unitId: 'u-7' }],
    ['350102', {}],
    ['350000', { status: 'planned', overdue: true, category: 'funds' }],
    // Windows (Shanghai midnights, canonical UTC): alone, open at either end, and with other filters.
    ['350000', { from: '2021-03-31T16:00:00.000Z', to: '2021-09-30T16:00:00.000Z' }],
    ['350000', { from: '2022-06-30T16:00:00.000Z' }],
    ['350100', { to: '2020-03-31T16:00:00.000Z' }],
    ['350100', { status: 'closed', from: '2020-12-31T16:00:00.000Z', to: '2021-12-31T16:00:00.000Z' }],
    ['350200', { overdue: true, from: '2020-06-30T16:00:00.000Z', to: '2021-06-30T16:00:00.000Z' }],
    ['350000', { category: 'grain', to: '2021-12-31T16:00:00.000Z' }],
    ['350000', { roundId: 'round-a', from: '2021-12-31T16:00:00.000Z' }],
];

describe('ledger pages, walked or gathered', () => {
  let dir: string;
  let readModel: ReadModel;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ledger-queries-'));
    readModel = new ReadModel(join(dir, 'city.read.db'));
    const db = readModel.db;
    db.transaction(() => {
      db.prepare(`INSERT INTO rounds (round_id, owner, parent_round_id) VALUES ('round-a', '350100', NULL), ('round-a-county', '350102', 'round-a'), ('round-b', '350200', NULL)`).run();
      const issue = db.prepare(`INSERT OR IGNORE INTO issues (issue_id, round_id, owner, unit_id, unit_jurisdiction, category) VALUES (?, 'round-a', '350100', 'u-0', '350100', ?)`);
      const rectification = db.prepare(
        `INSERT INTO rectifications (rectification_id, issue_id, round_id, owner, unit_id, unit_jurisdiction, due_by, status, attempt, planned_for, ledger_order)
         VALUES (?, ?, ?, '350100', ?, ?, ?, ?, 0, 0, ?)`,
      );
      for (const row of generated) {
        issue.run(row.issueId, row.category);
        rectification.run(row.id, row.issueId, row.roundId, row.unitId, row.jurisdiction, row.dueBy, row.status, row.order);
      }
    })();
  });
  afterAll(() => {
    readModel.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(FILTERS)('%s %j: every page the next rows of the whole ledger, newest first: pages of 3 uncounted, of 50 counted', (root, filter) => {
    const expected = generated.filter((row) => matches(row, root, filter)).sort(ledgerOrder).map((row) => row.id);
    for (const limit of [3, 50]) {
      const first = readModel.ledger(root, 'rectifications', filter, REGISTRY, AT, 0, { limit });
      expect(first.count).toBe(expected.length);
      const seen = first.rows.map((row) => row.rectificationId);
      for (let cursor = first.next; cursor !== null; ) {
        const page =
          limit === 3 ? readModel.ledgerRows(root, 'rectifications', filter, REGISTRY, AT, { cursor, limit }) : readModel.ledger(root, 'rectifications', filter, REGISTRY, AT, 0, { cursor, limit });
        if ('count' in page) expect(page.count).toBe(expected.length);
        seen.push(...page.rows.map((row) => row.rectificationId));
        cursor = page.next;
      }
      expect(seen).toEqual(expected);
    }
  });

  it.each(FILTERS)('%s %j: a download holds the rows of the pages, in their order, field by field, whatever its chunk size', (root, filter) => {
    const expected = generated.filter((row) => matches(row, root, filter)).sort(ledgerOrder).map((row) => row.id);
    const paged: RectificationRow[] = [];
    for (let page = readModel.ledger(root, 'rectifications', filter, REGISTRY, AT, 0, { limit: 500 }); ; ) {
      paged.push(...page.rows);
      if (page.next === null) break;
      page = readModel.ledger(root, 'rectifications', filter, REGISTRY, AT, 0, { cursor: page.next, limit: 500 });
    }
    expect(paged.map((row) => row.rectificationId)).toEqual(expected);
    // A download row holds the fields as stored: flags 0 or 1, lists as JSON text.
    const stored = paged.map((row) =>
      LEDGER_DOWNLOAD_FIELDS.rectifications.map((field) => {
        const value = row[field];
        return typeof value === 'boolean' ? Number(value) : Array.isArray(value) ? JSON.stringify(value) : value;
      }),
    );
    // 3: chunks far smaller than the rows, whose walk gives up on sparse filters; 1,000: one or two chunks.
    for (const chunkRows of [3, 1000]) {
      const download = readModel.ledgerDownload(root, 'rectifications', filter, REGISTRY, AT, chunkRows);
      expect(download.count).toBe(expected.length);
      const chunks = [...download.chunks];
      for (const chunk of chunks) expect(chunk.length).toBeGreaterThan(0);
      for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(chunkRows);
      expect(chunks.flat()).toEqual(stored);
    }
  });
});

// The window's edges (DESIGN.md §8.3 and docs/contract-breakdowns.md): [from, to) over each ledger's
// beginning fact, from a midnight in Shanghai (16:00 UTC the day before) included to one excluded;
// and a rectification's and handover's category, its issue's, also when the issue arrives after them.
describe('ledger windows at their edges, and the category of rectification and handover rows', () => {
  const FROM = '2023-01-31T16:00:00.000Z'; // 2023-02-01 00:00 in Shanghai
  const TO = '2023-02-28T16:00:00.000Z'; // 2023-03-01 00:00 in Shanghai
  const before = (instant: string) => new Date(Date.parse(instant) - 1).toISOString();
  /** One row of each ledger per time: a millisecond before the window, at its start, its last millisecond, at its end. */
  const TIMES: Record<string, string> = { early: before(FROM), first: FROM, last: before(TO), late: TO };
  const WINDOW = { from: FROM, to: TO };
  let dir: string;
  let readModel: ReadModel;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ledger-window-'));
    readModel = new ReadModel(join(dir, 'city.read.db'));
    const db = readModel.db;
    db.transaction(() => {
      for (const [name, time] of Object.entries(TIMES)) {
        db.prepare(`INSERT INTO issues (issue_id, round_id, owner, unit_id, unit_jurisdiction, category, found_at, ledger_order) VALUES (?, 'round-a', '350100', 'u-1', '350102', 'funds', ?, ?)`).run(
          `i-${name}`,
          time,
          time,
        );
        db.prepare(
          `INSERT INTO rectifications (rectification_id, issue_id, round_id, owner, unit_id, unit_jurisdiction, due_by, required_at, status, attempt, planned_for, ledger_order)
           VALUES (?, ?, 'round-a', '350100', 'u-1', '350102', '2023-06-30T16:00:00.000Z', ?, 'required', 0, 0, ?)`,
        ).run(`r-${name}`, `i-${name}`, time, time);
        db.prepare(
          `INSERT INTO handovers (handover_id, issue_id, round_id, owner, unit_id, unit_jurisdiction, recipient, due_by, handed_over_at, ledger_order)
           VALUES (?, ?, 'round-a', '350100', 'u-1', '350102', 'audit', '2023-06-30T16:00:00.000Z', ?, ?)`,
        ).run(`h-${name}`, `i-${name}`, time, time);
      }
      // A handover whose answer came first: no handover time yet, so in no window (but in the whole ledger).
      db.prepare(
        `INSERT INTO handovers (handover_id, issue_id, round_id, owner, unit_id, unit_jurisdiction, recipient, due_by, answered_at, result, ledger_order)
         VALUES ('h-unknown', 'i-first', 'round-a', '350100', 'u-1', '350102', 'audit', '2023-06-30T16:00:00.000Z', ?, 'done', '')`,
      ).run(FROM);
      // A rectification and a handover of an issue this level has not received.
      db.prepare(
        `INSERT INTO rectifications (rectification_id, issue_id, round_id, owner, unit_id, unit_jurisdiction, due_by, required_at, status, attempt, planned_for, ledger_order)
         VALUES ('r-orphan', 'i-later', 'round-a', '350100', 'u-1', '350102', '2023-06-30T16:00:00.000Z', ?, 'required', 0, 0, ?)`,
      ).run(FROM, FROM);
      db.prepare(
        `INSERT INTO handovers (handover_id, issue_id, round_id, owner, unit_id, unit_jurisdiction, recipient, due_by, handed_over_at, ledger_order)
         VALUES ('h-orphan', 'i-later', 'round-a', '350100', 'u-1', '350102', 'audit', '2023-06-30T16:00:00.000Z', ?, ?)`,
      ).run(FROM, FROM);
    })();
  });
  afterAll(() => {
    readModel.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const ids = (kind: 'issues' | 'rectifications' | 'handovers', filter: LedgerFilter) => {
    const page = readModel.ledger('350100', kind, filter, REGISTRY, AT, 0, { limit: 50 });
    const id = kind === 'issues' ? 'issueId' : kind === 'rectifications' ? 'rectificationId' : 'handoverId';
    const rows = page.rows.map((row) => (row as unknown as Record<string, string>)[id]!);
    expect(page.count).toBe(rows.length);
    // A download holds the same rows in the same order (the id is each download row's first field).
    expect([...readModel.ledgerDownload('350100', kind, filter, REGISTRY, AT).chunks].flat().map((row) => row[0])).toEqual(rows);
    return rows;
  };

  it.each(['issues', 'rectifications', 'handovers'] as const)('%s: the window starts at a Shanghai midnight included and ends at the next one excluded', (kind) => {
    const prefix = kind[0];
    const extra = kind === 'issues' ? [] : [`${prefix}-orphan`];
    // Newest first; the orphan and the first row share a time, so the greater id comes first.
    expect(ids(kind, WINDOW)).toEqual([`${prefix}-last`, ...extra, `${prefix}-first`]);
    expect(ids(kind, { from: FROM })).toEqual(expect.arrayContaining([`${prefix}-late`, `${prefix}-last`, `${prefix}-first`]));
    expect(ids(kind, { from: FROM })).not.toContain(`${prefix}-early`);
    expect(ids(kind, { to: TO })).not.toContain(`${prefix}-late`);
    expect(ids(kind, { to: TO })).toEqual(expect.arrayContaining([`${prefix}-early`, `${prefix}-first`, `${prefix}-last`]));
    if (kind === 'handovers') {
      expect(ids(kind, {})).toContain('h-unknown');
      expect(ids(kind, { to: TO })).not.toContain('h-unknown');
    }
  });

  it("shows a rectification's and a handover's category, its issue's, once the issue is here (null before)", () => {
    const categoryOf = (kind: 'rectifications' | 'handovers', id: string) => {
      const rows = readModel.ledger('350100', kind, {}, REGISTRY, AT, 0, { limit: 50 }).rows as unknown as Record<string, unknown>[];
      const paged = rows.find((row) => row[kind === 'rectifications' ? 'rectificationId' : 'handoverId'] === id)!.category;
      const fields = LEDGER_DOWNLOAD_FIELDS[kind] as readonly string[];
      const downloaded = [...readModel.ledgerDownload('350100', kind, {}, REGISTRY, AT).chunks].flat().find((row) => row[0] === id)![fields.indexOf('category')];
      expect(downloaded).toEqual(paged);
      return paged;
    };
    expect(categoryOf('rectifications', 'r-first')).toBe('funds');
    expect(categoryOf('handovers', 'h-last')).toBe('funds');
    expect(categoryOf('rectifications', 'r-orphan')).toBeNull();
    expect(categoryOf('handovers', 'h-orphan')).toBeNull();
    readModel.db.prepare(`INSERT INTO issues (issue_id, round_id, owner, unit_id, unit_jurisdiction, category, found_at, ledger_order) VALUES ('i-later', 'round-a', '350100', 'u-1', '350102', 'grain', ?, ?)`).run(TO, TO);
    expect(categoryOf('rectifications', 'r-orphan')).toBe('grain');
    expect(categoryOf('handovers', 'h-orphan')).toBe('grain');
    expect(ids('rectifications', { category: 'grain' })).toEqual(['r-orphan']);
  });
});
