import type Database from 'better-sqlite3';
import type { Measure, RectificationEvent, RectificationFacts, RectificationProgress } from '#domain';
import { NOT_STARTED, assertNever, progressAfter } from '#domain';
import type { ProjectionPlan, RowWrite } from '../projector.js';
import { RECTIFICATION_TALLIES, shanghaiDay } from '../report.js';
import { PROJECTED_TABLES, SCHEMA, SECONDARY_INDEXES } from './schema.js';

interface RectificationRow {
  status: RectificationProgress['status'];
  attempt: number;
  planned_for: number;
  completed_at: string | null;
  closed_at: string | null;
  measures: string;
  typical: number;
  required_at: string | null;
  rejections: number;
  reopened: number;
  reassessments: string;
  responsible_leader: string | null;
  lead_department: string | null;
  /** Where the plan shown was stored by the level that recorded it (0: none yet). */
  plan_position: number;
  evidence: string;
}

const progressOf = (row: RectificationRow): RectificationProgress => {
  const base = { attempt: row.attempt, plannedFor: row.planned_for };
  switch (row.status) {
    case 'required':
    case 'planned':
      return { ...base, status: row.status };
    case 'completed':
    case 'reopened':
      return { ...base, status: row.status, completedAt: row.completed_at! };
    case 'closed':
      return { ...base, status: 'closed', completedAt: row.completed_at!, closedAt: row.closed_at! };
    default:
      return assertNever(row.status, 'rectification status');
  }
};

/**
 * A rectification row as the batch will save it: its facts and what they add up to. One record per
 * rectification of the batch, changed in place fact by fact: its second fact in a batch (most
 * completions follow their requirement within a few positions) reads no row and makes no copy. Its
 * facts (ids, unit, due date) are the same in every fact of the rectification: taken from the first.
 */
interface SavedRectification extends RectificationFacts {
  /** Whether the row was in the table when the batch first read it (then replaced, else inserted). */
  readonly stored: boolean;
  progress: RectificationProgress;
  requiredAt: string | null;
  measures: string;
  typical: number;
  rejections: number;
  reopened: number;
  /** Parsed while the batch folds, written as JSON once. */
  reassessments: { roundId: string; verdict: string; at: string }[];
  responsibleLeader: string | null;
  leadDepartment: string | null;
  /** Where the plan shown was stored by the level that recorded it (0: none yet). */
  planPosition: number;
  evidence: string;
}

/** The rectifications table's columns as the writer saves them; `columnsOf` gives the values in this order. */
const RECTIFICATION_COLUMNS = [
  'rectification_id', 'issue_id', 'round_id', 'owner', 'unit_id', 'unit_jurisdiction', 'due_by', 'required_at', 'measures', 'typical',
  'status', 'attempt', 'planned_for', 'completed_at', 'closed_at', 'rejections', 'reopened', 'reassessments', 'responsible_leader',
  'lead_department', 'plan_position', 'evidence', 'ledger_order',
] as const;

const NO_REASSESSMENTS = '[]';

const columnsOf = (saved: SavedRectification): unknown[] => {
  const { progress } = saved;
  return [
    saved.rectificationId, saved.issueId, saved.roundId, saved.owner, saved.unitId, saved.unitJurisdiction, saved.dueBy, saved.requiredAt, saved.measures, saved.typical,
    progress.status, progress.attempt, progress.plannedFor, progress.status === 'required' || progress.status === 'planned' ? null : progress.completedAt,
    progress.status === 'closed' ? progress.closedAt : null, saved.rejections, saved.reopened,
    saved.reassessments.length === 0 ? NO_REASSESSMENTS : JSON.stringify(saved.reassessments), saved.responsibleLeader,
    saved.leadDepartment, saved.planPosition, saved.evidence, saved.requiredAt ?? '',
  ];
};

