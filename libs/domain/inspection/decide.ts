import { declaredAuthority, requireAuthorised } from '../authority/decide.js';
import type { DecisionContext } from '../kernel/decision.js';
import { requireKnownJurisdiction, requireOwnJurisdiction, requireOwnOrAncestor, requireRole } from '../kernel/decision.js';
import { refuse } from '../kernel/refusal.js';
import { coreSpecialtiesMissing, poolRecordOf, poolSettingsOf, recusalReason } from '../pool/recusal.js';
import type { Round, Team, Unit, World } from '../world.js';
import type {
  CloseRound,
  DeliverFeedback,
  FeedbackDelivered,
  FormTeam,
  IssueFound,
  LaunchRound,
  PetitionsReceived,
  PlanRound,
  ReceivePetitions,
  RecordIssue,
  RegisterUnit,
  RoundClosed,
  RoundLaunched,
  RoundPlanned,
  StationTeam,
  SubmitSpecialReport,
  SpecialReportSubmitted,
  TeamFormed,
  TeamMember,
  TeamStationed,
  UnitRef,
  UnitRegistered,
} from './messages.js';

export const knownRound = (world: World, roundId: string, field = 'roundId'): Round =>
  world.rounds.get(roundId) ?? refuse('UnknownRound', `round ${roundId} is not known here`, field);
export const knownTeam = (world: World, teamId: string, field = 'teamId'): Team =>
  world.teams.get(teamId) ?? refuse('UnknownTeam', `team ${teamId} has not been formed`, field);
export const knownUnit = (world: World, unitId: string, field = 'unitId'): Unit =>
  world.units.get(unitId) ?? refuse('UnknownUnit', `unit ${unitId} is not registered`, field);

/**
 * The jurisdiction whose office forms a team in `round`: the round's owner, or in a joint round
 * (联合巡察, "市级统筹、市县联动、县级实施") a co-owner forming its own team, which it then stations
 * at the round's targets in its own subtree and whose members come from its own inspector pool.
 */
const teamOwnerFor = (round: Round, context: DecisionContext, what: string): string => {
  const jurisdiction = context.actor.jurisdiction;
  if (jurisdiction !== round.owner && round.authority?.coOwners.includes(jurisdiction)) return jurisdiction;
  requireOwnJurisdiction(context, round.owner, what);
  return round.owner;
};

/**
 * Whose office acts with team `teamId` of `round`: the team's (a co-owner's, in a joint round), or
 * the round owner's when the team is not known in this round (the checks after this one refuse it).
 */
export const teamOwnerOf = (world: World, teamId: string, round: Round): string => {
  const team = world.teams.get(teamId);
  return team !== undefined && team.roundId === round.roundId ? team.owner : round.owner;
};

/** New inspection facts need a launched round that is not closed. */
export const requireOpenRound = (round: Round, what: string): void => {
  if (round.status === 'planned') refuse('RoundNotLaunched', `round ${round.roundId} has not been launched; ${what} must wait`);
  if (round.status === 'closed') refuse('RoundClosed', `round ${round.roundId} is closed; ${what} is no longer possible`);
};

const requireNotClosed = (round: Round, what: string): void => {
  if (round.status === 'closed') refuse('RoundClosed', `round ${round.roundId} is closed; ${what} is no longer possible`);
};

export const decideRegisterUnit = (command: RegisterUnit, world: World, context: DecisionContext): UnitRegistered[] => {
  requireRole(context, command.type, 'leading-group');
  const { unitId, name, jurisdiction } = command.data;
  requireKnownJurisdiction(context, jurisdiction, 'jurisdiction');
  requireOwnOrAncestor(context, jurisdiction, `unit ${unitId}`, 'jurisdiction');
  if (world.units.has(unitId)) refuse('AlreadyRegistered', `unit ${unitId} is already registered`, 'unitId');
  return [{ type: 'UnitRegistered', data: { unitId, name, jurisdiction, kind: command.data.kind ?? null } }];
};

