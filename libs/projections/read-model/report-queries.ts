import type { JurisdictionLookup } from '#domain';
import type { CounterMetric, Report, ReportFigures, ReportScope } from '../report.js';
import { addMetric, emptyFigures, finishRatios } from '../report.js';
import type { QueryContext } from './queries.js';
import { UnknownScope } from './queries.js';

const DONE = `('completed', 'closed')`;

/**
 * The upward report (DESIGN.md §5, §8.2) of a jurisdiction's subtree, computed at query time: the
 * counters summed per child bucket, and the figures that follow status (rectifications, handovers,
 * supervision, tasks) counted from their rows, due dates measured against `now`.
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

    this.context.inScope(
      jurisdiction,
      children.map((child) => child.code),
      registry,
      rounds,
      () => {
        const counterRows = query(
          `SELECT s.bucket AS bucket, x.metric AS metric, SUM(x.value) AS value FROM counters x
           JOIN temp.scope_jurisdictions s ON s.code = x.jurisdiction WHERE 1 = 1 ${inRounds('x')} GROUP BY s.bucket, x.metric`,
        ).all() as { bucket: string; metric: CounterMetric; value: number }[];
        for (const row of counterRows) for (const target of targets(row.bucket)) addMetric(target, row.metric, row.value);

        const unitsRegistered = (
          rounds === undefined
            ? query(`SELECT s.bucket AS bucket, COUNT(*) AS n FROM units u JOIN temp.scope_jurisdictions s ON s.code = u.jurisdiction GROUP BY s.bucket`)
            : query(
                `SELECT s.bucket AS bucket, COUNT(DISTINCT t.unit_id) AS n FROM round_targets t JOIN temp.scope_jurisdictions s ON s.code = t.jurisdiction
                 WHERE t.round_id IN (SELECT round_id FROM temp.scope_rounds) GROUP BY s.bucket`,
              )
        ).all() as { bucket: string; n: number }[];
        for (const row of unitsRegistered) for (const target of targets(row.bucket)) target.units.registered += row.n;

        const inspected = this.distinctStationed('unit_id', 'unit_jurisdiction', inRounds('st'));
        for (const row of inspected.perBucket) if (row.bucket !== jurisdiction) figures.get(row.bucket)!.units.inspected = row.n;
        figures.get(jurisdiction)!.units.inspected = inspected.total;
        const stationed = this.distinctStationed('team_id', 'owner', inRounds('st'));
        for (const row of stationed.perBucket) if (row.bucket !== jurisdiction) figures.get(row.bucket)!.teams.stationed = row.n;
        figures.get(jurisdiction)!.teams.stationed = stationed.total;

        const rectifications = query(
          `SELECT s.bucket AS bucket, SUM(r.planned_for > 0) AS planned, SUM(r.status IN ${DONE}) AS completed, SUM(r.status = 'closed') AS closed,
             SUM(r.status NOT IN ${DONE} AND r.due_by < ?) AS overdue, SUM(r.status IN ${DONE} AND r.completed_at > r.due_by) AS completedLate
           FROM rectifications r JOIN temp.scope_jurisdictions s ON s.code = r.unit_jurisdiction WHERE 1 = 1 ${inRounds('r')} GROUP BY s.bucket`,
        ).all(now) as { bucket: string; planned: number; completed: number; closed: number; overdue: number; completedLate: number }[];
        for (const row of rectifications) {
          for (const target of targets(row.bucket)) {
            target.rectifications.planned += row.planned;
            target.rectifications.completed += row.completed;
            target.rectifications.closed += row.closed;
            target.rectifications.overdue += row.overdue;
            target.rectifications.completedLate += row.completedLate;
          }
        }

        const handovers = query(
          `SELECT s.bucket AS bucket, SUM(h.answered_at IS NOT NULL) AS answered, SUM(h.answered_at IS NULL AND h.due_by < ?) AS overdue
           FROM handovers h JOIN temp.scope_jurisdictions s ON s.code = h.unit_jurisdiction WHERE 1 = 1 ${inRounds('h')} GROUP BY s.bucket`,
        ).all(now) as { bucket: string; answered: number; overdue: number }[];
        for (const row of handovers) {
          for (const target of targets(row.bucket)) {
            target.handovers.answered += row.answered;
            target.handovers.overdue += row.overdue;
          }
        }

        const supervised = query(
          `SELECT s.bucket AS bucket, SUM(i.supervised) AS issues, SUM(i.supervised = 1 AND i.typical = 1) AS typical
           FROM issues i JOIN temp.scope_jurisdictions s ON s.code = i.unit_jurisdiction WHERE i.supervised = 1 ${inRounds('i')} GROUP BY s.bucket`,
        ).all() as { bucket: string; issues: number; typical: number }[];
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
           FROM tasks t JOIN temp.scope_jurisdictions s ON s.code = t.to_jurisdiction WHERE 1 = 1 ${inRounds('t')} GROUP BY s.bucket`,
        ).all(now) as { bucket: string; assigned: number; accepted: number; completed: number; completedLate: number; overdue: number }[];
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
      scope: { ...(scope.roundId !== undefined ? { roundId: scope.roundId } : {}), ...(scope.theme !== undefined ? { theme: scope.theme } : {}) },
      asOf: now,
      position,
      children: children.map((child) => figures.get(child.code)!),
    };
  }

  /**
   * Distinct units or teams of the stationings in scope, per child bucket and over the whole scope
   * (a unit inspected under two children counts once in the total), the scope matched on `scopeColumn`.
   */
  private distinctStationed(counted: 'unit_id' | 'team_id', scopeColumn: 'unit_jurisdiction' | 'owner', stationFilter: string) {
    const from = `FROM stationings st JOIN temp.scope_jurisdictions s ON s.code = st.${scopeColumn} WHERE 1 = 1 ${stationFilter}`;
    return {
      perBucket: this.context.query(`SELECT s.bucket AS bucket, COUNT(DISTINCT st.${counted}) AS n ${from} GROUP BY s.bucket`).all() as { bucket: string; n: number }[],
      total: (this.context.query(`SELECT COUNT(DISTINCT st.${counted}) AS n ${from}`).get() as { n: number }).n,
    };
  }
}
