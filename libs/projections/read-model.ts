import Database from 'better-sqlite3';
import type { JurisdictionLookup, JurisdictionRegistered } from '#domain';
import { preparePrivateSqliteFile } from '#event-store';
import type { LedgerDownload, LedgerFilter, LedgerKind, LedgerPage, LedgerRowsPage } from './ledgers.js';
import type { ProjectedFact, ProjectionPlan } from './projector.js';
import { planProjection } from './projector.js';
import { LedgerQueries } from './read-model/ledger-queries.js';
import { QueryContext } from './read-model/queries.js';
import { ReportQueries } from './read-model/report-queries.js';
import { PROJECTED_TABLES, PROJECTION_VERSION, RETIRED_INDEXES, SCHEMA } from './read-model/schema.js';
import { TaskQueries } from './read-model/task-queries.js';
import { ProjectionWriter } from './read-model/writer.js';
import type { Report, ReportScope, TaskStream } from './report.js';

export { UnknownScope } from './read-model/queries.js';
export { PROJECTION_VERSION } from './read-model/schema.js';
export { LEDGER_DOWNLOAD_CHUNK } from './read-model/ledger-queries.js';

const OPEN_DUE_DATES = `
  SELECT min(due_by) AS next FROM (
    SELECT due_by FROM rectifications WHERE status NOT IN ('completed', 'closed') AND due_by >= @now
    UNION ALL SELECT due_by FROM handovers WHERE answered_at IS NULL AND due_by >= @now
    UNION ALL SELECT due_by FROM tasks WHERE completed_at IS NULL AND due_by >= @now)`;

/**
 * A level's read model in one SQLite file: the schema (read-model/schema.ts), the writer that
 * applies projection plans with their checkpoint in one transaction (writer.ts), and the queries
 * (report, task stream, ledgers). Every projection is order-tolerant: facts from different source
 * levels arrive in any order.
 */
export class ReadModel {
  readonly db: Database.Database;
  private readonly context: QueryContext;
  private readonly writer: ProjectionWriter;
  private readonly reports: ReportQueries;
  private readonly tasks: TaskQueries;
  private readonly ledgers: LedgerQueries;
  /** True when this file held projections of another version and was emptied for a rebuild. */
  readonly resetForNewVersion: boolean;

  constructor(file: string) {
    if (file !== ':memory:') preparePrivateSqliteFile(file);
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    // Folding a fact reads and rewrites its row and the index entries around it, all over tables of
    // hundreds of megabytes: SQLite's default page cache (2 MB) would go to the file for most of them.
    this.db.pragma('cache_size = -65536');
    this.resetForNewVersion = this.migrate();
    this.context = new QueryContext(this.db);
    this.writer = new ProjectionWriter(this.db);
    this.reports = new ReportQueries(this.context);
    this.tasks = new TaskQueries(this.context);
    this.ledgers = new LedgerQueries(this.context);
  }

  /**
   * Makes the file hold this version's tables. Projections of another version are dropped with
   * their checkpoints, so the runner replays the store into the new ones instead of showing zeros.
   */
  private migrate(): boolean {
    const hasMeta = this.db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'projection_meta'`).get() !== undefined;
    const hasAnything = this.db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'projection_checkpoints'`).get() !== undefined;
    const stored = hasMeta ? (this.db.prepare(`SELECT value FROM projection_meta WHERE key = 'version'`).pluck().get() as string | undefined) : undefined;
    const stale = hasAnything && stored !== String(PROJECTION_VERSION);
    this.db.transaction(() => {
      if (stale) {
        for (const table of [...PROJECTED_TABLES, 'projection_checkpoints']) this.db.exec(`DROP TABLE IF EXISTS ${table}`);
      }
      this.db.exec(SCHEMA);
      for (const name of RETIRED_INDEXES) this.db.exec(`DROP INDEX IF EXISTS ${name}`);
      this.db.prepare(`INSERT OR REPLACE INTO projection_meta (key, value) VALUES ('version', ?)`).run(String(PROJECTION_VERSION));
    })();
    return stale;
  }

  checkpoint(name: string): number {
    return this.writer.checkpoint(name);
  }

  /** Applies a batch and moves the checkpoints of `names` to its last position, atomically. */
  applyBatch(names: readonly string[], facts: readonly ProjectedFact[]): void {
    if (facts.length === 0) return;
    this.applyPlan(names, planProjection(facts), facts[facts.length - 1]!.position);
  }

  /** Applies a batch's plan and moves the checkpoints of `names` to `reached`, atomically. */
  applyPlan(names: readonly string[], plan: ProjectionPlan, reached: number): void {
    this.writer.apply(names, plan, reached);
  }

  /** Empties every projected table and the checkpoints of `names` in one transaction. */
  reset(names: readonly string[], options: { readonly dropIndexes?: boolean } = {}): void {
    this.writer.reset(names, options);
  }

  /** Makes the secondary indexes a reset dropped (nothing when they are there). */
  ensureIndexes(): void {
    this.writer.ensureIndexes();
  }

  /** Jurisdictions registered through the store, in the order they were stored (parents first). */
  registeredJurisdictions(): JurisdictionRegistered['data'][] {
    return this.context.query('SELECT code, name, level, parent FROM jurisdictions ORDER BY position').all() as JurisdictionRegistered['data'][];
  }

  /** The jurisdiction that owns a round known here, or undefined. */
  roundOwner(roundId: string): string | undefined {
    return (this.context.query('SELECT owner FROM rounds WHERE round_id = ?').get(roundId) as { owner: string } | undefined)?.owner;
  }

  roundsInScope(scope: ReportScope): string[] | undefined {
    return this.context.roundsInScope(scope);
  }

  report(jurisdiction: string, scope: ReportScope, registry: JurisdictionLookup, now: string, position: number): Report {
    return this.reports.report(jurisdiction, scope, registry, now, position);
  }

  taskStream(jurisdiction: string, now: string, position: number): TaskStream {
    return this.tasks.taskStream(jurisdiction, now, position);
  }

  ledger<K extends LedgerKind>(
    jurisdiction: string,
    kind: K,
    filter: LedgerFilter,
    registry: JurisdictionLookup,
    at: string,
    position: number,
    page: { readonly cursor?: string; readonly limit: number },
  ): LedgerPage<K> {
    return this.ledgers.ledger(jurisdiction, kind, filter, registry, at, position, page);
  }

  /** Every matching row of a ledger for a download: counted now, read a chunk at a time as `chunks` is pulled. */
  ledgerDownload(jurisdiction: string, kind: LedgerKind, filter: LedgerFilter, registry: JurisdictionLookup, at: string, chunkRows?: number): LedgerDownload {
    return this.ledgers.ledgerDownload(jurisdiction, kind, filter, registry, at, chunkRows);
  }

  /** A later page of a download: the rows and the next cursor, without counting every match again. */
  ledgerRows<K extends LedgerKind>(
    jurisdiction: string,
    kind: K,
    filter: LedgerFilter,
    registry: JurisdictionLookup,
    at: string,
    page: { readonly cursor?: string; readonly limit: number },
  ): LedgerRowsPage<K> {
    return this.ledgers.ledgerRows(jurisdiction, kind, filter, registry, at, page);
  }

  /**
   * The next instant at or after `now` when an open rectification, handover or task falls due: a
   * live view's overdue figures change then without any new fact.
   */
  nextDueDate(now: string): string | undefined {
    return (this.context.query(OPEN_DUE_DATES).get({ now }) as { next: string | null }).next ?? undefined;
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
    this.context.forget();
    this.db.close();
  }
}
