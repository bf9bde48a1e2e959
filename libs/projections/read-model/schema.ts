/**
 * The read model's tables. PROJECTION_VERSION names what the projections compute: change it with
 * any change to a table or to what a fact writes, and every level's read model (and its as-of
 * snapshots) is dropped and rebuilt from its store on the next start, instead of silently showing
 * zeros for facts projected before the change.
 */
export const PROJECTION_VERSION = 6;

/*
 * counter_days: the counters again, by the day (Asia/Shanghai) of the counted facts' domain time,
 * for reports over a window of time; keyed by day first, so a window reads one range of the table.
 * counter_months: the same by month (YYYY-MM), so that a window sums its whole months and only
 * its edge days. The three also hold the rectification tallies (report.ts RECTIFICATION_TALLIES),
 * by the day of the rectification's requirement; a tally row that comes back to 0 is deleted, so
 * the rows do not depend on how the facts were cut into batches.
 * stationing_days: each (team, unit) stationing by day, for the units a window inspected.
 * issues_supervised: the few supervised issues, so the report does not read every issue to find them.
 * tasks_in_report: every column the report's task figures read, by addressee: the report counts
 * them from this index alone instead of looking up each task's row (it serves the task stream's
 * lookup by addressee too, as tasks_by_addressee did).
 *
 * ledger_order: the time a ledger lists a row by, newest first ('' when not known yet), written by
 * the writer with that time. A plain NOT NULL column rather than coalesce() in the query, so that
 * each table's *_in_ledger index holds it next to the columns the ledger filters test: a page is
 * then picked and counted from that index alone, never from every row of the scope.
 * rectifications_newest_first holds the same columns in ledger order, for filters that match many
 * rows (ledger-queries.ts walks it). A new index needs no new PROJECTION_VERSION: no projected row
 * changes, and opening a read model makes any index it lacks.
 */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS projection_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
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
CREATE INDEX IF NOT EXISTS tasks_in_report ON tasks (to_jurisdiction, assigned_at, round_id, due_by, accepted_at, progress_at, completed_at);
CREATE TABLE IF NOT EXISTS jurisdictions (
  code TEXT PRIMARY KEY, name TEXT NOT NULL, level TEXT NOT NULL, parent TEXT, position INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS task_history (
  task_id TEXT NOT NULL, position INTEGER NOT NULL, type TEXT NOT NULL, at TEXT NOT NULL, by_actor TEXT NOT NULL,
  note TEXT, percent INTEGER, result TEXT, PRIMARY KEY (task_id, position)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS issues (
  issue_id TEXT PRIMARY KEY, round_id TEXT NOT NULL, owner TEXT NOT NULL, team_id TEXT, unit_id TEXT NOT NULL, unit_jurisdiction TEXT NOT NULL,
  category TEXT, immediate INTEGER NOT NULL DEFAULT 0, found_at TEXT, supervised INTEGER NOT NULL DEFAULT 0, typical INTEGER NOT NULL DEFAULT 0,
  ledger_order TEXT NOT NULL DEFAULT '') WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS issues_in_ledger ON issues (unit_jurisdiction, ledger_order, category, round_id, unit_id);
CREATE INDEX IF NOT EXISTS issues_by_category ON issues (category, unit_jurisdiction, ledger_order);
CREATE TABLE IF NOT EXISTS rectifications (
  rectification_id TEXT PRIMARY KEY, issue_id TEXT NOT NULL, round_id TEXT NOT NULL, owner TEXT NOT NULL, unit_id TEXT NOT NULL,
  unit_jurisdiction TEXT NOT NULL, due_by TEXT NOT NULL, required_at TEXT, measures TEXT NOT NULL DEFAULT '[]', typical INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL, attempt INTEGER NOT NULL, planned_for INTEGER NOT NULL, completed_at TEXT, closed_at TEXT,
  rejections INTEGER NOT NULL DEFAULT 0, reopened INTEGER NOT NULL DEFAULT 0, reassessments TEXT NOT NULL DEFAULT '[]',
  responsible_leader TEXT, lead_department TEXT, plan_position INTEGER NOT NULL DEFAULT 0, evidence TEXT NOT NULL DEFAULT '[]',
  ledger_order TEXT NOT NULL DEFAULT '') WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS rectifications_by_issue ON rectifications (issue_id, unit_jurisdiction, ledger_order);
CREATE INDEX IF NOT EXISTS rectifications_in_ledger ON rectifications (unit_jurisdiction, status, ledger_order, due_by, round_id, unit_id, issue_id);
CREATE INDEX IF NOT EXISTS rectifications_by_unit ON rectifications (unit_id, ledger_order);
CREATE INDEX IF NOT EXISTS rectifications_by_round ON rectifications (round_id, unit_jurisdiction, ledger_order);
CREATE INDEX IF NOT EXISTS rectifications_newest_first ON rectifications (ledger_order, rectification_id, status, due_by, unit_jurisdiction, round_id, unit_id, issue_id);
CREATE INDEX IF NOT EXISTS rectifications_open_by_due_date ON rectifications (due_by) WHERE status NOT IN ('completed', 'closed');
CREATE TABLE IF NOT EXISTS handovers (
  handover_id TEXT PRIMARY KEY, issue_id TEXT NOT NULL, round_id TEXT NOT NULL, owner TEXT NOT NULL, unit_id TEXT NOT NULL,
  unit_jurisdiction TEXT NOT NULL, recipient TEXT NOT NULL, due_by TEXT NOT NULL, handed_over_at TEXT, answered_at TEXT, result TEXT,
  ledger_order TEXT NOT NULL DEFAULT '') WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS handovers_by_issue ON handovers (issue_id);
CREATE INDEX IF NOT EXISTS handovers_in_ledger ON handovers (unit_jurisdiction, ledger_order, answered_at, due_by, round_id, unit_id, issue_id);
CREATE INDEX IF NOT EXISTS handovers_open_by_due_date ON handovers (due_by) WHERE answered_at IS NULL;
CREATE INDEX IF NOT EXISTS tasks_open_by_due_date ON tasks (due_by) WHERE completed_at IS NULL;
CREATE TABLE IF NOT EXISTS counter_days (
  day TEXT NOT NULL, jurisdiction TEXT NOT NULL, round_id TEXT NOT NULL, metric TEXT NOT NULL, value INTEGER NOT NULL,
  PRIMARY KEY (day, jurisdiction, round_id, metric)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS counter_months (
  month TEXT NOT NULL, jurisdiction TEXT NOT NULL, round_id TEXT NOT NULL, metric TEXT NOT NULL, value INTEGER NOT NULL,
  PRIMARY KEY (month, jurisdiction, round_id, metric)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS issues_supervised ON issues (unit_jurisdiction, found_at, round_id, typical) WHERE supervised = 1;
CREATE TABLE IF NOT EXISTS stationing_days (
  team_id TEXT NOT NULL, unit_id TEXT NOT NULL, day TEXT NOT NULL, round_id TEXT NOT NULL, owner TEXT NOT NULL, unit_jurisdiction TEXT NOT NULL,
  PRIMARY KEY (team_id, unit_id, day)) WITHOUT ROWID;
`;

/**
 * Indexes earlier versions made that no query uses any more: opening a read model drops them, so
 * that no fact keeps them up to date. The *_by_place ones (jurisdiction, then a time no query
 * orders by) led with the same column as each table's *_in_ledger index, which the report's
 * per-jurisdiction sums and the ledgers seek instead; a rebuild made each from the whole table.
 * tasks_by_addressee is a prefix of tasks_in_report, which serves its lookups.
 */
export const RETIRED_INDEXES: readonly string[] = ['issues_by_place', 'rectifications_by_place', 'handovers_by_place', 'tasks_by_addressee'];

/**
 * The secondary indexes, by name. A rebuild from the first event with no reader meanwhile (the
 * rebuild command) drops them and makes them again at the end (SCHEMA, whose CREATEs are all IF NOT
 * EXISTS): sorting a finished table into an index costs a fraction of keeping seven indexes of the
 * rectifications up to date fact by fact. Opening a read model makes any that are missing, so a
 * rebuild stopped before its end leaves none missing.
 */
export const SECONDARY_INDEXES: readonly string[] = [...SCHEMA.matchAll(/CREATE INDEX IF NOT EXISTS (\w+)/g)].map((match) => match[1]!);

/** Tables a rebuild empties (everything but the checkpoints and the version). */
export const PROJECTED_TABLES = [
  'counters',
  'rounds',
  'round_targets',
  'units',
  'stationings',
  'tasks',
  'task_history',
  'jurisdictions',
  'issues',
  'rectifications',
  'handovers',
  'counter_days',
  'counter_months',
  'stationing_days',
] as const;
