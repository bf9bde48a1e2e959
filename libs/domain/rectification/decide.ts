import { knownRound } from '../inspection/decide.js';
import type { DecisionContext } from '../kernel/decision.js';
import { requireOwnJurisdiction, requireRole } from '../kernel/decision.js';
import { refuse } from '../kernel/refusal.js';
import { streams } from '../streams.js';
import type { Rectification, World } from '../world.js';
import type {
  CompleteRectification,
  Measure,
  PlanRectification,
  ReassessRectification,
  RectificationCompleted,
  RectificationPlanned,
  RectificationReassessed,
  RectificationRef,
  RectificationRequired,
  RectificationVerified,
  RequireRectification,
  VerifyRectification,
} from './messages.js';

const knownRectification = (world: World, rectificationId: string): Rectification =>
  world.rectifications.get(rectificationId) ?? refuse('UnknownRectification', `rectification ${rectificationId} has not been required here`, 'rectificationId');

const refOf = ({ rectificationId, issueId, roundId, owner, unitId, unitJurisdiction, dueBy }: Rectification): RectificationRef => ({
  rectificationId,
  issueId,
  roundId,
  owner,
  unitId,
  unitJurisdiction,
  dueBy,
});

const requireDistinctMeasures = (measures: readonly Measure[]): void => {
  const ids = measures.map((measure) => measure.measureId);
  const repeated = ids.find((id, index) => ids.indexOf(id) !== index);
  if (repeated !== undefined) refuse('DuplicateMeasure', `measure ${repeated} appears twice`, 'measures');
};

export const decideRequireRectification = (command: RequireRectification, world: World, context: DecisionContext): RectificationRequired[] => {
  requireRole(context, command.type, 'leading-group');
  const { rectificationId, issueId, unitId, dueBy } = command.data;
  const issue = world.issues.get(issueId) ?? refuse('UnknownIssue', `issue ${issueId} is not recorded`, 'issueId');
  requireOwnJurisdiction(context, issue.owner, `issue ${issueId}`);
  if (issue.unitId !== unitId) refuse('IssueNotAtUnit', `issue ${issueId} was found at ${issue.unitId}, not ${unitId}`, 'unitId');
  if (world.rectifications.has(rectificationId)) refuse('AlreadyRecorded', `rectification ${rectificationId} is already required`, 'rectificationId');
  const measures = command.data.measures ?? [];
  requireDistinctMeasures(measures);
  const ref: RectificationRef = { rectificationId, issueId, roundId: issue.roundId, owner: issue.owner, unitId, unitJurisdiction: issue.unitJurisdiction, dueBy };
  // Facts recorded before measures existed carry neither field; new ones say both.
  return [{ type: 'RectificationRequired', data: { ...ref, measures, typical: command.data.typical ?? false } }];
};

/**
 * The unit's claim (签字认领): its measures, the leader who signs for it, the department that leads.
 * Planning again replaces the plan; a reopened rectification planned again is planned.
 */
export const decidePlanRectification = (command: PlanRectification, world: World, context: DecisionContext): RectificationPlanned[] => {
  requireRole(context, command.type, 'unit', 'leading-group');
  const rectification = knownRectification(world, command.data.rectificationId);
  requireOwnJurisdiction(context, rectification.unitJurisdiction, `the rectification at unit ${rectification.unitId}`);
  if (rectification.status === 'completed' || rectification.status === 'closed') {
    refuse('RectificationNotOpen', `rectification ${rectification.rectificationId} is ${rectification.status}; a plan is for an open one`, 'rectificationId');
  }
  const { measures, responsibleLeader, leadDepartment } = command.data;
  requireDistinctMeasures(measures);
  return [{ type: 'RectificationPlanned', data: { ...refOf(rectification), forAttempt: rectification.attempt + 1, measures, responsibleLeader, leadDepartment } }];
};

/** Recorded by the unit's own jurisdiction, which may differ from (be below) the one that required it. */
export const decideCompleteRectification = (command: CompleteRectification, world: World, context: DecisionContext): RectificationCompleted[] => {
  requireRole(context, command.type, 'unit', 'leading-group');
  const rectification = knownRectification(world, command.data.rectificationId);
  requireOwnJurisdiction(context, rectification.unitJurisdiction, `the rectification at unit ${rectification.unitId}`);
  if (rectification.status === 'completed' || rectification.status === 'closed') {
    refuse('AlreadyCompleted', `rectification ${rectification.rectificationId} is already ${rectification.status}`, 'rectificationId');
  }
  const evidence = command.data.evidence;
  return [{ type: 'RectificationCompleted', data: { ...refOf(rectification), attempt: rectification.attempt + 1, ...(evidence !== undefined ? { evidence } : {}) } }];
};

