import type { DecisionContext } from '../kernel/decision.js';
import { requireKnownJurisdiction, requireOwnJurisdiction, requireRole } from '../kernel/decision.js';
import { refuse } from '../kernel/refusal.js';
import type { Authorisation, Round, World } from '../world.js';
import type { PlanRound } from '../inspection/messages.js';
import type { AuthorisationGranted, AuthorisationRevoked, AuthorisedAct, AuthorisingParty, GrantAuthorisation, RevokeAuthorisation, RoundAuthority } from './messages.js';

/** One of the two is the other or an ancestor of it: authority runs along a line of the tree, never sideways. */
const onOneLine = (context: DecisionContext, a: string, b: string): boolean => context.registry.isSelfOrAncestor(a, b) || context.registry.isSelfOrAncestor(b, a);

const authorisationsOf = (world: World, roundId: string): readonly Authorisation[] => world.authorisations.get(roundId) ?? [];

export const decideGrantAuthorisation = (command: GrantAuthorisation, world: World, context: DecisionContext): AuthorisationGranted[] => {
  requireRole(context, command.type, 'leading-group');
  const { authorisationId, roundId, grantee, office, acts, validFrom, reference } = command.data;
  const grantor = context.actor.jurisdiction;
  requireKnownJurisdiction(context, grantee, 'grantee');
  if (!onOneLine(context, grantor, grantee)) {
    refuse('AuthorityOutsideLine', `${grantor} can authorise only itself, its ancestors or its descendants, not ${grantee}`, 'grantee');
  }
  const round = world.rounds.get(roundId);
  if (round && round.owner !== grantee) refuse('GranteeNotRoundOwner', `round ${roundId} is run by ${round.owner}, not by ${grantee}`, 'grantee');
  const validTo = command.data.validTo ?? null;
  if (validTo !== null && Date.parse(validTo) <= Date.parse(validFrom)) refuse('InvalidTime', `validTo ${validTo} is not later than validFrom ${validFrom}`, 'validTo');
  if (authorisationsOf(world, roundId).some((known) => known.authorisationId === authorisationId)) {
    refuse('AlreadyRecorded', `authorisation ${authorisationId} is already granted`, 'authorisationId');
  }
  return [
    {
      type: 'AuthorisationGranted',
      data: {
        authorisationId,
        roundId,
        grantor,
        office,
        grantee,
        granteeBody: command.data.granteeBody ?? null,
        acts: [...new Set(acts)],
        unitIds: command.data.unitIds ? [...new Set(command.data.unitIds)] : null,
        validFrom,
        validTo,
        reference,
        signedBy: command.data.signedBy ?? null,
      },
    },
  ];
};

export const decideRevokeAuthorisation = (command: RevokeAuthorisation, world: World, context: DecisionContext): AuthorisationRevoked[] => {
  requireRole(context, command.type, 'leading-group');
  const { authorisationId, roundId } = command.data;
  const known =
    authorisationsOf(world, roundId).find((candidate) => candidate.authorisationId === authorisationId) ??
    refuse('UnknownAuthorisation', `authorisation ${authorisationId} of round ${roundId} is not known here`, 'authorisationId');
  requireOwnJurisdiction(context, known.grantor, `authorisation ${authorisationId}`);
  if (known.revokedAt !== null) refuse('AlreadyRecorded', `authorisation ${authorisationId} was already revoked at ${known.revokedAt}`, 'authorisationId');
  return [
    {
      type: 'AuthorisationRevoked',
      data: { authorisationId, roundId, grantor: known.grantor, grantee: known.grantee, revokedAt: context.now, reason: command.data.reason ?? null },
    },
  ];
};