export const decidePlanRound = (command: PlanRound, world: World, context: DecisionContext): RoundPlanned[] => {
  requireRole(context, command.type, 'leading-group');
  const { roundId, title, kind, targets } = command.data;
  const owner = context.actor.jurisdiction;
  if (world.rounds.has(roundId)) refuse('AlreadyRecorded', `round ${roundId} is already planned`, 'roundId');
  const targetRefs: UnitRef[] = [...new Set(targets)].map((unitId) => {
    const unit = knownUnit(world, unitId, 'targets');
    requireOwnOrAncestor(context, unit.jurisdiction, `target unit ${unitId}`, 'targets');
    return { unitId, jurisdiction: unit.jurisdiction };
  });
  const parentRoundId = command.data.parentRoundId ?? null;
  if (parentRoundId !== null) {
    const parent = knownRound(world, parentRoundId, 'parentRoundId');
    if (!context.registry.isAncestor(parent.owner, owner)) {
      refuse('ParentRoundNotOfAncestor', `round ${parentRoundId} belongs to ${parent.owner}, not to an ancestor of ${owner}`, 'parentRoundId');
    }
  }
  const lookBackOf = command.data.lookBackOf ?? null;
  if (lookBackOf !== null) {
    if (kind !== 'look-back') refuse('LookBackOfNeedsLookBackRound', `only a look-back round checks another round; ${roundId} is ${kind}`, 'lookBackOf');
    const subject = knownRound(world, lookBackOf, 'lookBackOf');
    if (!context.registry.isSelfOrAncestor(owner, subject.owner)) {
      refuse('OutsideJurisdiction', `round ${lookBackOf} belongs to ${subject.owner}, neither ${owner} nor below it`, 'lookBackOf');
    }
  }
  const authority = declaredAuthority(command.data, owner, context);
  return [
    {
      type: 'RoundPlanned',
      data: {
        roundId,
        owner,
        title,
        kind,
        theme: command.data.theme ?? null,
        linkage: command.data.linkage ?? (parentRoundId ? 'linked' : 'none'),
        parentRoundId,
        targets: targetRefs,
        lookBackOf,
        ...(authority ? { authority } : {}),
      },
    },
  ];
};

export const decideLaunchRound = (command: LaunchRound, world: World, context: DecisionContext): RoundLaunched[] => {
  requireRole(context, command.type, 'leading-group');
  const round = knownRound(world, command.data.roundId);
  requireOwnJurisdiction(context, round.owner, `round ${round.roundId}`);
  if (round.status !== 'planned') refuse('AlreadyRecorded', `round ${round.roundId} is already ${round.status}`, 'roundId');
  if (round.authority === null) return [{ type: 'RoundLaunched', data: { roundId: round.roundId, owner: round.owner } }];
  const authorisations = requireAuthorised(round, 'run-round', world, context, null, 'roundId');
  return [{ type: 'RoundLaunched', data: { roundId: round.roundId, owner: round.owner, authorisations } }];
};

export const decideFormTeam = (command: FormTeam, world: World, context: DecisionContext): TeamFormed[] => {
  requireRole(context, command.type, 'leading-group');
  const { teamId, roundId, leader, members } = command.data;
  const round = knownRound(world, roundId);
  const owner = teamOwnerFor(round, context, `round ${roundId}`);
  requireNotClosed(round, `forming team ${teamId}`);
  if (world.teams.has(teamId)) refuse('AlreadyRecorded', `team ${teamId} is already formed`, 'teamId');
  const people = [leader, ...members].map((member) => member.personId);
  const repeated = people.find((person, index) => people.indexOf(person) !== index);
  if (repeated) refuse('DuplicateMember', `person ${repeated} appears twice in team ${teamId}`, 'members');
  for (const member of [leader, ...members]) requireKnownJurisdiction(context, member.homeJurisdiction, 'members.homeJurisdiction');
  // Members drawn from the forming office's inspector pool (依库选人): a withdrawn one may not be drawn, and 3+N is checked.
  const drawn = [leader, ...members].flatMap((member) => {
    const record = poolRecordOf(world, owner, member);
    if (record?.status === 'withdrawn') refuse('InspectorWithdrawn', `${member.personId} has left the inspector pool of ${owner}`, 'members');
    return record ? [record] : [];
  });
  if (drawn.length === 0) return [{ type: 'TeamFormed', data: { teamId, roundId, owner, leader, members } }];
  const missing = coreSpecialtiesMissing(drawn);
  if (missing.length > 0 && poolSettingsOf(world, owner).threePlusN === 'rule') {
    refuse('TeamLacksCoreSpecialties', `team ${teamId} has no pool member for ${missing.join(', ')} (3+N)`, 'members');
  }
  return [{ type: 'TeamFormed', data: { teamId, roundId, owner, leader, members, poolMembers: drawn.length, coreSpecialtiesMissing: missing } }];
};

