/** Downward tasks and upward escalated findings between levels. */
import type { CommandCatalogue, EventCatalogue } from '../kernel/catalogue.js';
import { adoptsIssue, roundIdOf, startsAggregate, travelsWhole } from '../kernel/catalogue.js';
import { field, inputOf } from '../kernel/schema.js';
import { streams } from '../streams.js';
import type { Escalation, Task, TaskFacts, World } from '../world.js';
import {
  decideAcceptTask,
  decideAdoptFinding,
  decideAssignTask,
  decideCompleteTask,
  decideEscalateFinding,
  decideReportTaskProgress,
} from './decide.js';
import type { LinkageCommand, LinkageEvent, TaskAccepted, TaskCompleted, TaskProgressReported } from './messages.js';
import { TASK_KINDS } from './messages.js';

export const linkageCommands: CommandCatalogue<LinkageCommand['type']> = {
  assignTask: {
    summary: 'leading group: assign a task to a descendant jurisdiction',
    roles: ['leading-group'],
    input: inputOf<Extract<LinkageCommand, { type: 'assignTask' }>['data']>()({
      taskId: field.id(),
      toJurisdiction: field.code('a descendant of the assigning jurisdiction'),
      kind: field.oneOf(TASK_KINDS),
      title: field.text(200),
      roundId: field.optional(field.id('the round the task belongs to')),
      dueBy: field.instant(),
    }),
    example: { taskId: 'fj-grain-task-350600', toJurisdiction: '350600', kind: 'linked-inspection', title: '开展粮食购销领域腐败问题专项巡察', roundId: 'fj-2021-grain', dueBy: '2021-12-31T00:00:00+08:00' },
    target: (data) => streams.task(data.taskId),
    reads: (data) => (data.roundId ? [streams.round(data.roundId)] : []),
    decide: decideAssignTask,
  },
  acceptTask: {
    summary: "addressee's leading group: accept a task",
    roles: ['leading-group'],
    input: inputOf<Extract<LinkageCommand, { type: 'acceptTask' }>['data']>()({ taskId: field.id(), note: field.optional(field.text(2000, { multiline: true })) }),
    example: { taskId: 'fj-grain-task-350600', note: '已部署' },
    target: (data) => streams.task(data.taskId),
    reads: () => [],
    decide: decideAcceptTask,
  },
  reportTaskProgress: {
    summary: "addressee's leading group: report progress on an accepted task",
    roles: ['leading-group'],
    input: inputOf<Extract<LinkageCommand, { type: 'reportTaskProgress' }>['data']>()({
      taskId: field.id(),
      note: field.optional(field.text(2000, { multiline: true })),
      percent: field.optional(field.integer(0, 100)),
    }),
    example: { taskId: 'fj-grain-task-350600', note: '已进驻11个粮库', percent: 60 },
    target: (data) => streams.task(data.taskId),
    reads: () => [],
    decide: decideReportTaskProgress,
  },
  completeTask: {
    summary: "addressee's leading group: complete a task",
    roles: ['leading-group'],
    input: inputOf<Extract<LinkageCommand, { type: 'completeTask' }>['data']>()({ taskId: field.id(), result: field.optional(field.text(4000, { multiline: true })) }),
    example: { taskId: 'fj-grain-task-350600', result: '发现问题42个,移交线索9条' },
    target: (data) => streams.task(data.taskId),
    reads: () => [],
    decide: decideCompleteTask,
  },
  escalateFinding: {
    summary: 'leading group: escalate a finding to an ancestor jurisdiction',
    roles: ['leading-group'],
    input: inputOf<Extract<LinkageCommand, { type: 'escalateFinding' }>['data']>()({
      issueId: field.id(),
      toJurisdiction: field.code('an ancestor of the escalating jurisdiction'),
      note: field.optional(field.text(2000, { multiline: true })),
    }),
    example: { issueId: 'ds-port-1', toJurisdiction: '350000', note: '涉及省属企业' },
    target: (data) => streams.issue(data.issueId),
    reads: () => [],
    decide: decideEscalateFinding,
  },
  adoptFinding: {
    summary: "addressee's leading group: adopt an escalated finding into its round",
    roles: ['leading-group'],
    input: inputOf<Extract<LinkageCommand, { type: 'adoptFinding' }>['data']>()({ issueId: field.id(), roundId: field.id() }),
    example: { issueId: 'ds-port-1', roundId: 'fj-2022-soe' },
    target: (data) => streams.issue(data.issueId),
    reads: (data) => [streams.round(data.roundId)],
    decide: decideAdoptFinding,
  },
};

