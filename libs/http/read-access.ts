/**
 * Who may read or audit what, as every read, audit and operations route enforces it (DESIGN.md §4).
 * The yes-or-no answers come from the domain's ReadPolicy; this is the one place that turns a no
 * into a refusal, so that every route refuses alike: a jurisdiction, a level, a round or a fact
 * that is not the actor's answers exactly as one that does not exist, and a refused read reveals
 * nothing.
 */
import type { Actor, JurisdictionLookup, Level } from '#domain';
import { AUDIT_ROLES, ReadPolicy, Refusal, chainSignedBy, personalDataKeeper } from '#domain';
import type { AuditFact, FactVisibility } from '#audit';
import { jurisdictionsOf } from '#audit';
import type { ReadModel, ReportScope } from '#projections';
import { UnknownScope } from '#projections';
import { ReadForbidden } from './problems.js';

export class ReadAccess {
  private readonly policy: ReadPolicy;

  constructor(
    /** The served levels' jurisdictions, as they stand now: the answers are given as of them. */
    private readonly jurisdictions: JurisdictionLookup,
    /** The served level that knows a jurisdiction (undefined: none does). */
    private readonly levelOf: (jurisdiction: string) => Level | undefined,
  ) {
    this.policy = new ReadPolicy(jurisdictions);
  }

  // ---- reads of figures and lists -------------------------------------------------------------

  /**
   * The level that holds what `actor` asks about `jurisdiction`, once it may read it. Not yours and
   * not registered answer alike.
   */
  readableLevel(actor: Actor, jurisdiction: string): Level {
    const level = this.policy.mayRead(actor, jurisdiction) ? this.levelOf(jurisdiction) : undefined;
    if (level === undefined) throw this.forbidden(actor, `read ${jurisdiction}`);
    return level;
  }

  /**
   * A round scope names a round on the actor's branch: another branch's round answers exactly as
   * an unknown one does.
   */
  requireVisibleScope(actor: Actor, readModel: ReadModel, scope: ReportScope): void {
    if (scope.roundId === undefined) return;
    const owner = readModel.roundOwner(scope.roundId);
    if (!this.policy.maySeeRoundOwnedBy(actor, owner)) throw new UnknownScope(`round ${scope.roundId} is not known at this level`);
  }

  // ---- audit ----------------------------------------------------------------------------------

  requireAuditor(actor: Actor): void {
    if (!this.policy.mayAudit(actor)) throw new Refusal('RoleNotAllowed', `audit routes need role ${AUDIT_ROLES.join(' or ')}, not ${actor.role}`);
  }

  /** An auditor audits its own level's store and those below it. */
  requireAuditLevel(actor: Actor, level: Level): void {
    this.requireAuditor(actor);
    if (!this.policy.mayAuditLevel(actor, level)) throw this.forbidden(actor, `audit the ${level} level`);
  }

  /** A jurisdiction's history (replay, export): the actor's subtree only. */
  requireAuditJurisdiction(actor: Actor, jurisdiction: string): void {
    if (!this.policy.mayRead(actor, jurisdiction)) throw this.forbidden(actor, `read ${jurisdiction}`);
  }

  /** A whole level's export: only for an actor whose subtree covers the level. */
  requireWholeLevel(actor: Actor, level: Level): void {
    if (!this.coversLevel(actor, level)) {
      throw new ReadForbidden(`actor ${actor.id} of ${actor.jurisdiction} may export only its own jurisdiction's history of the ${level} level (give ?jurisdiction=)`);
    }
  }

  /** The whole of a level's store lies in the actor's subtree (an admin, the root's auditor): stream and event ids may be shown. */
  coversLevel(actor: Actor, level: Level): boolean {
    return this.policy.coversLevel(actor, level);
  }

  /** Facts an actor may see: those owned by or attributed to its subtree; signed heads of levels it audits. */
  factVisibility(actor: Actor): FactVisibility {
    return (fact: AuditFact) =>
      this.policy.maySeeFact(actor, { jurisdictions: jurisdictionsOf(fact), signsChainOf: chainSignedBy(fact), personalDataOf: personalDataKeeper(fact) });
  }

  /** Whose store an auditor reads: the level asked for, or its own jurisdiction's. */
  auditedLevel(actor: Actor, level: Level | undefined): Level {
    const chosen = level ?? this.jurisdictions.get(actor.jurisdiction)?.level;
    if (chosen === undefined) throw this.forbidden(actor, 'read this');
    return chosen;
  }

  /** An aggregate whose stream holds nothing the actor may see by then (a missing stream answers alike). */
  refuseStream(actor: Actor, streamId: string): ReadForbidden {
    return this.forbidden(actor, `read ${streamId}`);
  }

  // ---- operations -----------------------------------------------------------------------------

  /** Operating the system (replaying a relay, rebuilding projections, signing a head on demand): admins only. */
  requireOperator(actor: Actor, refusal: string): void {
    if (!this.policy.mayOperate(actor)) throw new Refusal('RoleNotAllowed', refusal);
  }

  /**
   * The process's metrics (GET /metrics): admins only, as operating it is; they count every level
   * the process serves. A Prometheus on the deployment's own network reads METRICS_PORT instead.
   */
  requireMetricsReader(actor: Actor): void {
    this.requireOperator(actor, 'only an admin reads the metrics');
  }

  /** Levels among `served` whose operational figures (store head, inbox, lag) the actor may see. */
  operationalLevels(actor: Actor, served: readonly Level[]): Level[] {
    return this.policy.operationalLevels(actor, served);
  }

  private forbidden(actor: Actor, what: string): ReadForbidden {
    return new ReadForbidden(`actor ${actor.id} of ${actor.jurisdiction} may not ${what}`);
  }
}
