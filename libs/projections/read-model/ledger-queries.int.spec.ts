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
  (filter.category === undefined || row.category === filter.category);
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