/** 对账 and 销号: only the jurisdiction that required it judges the completion (not its ancestors). */
export const decideVerifyRectification = (command: VerifyRectification, world: World, context: DecisionContext): RectificationVerified[] => {
  requireRole(context, command.type, 'leading-group');
  const rectification = knownRectification(world, command.data.rectificationId);
  requireOwnJurisdiction(context, rectification.owner, `rectification ${rectification.rectificationId}, required by ${rectification.owner},`);
  const { verdict } = command.data;
  const reason = command.data.reason ?? null;
  if (verdict === 'rejected' && reason === null) refuse('ReasonRequired', 'a rejection says why (reason)', 'reason');
  if (rectification.status !== 'completed') {
    return refuse('RectificationNotCompleted', `rectification ${rectification.rectificationId} is ${rectification.status}; only a completed one is verified`, 'rectificationId');
  }
  return [
    {
      type: 'RectificationVerified',
      data: { ...refOf(rectification), attempt: rectification.attempt, completedAt: rectification.completedAt, planned: rectification.plannedFor > 0, verdict, reason },
    },
  ];
};

/** Rounds from `roundId` up its parentRoundId chain: the rounds whose family it belongs to. */
const roundChain = (world: World, roundId: string): string[] => {
  const chain: string[] = [];
  for (let current: string | null = roundId; current !== null && !chain.includes(current); current = world.rounds.get(current)?.parentRoundId ?? null) chain.push(current);
  return chain;
};

/** The streams a reassessment consults: the look-back round, the round it checks, and the rectification's round up its chain. */
export const reassessmentReads = (data: ReassessRectification['data'], world: World): string[] => {
  const rounds = [data.roundId];
  const lookBackOf = world.rounds.get(data.roundId)?.lookBackOf;
  if (lookBackOf) rounds.push(lookBackOf);
  const rectification = world.rectifications.get(data.rectificationId);
  if (rectification) rounds.push(...roundChain(world, rectification.roundId));
  return rounds.map(streams.round);
};

/**
 * 回头看: a launched, not closed look-back round of the actor's jurisdiction checks a rectification
 * at one of its targets, or of an issue of the family of the round it looks back on. A superficial
 * or relapsed verdict reopens a completed or closed one.
 */
export const decideReassessRectification = (command: ReassessRectification, world: World, context: DecisionContext): RectificationReassessed[] => {
  requireRole(context, command.type, 'team', 'leading-group');
  const round = knownRound(world, command.data.roundId);
  requireOwnJurisdiction(context, round.owner, `round ${round.roundId}`);
  if (round.kind !== 'look-back') refuse('NotUnderLookBack', `round ${round.roundId} is ${round.kind}, not a look-back round`, 'roundId');
  if (round.status !== 'launched') refuse('NotUnderLookBack', `look-back round ${round.roundId} is ${round.status}, not under way`, 'roundId');
  const rectification = knownRectification(world, command.data.rectificationId);
  const atTarget = round.targets.some((target) => target.unitId === rectification.unitId);
  const ofFamily = round.lookBackOf !== null && roundChain(world, rectification.roundId).includes(round.lookBackOf);
  if (!atTarget && !ofFamily) {
    refuse('NotUnderLookBack', `rectification ${rectification.rectificationId} is neither at a target of ${round.roundId} nor of the round it looks back on`, 'rectificationId');
  }
  if (rectification.status !== 'completed' && rectification.status !== 'closed') {
    return refuse('RectificationNotCompleted', `rectification ${rectification.rectificationId} is ${rectification.status}; only a completed or closed one is reassessed`, 'rectificationId');
  }
  return [
    {
      type: 'RectificationReassessed',
      data: {
        ...refOf(rectification),
        attempt: rectification.attempt,
        completedAt: rectification.completedAt,
        closedAt: rectification.status === 'closed' ? rectification.closedAt : null,
        planned: rectification.plannedFor > 0,
        lookBackRoundId: round.roundId,
        lookBackOwner: round.owner,
        verdict: command.data.verdict,
        note: command.data.note ?? null,
      },
    },
  ];
};
