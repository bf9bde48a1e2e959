/**
 * Who may read, audit and operate what (DESIGN.md §4), said once for every read, audit and
 * operations route. Each answer is a yes or no; the edge turns a no into the one refusal that
 * looks like "does not exist", so that "not yours" and "unknown" cannot be told apart.
 */
import type { JurisdictionLookup } from '../jurisdictions/registry.js';
import type { Actor, Level, Role } from '../kernel/actor.js';
import { levelDepth } from '../kernel/actor.js';
import { mayReadJurisdiction, onActorsBranch } from './branch.js';

/** The roles that audit: they read the stores' history and attest to it, and change nothing. */
export const AUDIT_ROLES: readonly Role[] = ['auditor', 'admin'];

/** What a fact is about, as far as reading it goes. */
export interface FactConcerns {
  /** The jurisdictions it is owned by or counts at (its catalogue entry's `concerns`, and its recorder's). */
  readonly jurisdictions: readonly string[];
  /** For a signed chain head: the level whose chain it signs (evidence for that level and those above). */
  readonly signsChainOf?: Level;
  /** For a fact holding an office's personal data (an inspector's record): that office, the only one that reads it. */
  readonly personalDataOf?: string | null;
}

export class ReadPolicy {
  constructor(private readonly registry: JurisdictionLookup) {}

  /** Figures and lists of `jurisdiction`: its own subtree only (admin: every registered one). */
  mayRead(actor: Actor, jurisdiction: string): boolean {
    return mayReadJurisdiction(this.registry, actor, jurisdiction);
  }

  /** A round as a report scope: one on the actor's branch (a county sees its province's round it links to). */
  maySeeRoundOwnedBy(actor: Actor, owner: string | undefined): boolean {
    return owner !== undefined && onActorsBranch(this.registry, actor, owner);
  }

  mayAudit(actor: Actor): boolean {
    return AUDIT_ROLES.includes(actor.role);
  }

  /** An auditor audits its own level's store and those below it; an admin every level. */
  mayAuditLevel(actor: Actor, level: Level): boolean {
    if (!this.mayAudit(actor)) return false;
    if (actor.role === 'admin') return true;
    const own = this.levelOf(actor.jurisdiction);
    return own !== undefined && levelDepth(own) <= levelDepth(level);
  }

  /** The whole of a level's store lies in the actor's subtree (an admin, the root's auditor): ids and whole exports may be shown. */
  coversLevel(actor: Actor, level: Level): boolean {
    if (actor.role === 'admin') return true;
    return this.registry
      .all()
      .filter((entry) => entry.level === level)
      .every((entry) => this.registry.isSelfOrAncestor(actor.jurisdiction, entry.code));
  }

  /** A stored fact: one owned by or attributed to the actor's subtree; a signed head of a level it audits. */
  maySeeFact(actor: Actor, fact: FactConcerns): boolean {
    if (actor.role === 'admin') return true;
    // Personal data stays with the office that keeps it (docs/contract-pool.md P.4), its ancestors' auditors included.
    if (fact.personalDataOf) return actor.jurisdiction === fact.personalDataOf;
    if (fact.signsChainOf !== undefined) {
      const own = this.levelOf(actor.jurisdiction);
      return own !== undefined && levelDepth(own) <= levelDepth(fact.signsChainOf);
    }
    return fact.jurisdictions.some((code) => this.registry.isSelfOrAncestor(actor.jurisdiction, code));
  }

  /**
   * Levels whose operational figures (store head, inbox, lag) an actor may see: every level served
   * for an admin, else only its own jurisdiction's level. A county viewer has no business with the
   * province's internals.
   */
  operationalLevels(actor: Actor, served: readonly Level[]): Level[] {
    if (actor.role === 'admin') return [...served];
    const own = this.levelOf(actor.jurisdiction);
    return served.filter((level) => level === own);
  }

  /** Operating the system (replaying a relay, rebuilding projections, signing a head on demand): admins only. */
  mayOperate(actor: Actor): boolean {
    return actor.role === 'admin';
  }

  private levelOf(jurisdiction: string): Level | undefined {
    return this.registry.get(jurisdiction)?.level;
  }
}