/**
 * What one rectification adds to the tallies (RECTIFICATION_TALLIES, in that order: 1 or 0 each),
 * where: its unit's jurisdiction and round, and the day it was required ('' until its requirement
 * is known: it then counts in no window, as the rows' query did).
 */
interface RectificationTally {
  readonly jurisdiction: string;
  readonly roundId: string;
  readonly day: string;
  readonly values: readonly number[];
}

const DONE_STATUSES: ReadonlySet<string> = new Set(['completed', 'closed']);

/** The same tests the report made of the row: planned_for > 0, status done, closed, completed_at > due_by. */
const tallyOf = (saved: SavedRectification): RectificationTally => {
  const { progress } = saved;
  const done = DONE_STATUSES.has(progress.status);
  const completedAt = progress.status === 'required' || progress.status === 'planned' ? null : progress.completedAt;
  return {
    jurisdiction: saved.unitJurisdiction,
    roundId: saved.roundId,
    day: saved.requiredAt === null ? '' : shanghaiDay(saved.requiredAt),
    values: [progress.plannedFor > 0 ? 1 : 0, done ? 1 : 0, progress.status === 'closed' ? 1 : 0, done && completedAt !== null && completedAt > saved.dueBy ? 1 : 0],
  };
};

const SEPARATOR = '\u0001';

/**
 * Increments summed over a batch before they are written, keyed by their row: a rebuild's batch
 * moves thousands of rectifications' tallies into a few hundred rows, and sums its days by month.
 */
class BatchSums {
  /** (jurisdiction, round, metric) */
  readonly counters = new Map<string, number>();
  /** (jurisdiction, round, metric, day) */
  readonly days = new Map<string, number>();
  /** (jurisdiction, round, metric, month) */
  readonly months = new Map<string, number>();

  add(map: Map<string, number>, jurisdiction: string, roundId: string, metric: string, when: string | null, delta: number): void {
    const key = when === null ? `${jurisdiction}${SEPARATOR}${roundId}${SEPARATOR}${metric}` : `${jurisdiction}${SEPARATOR}${roundId}${SEPARATOR}${metric}${SEPARATOR}${when}`;
    map.set(key, (map.get(key) ?? 0) + delta);
  }
}

/**
 * Moves a rectification's tallies from where they were (`before`, undefined for a new row) to
 * where they are now. Its jurisdiction and round never change; its day does once, when the
 * requirement arrives after another of its facts. No window reaches a rectification whose
 * requirement is not known yet (day ''): its tallies count in no day until then.
 */
const moveTally = (sums: BatchSums, before: RectificationTally | undefined, after: RectificationTally): void => {
  const { jurisdiction, roundId } = after;
  const wasDay = before === undefined ? '' : before.day;
  RECTIFICATION_TALLIES.forEach((metric, index) => {
    const was = before?.values[index] ?? 0;
    const is = after.values[index]!;
    if (was !== is) sums.add(sums.counters, jurisdiction, roundId, metric, null, is - was);
    if (was !== 0 && wasDay !== '') {
      sums.add(sums.days, jurisdiction, roundId, metric, wasDay, -was);
      sums.add(sums.months, jurisdiction, roundId, metric, wasDay.slice(0, 7), -was);
    }
    if (is !== 0 && after.day !== '') {
      sums.add(sums.days, jurisdiction, roundId, metric, after.day, is);
      sums.add(sums.months, jurisdiction, roundId, metric, after.day.slice(0, 7), is);
    }
  });
};

/** A stored row as the batch folds it. */
const savedOfRow = (facts: RectificationFacts, row: RectificationRow): SavedRectification => ({
  stored: true,
  rectificationId: facts.rectificationId,
  issueId: facts.issueId,
  roundId: facts.roundId,
  owner: facts.owner,
  unitId: facts.unitId,
  unitJurisdiction: facts.unitJurisdiction,
  dueBy: facts.dueBy,
  progress: progressOf(row),
  requiredAt: row.required_at,
  measures: row.measures,
  typical: row.typical,
  rejections: row.rejections,
  reopened: row.reopened,
  reassessments: JSON.parse(row.reassessments) as SavedRectification['reassessments'],
  responsibleLeader: row.responsible_leader,
  leadDepartment: row.lead_department,
  planPosition: row.plan_position,
  evidence: row.evidence,
});

