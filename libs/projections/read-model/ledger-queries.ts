import type { JurisdictionLookup } from '#domain';
import { RECTIFICATION_STATUSES } from '#domain';
import type { HandoverRow, IssueRow, LedgerDownload, LedgerDownloadRow, LedgerFilter, LedgerKind, LedgerPage, LedgerRows, LedgerRowsPage, RectificationRow } from '../ledgers.js';
import { HANDOVER_STATUSES, InvalidCursor, LedgerFilterNotApplicable } from '../ledgers.js';
import type { QueryContext } from './queries.js';
import { UnknownScope } from './queries.js';

const DONE_STATUSES: readonly string[] = ['completed', 'closed'];
const quoted = (values: readonly string[]): string => `(${values.map((value) => `'${value}'`).join(', ')})`;
const DONE = quoted(DONE_STATUSES);
/** The statuses not done: `overdue=true` written with them seeks each in the ledger index instead of reading every row. */
const OPEN = quoted(RECTIFICATION_STATUSES.filter((status) => !DONE_STATUSES.includes(status)));

/**
 * A rectification's or handover's category is its issue's, read from the issues table when a row is
 * read rather than kept on the row: a rectification can reach a level before its issue does, and a
 * copy on the row would have to be written again when the issue arrives (a rebuild writes every
 * rectification). The lookup is one seek of the issues' primary key per row shown.
 */
const CATEGORY = '(SELECT i.category FROM issues i WHERE i.issue_id = x.issue_id)';

interface LedgerShape {
  readonly table: string;
  readonly id: string;
  /**
   * Newest first by this, then by id: a stable order for the cursor. A generated column (the time,
   * '' for none) so that the table's ledger index holds it and gives the order.
   */
  readonly sortKey: string;
  /** Whether a row is overdue at @at: as a column, and as the filter `overdue=true` (the same rows, written for the index). */
  readonly overdue?: { readonly value: string; readonly filter: string };
  readonly status?: { readonly column: string; readonly values: readonly string[] };
  /**
   * An index in ledger order (newest first, then id) that holds every column a filter tests: a page
   * is then found by walking it from the cursor until enough rows match, instead of gathering every
   * matching row of each jurisdiction of the scope and sorting them. Named with the columns it gives.
   */
  readonly walk?: { readonly index: string; readonly columns: string };
  readonly select: string;
}

const SHAPES: Record<LedgerKind, LedgerShape> = {
  issues: {
    table: 'issues',
    id: 'issue_id',
    sortKey: 'x.ledger_order',
    select: `x.issue_id AS issueId, x.round_id AS roundId, x.unit_id AS unitId, u.name AS unitName, x.unit_jurisdiction AS jurisdiction,
      x.category AS category, x.immediate AS immediate, x.found_at AS foundAt, x.supervised AS supervised, x.typical AS typical,
      (SELECT json_group_array(r.rectification_id) FROM (SELECT rectification_id FROM rectifications WHERE issue_id = x.issue_id ORDER BY rectification_id) r) AS rectificationIds,
      (SELECT json_group_array(h.handover_id) FROM (SELECT handover_id FROM handovers WHERE issue_id = x.issue_id ORDER BY handover_id) h) AS handoverIds`,
  },
  rectifications: {
    table: 'rectifications',
    id: 'rectification_id',
    sortKey: 'x.ledger_order',
    overdue: { value: `(x.status NOT IN ${DONE} AND x.due_by < @at)`, filter: `(x.status IN ${OPEN} AND x.due_by < @at)` },
    status: { column: 'x.status', values: RECTIFICATION_STATUSES },
    walk: { index: 'rectifications_newest_first', columns: 'rectification_id, ledger_order, status, due_by, unit_jurisdiction, round_id, unit_id, issue_id' },
    select: `x.rectification_id AS rectificationId, x.issue_id AS issueId, x.round_id AS roundId, x.unit_id AS unitId, u.name AS unitName,
      x.unit_jurisdiction AS jurisdiction, x.owner AS requiredBy, x.required_at AS requiredAt, x.due_by AS dueBy, x.status AS status, ${CATEGORY} AS category,
      x.measures AS measures, x.typical AS typical, x.responsible_leader AS responsibleLeader, x.lead_department AS leadDepartment,
      x.completed_at AS completedAt, x.closed_at AS closedAt, (x.status NOT IN ${DONE} AND x.due_by < @at) AS overdue,
      (x.status IN ${DONE} AND x.completed_at > x.due_by) AS completedLate, x.rejections AS rejections, x.reassessments AS reassessments, x.evidence AS evidence`,
  },
  handovers: {
    table: 'handovers',
    id: 'handover_id',
    sortKey: 'x.ledger_order',
    overdue: { value: '(x.answered_at IS NULL AND x.due_by < @at)', filter: '(x.answered_at IS NULL AND x.due_by < @at)' },
    status: { column: "CASE WHEN x.answered_at IS NULL THEN 'open' ELSE 'answered' END", values: HANDOVER_STATUSES },
    select: `x.handover_id AS handoverId, x.issue_id AS issueId, x.round_id AS roundId, x.unit_id AS unitId, u.name AS unitName,
      x.unit_jurisdiction AS jurisdiction, x.recipient AS recipient, ${CATEGORY} AS category, x.handed_over_at AS handedOverAt, x.due_by AS dueBy,
      CASE WHEN x.answered_at IS NULL THEN 'open' ELSE 'answered' END AS status, x.answered_at AS answeredAt, x.result AS result,
      (x.answered_at IS NULL AND x.due_by < @at) AS overdue`,
  },
};

