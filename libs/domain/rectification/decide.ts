import type { DecisionContext } from '../kernel/decision.js';
import { requireOwnJurisdiction, requireRole } from '../kernel/decision.js';
import { refuse } from '../kernel/refusal.js';
import type { World } from '../world.js';
import type { CompleteRectification, RectificationCompleted, RectificationRequired, RequireRectification } from './messages.js';

export const decideRequireRectification = (command: RequireRectification, world: World, context: DecisionContext): RectificationRequired[] => {
  requireRole(context, command.type, 'leading-group');
  const { rectificationId, issueId, unitId, dueBy } = command.data;
  const issue = world.issues.get(issueId) ?? refuse('UnknownIssue', `issue ${issueId} is not recorded`, 'issueId');
  requireOwnJurisdiction(context, issue.owner, `issue ${issueId}`);
  if (issue.unitId !== unitId) refuse('IssueNotAtUnit', `issue ${issueId} was found at ${issue.unitId}, not ${unitId}`, 'unitId');
  if (world.rectifications.has(rectificationId)) refuse('AlreadyRecorded', `rectification ${rectificationId} is already required`, 'rectificationId');
  return [
    {
      type: 'RectificationRequired',
      data: { rectificationId, issueId, roundId: issue.roundId, owner: issue.owner, unitId, unitJurisdiction: issue.unitJurisdiction, dueBy },
    },
  ];
};

/** Recorded by the unit's own jurisdiction, which may differ from (be below) the one that required it. */
export const decideCompleteRectification = (command: CompleteRectification, world: World, context: DecisionContext): RectificationCompleted[] => {
  requireRole(context, command.type, 'unit', 'leading-group');
  const rectification =
    world.rectifications.get(command.data.rectificationId) ??
    refuse('UnknownRectification', `rectification ${command.data.rectificationId} has not been required here`, 'rectificationId');
  requireOwnJurisdiction(context, rectification.unitJurisdiction, `the rectification at unit ${rectification.unitId}`);
  if (rectification.status === 'completed') refuse('AlreadyCompleted', `rectification ${rectification.rectificationId} is already completed`, 'rectificationId');
  const { rectificationId, issueId, roundId, owner, unitId, unitJurisdiction, dueBy } = rectification;
  return [{ type: 'RectificationCompleted', data: { rectificationId, issueId, roundId, owner, unitId, unitJurisdiction, dueBy } }];
};