/** A rectification the table does not hold yet. */
const newSaved = (facts: RectificationFacts): SavedRectification => ({
  stored: false,
  rectificationId: facts.rectificationId,
  issueId: facts.issueId,
  roundId: facts.roundId,
  owner: facts.owner,
  unitId: facts.unitId,
  unitJurisdiction: facts.unitJurisdiction,
  dueBy: facts.dueBy,
  progress: NOT_STARTED,
  requiredAt: null,
  measures: '[]',
  typical: 0,
  rejections: 0,
  reopened: 0,
  reassessments: [],
  responsibleLeader: null,
  leadDepartment: null,
  planPosition: 0,
  evidence: '[]',
});

/**
 * Writes plans into the read model: the rows, summed counters and checkpoints of a batch in one
 * transaction. Rows are order-tolerant: facts from different source levels arrive in any order.
 */
export class ProjectionWriter {
  private readonly statements;
  /** The rectification rows a batch changed, by id: folded fact by fact, saved once at its end. */
  private readonly rectificationsOfBatch = new Map<string, SavedRectification>();
  /** What each stored rectification of the batch counted in the tallies before the batch changed it. */
  private readonly talliesBeforeBatch = new Map<string, RectificationTally>();
  /**
   * While a rebuild fills the tables it emptied (from `reset` with dropIndexes to `ensureIndexes`),
   * the ids of the rectification rows written since: a row not among them is not in the table, and
   * its first fact needs no read to learn so. Undefined otherwise.
   */
  private rectificationsSinceReset: Set<string> | undefined;