/**
 * The columns of a download row, in the order of LEDGER_DOWNLOAD_FIELDS: what the sheet shows and
 * nothing more (a rectification's evidence and typical flag are not columns of the sheet). A flag is 0
 * or 1, never null: a closed rectification with no completion time was not completed late.
 */
const DOWNLOAD_SELECT: Record<LedgerKind, string> = {
  issues: `x.issue_id, x.round_id, x.unit_id, u.name, x.unit_jurisdiction, x.category, x.immediate, x.found_at, x.supervised, x.typical,
    (SELECT json_group_array(r.rectification_id) FROM (SELECT rectification_id FROM rectifications WHERE issue_id = x.issue_id ORDER BY rectification_id) r),
    (SELECT json_group_array(h.handover_id) FROM (SELECT handover_id FROM handovers WHERE issue_id = x.issue_id ORDER BY handover_id) h)`,
  rectifications: `x.rectification_id, x.issue_id, x.round_id, x.unit_id, u.name, x.unit_jurisdiction, x.owner, x.required_at, x.due_by, x.status,
    x.measures, x.responsible_leader, x.lead_department, x.completed_at, x.closed_at, (x.status NOT IN ${DONE} AND x.due_by < @at),
    IFNULL(x.status IN ${DONE} AND x.completed_at > x.due_by, 0), x.rejections, x.reassessments, ${CATEGORY}`,
  handovers: `x.handover_id, x.issue_id, x.round_id, x.unit_id, u.name, x.unit_jurisdiction, x.recipient, x.handed_over_at, x.due_by,
    CASE WHEN x.answered_at IS NULL THEN 'open' ELSE 'answered' END, x.answered_at, x.result, (x.answered_at IS NULL AND x.due_by < @at), ${CATEGORY}`,
};

/**
 * Rows per read of the read model while a download streams. The ids of a chunk come in ledger order
 * from an index; the rows themselves are then read in id order (the table's order), which costs a
 * fraction of seeking them one by one in ledger order, and put back in ledger order here. Of
 * 2,000, 5,000 and 10,000 rows, 5,000 took the least CPU for 100,004 rows of the generated city store
 * (2,000: more seeks; 10,000: rows outliving the garbage collector's young generation, and a peak
 * RSS 100 MB higher).
 */
export const LEDGER_DOWNLOAD_CHUNK = 5_000;

const encodeCursor = (sortKey: string, id: string): string => Buffer.from(JSON.stringify([sortKey, id]), 'utf8').toString('base64url');
const decodeCursor = (cursor: string): [string, string] => {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') return [value[0], value[1]];
  } catch {
    // handled below
  }
  throw new InvalidCursor('cursor is not one this server handed out (use the previous page’s `next`)');
};

type Raw = Record<string, unknown>;

/** Where a walk of the ledger-order index starts and stops: after the cursor, within the window (both ranges of its first column). */
const walkWhere = (terms: readonly string[]): string => (terms.length === 0 ? '' : `WHERE ${terms.join(' AND ')}`);

/** Ledger order, as SQLite compares the keys and ids (text, by code unit; ids are ASCII). */
const newestFirst = (a: Raw, b: Raw): number => {
  const [keyA, keyB, idA, idB] = [a.sortKey as string, b.sortKey as string, a.sortId as string, b.sortId as string];
  if (keyA !== keyB) return keyA < keyB ? 1 : -1;
  return idA === idB ? 0 : idA < idB ? 1 : -1;
};

