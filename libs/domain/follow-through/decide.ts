import { knownRound, knownUnit } from '../inspection/decide.js';
import type { DecisionContext } from '../kernel/decision.js';
import { requireOwnJurisdiction, requireOwnOrAncestor, requireRole } from '../kernel/decision.js';
import { refuse } from '../kernel/refusal.js';
import type { Handover, Issue, World } from '../world.js';
import type {
  AccountabilityRecorded,
  AnswerHandover,
  FollowUpVisitRecorded,
  HandOverIssue,
  HandoverAnswered,
  IssueHandedOver,
  IssueRef,
  IssueSupervised,
  RecordAccountability,
  RecordFollowUpVisit,
  SuperviseIssue,
} from './messages.js';

const knownIssue = (world: World, issueId: string): Issue => world.issues.get(issueId) ?? refuse('UnknownIssue', `issue ${issueId} is not recorded`, 'issueId');
const knownHandover = (world: World, handoverId: string): Handover =>
  world.handovers.get(handoverId) ?? refuse('UnknownHandover', `handover ${handoverId} is not recorded here`, 'handoverId');

const issueRefOf = ({ issueId, roundId, owner, unitId, unitJurisdiction }: Issue): IssueRef => ({ issueId, roundId, owner, unitId, unitJurisdiction });

/** 移交: the leading group of the issue's round owner hands it to a functional department. */
export const decideHandOverIssue = (command: HandOverIssue, world: World, context: DecisionContext): IssueHandedOver[] => {
  requireRole(context, command.type, 'leading-group');
  const { handoverId, recipient, dueBy } = command.data;
  const issue = knownIssue(world, command.data.issueId);
  requireOwnJurisdiction(context, issue.owner, `issue ${issue.issueId}`);
  if (world.handovers.has(handoverId)) refuse('AlreadyRecorded', `handover ${handoverId} is already recorded`, 'handoverId');
  return [{ type: 'IssueHandedOver', data: { ...issueRefOf(issue), handoverId, recipient, dueBy } }];
};

/** 办理反馈: answered once, by a handler of the round owner's jurisdiction. */
export const decideAnswerHandover = (command: AnswerHandover, world: World, context: DecisionContext): HandoverAnswered[] => {
  requireRole(context, command.type, 'handler');
  const handover = knownHandover(world, command.data.handoverId);
  requireOwnJurisdiction(context, handover.owner, `handover ${handover.handoverId}`);
  if (handover.status === 'answered') refuse('AlreadyAnswered', `handover ${handover.handoverId} was answered already`, 'handoverId');
  const { handoverId, issueId, roundId, owner, unitId, unitJurisdiction, recipient, dueBy } = handover;
  return [{ type: 'HandoverAnswered', data: { handoverId, issueId, roundId, owner, unitId, unitJurisdiction, recipient, dueBy, result: command.data.result } }];
};

/** 督办: by the issue's round owner or an ancestor of it, at most once by each. */
export const decideSuperviseIssue = (command: SuperviseIssue, world: World, context: DecisionContext): IssueSupervised[] => {
  requireRole(context, command.type, 'leading-group');
  const issue = knownIssue(world, command.data.issueId);
  const supervisor = context.actor.jurisdiction;
  if (!context.registry.isSelfOrAncestor(supervisor, issue.owner)) {
    refuse('OutsideJurisdiction', `issue ${issue.issueId} belongs to a round of ${issue.owner}; only it or an ancestor supervises it`, 'issueId');
  }
  if (issue.supervisedBy.includes(supervisor)) refuse('AlreadySupervised', `${supervisor} already supervises issue ${issue.issueId}`, 'issueId');
  return [{ type: 'IssueSupervised', data: { ...issueRefOf(issue), supervisor, typical: command.data.typical, dueBy: command.data.dueBy ?? null } }];
};

/** 约谈/函询/诫勉/问责 at a unit, by its jurisdiction or any ancestor (a city's collective talk with county secretaries). */
export const decideRecordAccountability = (command: RecordAccountability, world: World, context: DecisionContext): AccountabilityRecorded[] => {
  requireRole(context, command.type, 'leading-group', 'handler');
  const { actionId, kind, persons } = command.data;
  const unit = knownUnit(world, command.data.unitId);
  requireOwnOrAncestor(context, unit.jurisdiction, `unit ${unit.unitId}`, 'unitId');
  if (world.accountabilityActions.has(actionId)) refuse('AlreadyRecorded', `accountability action ${actionId} is already recorded`, 'actionId');
  const issueId = command.data.issueId ?? null;
  let roundId = command.data.roundId ?? null;
  if (issueId !== null) {
    const issue = knownIssue(world, issueId);
    if (issue.unitId !== unit.unitId) refuse('IssueNotAtUnit', `issue ${issueId} was found at ${issue.unitId}, not ${unit.unitId}`, 'unitId');
    roundId ??= issue.roundId;
  }
  if (command.data.roundId !== undefined) knownRound(world, command.data.roundId);
  return [
    {
      type: 'AccountabilityRecorded',
      data: {
        actionId,
        unitId: unit.unitId,
        unitJurisdiction: unit.jurisdiction,
        kind,
        persons,
        issueId,
        roundId,
        subjectRank: command.data.subjectRank ?? null,
        recordedBy: context.actor.jurisdiction,
      },
    },
  ];
};

/** 回访 / 暗访 of a unit, by its jurisdiction or any ancestor. */
export const decideRecordFollowUpVisit = (command: RecordFollowUpVisit, world: World, context: DecisionContext): FollowUpVisitRecorded[] => {
  requireRole(context, command.type, 'leading-group', 'team');
  const { visitId, unannounced } = command.data;
  const unit = knownUnit(world, command.data.unitId);
  requireOwnOrAncestor(context, unit.jurisdiction, `unit ${unit.unitId}`, 'unitId');
  if (world.visits.has(visitId)) refuse('AlreadyRecorded', `visit ${visitId} is already recorded`, 'visitId');
  const roundId = command.data.roundId ?? null;
  if (roundId !== null) knownRound(world, roundId);
  return [
    {
      type: 'FollowUpVisitRecorded',
      data: { visitId, unitId: unit.unitId, unitJurisdiction: unit.jurisdiction, unannounced, roundId, findings: command.data.findings ?? null, recordedBy: context.actor.jurisdiction },
    },
  ];
};
