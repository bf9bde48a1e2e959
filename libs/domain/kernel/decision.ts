import type { JurisdictionLookup } from '../jurisdictions/registry.js';
import type { Actor, Role } from './actor.js';
import { refuse } from './refusal.js';

/** Everything a decider may consult besides the World: who acts, when, and the jurisdiction tree. */
export interface DecisionContext {
  readonly actor: Actor;
  /** Domain time, injected: the decider never reads a clock. */
  readonly now: string;
  readonly registry: JurisdictionLookup;
}

const READ_ONLY: readonly Role[] = ['auditor', 'viewer'];

export const requireRole = (context: DecisionContext, command: string, ...allowed: Role[]): void => {
  const { role } = context.actor;
  if (READ_ONLY.includes(role)) refuse('ReadOnlyRole', `role ${role} reads only; it cannot ${command}`);
  if (!allowed.includes(role)) refuse('RoleNotAllowed', `${command} needs role ${allowed.join(' or ')}, not ${role}`);
};

/** The actor acts for `jurisdiction` itself. */
export const requireOwnJurisdiction = (context: DecisionContext, jurisdiction: string, what: string): void => {
  if (context.actor.jurisdiction !== jurisdiction) {
    refuse('OutsideJurisdiction', `${what} belongs to ${jurisdiction}; actor ${context.actor.id} acts for ${context.actor.jurisdiction}`);
  }
};

/** The actor acts for `jurisdiction` or one of its ancestors. */
export const requireOwnOrAncestor = (context: DecisionContext, jurisdiction: string, what: string, field?: string): void => {
  if (!context.registry.isSelfOrAncestor(context.actor.jurisdiction, jurisdiction)) {
    refuse('OutsideJurisdiction', `${what} is in ${jurisdiction}, outside ${context.actor.jurisdiction} and its descendants`, field);
  }
};

export const requireKnownJurisdiction = (context: DecisionContext, code: string, field: string): void => {
  if (!context.registry.get(code)) refuse('UnknownJurisdiction', `jurisdiction ${code} is not registered`, field);
};