const asRow: { [K in LedgerKind]: (raw: Raw) => LedgerRows[K] } = {
  issues: (raw): IssueRow => ({
    ...(raw as unknown as IssueRow),
    immediate: raw.immediate === 1,
    supervised: raw.supervised === 1,
    typical: raw.typical === 1,
    rectificationIds: JSON.parse(raw.rectificationIds as string) as string[],
    handoverIds: JSON.parse(raw.handoverIds as string) as string[],
  }),
  rectifications: (raw): RectificationRow => ({
    ...(raw as unknown as RectificationRow),
    measures: JSON.parse(raw.measures as string) as RectificationRow['measures'],
    typical: raw.typical === 1,
    overdue: raw.overdue === 1,
    completedLate: raw.completedLate === 1,
    reassessments: JSON.parse(raw.reassessments as string) as RectificationRow['reassessments'],
    evidence: JSON.parse(raw.evidence as string) as RectificationRow['evidence'],
  }),
  handovers: (raw): HandoverRow => ({ ...(raw as unknown as HandoverRow), overdue: raw.overdue === 1 }),
};

/**
 * How far a page walks the ledger-order index before it gives up and gathers the matching rows of
 * each jurisdiction instead: this many index entries per row of the page. The walk wins while at
 * least one row in this many of the ledger matches (an overdue, status, category or round filter
 * of a city does); a sparse filter pays this scan once, then the gathering.
 */
const WALK_ENTRIES_PER_ROW = 200;

/**
 * The ledgers of a jurisdiction's subtree: every row whose unit lies in it, newest first, filtered,
 * a page at a time behind a stable cursor, with the count of every matching row.
 */
export class LedgerQueries {
  constructor(private readonly context: QueryContext) {}

  ledger<K extends LedgerKind>(
    jurisdiction: string,
    kind: K,
    filter: LedgerFilter,
    registry: JurisdictionLookup,
    at: string,
    position: number,
    page: { readonly cursor?: string; readonly limit: number },
  ): LedgerPage<K> {
    const { count, rows, next } = this.read(jurisdiction, kind, filter, registry, at, page, true);
    return { jurisdiction, kind, filter, asOf: at, position, count: count!, rows, next };
  }

  /** A page as `ledger` reads it, without counting every matching row. */
  ledgerRows<K extends LedgerKind>(
    jurisdiction: string,
    kind: K,
    filter: LedgerFilter,
    registry: JurisdictionLookup,
    at: string,
    page: { readonly cursor?: string; readonly limit: number },
  ): LedgerRowsPage<K> {
    const { rows, next } = this.read(jurisdiction, kind, filter, registry, at, page, false);
    return { rows, next };
  }

