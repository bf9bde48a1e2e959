import type { Message } from '../kernel/envelope.js';

export const TASK_KINDS = ['linked-inspection', 'follow-up', 'clue-handling', 'rectification-supervision', 'look-back', 'report'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

export type AssignTask = Message<
  'assignTask',
  { taskId: string; toJurisdiction: string; kind: TaskKind; title: string; roundId?: string; dueBy: string }
>;
export type AcceptTask = Message<'acceptTask', { taskId: string; note?: string }>;
export type ReportTaskProgress = Message<'reportTaskProgress', { taskId: string; note?: string; percent?: number }>;
export type CompleteTask = Message<'completeTask', { taskId: string; result?: string }>;
export type EscalateFinding = Message<'escalateFinding', { issueId: string; toJurisdiction: string; note?: string }>;
export type AdoptFinding = Message<'adoptFinding', { issueId: string; roundId: string }>;
export type LinkageCommand = AssignTask | AcceptTask | ReportTaskProgress | CompleteTask | EscalateFinding | AdoptFinding;

/** Task events carry the addressee, round and due date so that every level can file them alone. */
interface TaskFacts {
  taskId: string;
  from: string;
  toJurisdiction: string;
  roundId: string | null;
  dueBy: string;
}
export type TaskAssigned = Message<'TaskAssigned', TaskFacts & { kind: TaskKind; title: string }>;
export type TaskAccepted = Message<'TaskAccepted', TaskFacts & { note: string | null }>;
export type TaskProgressReported = Message<'TaskProgressReported', TaskFacts & { note: string | null; percent: number | null }>;
export type TaskCompleted = Message<'TaskCompleted', TaskFacts & { result: string | null }>;
export type FindingEscalated = Message<
  'FindingEscalated',
  { issueId: string; roundId: string; from: string; toJurisdiction: string; unitId: string; unitJurisdiction: string; note: string | null }
>;
export type FindingAdopted = Message<'FindingAdopted', { issueId: string; from: string; by: string; roundId: string }>;
export type LinkageEvent = TaskAssigned | TaskAccepted | TaskProgressReported | TaskCompleted | FindingEscalated | FindingAdopted;