export const decideStationTeam = (command: StationTeam, world: World, context: DecisionContext): TeamStationed[] => {
  requireRole(context, command.type, 'leading-group');
  const team = knownTeam(world, command.data.teamId);
  const round = knownRound(world, team.roundId);
  requireOwnJurisdiction(context, team.owner, `team ${team.teamId}`);
  requireOpenRound(round, `stationing team ${team.teamId}`);
  const already = team.status === 'stationed' ? team.stationedAt : [];
  const settings = poolSettingsOf(world, team.owner);
  const units = [...new Set(command.data.unitIds)].map((unitId) => {
    const target = round.targets.find((candidate) => candidate.unitId === unitId);
    if (!target) return refuse('UnitNotTargeted', `unit ${unitId} is not a target of round ${round.roundId}`, 'unitIds');
    if (already.includes(unitId)) refuse('AlreadyRecorded', `team ${team.teamId} is already stationed at ${unitId}`, 'unitIds');
    // A co-owner's team works in the co-owner's own subtree (县级实施); the owner's anywhere in the round.
    if (team.owner !== round.owner && !context.registry.isSelfOrAncestor(team.owner, target.jurisdiction)) {
      refuse('OutsideJurisdiction', `unit ${unitId} lies in ${target.jurisdiction}, outside ${team.owner}, whose team ${team.teamId} is`, 'unitIds');
    }
    // Recusal (DESIGN.md §4, docs/contract-pool.md P.3): the refusal names the member and the kind of
    // reason only, never the relative or the post behind it, since it is all anyone is told.
    for (const member of [team.leader, ...team.members]) {
      const reason = recusalReason(member, poolRecordOf(world, team.owner, member), target, round, settings, context.now);
      if (reason) refuse('MemberMustRecuse', `team ${team.teamId} cannot be stationed at ${unitId}: member ${member.personId} must recuse (${reason})`, 'unitIds');
    }
    return target;
  });
  if (round.authority === null) return [{ type: 'TeamStationed', data: { teamId: team.teamId, roundId: round.roundId, owner: team.owner, units } }];
  const authorisations = requireAuthorised(round, 'station-teams', world, context, units.map((unit) => unit.unitId), 'unitIds');
  return [{ type: 'TeamStationed', data: { teamId: team.teamId, roundId: round.roundId, owner: team.owner, units, authorisations } }];
};

export const decideReceivePetitions = (command: ReceivePetitions, world: World, context: DecisionContext): PetitionsReceived[] => {
  requireRole(context, command.type, 'team');
  const team = knownTeam(world, command.data.teamId);
  const round = knownRound(world, team.roundId);
  requireOwnJurisdiction(context, team.owner, `team ${team.teamId}`);
  requireOpenRound(round, 'receiving petitions');
  const { channel, count } = command.data;
  return [{ type: 'PetitionsReceived', data: { teamId: team.teamId, roundId: round.roundId, owner: team.owner, channel, count } }];
};