  constructor(private readonly db: Database.Database) {
    this.statements = {
      checkpoint: db.prepare<[string], { position: number }>('SELECT position FROM projection_checkpoints WHERE name = ?'),
      saveCheckpoint: db.prepare<[string, number]>(
        'INSERT INTO projection_checkpoints (name, position) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET position = excluded.position',
      ),
      addCounter: db.prepare<[string, string, string, number]>(
        'INSERT INTO counters (jurisdiction, round_id, metric, value) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET value = value + excluded.value',
      ),
      addDayCounter: db.prepare<[string, string, string, string, number]>(
        'INSERT INTO counter_days (jurisdiction, round_id, metric, day, value) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET value = value + excluded.value',
      ),
      addMonthCounter: db.prepare<[string, string, string, string, number]>(
        'INSERT INTO counter_months (jurisdiction, round_id, metric, month, value) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET value = value + excluded.value',
      ),
      // A tally that comes back to 0 leaves no row: a rebuild that never moved it away writes none.
      dropEmptyCounter: db.prepare<[string, string, string]>('DELETE FROM counters WHERE jurisdiction = ? AND round_id = ? AND metric = ? AND value = 0'),
      dropEmptyDayCounter: db.prepare<[string, string, string, string]>(
        'DELETE FROM counter_days WHERE jurisdiction = ? AND round_id = ? AND metric = ? AND day = ? AND value = 0',
      ),
      dropEmptyMonthCounter: db.prepare<[string, string, string, string]>(
        'DELETE FROM counter_months WHERE jurisdiction = ? AND round_id = ? AND metric = ? AND month = ? AND value = 0',
      ),
      addStationingDay: db.prepare<[string, string, string, string, string, string]>(
        'INSERT OR IGNORE INTO stationing_days (team_id, unit_id, day, round_id, owner, unit_jurisdiction) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      planRound: db.prepare<[string, string, string | null, string | null, string, string, string]>(
        `INSERT INTO rounds (round_id, owner, parent_round_id, theme, kind, linkage, planned_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(round_id) DO UPDATE SET owner = excluded.owner, parent_round_id = excluded.parent_round_id, theme = excluded.theme,
           kind = excluded.kind, linkage = excluded.linkage, planned_at = excluded.planned_at`,
      ),
      launchRound: db.prepare<[string, string, string]>(
        `INSERT INTO rounds (round_id, owner, launched_at) VALUES (?, ?, ?) ON CONFLICT(round_id) DO UPDATE SET launched_at = excluded.launched_at`,
      ),
      closeRound: db.prepare<[string, string, string]>(
        `INSERT INTO rounds (round_id, owner, closed_at) VALUES (?, ?, ?) ON CONFLICT(round_id) DO UPDATE SET closed_at = excluded.closed_at`,
      ),
      addTarget: db.prepare<[string, string, string]>('INSERT OR IGNORE INTO round_targets (round_id, unit_id, jurisdiction) VALUES (?, ?, ?)'),
      addJurisdiction: db.prepare<[string, string, string, string | null, number]>(
        'INSERT OR IGNORE INTO jurisdictions (code, name, level, parent, position) VALUES (?, ?, ?, ?, ?)',
      ),
      addUnit: db.prepare<[string, string, string, string | null]>('INSERT OR REPLACE INTO units (unit_id, jurisdiction, name, kind) VALUES (?, ?, ?, ?)'),
      addStationing: db.prepare<[string, string, string, string, string]>(
        'INSERT OR IGNORE INTO stationings (team_id, unit_id, round_id, owner, unit_jurisdiction) VALUES (?, ?, ?, ?, ?)',
      ),
      assignTask: db.prepare<[string, string, string, string, string, string | null, string, string]>(
        `INSERT INTO tasks (task_id, from_jurisdiction, to_jurisdiction, kind, title, round_id, due_by, assigned_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(task_id) DO UPDATE SET kind = excluded.kind, title = excluded.title, assigned_at = excluded.assigned_at`,
      ),
      touchTask: db.prepare<[string, string, string, string | null, string]>(
        `INSERT INTO tasks (task_id, from_jurisdiction, to_jurisdiction, round_id, due_by) VALUES (?, ?, ?, ?, ?) ON CONFLICT(task_id) DO NOTHING`,
      ),
      acceptTask: db.prepare<[string, string]>('UPDATE tasks SET accepted_at = ? WHERE task_id = ?'),
      progressTask: db.prepare<[string, number | null, string, string]>(
        'UPDATE tasks SET progress_at = ?, percent = coalesce(?, percent) WHERE task_id = ? AND (progress_at IS NULL OR progress_at <= ?)',
      ),
      completeTask: db.prepare<[string, string | null, string]>('UPDATE tasks SET completed_at = ?, result = ? WHERE task_id = ?'),
      addHistory: db.prepare<[string, number, string, string, string, string | null, number | null, string | null]>(
        'INSERT OR IGNORE INTO task_history (task_id, position, type, at, by_actor, note, percent, result) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      // An issue row may be started by its supervision arriving first: the finding fills the rest.
      issue: db.prepare<[string, string, string, string, string, string, string, number, string, string]>(
        `INSERT INTO issues (issue_id, round_id, owner, team_id, unit_id, unit_jurisdiction, category, immediate, found_at, ledger_order)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, coalesce(?, ''))
         ON CONFLICT(issue_id) DO UPDATE SET team_id = excluded.team_id, category = excluded.category, immediate = excluded.immediate, found_at = excluded.found_at,
           ledger_order = excluded.ledger_order`,
      ),
      supervise: db.prepare<[string, string, string, string, string, number]>(
        `INSERT INTO issues (issue_id, round_id, owner, unit_id, unit_jurisdiction, supervised, typical) VALUES (?, ?, ?, ?, ?, 1, ?)
         ON CONFLICT(issue_id) DO UPDATE SET supervised = 1, typical = max(typical, excluded.typical)`,
      ),
      rectification: db.prepare<[string], RectificationRow>('SELECT * FROM rectifications WHERE rectification_id = ?'),
      // Positional parameters, in RECTIFICATION_COLUMNS order: binding 23 named ones costs a property lookup each.
      // A row this batch found absent is inserted; one it read is replaced.
      insertRectification: db.prepare<unknown[]>(
        `INSERT INTO rectifications (${RECTIFICATION_COLUMNS.join(', ')}) VALUES (${RECTIFICATION_COLUMNS.map(() => '?').join(', ')})`,
      ),
      replaceRectification: db.prepare<unknown[]>(
        `INSERT OR REPLACE INTO rectifications (${RECTIFICATION_COLUMNS.join(', ')}) VALUES (${RECTIFICATION_COLUMNS.map(() => '?').join(', ')})`,
      ),
      // A handover row may be started by its answer arriving first; answered stays answered.
      handover: db.prepare<[string, string, string, string, string, string, string, string, string | null, string | null, string | null, string | null]>(
        `INSERT INTO handovers (handover_id, issue_id, round_id, owner, unit_id, unit_jurisdiction, recipient, due_by, handed_over_at, answered_at, result, ledger_order)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, coalesce(?, ''))
         ON CONFLICT(handover_id) DO UPDATE SET handed_over_at = coalesce(excluded.handed_over_at, handed_over_at),
           answered_at = coalesce(answered_at, excluded.answered_at), result = coalesce(result, excluded.result),
           ledger_order = coalesce(excluded.handed_over_at, handed_over_at, '')`,
      ),
    };
  }

  checkpoint(name: string): number {
    return this.statements.checkpoint.get(name)?.position ?? 0;
  }

  /** Applies a batch's plan and moves the checkpoints of `names` to `reached`, atomically. */
  apply(names: readonly string[], plan: ProjectionPlan, reached: number): void {
    this.db.transaction(() => {
      const sums = new BatchSums();
      try {
        for (const row of plan.rows) this.write(row);
        // A rectification's facts of one batch are folded in memory and its row written once, in id
        // order: neighbouring keys land on the same pages of the table, which a rebuild fills from empty.
        const ids = [...this.rectificationsOfBatch.keys()].sort();
        for (const id of ids) {
          const saved = this.rectificationsOfBatch.get(id)!;
          (saved.stored ? this.statements.replaceRectification : this.statements.insertRectification).run(columnsOf(saved));
          this.rectificationsSinceReset?.add(id);
          moveTally(sums, this.talliesBeforeBatch.get(id), tallyOf(saved));
        }
      } finally {
        this.rectificationsOfBatch.clear();
        this.talliesBeforeBatch.clear();
      }
      const { counters } = plan;
      for (let index = 0; index < counters.length; index += 4) {
        this.statements.addCounter.run(counters[index] as string, counters[index + 1] as string, counters[index + 2] as string, counters[index + 3] as number);
      }
      this.addDayCounters(plan.dayCounters, sums);
      this.writeSums(sums);
      for (const name of names) this.statements.saveCheckpoint.run(name, reached);
    })();
  }

  /** The batch's increments by day: (jurisdiction, round, metric, day, increment) quintuples; summed by month into `sums`. */
  private addDayCounters(dayCounters: readonly (string | number)[], sums: BatchSums): void {
    const add = this.statements.addDayCounter;
    for (let index = 0; index < dayCounters.length; index += 5) {
      const day = dayCounters[index + 3] as string;
      add.run(dayCounters[index] as string, dayCounters[index + 1] as string, dayCounters[index + 2] as string, day, dayCounters[index + 4] as number);
      sums.add(sums.months, dayCounters[index] as string, dayCounters[index + 1] as string, dayCounters[index + 2] as string, day.slice(0, 7), dayCounters[index + 4] as number);
    }
  }

  /** One upsert per row the batch's sums touch; a tally a decrement brought back to 0 leaves no row. */
  private writeSums(sums: BatchSums): void {
    const s = this.statements;
    for (const [key, delta] of sums.counters) {
      if (delta === 0) continue;
      const [jurisdiction, roundId, metric] = key.split(SEPARATOR) as [string, string, string];
      s.addCounter.run(jurisdiction, roundId, metric, delta);
      if (delta < 0) s.dropEmptyCounter.run(jurisdiction, roundId, metric);
    }
    for (const [key, delta] of sums.days) {
      if (delta === 0) continue;
      const [jurisdiction, roundId, metric, day] = key.split(SEPARATOR) as [string, string, string, string];
      s.addDayCounter.run(jurisdiction, roundId, metric, day, delta);
      if (delta < 0) s.dropEmptyDayCounter.run(jurisdiction, roundId, metric, day);
    }
    for (const [key, delta] of sums.months) {
      if (delta === 0) continue;
      const [jurisdiction, roundId, metric, month] = key.split(SEPARATOR) as [string, string, string, string];
      s.addMonthCounter.run(jurisdiction, roundId, metric, month, delta);
      if (delta < 0) s.dropEmptyMonthCounter.run(jurisdiction, roundId, metric, month);
    }
  }

  /**
   * Empties every projected table and the checkpoints of `names` in one transaction. With
   * `dropIndexes` the secondary indexes go too (first: rows are deleted faster without them), for a
   * rebuild that makes them again once every row is in (`ensureIndexes`).
   */
  reset(names: readonly string[], options: { readonly dropIndexes?: boolean } = {}): void {
    this.db.transaction(() => {
      if (options.dropIndexes) for (const name of SECONDARY_INDEXES) this.db.exec(`DROP INDEX IF EXISTS ${name}`);
      for (const table of PROJECTED_TABLES) this.db.exec(`DELETE FROM ${table}`);
      for (const name of names) this.statements.saveCheckpoint.run(name, 0);
    })();
    this.rectificationsSinceReset = options.dropIndexes ? new Set() : undefined;
  }

  /** Makes every secondary index that is missing. */
  ensureIndexes(): void {
    this.rectificationsSinceReset = undefined;
    this.db.exec(SCHEMA);
  }

  private write(row: RowWrite): void {
    const s = this.statements;
    switch (row[0]) {
      case 'jurisdiction':
        s.addJurisdiction.run(row[1], row[2], row[3], row[4], row[5]);
        return;
      case 'unit':
        s.addUnit.run(row[1], row[2], row[3], row[4]);
        return;
      case 'planRound':
        s.planRound.run(row[1], row[2], row[3], row[4], row[5], row[6], row[7]);
        return;
      case 'target':
        s.addTarget.run(row[1], row[2], row[3]);
        return;
      case 'launchRound':
        s.launchRound.run(row[1], row[2], row[3]);
        return;
      case 'closeRound':
        s.closeRound.run(row[1], row[2], row[3]);
        return;
      case 'stationing':
        s.addStationing.run(row[1], row[2], row[3], row[4], row[5]);
        return;
      case 'stationedOn':
        s.addStationingDay.run(row[1], row[2], row[3], row[4], row[5], row[6]);
        return;
      case 'assignTask':
        s.assignTask.run(row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8]);
        return;
      case 'touchTask':
        s.touchTask.run(row[1], row[2], row[3], row[4], row[5]);
        return;
      case 'acceptTask':
        s.acceptTask.run(row[1], row[2]);
        return;
      case 'progressTask':
        // Progress reports may arrive out of order: the latest by domain time wins.
        s.progressTask.run(row[1], row[2], row[3], row[1]);
        return;
      case 'completeTask':
        s.completeTask.run(row[1], row[2], row[3]);
        return;
      case 'history':
        s.addHistory.run(row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8]);
        return;
      case 'issue':
        s.issue.run(row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8], row[9], row[9]);
        return;
      case 'supervise':
        s.supervise.run(row[1], row[2], row[3], row[4], row[5], row[6]);
        return;
      case 'rectification':
        this.writeRectification(row[1], row[2], row[3]);
        return;
      case 'handover': {
        const [, h, handedOverAt, answeredAt, result] = row;
        s.handover.run(h.handoverId, h.issueId, h.roundId, h.owner, h.unitId, h.unitJurisdiction, h.recipient, h.dueBy, handedOverAt, answeredAt, result, handedOverAt);
        return;
      }
      default:
        return assertNever(row, 'row write');
    }
  }

  /**
   * Folds one lifecycle fact into its row with the domain's own lifecycle (rectification/lifecycle.ts).
   * Facts arrive in any order, even those of one source (a delivery gap repaired by a replay), so
   * what a row shows besides the status is chosen by an order the facts carry, never by arrival: the
   * latest plan by (attempt it prepares, position at its source), the evidence of the completion
   * that holds now, reassessments by (time, round, verdict).
   */
  private writeRectification(event: RectificationEvent, occurredAt: string, sourcePosition: number): void {
    const d = event.data;
    let saved = this.rectificationsOfBatch.get(d.rectificationId);
    if (saved === undefined) {
      const unread = this.rectificationsSinceReset !== undefined && !this.rectificationsSinceReset.has(d.rectificationId);
      const row = unread ? undefined : this.statements.rectification.get(d.rectificationId);
      saved = row === undefined ? newSaved(d) : savedOfRow(d, row);
      this.rectificationsOfBatch.set(d.rectificationId, saved);
      if (row !== undefined) this.talliesBeforeBatch.set(d.rectificationId, tallyOf(saved));
    }
    // What the row shows besides the status is read before the fact moves the status on.
    const shownPlanFor = saved.progress.plannedFor;
    saved.progress = progressAfter(saved.progress, event, occurredAt);
    switch (event.type) {
      case 'RectificationRequired':
        saved.requiredAt = occurredAt;
        // The unit's plan, if it arrived first, says the measures now.
        if (saved.progress.plannedFor === 0) saved.measures = JSON.stringify(event.data.measures ?? []);
        saved.typical = event.data.typical ? 1 : 0;
        break;
      case 'RectificationPlanned': {
        // The latest claim holds: a plan for a later attempt, or a later plan for the same one
        // (planning again replaces the plan); a stale one arriving after it does not replace it.
        const { forAttempt } = event.data;
        if (forAttempt > shownPlanFor || (forAttempt === shownPlanFor && sourcePosition > saved.planPosition)) {
          saved.measures = JSON.stringify(event.data.measures satisfies Measure[]);
          saved.responsibleLeader = event.data.responsibleLeader;
          saved.leadDepartment = event.data.leadDepartment;
          saved.planPosition = sourcePosition;
        }
        break;
      }
      case 'RectificationCompleted':
        // The evidence of the completion that holds now: a later completion without evidence shows none.
        if ((event.data.attempt ?? 1) === saved.progress.attempt) saved.evidence = JSON.stringify(event.data.evidence ?? []);
        break;
      case 'RectificationVerified':
        if (event.data.verdict === 'rejected') saved.rejections++;
        break;
      case 'RectificationReassessed': {
        const { reassessments } = saved;
        reassessments.push({ roundId: event.data.lookBackRoundId, verdict: event.data.verdict, at: occurredAt });
        reassessments.sort((a, b) => a.at.localeCompare(b.at) || a.roundId.localeCompare(b.roundId) || a.verdict.localeCompare(b.verdict));
        if (event.data.verdict !== 'genuine') saved.reopened++;
        break;
      }
      default:
        assertNever(event, 'rectification event');
    }
  }
}