const TASK_STAGE: Record<Task['status'], number> = { assigned: 0, accepted: 1, 'in-progress': 2, completed: 3 };

/** A continuation may arrive before its assignment (facts of different levels come in any order). */
const continueTask = (world: World, data: (TaskAccepted | TaskProgressReported | TaskCompleted)['data'], next: (facts: TaskFacts) => Task): void => {
  const existing = world.tasks.get(data.taskId);
  const task = next({ taskId: data.taskId, from: data.from, toJurisdiction: data.toJurisdiction, kind: existing?.kind ?? null, roundId: data.roundId, dueBy: data.dueBy });
  if (!existing || TASK_STAGE[task.status] >= TASK_STAGE[existing.status]) world.tasks.set(data.taskId, task);
};

const taskConcerns = (data: { from: string; toJurisdiction: string }): string[] => [data.from, data.toJurisdiction];

export const linkageEvents: EventCatalogue<LinkageEvent['type']> = {
  TaskAssigned: {
    stream: (data) => streams.task(data.taskId),
    evolve: (world, data) => {
      const existing = world.tasks.get(data.taskId);
      const facts = { taskId: data.taskId, from: data.from, toJurisdiction: data.toJurisdiction, kind: data.kind, roundId: data.roundId, dueBy: data.dueBy };
      world.tasks.set(data.taskId, existing ? { ...existing, ...facts } : { ...facts, status: 'assigned' });
    },
    concerns: taskConcerns,
    announce: 'concerned',
    publicView: travelsWhole,
    provenance: 'read',
    round: roundIdOf,
    lineage: startsAggregate('task', (data) => ({ id: data.taskId, whose: data.toJurisdiction, causedBy: data.roundId ? { kind: 'round', id: data.roundId } : null, from: data.from })),
  },
  TaskAccepted: {
    stream: (data) => streams.task(data.taskId),
    evolve: (world, data) => continueTask(world, data, (facts) => ({ ...facts, status: 'accepted' })),
    concerns: taskConcerns,
    announce: 'concerned',
    publicView: travelsWhole,
    provenance: 'read',
    round: roundIdOf,
    lineage: 'continues',
  },
  TaskProgressReported: {
    stream: (data) => streams.task(data.taskId),
    evolve: (world, data) => continueTask(world, data, (facts) => ({ ...facts, status: 'in-progress', percent: data.percent })),
    concerns: taskConcerns,
    announce: 'concerned',
    publicView: travelsWhole,
    provenance: 'read',
    round: roundIdOf,
    lineage: 'continues',
  },
  TaskCompleted: {
    stream: (data) => streams.task(data.taskId),
    evolve: (world, data, occurredAt) => continueTask(world, data, (facts) => ({ ...facts, status: 'completed', completedAt: occurredAt })),
    concerns: taskConcerns,
    announce: 'concerned',
    publicView: travelsWhole,
    provenance: 'read',
    round: roundIdOf,
    lineage: 'continues',
  },
  FindingEscalated: {
    stream: (data) => streams.issue(data.issueId),
    evolve: (world, data) => {
      const issue = world.issues.get(data.issueId) ?? {
        issueId: data.issueId,
        roundId: data.roundId,
        owner: data.from,
        unitId: data.unitId,
        unitJurisdiction: data.unitJurisdiction,
        escalation: { status: 'none' } as Escalation,
        supervisedBy: [] as readonly string[],
      };
      if (issue.escalation.status === 'none') world.issues.set(issue.issueId, { ...issue, escalation: { status: 'escalated', to: data.toJurisdiction } });
    },
    concerns: (data) => [data.from, data.toJurisdiction, data.unitJurisdiction],
    announce: 'concerned',
    publicView: travelsWhole,
    provenance: 'read',
    round: roundIdOf,
    lineage: 'continues',
  },
  FindingAdopted: {
    stream: (data) => streams.issue(data.issueId),
    evolve: (world, data) => {
      const issue = world.issues.get(data.issueId);
      if (issue) world.issues.set(issue.issueId, { ...issue, escalation: { status: 'adopted', to: data.by, intoRoundId: data.roundId } });
    },
    concerns: (data) => [data.from, data.by],
    announce: 'concerned',
    publicView: travelsWhole,
    provenance: 'read',
    round: roundIdOf,
    lineage: adoptsIssue((data) => ({ issueId: data.issueId, roundId: data.roundId })),
  },
};
