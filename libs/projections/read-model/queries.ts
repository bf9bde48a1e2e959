import type Database from 'better-sqlite3';
import type { JurisdictionLookup } from '#domain';

export class UnknownScope extends Error {
  override readonly name = 'UnknownScope';
}

const sameItems = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((item, index) => item === b[index]);

/**
 * What the query modules share on one connection: statements prepared once by SQL text (preparing
 * costs far more than running, and the texts are a small fixed set), and the temp scope tables a
 * report or a ledger joins against.
 */
export class QueryContext {
  private readonly prepared = new Map<string, Database.Statement>();
  /**
   * What the temp scope tables hold after the last committed fill, so that a query over the same
   * scope skips rewriting them; undefined when not known (never filled, or the fill may have been
   * rolled back).
   */
  private filledScope: { readonly jurisdictions: readonly string[]; readonly rounds: readonly string[] } | undefined;
  private readonly fill;

  constructor(readonly db: Database.Database) {
    db.exec('CREATE TEMP TABLE IF NOT EXISTS scope_jurisdictions (code TEXT PRIMARY KEY, bucket TEXT NOT NULL)');
    db.exec('CREATE TEMP TABLE IF NOT EXISTS scope_rounds (round_id TEXT PRIMARY KEY)');
    this.fill = {
      clearJurisdictions: db.prepare('DELETE FROM temp.scope_jurisdictions'),
      addJurisdiction: db.prepare<[string, string]>('INSERT INTO temp.scope_jurisdictions (code, bucket) VALUES (?, ?)'),
      clearRounds: db.prepare('DELETE FROM temp.scope_rounds'),
      addRound: db.prepare<[string]>('INSERT OR IGNORE INTO temp.scope_rounds (round_id) VALUES (?)'),
    };
  }

  /**
   * The prepared statement for `sql`. Projected tables are emptied with DELETE, never dropped, so a
   * statement stays valid for the life of the connection.
   */
  query(sql: string): Database.Statement {
    let statement = this.prepared.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.prepared.set(sql, statement);
    }
    return statement;
  }

  /** Rounds a scope covers: a round and every round linked below it, or every round of a theme. */
  roundsInScope(scope: { readonly roundId?: string; readonly theme?: string }): string[] | undefined {
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

  /**
   * Fills the temp scope tables: each subtree jurisdiction with the child of the root it falls under
   * (the root's own bucket for the root), and the rounds in scope. Tables that already hold exactly
   * these rows are left as they are: the writes cost far more than listing the rows. Call inside a
   * transaction, through `inScope`.
   */
  private fillScope(root: string, children: readonly string[], registry: JurisdictionLookup, rounds: readonly string[] | undefined): void {
    const jurisdictions = [root, root];
    for (const child of children) for (const code of registry.subtreeOf(child)) jurisdictions.push(code, child);
    const roundIds = rounds ?? [];
    const filled = this.filledScope;
    if (filled === undefined || !sameItems(filled.jurisdictions, jurisdictions)) {
      this.fill.clearJurisdictions.run();
      for (let index = 0; index < jurisdictions.length; index += 2) this.fill.addJurisdiction.run(jurisdictions[index]!, jurisdictions[index + 1]!);
    }
    if (filled === undefined || !sameItems(filled.rounds, roundIds)) {
      this.fill.clearRounds.run();
      for (const roundId of roundIds) this.fill.addRound.run(roundId);
    }
    this.filledScope = { jurisdictions, rounds: roundIds };
  }

  /** Runs `read` in one transaction with the scope tables filled for (root, children, rounds). */
  inScope<T>(root: string, children: readonly string[], registry: JurisdictionLookup, rounds: readonly string[] | undefined, read: () => T): T {
    const insideCallersTransaction = this.db.inTransaction;
    try {
      const value = this.db.transaction(() => {
        this.fillScope(root, children, registry, rounds);
        return read();
      })();
      // Inside a caller's transaction the fill is at the mercy of that transaction.
      if (insideCallersTransaction) this.filledScope = undefined;
      return value;
    } catch (error) {
      this.filledScope = undefined;
      throw error;
    }
  }

  forget(): void {
    this.prepared.clear();
    this.filledScope = undefined;
  }
}