  /**
   * Every matching row, for a download (CSV or XLSX): counted now, then read a chunk at a time as
   * the writer pulls `chunks`, each chunk in a read transaction of its own behind the last one's
   * (ledger order, then id), as pages follow a cursor.
   */
  ledgerDownload(jurisdiction: string, kind: LedgerKind, filter: LedgerFilter, registry: JurisdictionLookup, at: string, chunkRows = LEDGER_DOWNLOAD_CHUNK): LedgerDownload {
    const { shape, rounds, matching, window, parameters } = this.criteria(jurisdiction, kind, filter, registry, at);
    const context = this.context;
    const children = registry.childrenOf(jurisdiction);
    const count = context.inScope(jurisdiction, children, registry, rounds, () => (context.query(`SELECT COUNT(*) AS n FROM ${shape.table} x WHERE ${matching}`).get(parameters) as { n: number }).n);
    const limit = Math.max(1, Math.trunc(chunkRows));
    const afterCursor = `${shape.sortKey} <= @cursorKey AND (${shape.sortKey} < @cursorKey OR x.${shape.id} < @cursorId)`;
    // The chunk's ids and ledger keys, as a page finds them: walked along the ledger-order index while
    // the filter matches often enough, else gathered per jurisdiction and sorted (ids only: small).
    const idsOf = (after: boolean) => {
      const gathered = context.query(
        `SELECT x.${shape.id}, ${shape.sortKey} AS page_key FROM ${shape.table} x WHERE ${after ? `${matching} AND ${afterCursor}` : matching}
         ORDER BY page_key DESC, x.${shape.id} DESC LIMIT ${limit}`,
      );
      const walked =
        shape.walk && filter.unitId === undefined && filter.roundId === undefined
          ? context.query(
              `SELECT x.${shape.id}, x.page_key FROM (
                 SELECT ${shape.walk.columns}, ${shape.sortKey} AS page_key FROM ${shape.table} x INDEXED BY ${shape.walk.index} ${walkWhere([...(after ? [afterCursor] : []), ...window])}
                 ORDER BY ${shape.sortKey} DESC, x.${shape.id} DESC LIMIT ${limit * WALK_ENTRIES_PER_ROW}) x
               WHERE ${matching} ORDER BY x.page_key DESC, x.${shape.id} DESC LIMIT ${limit}`,
            )
          : undefined;
      return { gathered, walked };
    };
    const first = idsOf(false);
    const later = idsOf(true);
    const rowsOf = context.query(
      `SELECT ${DOWNLOAD_SELECT[kind]} FROM ${shape.table} x LEFT JOIN units u ON u.unit_id = x.unit_id WHERE x.${shape.id} IN (SELECT value FROM json_each(@ids))`,
    );
    function* chunks(): Generator<readonly LedgerDownloadRow[]> {
      let cursor: { cursorKey: string; cursorId: string } | undefined;
      for (;;) {
        const { ids, rows } = context.inScope(jurisdiction, children, registry, rounds, () => {
          const statements = cursor === undefined ? first : later;
          const values = cursor === undefined ? parameters : { ...parameters, ...cursor };
          let ids = statements.walked?.raw(true).all(values) as [string, string][] | undefined;
          if (ids === undefined || ids.length < limit) ids = statements.gathered.raw(true).all(values) as [string, string][];
          if (ids.length === 0) return { ids, rows: [] };
          // Read in id order, as SQLite seeks an IN list; put back in the ids' (ledger) order.
          const place = new Map<string, number>();
          for (let index = 0; index < ids.length; index++) place.set(ids[index]![0], index);
          const rows: LedgerDownloadRow[] = new Array(ids.length);
          for (const row of rowsOf.raw(true).iterate({ at, ids: JSON.stringify(ids.map(([id]) => id)) }) as IterableIterator<unknown[]>) rows[place.get(row[0] as string)!] = row;
          return { ids, rows };
        });
        if (rows.length > 0) yield rows;
        if (ids.length < limit) return;
        const [cursorId, cursorKey] = ids[ids.length - 1]!;
        cursor = { cursorKey, cursorId };
      }
    }
    return { count, chunks: chunks() };
  }

  /** The WHERE of a ledger read (its rows in the scope, filtered), with its parameters; refuses a filter the ledger lacks. */
  private criteria(jurisdiction: string, kind: LedgerKind, filter: LedgerFilter, registry: JurisdictionLookup, at: string) {
    if (!registry.get(jurisdiction)) throw new UnknownScope(`jurisdiction ${jurisdiction} is not registered`);
    const shape = SHAPES[kind];
    const rounds = filter.roundId !== undefined ? this.context.roundsInScope({ roundId: filter.roundId }) : undefined;
    // With a category, the rows are found from the scope's issues of it: the scope is then checked, not sought
    // (unary +), instead of seeking every issue once per jurisdiction of the scope.
    const inScope = filter.category !== undefined && kind !== 'issues' ? '+x.unit_jurisdiction' : 'x.unit_jurisdiction';
    const where: string[] = [`${inScope} IN (SELECT code FROM temp.scope_jurisdictions)`];
    const parameters: Record<string, string | number> = { at };
    if (rounds !== undefined) where.push('x.round_id IN (SELECT round_id FROM temp.scope_rounds)');
    if (filter.unitId !== undefined) {
      where.push('x.unit_id = @unitId');
      parameters.unitId = filter.unitId;
    }
    if (filter.status !== undefined) {
      if (!shape.status) throw new LedgerFilterNotApplicable('status', `the ${kind} ledger has no status`);
      if (!shape.status.values.includes(filter.status)) throw new LedgerFilterNotApplicable('status', `status of the ${kind} ledger is one of ${shape.status.values.join(', ')}`);
      where.push(`${shape.status.column} = @status`);
      parameters.status = filter.status;
    }
    if (filter.overdue !== undefined) {
      if (!shape.overdue) throw new LedgerFilterNotApplicable('overdue', `the ${kind} ledger has no due date`);
      where.push(filter.overdue ? shape.overdue.filter : `NOT ${shape.overdue.value}`);
    }
    if (filter.category !== undefined) {
      // A rectification or handover lies where its issue does (the decider copies the issue's
      // jurisdiction): only the scope's issues of the category need listing.
      where.push(
        kind === 'issues'
          ? 'x.category = @category'
          : 'x.issue_id IN (SELECT issue_id FROM issues WHERE category = @category AND unit_jurisdiction IN (SELECT code FROM temp.scope_jurisdictions))',
      );
      parameters.category = filter.category;
    }
    // ledger_order is the time of the row's beginning fact ('' until it arrives): the window is a range
    // of every ledger index, and a row whose beginning fact is not here lies in no window.
    const window: string[] = [];
    if (filter.from !== undefined || filter.to !== undefined) {
      window.push(filter.from !== undefined ? 'x.ledger_order >= @from' : "x.ledger_order > ''");
      if (filter.from !== undefined) parameters.from = filter.from;
      if (filter.to !== undefined) {
        window.push('x.ledger_order < @to');
        parameters.to = filter.to;
      }
    }
    return { shape, rounds, matching: [...where, ...window].join(' AND '), window, parameters };
  }

