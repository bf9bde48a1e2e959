import type { DecisionContext } from '../kernel/decision.js';
import { requireKnownJurisdiction, requireOwnJurisdiction, requireRole } from '../kernel/decision.js';
import { refuse } from '../kernel/refusal.js';
import { knownRound } from '../inspection/decide.js';
import type { Task, World } from '../world.js';
import type {
  AcceptTask,
  AdoptFinding,
  AssignTask,
  CompleteTask,
  EscalateFinding,
  FindingAdopted,
  FindingEscalated,
  ReportTaskProgress,
  TaskAccepted,
  TaskAssigned,
  TaskCompleted,
  TaskProgressReported,
} from './messages.js';

export const decideAssignTask = (command: AssignTask, world: World, context: DecisionContext): TaskAssigned[] => {
  requireRole(context, command.type, 'leading-group');
  const { taskId, toJurisdiction, kind, title, dueBy } = command.data;
  const from = context.actor.jurisdiction;
  requireKnownJurisdiction(context, toJurisdiction, 'toJurisdiction');
  if (!context.registry.isAncestor(from, toJurisdiction)) {
    refuse('NotADescendant', `${toJurisdiction} is not below ${from}; tasks go only to descendants`, 'toJurisdiction');
  }
  if (world.tasks.has(taskId)) refuse('AlreadyRecorded', `task ${taskId} is already assigned`, 'taskId');
  const roundId = command.data.roundId ?? null;
  if (roundId !== null) {
    const round = knownRound(world, roundId);
    if (!context.registry.isSelfOrAncestor(round.owner, from)) {
      refuse('OutsideJurisdiction', `round ${roundId} belongs to ${round.owner}, neither ${from} nor its ancestor`, 'roundId');
    }
  }
  return [{ type: 'TaskAssigned', data: { taskId, from, toJurisdiction, kind, title, roundId, dueBy } }];
};

const addressedTask = (command: AcceptTask | ReportTaskProgress | CompleteTask, world: World, context: DecisionContext): Task => {
  requireRole(context, command.type, 'leading-group');
  const task = world.tasks.get(command.data.taskId) ?? refuse('UnknownTask', `task ${command.data.taskId} is not addressed here`, 'taskId');
  requireOwnJurisdiction(context, task.toJurisdiction, `task ${task.taskId}`);
  if (task.status === 'completed') refuse('AlreadyCompleted', `task ${task.taskId} is already completed`, 'taskId');
  return task;
};

const taskFacts = (task: Task) => ({ taskId: task.taskId, from: task.from, toJurisdiction: task.toJurisdiction, roundId: task.roundId, dueBy: task.dueBy });

export const decideAcceptTask = (command: AcceptTask, world: World, context: DecisionContext): TaskAccepted[] => {
  const task = addressedTask(command, world, context);
  if (task.status !== 'assigned') refuse('TaskAlreadyAccepted', `task ${task.taskId} is already ${task.status}`, 'taskId');
  return [{ type: 'TaskAccepted', data: { ...taskFacts(task), note: command.data.note ?? null } }];
};

export const decideReportTaskProgress = (command: ReportTaskProgress, world: World, context: DecisionContext): TaskProgressReported[] => {
  const task = addressedTask(command, world, context);
  if (task.status === 'assigned') refuse('TaskNotAccepted', `task ${task.taskId} must be accepted before progress is reported`, 'taskId');
  return [
    { type: 'TaskProgressReported', data: { ...taskFacts(task), note: command.data.note ?? null, percent: command.data.percent ?? null } },
  ];
};

/** Completing implies acceptance (DESIGN.md §6: task stages are cumulative), so it needs none first. */
export const decideCompleteTask = (command: CompleteTask, world: World, context: DecisionContext): TaskCompleted[] => {
  const task = addressedTask(command, world, context);
  return [{ type: 'TaskCompleted', data: { ...taskFacts(task), result: command.data.result ?? null } }];
};

export const decideEscalateFinding = (command: EscalateFinding, world: World, context: DecisionContext): FindingEscalated[] => {
  requireRole(context, command.type, 'leading-group');
  const { issueId, toJurisdiction } = command.data;
  const issue = world.issues.get(issueId) ?? refuse('UnknownIssue', `issue ${issueId} is not recorded`, 'issueId');
  requireOwnJurisdiction(context, issue.owner, `issue ${issueId}`);
  requireKnownJurisdiction(context, toJurisdiction, 'toJurisdiction');
  if (!context.registry.isAncestor(toJurisdiction, issue.owner)) {
    refuse('NotAnAncestor', `${toJurisdiction} is not above ${issue.owner}; findings escalate only to ancestors`, 'toJurisdiction');
  }
  if (issue.escalation.status !== 'none') refuse('AlreadyEscalated', `issue ${issueId} is already escalated to ${issue.escalation.to}`, 'issueId');
  return [
    {
      type: 'FindingEscalated',
      data: {
        issueId,
        roundId: issue.roundId,
        from: issue.owner,
        toJurisdiction,
        unitId: issue.unitId,
        unitJurisdiction: issue.unitJurisdiction,
        note: command.data.note ?? null,
      },
    },
  ];
};

export const decideAdoptFinding = (command: AdoptFinding, world: World, context: DecisionContext): FindingAdopted[] => {
  requireRole(context, command.type, 'leading-group');
  const { issueId, roundId } = command.data;
  const issue = world.issues.get(issueId) ?? refuse('UnknownIssue', `issue ${issueId} is not known here`, 'issueId');
  const escalation = issue.escalation;
  if (escalation.status === 'none') return refuse('NotEscalated', `issue ${issueId} has not been escalated`, 'issueId');
  if (escalation.to !== context.actor.jurisdiction) {
    refuse('EscalationNotAddressedHere', `issue ${issueId} was escalated to ${escalation.to}, not ${context.actor.jurisdiction}`, 'issueId');
  }
  if (escalation.status === 'adopted') refuse('AlreadyAdopted', `issue ${issueId} is already adopted into round ${escalation.intoRoundId}`, 'issueId');
  const round = knownRound(world, roundId);
  requireOwnJurisdiction(context, round.owner, `round ${roundId}`);
  if (round.status === 'closed') refuse('RoundClosed', `round ${roundId} is closed; it adopts nothing more`, 'roundId');
  return [{ type: 'FindingAdopted', data: { issueId, from: issue.owner, by: context.actor.jurisdiction, roundId } }];
};
