import Database from 'better-sqlite3';
import type { JurisdictionLookup, JurisdictionRegistered } from '#domain';
import { assertNever } from '#domain';
import { preparePrivateSqliteFile } from '#event-store';
import type { CounterMetric, Report, ReportFigures, ReportScope, TaskHistoryEntry, TaskStatus, TaskStream, TaskView } from './report.js';
import { addMetric, emptyFigures, finishRatios } from './report.js';
import type { ProjectedFact, ProjectionPlan, RowWrite } from './projector.js';
import { planProjection } from './projector.js';

const sameItems = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((item, index) => item === b[index]);

export class UnknownScope extends Error {
  override readonly name = 'UnknownScope';
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS projection_checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS counters (
  jurisdiction TEXT NOT NULL, round_id TEXT NOT NULL, metric TEXT NOT NULL, value INTEGER NOT NULL,
  PRIMARY KEY (jurisdiction, round_id, metric)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rounds (
  round_id TEXT PRIMARY KEY, owner TEXT NOT NULL, parent_round_id TEXT, theme TEXT, kind TEXT, linkage TEXT,
  planned_at TEXT, launched_at TEXT, closed_at TEXT) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS rounds_by_parent ON rounds (parent_round_id);
CREATE TABLE IF NOT EXISTS round_targets (
  round_id TEXT NOT NULL, unit_id TEXT NOT NULL, jurisdiction TEXT NOT NULL, PRIMARY KEY (round_id, unit_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS units (unit_id TEXT PRIMARY KEY, jurisdiction TEXT NOT NULL, name TEXT NOT NULL, kind TEXT) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS stationings (
  team_id TEXT NOT NULL, unit_id TEXT NOT NULL, round_id TEXT NOT NULL, owner TEXT NOT NULL, unit_jurisdiction TEXT NOT NULL,
  PRIMARY KEY (team_id, unit_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tasks (
  task_id TEXT PRIMARY KEY, from_jurisdiction TEXT NOT NULL, to_jurisdiction TEXT NOT NULL, kind TEXT, title TEXT, round_id TEXT,
  due_by TEXT NOT NULL, assigned_at TEXT, accepted_at TEXT, progress_at TEXT, percent INTEGER, completed_at TEXT, result TEXT) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS tasks_by_addressee ON tasks (to_jurisdiction);
CREATE TABLE IF NOT EXISTS jurisdictions (
  code TEXT PRIMARY KEY, name TEXT NOT NULL, level TEXT NOT NULL, parent TEXT, position INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS task_history (
  task_id TEXT NOT NULL, position INTEGER NOT NULL, type TEXT NOT NULL, at TEXT NOT NULL, by_actor TEXT NOT NULL,
  note TEXT, percent INTEGER, result TEXT, PRIMARY KEY (task_id, position)) WITHOUT ROWID;
`;

const PROJECTED_TABLES = ['counters', 'rounds', 'round_targets', 'units', 'stationings', 'tasks', 'task_history', 'jurisdictions'] as const;

/**
 * A level's read model: the upward report and the downward task stream, in one SQLite file. Every
 * projection is order-tolerant (facts from different source levels arrive in any order) and the
 * checkpoint is written in the same transaction as the rows it covers.
 */
export class ReadModel {
  readonly db: Database.Database;
  private readonly statements;
  /** Query statements by SQL text: preparing costs far more than running, and the texts are a small fixed set. */
  private readonly preparedQueries = new Map<string, Database.Statement>();
  /**
   * What the temp scope tables hold after the last committed fill, so that a report over the same
   * scope skips rewriting them; undefined when not known (never filled, or the fill may have been
   * rolled back).
   */
  private filledScope: { readonly jurisdictions: readonly string[]; readonly rounds: readonly string[] } | undefined;

  constructor(file: string) {
    if (file !== ':memory:') preparePrivateSqliteFile(file);
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    this.db.exec('CREATE TEMP TABLE scope_jurisdictions (code TEXT PRIMARY KEY, bucket TEXT NOT NULL)');
    this.db.exec('CREATE TEMP TABLE scope_rounds (round_id TEXT PRIMARY KEY)');
    this.statements = {
      checkpoint: this.db.prepare<[string], { position: number }>('SELECT position FROM projection_checkpoints WHERE name = ?'),
      saveCheckpoint: this.db.prepare<[string, number]>(
        'INSERT INTO projection_checkpoints (name, position) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET position = excluded.position',
      ),
      addCounter: this.db.prepare<[string, string, string, number]>(
        'INSERT INTO counters (jurisdiction, round_id, metric, value) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET value = value + excluded.value',
      ),
      planRound: this.db.prepare<[string, string, string | null, string | null, string, string, string]>(
        `INSERT INTO rounds (round_id, owner, parent_round_id, theme, kind, linkage, planned_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(round_id) DO UPDATE SET owner = excluded.owner, parent_round_id = excluded.parent_round_id, theme = excluded.theme,
           kind = excluded.kind, linkage = excluded.linkage, planned_at = excluded.planned_at`,
      ),
      launchRound: this.db.prepare<[string, string, string]>(
        `INSERT INTO rounds (round_id, owner, launched_at) VALUES (?, ?, ?)
         ON CONFLICT(round_id) DO UPDATE SET launched_at = excluded.launched_at`,
      ),
      closeRound: this.db.prepare<[string, string, string]>(
        `INSERT INTO rounds (round_id, owner, closed_at) VALUES (?, ?, ?) ON CONFLICT(round_id) DO UPDATE SET closed_at = excluded.closed_at`,
      ),
      addTarget: this.db.prepare<[string, string, string]>('INSERT OR IGNORE INTO round_targets (round_id, unit_id, jurisdiction) VALUES (?, ?, ?)'),
      addJurisdiction: this.db.prepare<[string, string, string, string | null, number]>(
        'INSERT OR IGNORE INTO jurisdictions (code, name, level, parent, position) VALUES (?, ?, ?, ?, ?)',
      ),
      addUnit: this.db.prepare<[string, string, string, string | null]>(
        'INSERT OR REPLACE INTO units (unit_id, jurisdiction, name, kind) VALUES (?, ?, ?, ?)',
      ),
      addStationing: this.db.prepare<[string, string, string, string, string]>(
        'INSERT OR IGNORE INTO stationings (team_id, unit_id, round_id, owner, unit_jurisdiction) VALUES (?, ?, ?, ?, ?)',
      ),
      assignTask: this.db.prepare<[string, string, string, string, string, string | null, string, string]>(
        `INSERT INTO tasks (task_id, from_jurisdiction, to_jurisdiction, kind, title, round_id, due_by, assigned_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(task_id) DO UPDATE SET kind = excluded.kind, title = excluded.title, assigned_at = excluded.assigned_at`,
      ),
      touchTask: this.db.prepare<[string, string, string, string | null, string]>(
        `INSERT INTO tasks (task_id, from_jurisdiction, to_jurisdiction, round_id, due_by) VALUES (?, ?, ?, ?, ?) ON CONFLICT(task_id) DO NOTHING`,
      ),
      acceptTask: this.db.prepare<[string, string]>('UPDATE tasks SET accepted_at = ? WHERE task_id = ?'),
      progressTask: this.db.prepare<[string, number | null, string, string]>(
        'UPDATE tasks SET progress_at = ?, percent = coalesce(?, percent) WHERE task_id = ? AND (progress_at IS NULL OR progress_at <= ?)',
      ),
      completeTask: this.db.prepare<[string, string | null, string]>('UPDATE tasks SET completed_at = ?, result = ? WHERE task_id = ?'),
      addHistory: this.db.prepare<[string, number, string, string, string, string | null, number | null, string | null]>(
        'INSERT OR IGNORE INTO task_history (task_id, position, type, at, by_actor, note, percent, result) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      clearScopeJurisdictions: this.db.prepare('DELETE FROM temp.scope_jurisdictions'),
      addScopeJurisdiction: this.db.prepare<[string, string]>('INSERT INTO temp.scope_jurisdictions (code, bucket) VALUES (?, ?)'),
      clearScopeRounds: this.db.prepare('DELETE FROM temp.scope_rounds'),
      addScopeRound: this.db.prepare<[string]>('INSERT OR IGNORE INTO temp.scope_rounds (round_id) VALUES (?)'),
    };
  }

  checkpoint(name: string): number {
    return this.statements.checkpoint.get(name)?.position ?? 0;
  }

  /** Applies a batch and moves the checkpoints of `names` to its last position, atomically. */
  applyBatch(names: readonly string[], facts: readonly ProjectedFact[]): void {
    if (facts.length === 0) return;
    this.applyPlan(names, planProjection(facts), facts[facts.length - 1]!.position);
  }

  /** Applies a batch's plan and moves the checkpoints of `names` to `reached`, atomically. */
  applyPlan(names: readonly string[], plan: ProjectionPlan, reached: number): void {
    this.db.transaction(() => {
      for (const row of plan.rows) this.write(row);
      const { counters } = plan;
      for (let index = 0; index < counters.length; index += 4) {
        this.statements.addCounter.run(counters[index] as string, counters[index + 1] as string, counters[index + 2] as string, counters[index + 3] as number);
      }
      for (const name of names) this.statements.saveCheckpoint.run(name, reached);
    })();
  }

  /** Empties every projected table and the checkpoints of `names` in one transaction. */
  reset(names: readonly string[]): void {
    this.db.transaction(() => {
      for (const table of PROJECTED_TABLES) this.db.exec(`DELETE FROM ${table}`);
      for (const name of names) this.statements.saveCheckpoint.run(name, 0);
    })();
  }

  /**
   * The prepared statement for `sql`, prepared on first use. The projected tables are emptied with
   * DELETE, never dropped, so a statement stays valid for the life of the connection (SQLite
   * re-prepares it by itself after a schema change).
   */
  private query(sql: string): Database.Statement {
    let statement = this.preparedQueries.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.preparedQueries.set(sql, statement);
    }
    return statement;
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
      default:
        return assertNever(row, 'row write');
    }
  }

  // ---- queries -------------------------------------------------------------------------------

  /** Jurisdictions registered through the store, in the order they were stored (parents first). */
  registeredJurisdictions(): JurisdictionRegistered['data'][] {
    return this.query('SELECT code, name, level, parent FROM jurisdictions ORDER BY position').all() as JurisdictionRegistered['data'][];
  }

  /** The jurisdiction that owns a round known here, or undefined. */
  roundOwner(roundId: string): string | undefined {
    return (this.query('SELECT owner FROM rounds WHERE round_id = ?').get(roundId) as { owner: string } | undefined)?.owner;
  }

  /** Rounds a scope covers: a round and every round linked below it, or every round of a theme. */
  roundsInScope(scope: ReportScope): string[] | undefined {
    if (scope.roundId !== undefined) {
      const known = this.query('SELECT 1 FROM rounds WHERE round_id = ?').get(scope.roundId);
      if (!known) throw new UnknownScope(`round ${scope.roundId} is not known at this level`);
      return (
        this.query(
          `WITH RECURSIVE family(round_id) AS (SELECT ? UNION SELECT r.round_id FROM rounds r JOIN family f ON r.parent_round_id = f.round_id)
           SELECT round_id FROM family`,
        ).all(scope.roundId) as { round_id: string }[]
      ).map((row) => row.round_id);
    }
    if (scope.theme !== undefined) {
      return (this.query('SELECT round_id FROM rounds WHERE theme = ?').all(scope.theme) as { round_id: string }[]).map((row) => row.round_id);
    }
    return undefined;
  }

  report(jurisdiction: string, scope: ReportScope, registry: JurisdictionLookup, now: string, position: number): Report {
    const root = registry.get(jurisdiction);
    if (!root) throw new UnknownScope(`jurisdiction ${jurisdiction} is not registered`);
    const rounds = this.roundsInScope(scope);
    const children = registry.childrenOf(jurisdiction).map((code) => registry.get(code)!);
    const figures = new Map<string, ReportFigures>([[jurisdiction, emptyFigures(root.code, root.name, root.level)]]);
    for (const child of children) figures.set(child.code, emptyFigures(child.code, child.name, child.level));
    const computeInTransaction = this.db.transaction((): Report => {
      this.fillScope(jurisdiction, children.map((child) => child.code), registry, rounds);
      const roundFilter = rounds === undefined ? '' : 'AND x.round_id IN (SELECT round_id FROM temp.scope_rounds)';
      const counterRows = this.query(
        `SELECT s.bucket AS bucket, x.metric AS metric, SUM(x.value) AS value FROM counters x
         JOIN temp.scope_jurisdictions s ON s.code = x.jurisdiction WHERE 1 = 1 ${roundFilter} GROUP BY s.bucket, x.metric`,
      ).all() as { bucket: string; metric: CounterMetric; value: number }[];
      for (const row of counterRows) for (const target of this.bucketFigures(row.bucket, jurisdiction, figures)) addMetric(target, row.metric, row.value);

      const unitsRegistered = (
        rounds === undefined
          ? this.query(
              `SELECT s.bucket AS bucket, COUNT(*) AS n FROM units u JOIN temp.scope_jurisdictions s ON s.code = u.jurisdiction GROUP BY s.bucket`,
            )
          : this.query(
              `SELECT s.bucket AS bucket, COUNT(DISTINCT t.unit_id) AS n FROM round_targets t JOIN temp.scope_jurisdictions s ON s.code = t.jurisdiction
               WHERE t.round_id IN (SELECT round_id FROM temp.scope_rounds) GROUP BY s.bucket`,
            )
      ).all() as { bucket: string; n: number }[];
      for (const row of unitsRegistered) for (const target of this.bucketFigures(row.bucket, jurisdiction, figures)) target.units.registered += row.n;

      const stationFilter = rounds === undefined ? '' : 'AND st.round_id IN (SELECT round_id FROM temp.scope_rounds)';
      const inspected = this.distinctStationed('unit_id', 'unit_jurisdiction', stationFilter);
      for (const row of inspected.perBucket) if (row.bucket !== jurisdiction) figures.get(row.bucket)!.units.inspected = row.n;
      figures.get(jurisdiction)!.units.inspected = inspected.total;
      const stationed = this.distinctStationed('team_id', 'owner', stationFilter);
      for (const row of stationed.perBucket) if (row.bucket !== jurisdiction) figures.get(row.bucket)!.teams.stationed = row.n;
      figures.get(jurisdiction)!.teams.stationed = stationed.total;

      const taskFilter = rounds === undefined ? '' : 'AND t.round_id IN (SELECT round_id FROM temp.scope_rounds)';
      const taskRows = this.query(
        `SELECT s.bucket AS bucket, t.accepted_at AS acceptedAt, t.progress_at AS progressAt, t.completed_at AS completedAt, t.due_by AS dueBy
         FROM tasks t JOIN temp.scope_jurisdictions s ON s.code = t.to_jurisdiction WHERE 1 = 1 ${taskFilter}`,
      ).all() as { bucket: string; acceptedAt: string | null; progressAt: string | null; completedAt: string | null; dueBy: string }[];
      const nowMillis = Date.parse(now);
      for (const task of taskRows) {
        for (const target of this.bucketFigures(task.bucket, jurisdiction, figures)) {
          target.tasks.assigned++;
          if (task.acceptedAt !== null || task.progressAt !== null || task.completedAt !== null) target.tasks.accepted++;
          if (task.completedAt !== null) {
            target.tasks.completed++;
            if (Date.parse(task.completedAt) > Date.parse(task.dueBy)) target.tasks.completedLate++;
          } else if (Date.parse(task.dueBy) < nowMillis) {
            target.tasks.overdue++;
          }
        }
      }
      for (const entry of figures.values()) finishRatios(entry);
      return {
        ...figures.get(jurisdiction)!,
        scope: { ...(scope.roundId !== undefined ? { roundId: scope.roundId } : {}), ...(scope.theme !== undefined ? { theme: scope.theme } : {}) },
        asOf: now,
        position,
        children: children.map((child) => figures.get(child.code)!),
      };
    });
    // The scope fill is undone with a failed report's transaction, and is at the mercy of a caller's
    // transaction this one runs inside: in both cases what the temp tables hold is no longer known.
    const insideCallersTransaction = this.db.inTransaction;
    try {
      const report = computeInTransaction();
      if (insideCallersTransaction) this.filledScope = undefined;
      return report;
    } catch (error) {
      this.filledScope = undefined;
      throw error;
    }
  }

  /**
   * Distinct units or teams of the stationings in scope, per child bucket and over the whole scope
   * (a unit inspected under two children counts once in the total), the scope matched on `scopeColumn`.
   */
  private distinctStationed(
    counted: 'unit_id' | 'team_id',
    scopeColumn: 'unit_jurisdiction' | 'owner',
    stationFilter: string,
  ): { perBucket: { bucket: string; n: number }[]; total: number } {
    const from = `FROM stationings st JOIN temp.scope_jurisdictions s ON s.code = st.${scopeColumn} WHERE 1 = 1 ${stationFilter}`;
    return {
      perBucket: this.query(`SELECT s.bucket AS bucket, COUNT(DISTINCT st.${counted}) AS n ${from} GROUP BY s.bucket`).all() as { bucket: string; n: number }[],
      total: (this.query(`SELECT COUNT(DISTINCT st.${counted}) AS n ${from}`).get() as { n: number }).n,
    };
  }

  private bucketFigures(bucket: string, root: string, figures: Map<string, ReportFigures>): ReportFigures[] {
    return bucket === root ? [figures.get(root)!] : [figures.get(root)!, figures.get(bucket)!];
  }

  /**
   * Fills the temp scope tables: each subtree jurisdiction with the child of the root it falls under,
   * and the rounds in scope. A table that already holds exactly these rows is left as it is: the
   * writes cost far more than listing the rows.
   */
  private fillScope(root: string, children: readonly string[], registry: JurisdictionLookup, rounds: readonly string[] | undefined): void {
    const s = this.statements;
    // Flattened (code, bucket) pairs.
    const jurisdictions = [root, root];
    for (const child of children) for (const code of registry.subtreeOf(child)) jurisdictions.push(code, child);
    const roundIds = rounds ?? [];
    const filled = this.filledScope;
    if (filled === undefined || !sameItems(filled.jurisdictions, jurisdictions)) {
      s.clearScopeJurisdictions.run();
      for (let index = 0; index < jurisdictions.length; index += 2) s.addScopeJurisdiction.run(jurisdictions[index]!, jurisdictions[index + 1]!);
    }
    if (filled === undefined || !sameItems(filled.rounds, roundIds)) {
      s.clearScopeRounds.run();
      for (const roundId of roundIds) s.addScopeRound.run(roundId);
    }
    this.filledScope = { jurisdictions, rounds: roundIds };
  }

  taskStream(jurisdiction: string, now: string, position: number): TaskStream {
    const rows = this.query(
      `SELECT task_id AS taskId, from_jurisdiction AS "from", to_jurisdiction AS toJurisdiction, kind, title, round_id AS roundId, due_by AS dueBy,
              assigned_at AS assignedAt, accepted_at AS acceptedAt, progress_at AS progressAt, percent, completed_at AS completedAt
       FROM tasks WHERE to_jurisdiction = ?`,
    ).all(jurisdiction) as (Omit<TaskView, 'status' | 'overdue' | 'completedLate' | 'history'> & { acceptedAt: string | null; progressAt: string | null })[];
    const historyRows = this.query(
      `SELECT h.task_id AS taskId, h.type, h.at, h.by_actor AS "by", h.note, h.percent, h.result FROM task_history h
       JOIN tasks t ON t.task_id = h.task_id WHERE t.to_jurisdiction = ? ORDER BY h.at, h.position`,
    ).all(jurisdiction) as (TaskHistoryEntry & { taskId: string })[];
    const history = new Map<string, TaskHistoryEntry[]>();
    for (const { taskId, ...entry } of historyRows) {
      const list = history.get(taskId) ?? [];
      list.push(entry);
      history.set(taskId, list);
    }
    const nowMillis = Date.parse(now);
    const tasks: TaskView[] = rows.map(({ acceptedAt, progressAt, ...row }) => {
      const status: TaskStatus =
        row.completedAt !== null ? 'completed' : progressAt !== null ? 'in-progress' : acceptedAt !== null ? 'accepted' : 'assigned';
      const entries = history.get(row.taskId) ?? [];
      return {
        ...row,
        status,
        overdue: status !== 'completed' && Date.parse(row.dueBy) < nowMillis,
        completedLate: row.completedAt !== null && Date.parse(row.completedAt) > Date.parse(row.dueBy),
        history: entries,
      };
    });
    const firstSeen = (task: TaskView): string => task.assignedAt ?? task.history[0]?.at ?? '';
    tasks.sort((a, b) => firstSeen(a).localeCompare(firstSeen(b)) || a.taskId.localeCompare(b.taskId));
    const completed = tasks.filter((task) => task.status === 'completed').length;
    return {
      jurisdiction,
      asOf: now,
      position,
      count: tasks.length,
      open: tasks.length - completed,
      overdue: tasks.filter((task) => task.overdue).length,
      completed,
      tasks,
    };
  }

  /** Every projected row in a fixed order: two read models are equal when their dumps are. */
  canonicalDump(): Record<string, unknown[]> {
    const dump: Record<string, unknown[]> = {};
    for (const table of PROJECTED_TABLES) {
      const columns = (this.db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((column) => column.name);
      dump[table] = this.db.prepare(`SELECT * FROM ${table} ORDER BY ${columns.join(', ')}`).all();
    }
    return dump;
  }

  close(): void {
    this.preparedQueries.clear();
    this.filledScope = undefined;
    this.db.close();
  }
}
