import type { JurisdictionLookup } from '#domain';
import type { Linkage, RoundKind } from '#domain';
import type { CounterMetric, Report, ReportFigures, ReportScope } from '../report.js';
import { LINKAGE_METRICS, WINDOW_OPEN_END, WINDOW_OPEN_START, addMetric, emptyFigures, finishRatios, shanghaiDay, windowParts } from '../report.js';
import type { QueryContext } from './queries.js';
import { UnknownScope } from './queries.js';

const DONE = `('completed', 'closed')`;

/**
 * The upward report (DESIGN.md §5, §8.2) of a jurisdiction's subtree, computed at query time: the
 * counters summed per child bucket (with the rectifications' status tallies the writer keeps among
 * them), and the other figures that follow status (handovers, supervision, tasks) counted from their
 * rows; due dates are measured against `now`, the rectifications' from their open rows only.
 */
export class ReportQueries {
  constructor(private readonly context: QueryContext) {}

  report(jurisdiction: string, scope: ReportScope, registry: JurisdictionLookup, now: string, position: number): Report {
    const root = registry.get(jurisdiction);
    if (!root) throw new UnknownScope(`jurisdiction ${jurisdiction} is not registered`);
    const rounds = this.context.roundsInScope(scope);
    const children = registry.childrenOf(jurisdiction).map((code) => registry.get(code)!);
    const figures = new Map<string, ReportFigures>([[jurisdiction, emptyFigures(root.code, root.name, root.level)]]);
    for (const child of children) figures.set(child.code, emptyFigures(child.code, child.name, child.level));
    /** Every bucket counts in the root's total and in its own child's figures. */
    const targets = (bucket: string): ReportFigures[] => (bucket === jurisdiction ? [figures.get(jurisdiction)!] : [figures.get(jurisdiction)!, figures.get(bucket)!]);
    const inRounds = (alias: string) => (rounds === undefined ? '' : `AND ${alias}.round_id IN (SELECT round_id FROM temp.scope_rounds)`);
    const query = (sql: string) => this.context.query(sql);
    const { window } = scope;
    /**
     * With a window, counted facts are summed from their days, and each row that follows a status
     * counts when the fact that began it (required, handed over, found, assigned) lies in the window:
     * its status is still the one at the report's time. `between(column)` is that test, or nothing.
     */
    const instants = window === undefined ? [] : [window.from ?? WINDOW_OPEN_START, window.to ?? WINDOW_OPEN_END];
    const days = instants.map((instant) => (instant === WINDOW_OPEN_START || instant === WINDOW_OPEN_END ? instant.slice(0, 10) : shanghaiDay(instant)));
    // A window's counters: its whole months, and its days before the first and after the last of them.
    const parts = window === undefined ? undefined : windowParts(days[0]!, days[1]!);
    const counterSource =
      parts === undefined
        ? 'counters'
        : `(SELECT jurisdiction, round_id, metric, value FROM counter_months WHERE month >= ? AND month < ?
            UNION ALL SELECT jurisdiction, round_id, metric, value FROM counter_days WHERE day >= ? AND day < ?
            UNION ALL SELECT jurisdiction, round_id, metric, value FROM counter_days WHERE day >= ? AND day < ?)`;
    const counterParams = parts === undefined ? [] : [...parts.months, ...parts.leadingDays, ...parts.trailingDays];
    const between = (column: string) => (window === undefined ? '' : `AND ${column} >= ? AND ${column} < ?`);

    this.context.inScope(
      jurisdiction,
      children.map((child) => child.code),
      registry,
      rounds,
      () => {
        // One pass over the counters gives the figures and, through each counter's round, the breakdown by linkage mode.
        const counterRows = query(
          `SELECT s.bucket AS bucket, r.linkage AS linkage, x.metric AS metric, SUM(x.value) AS value FROM ${counterSource} x
           JOIN temp.scope_jurisdictions s ON s.code = x.jurisdiction LEFT JOIN rounds r ON r.round_id = x.round_id
           WHERE 1 = 1 ${inRounds('x')} GROUP BY s.bucket, r.linkage, x.metric`,
        ).all(...counterParams) as { bucket: string; linkage: Linkage | null; metric: CounterMetric; value: number }[];
        for (const row of counterRows) {
          const field = row.linkage === null ? undefined : LINKAGE_METRICS[row.metric as keyof typeof LINKAGE_METRICS];
          for (const target of targets(row.bucket)) {
            addMetric(target, row.metric, row.value);
            if (field !== undefined) target.byLinkage[row.linkage!][field] += row.value;
          }
        }

        const roundRows = query(
          `SELECT s.bucket AS bucket, r.kind AS kind, r.linkage AS linkage, SUM(r.launched_at IS NOT NULL ${between('r.launched_at')}) AS launched,
             SUM(r.closed_at IS NOT NULL ${between('r.closed_at')}) AS closed
           FROM rounds r JOIN temp.scope_jurisdictions s ON s.code = r.owner WHERE r.kind IS NOT NULL ${inRounds('r')} GROUP BY s.bucket, r.kind, r.linkage`,
        ).all(...instants, ...instants) as { bucket: string; kind: RoundKind; linkage: Linkage; launched: number; closed: number }[];
        for (const row of roundRows) {
          for (const target of targets(row.bucket)) {
            target.roundsByKind[row.kind].launched += row.launched;
            target.roundsByKind[row.kind].closed += row.closed;
            target.byLinkage[row.linkage].rounds += row.launched;
          }
        }

        const unitsRegistered = (
          rounds === undefined
            ? query(`SELECT s.bucket AS bucket, COUNT(*) AS n FROM units u JOIN temp.scope_jurisdictions s ON s.code = u.jurisdiction GROUP BY s.bucket`)
            : query(
                `SELECT s.bucket AS bucket, COUNT(DISTINCT t.unit_id) AS n FROM round_targets t JOIN temp.scope_jurisdictions s ON s.code = t.jurisdiction
                 WHERE t.round_id IN (SELECT round_id FROM temp.scope_rounds) GROUP BY s.bucket`,
              )
        ).all() as { bucket: string; n: number }[];
        for (const row of unitsRegistered) for (const target of targets(row.bucket)) target.units.registered += row.n;

        const stationedIn = window === undefined ? undefined : { days, filter: `AND st.day >= ? AND st.day < ? ${inRounds('st')}` };
        const inspected = this.distinctStationed('unit_id', 'unit_jurisdiction', inRounds('st'), stationedIn);
        for (const row of inspected.perBucket) if (row.bucket !== jurisdiction) figures.get(row.bucket)!.units.inspected = row.n;
        figures.get(jurisdiction)!.units.inspected = inspected.total;
        const stationed = this.distinctStationed('team_id', 'owner', inRounds('st'), stationedIn);
        for (const row of stationed.perBucket) if (row.bucket !== jurisdiction) figures.get(row.bucket)!.teams.stationed = row.n;
        figures.get(jurisdiction)!.teams.stationed = stationed.total;

        // Only the open rows due before now, through the partial index of open rows (its status test is this one).
        const overdueRectifications = query(
          `SELECT s.bucket AS bucket, COUNT(*) AS overdue
           FROM rectifications r JOIN temp.scope_jurisdictions s ON s.code = r.unit_jurisdiction
           WHERE r.status NOT IN ${DONE} AND r.due_by < ? ${between('r.required_at')} ${inRounds('r')} GROUP BY s.bucket`,
        ).all(now, ...instants) as { bucket: string; overdue: number }[];
        for (const row of overdueRectifications) for (const target of targets(row.bucket)) target.rectifications.overdue += row.overdue;

        const handovers = query(
          `SELECT s.bucket AS bucket, SUM(h.answered_at IS NOT NULL) AS answered, SUM(h.answered_at IS NULL AND h.due_by < ?) AS overdue
           FROM handovers h JOIN temp.scope_jurisdictions s ON s.code = h.unit_jurisdiction WHERE 1 = 1 ${between('h.handed_over_at')} ${inRounds('h')} GROUP BY s.bucket`,
        ).all(now, ...instants) as { bucket: string; answered: number; overdue: number }[];
        for (const row of handovers) {
          for (const target of targets(row.bucket)) {
            target.handovers.answered += row.answered;
            target.handovers.overdue += row.overdue;
          }
        }

        const supervised = query(
          `SELECT s.bucket AS bucket, SUM(i.supervised) AS issues, SUM(i.supervised = 1 AND i.typical = 1) AS typical
           FROM issues i JOIN temp.scope_jurisdictions s ON s.code = i.unit_jurisdiction WHERE i.supervised = 1 ${between('i.found_at')} ${inRounds('i')} GROUP BY s.bucket`,
        ).all(...instants) as { bucket: string; issues: number; typical: number }[];
        for (const row of supervised) {
          for (const target of targets(row.bucket)) {
            target.supervision.issues += row.issues;
            target.supervision.typical += row.typical;
          }
        }

        const tasks = query(
          `SELECT s.bucket AS bucket, COUNT(*) AS assigned,
             SUM(t.accepted_at IS NOT NULL OR t.progress_at IS NOT NULL OR t.completed_at IS NOT NULL) AS accepted,
             SUM(t.completed_at IS NOT NULL) AS completed, SUM(t.completed_at IS NOT NULL AND t.completed_at > t.due_by) AS completedLate,
             SUM(t.completed_at IS NULL AND t.due_by < ?) AS overdue
           FROM tasks t JOIN temp.scope_jurisdictions s ON s.code = t.to_jurisdiction WHERE 1 = 1 ${between('t.assigned_at')} ${inRounds('t')} GROUP BY s.bucket`,
        ).all(now, ...instants) as { bucket: string; assigned: number; accepted: number; completed: number; completedLate: number; overdue: number }[];
        for (const row of tasks) {
          for (const target of targets(row.bucket)) {
            target.tasks.assigned += row.assigned;
            target.tasks.accepted += row.accepted;
            target.tasks.completed += row.completed;
            target.tasks.completedLate += row.completedLate;
            target.tasks.overdue += row.overdue;
          }
        }
      },
    );
    for (const entry of figures.values()) finishRatios(entry);
    return {
      ...figures.get(jurisdiction)!,
      scope: {
        ...(scope.roundId !== undefined ? { roundId: scope.roundId } : {}),
        ...(scope.theme !== undefined ? { theme: scope.theme } : {}),
        ...(window !== undefined ? { window: { from: window.from, to: window.to } } : {}),
      },
      asOf: now,
      position,
      children: children.map((child) => figures.get(child.code)!),
    };
  }

  /**
   * Distinct units or teams of the stationings in scope, per child bucket and over the whole scope
   * (a unit inspected under two children counts once in the total), the scope matched on `scopeColumn`.
   */
  private distinctStationed(
    counted: 'unit_id' | 'team_id',
    scopeColumn: 'unit_jurisdiction' | 'owner',
    stationFilter: string,
    inWindow?: { readonly days: readonly string[]; readonly filter: string },
  ) {
    // In a window: the stationings by day, those on a day of the window.
    const table = inWindow === undefined ? 'stationings' : 'stationing_days';
    const params = inWindow?.days ?? [];
    const from = `FROM ${table} st JOIN temp.scope_jurisdictions s ON s.code = st.${scopeColumn} WHERE 1 = 1 ${inWindow?.filter ?? stationFilter}`;
    return {
      perBucket: this.context.query(`SELECT s.bucket AS bucket, COUNT(DISTINCT st.${counted}) AS n ${from} GROUP BY s.bucket`).all(...params) as { bucket: string; n: number }[],
      total: (this.context.query(`SELECT COUNT(DISTINCT st.${counted}) AS n ${from}`).get(...params) as { n: number }).n,
    };
  }
}