export const decideRecordIssue = (command: RecordIssue, world: World, context: DecisionContext): IssueFound[] => {
  requireRole(context, command.type, 'team');
  const { issueId, roundId, teamId, unitId, category, summary } = command.data;
  const round = knownRound(world, roundId);
  requireOwnJurisdiction(context, teamOwnerOf(world, teamId, round), `round ${roundId}`);
  requireOpenRound(round, `recording issue ${issueId}`);
  if (world.issues.has(issueId)) refuse('AlreadyRecorded', `issue ${issueId} is already recorded`, 'issueId');
  const team = knownTeam(world, teamId);
  if (team.roundId !== roundId) refuse('TeamNotInRound', `team ${teamId} belongs to round ${team.roundId}, not ${roundId}`, 'teamId');
  if (team.status !== 'stationed' || !team.stationedAt.includes(unitId)) {
    refuse('TeamNotStationedAtUnit', `team ${teamId} is not stationed at unit ${unitId}`, 'unitId');
  }
  const unit = knownUnit(world, unitId);
  return [
    {
      type: 'IssueFound',
      data: {
        issueId,
        roundId,
        teamId,
        owner: round.owner,
        unitId,
        unitJurisdiction: unit.jurisdiction,
        category,
        summary,
        immediate: command.data.immediate ?? false,
      },
    },
  ];
};

export const decideDeliverFeedback = (command: DeliverFeedback, world: World, context: DecisionContext): FeedbackDelivered[] => {
  requireRole(context, command.type, 'leading-group');
  const round = knownRound(world, command.data.roundId);
  requireOwnJurisdiction(context, round.owner, `round ${round.roundId}`);
  requireOpenRound(round, 'delivering feedback');
  const target = round.targets.find((candidate) => candidate.unitId === command.data.unitId);
  if (!target) return refuse('UnitNotTargeted', `unit ${command.data.unitId} is not a target of round ${round.roundId}`, 'unitId');
  if (round.feedbackDeliveredTo.includes(target.unitId)) {
    refuse('AlreadyRecorded', `feedback to ${target.unitId} in round ${round.roundId} is already delivered`, 'unitId');
  }
  const delivered = { roundId: round.roundId, owner: round.owner, unitId: target.unitId, unitJurisdiction: target.jurisdiction };
  // 双报告: the report goes to every party that authorised the round, and the fact says so.
  if (round.authority === null) return [{ type: 'FeedbackDelivered', data: delivered }];
  return [{ type: 'FeedbackDelivered', data: { ...delivered, reportedTo: round.authority.authorisedBy } }];
};

export const decideSubmitSpecialReport = (command: SubmitSpecialReport, world: World, context: DecisionContext): SpecialReportSubmitted[] => {
  requireRole(context, command.type, 'leading-group');
  const { reportId, roundId, theme, recipients } = command.data;
  const round = knownRound(world, roundId);
  requireOwnJurisdiction(context, round.owner, `round ${roundId}`);
  if (round.status === 'planned') refuse('RoundNotLaunched', `round ${roundId} has not been launched; nothing to report yet`, 'roundId');
  if (world.specialReports.has(reportId)) refuse('AlreadyRecorded', `special report ${reportId} is already submitted`, 'reportId');
  return [{ type: 'SpecialReportSubmitted', data: { reportId, roundId, owner: round.owner, theme, recipients } }];
};

export const decideCloseRound = (command: CloseRound, world: World, context: DecisionContext): RoundClosed[] => {
  requireRole(context, command.type, 'leading-group');
  const round = knownRound(world, command.data.roundId);
  requireOwnJurisdiction(context, round.owner, `round ${round.roundId}`);
  if (round.status === 'planned') refuse('RoundNotLaunched', `round ${round.roundId} was never launched`, 'roundId');
  if (round.status === 'closed') refuse('AlreadyRecorded', `round ${round.roundId} is already closed`, 'roundId');
  return [{ type: 'RoundClosed', data: { roundId: round.roundId, owner: round.owner } }];
};