  private read<K extends LedgerKind>(
    jurisdiction: string,
    kind: K,
    filter: LedgerFilter,
    registry: JurisdictionLookup,
    at: string,
    page: { readonly cursor?: string; readonly limit: number },
    counted: boolean,
  ): LedgerRowsPage<K> & { readonly count?: number } {
    const { shape, rounds, matching, window, parameters } = this.criteria(jurisdiction, kind, filter, registry, at);
    let afterCursor: string | undefined;
    if (page.cursor !== undefined) {
      const [sortKey, id] = decodeCursor(page.cursor);
      // The first term bounds the walk of the ledger index; the second picks the rows after the cursor.
      afterCursor = `${shape.sortKey} <= @cursorKey AND (${shape.sortKey} < @cursorKey OR x.${shape.id} < @cursorId)`;
      parameters.cursorKey = sortKey;
      parameters.cursorId = id;
    }
    const limit = Math.trunc(page.limit) + 1;
    // The page's ids first, from an index alone (it holds the order and the filtered columns); then
    // only those rows are read. Read whole, every matching row would be. The rows come back in the
    // order they were looked up in and are put in ledger order here: SQLite would sort the wide rows.
    const pageOf = (ids: string) =>
      this.context.query(
        `WITH page AS MATERIALIZED (${ids})
         SELECT ${shape.select}, page.page_key AS sortKey, page.page_id AS sortId FROM page JOIN ${shape.table} x ON x.${shape.id} = page.page_id
         LEFT JOIN units u ON u.unit_id = x.unit_id`,
      );
    const gathered = pageOf(
      `SELECT x.${shape.id} AS page_id, ${shape.sortKey} AS page_key FROM ${shape.table} x WHERE ${[matching, ...(afterCursor ? [afterCursor] : [])].join(' AND ')}
       ORDER BY page_key DESC, page_id DESC LIMIT ${limit}`,
    );
    // A unit's rows are few, and a round family's lie together in time, far from the newest when
    // the round is old: both are gathered from their own indexes, not walked to.
    const walked =
      shape.walk && filter.unitId === undefined && filter.roundId === undefined
        ? pageOf(
            `SELECT x.${shape.id} AS page_id, ${shape.sortKey} AS page_key FROM (
               SELECT ${shape.walk.columns} FROM ${shape.table} x INDEXED BY ${shape.walk.index} ${walkWhere([...(afterCursor ? [afterCursor] : []), ...window])}
               ORDER BY ${shape.sortKey} DESC, x.${shape.id} DESC LIMIT ${limit * WALK_ENTRIES_PER_ROW}) x
             WHERE ${matching} ORDER BY page_key DESC, page_id DESC LIMIT ${limit}`,
          )
        : undefined;
    const { count, raws } = this.context.inScope(jurisdiction, registry.childrenOf(jurisdiction), registry, rounds, () => {
      const count = counted ? (this.context.query(`SELECT COUNT(*) AS n FROM ${shape.table} x WHERE ${matching}`).get(parameters) as { n: number }).n : undefined;
      // Fewer rows than the page wants within the walk's reach: the filter is sparse here, so the
      // rows are gathered instead (which also finds the last page's rows, whatever the walk saw).
      let raws = walked && (count === undefined || count >= limit) ? (walked.all(parameters) as Raw[]) : undefined;
      if (raws === undefined || raws.length < limit) raws = gathered.all(parameters) as Raw[];
      return { count, raws };
    });
    raws.sort(newestFirst);
    const more = raws.length > page.limit;
    const shown = raws.slice(0, page.limit);
    const last = shown[shown.length - 1];
    return {
      ...(count !== undefined ? { count } : {}),
      rows: shown.map(({ sortKey: _sortKey, sortId: _sortId, ...raw }) => asRow[kind](raw)),
      next: more && last ? encodeCursor(last.sortKey as string, last.sortId as string) : null,
    };
  }
}