/** The authority a planRound declares, checked against the owner's place in the tree; null when it declares none. */
export const declaredAuthority = (data: PlanRound['data'], owner: string, context: DecisionContext): RoundAuthority | null => {
  if (data.authorisedBy === undefined && data.delegatedBy === undefined && data.coOwners === undefined) return null;
  const authorisedBy: AuthorisingParty[] = [];
  for (const party of data.authorisedBy ?? []) {
    requireKnownJurisdiction(context, party.jurisdiction, 'authorisedBy');
    if (!onOneLine(context, owner, party.jurisdiction)) {
      refuse('AuthorityOutsideLine', `${party.jurisdiction} is neither above nor below ${owner}; it cannot authorise its round`, 'authorisedBy');
    }
    if (!authorisedBy.some((known) => known.jurisdiction === party.jurisdiction && known.office === party.office)) authorisedBy.push({ jurisdiction: party.jurisdiction, office: party.office });
  }
  const declared = (code: string) => authorisedBy.some((party) => party.jurisdiction === code);
  const delegatedBy = data.delegatedBy ?? null;
  if (delegatedBy !== null) {
    requireKnownJurisdiction(context, delegatedBy, 'delegatedBy');
    if (!context.registry.isSelfOrAncestor(delegatedBy, owner)) refuse('NotAnAncestor', `${delegatedBy} is not ${owner} or above it; a round runs in the name of an ancestor only`, 'delegatedBy');
    if (!declared(delegatedBy)) refuse('AuthoriserNotDeclared', `a round run in the name of ${delegatedBy} needs its authorisation: list it in authorisedBy`, 'authorisedBy');
  }
  const coOwners = [...new Set(data.coOwners ?? [])];
  for (const coOwner of coOwners) {
    requireKnownJurisdiction(context, coOwner, 'coOwners');
    if (!context.registry.isAncestor(owner, coOwner)) refuse('NotADescendant', `${coOwner} is not below ${owner}; a joint round's co-owners are its lower levels`, 'coOwners');
    if (!declared(coOwner)) refuse('AuthoriserNotDeclared', `co-owner ${coOwner} takes part by its own authorisation: list it in authorisedBy`, 'authorisedBy');
  }
  return { authorisedBy, delegatedBy, coOwners };
};

const before = (a: string, b: string): boolean => Date.parse(a) < Date.parse(b);

/** Whether an authorisation allows `act` at domain time `at` (validity and revocation compared as instants). */
export const inForceAt = (authorisation: Authorisation, act: AuthorisedAct, at: string): boolean =>
  authorisation.acts.includes(act) &&
  !before(at, authorisation.validFrom) &&
  (authorisation.validTo === null || before(at, authorisation.validTo)) &&
  (authorisation.revokedAt === null || before(at, authorisation.revokedAt));

/**
 * The authorisations an act relies on: for each party the round needs (and each unit stationed
 * at), one in force at the command's domain time, so a late-recorded act dated before a revocation
 * still stands. Refuses naming the first party (and unit) without one; empty for a round that
 * needs none.
 */
export const requireAuthorised = (round: Round, act: AuthorisedAct, world: World, context: DecisionContext, units: readonly string[] | null, field: string): string[] => {
  if (round.authority === null) return [];
  const known = authorisationsOf(world, round.roundId);
  const relied = new Set<string>();
  for (const party of round.authority.authorisedBy) {
    for (const unitId of units ?? [null]) {
      const covering = known.find(
        (candidate) =>
          candidate.grantor === party.jurisdiction &&
          candidate.office === party.office &&
          candidate.grantee === round.owner &&
          inForceAt(candidate, act, context.now) &&
          (unitId === null || candidate.unitIds === null || candidate.unitIds.includes(unitId)),
      );
      if (!covering) {
        const at = unitId === null ? '' : ` at ${unitId}`;
        refuse('AuthorisationMissing', `round ${round.roundId} needs the ${party.office} of ${party.jurisdiction} to authorise ${act}${at} as of ${context.now}; no such authorisation is in force then`, field);
      } else relied.add(covering.authorisationId);
    }
  }
  return [...relied];
};
