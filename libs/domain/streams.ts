import { auditChainStream } from './audit/messages.js';
import { assertNever } from './kernel/envelope.js';
import type { DomainEvent } from './events.js';

/** Stream names: one stream per aggregate, `<kind>-<id>`. Ids are validated at the edge. */
export const streams = {
  jurisdiction: (code: string) => `jurisdiction-${code}`,
  unit: (unitId: string) => `unit-${unitId}`,
  round: (roundId: string) => `round-${roundId}`,
  team: (teamId: string) => `team-${teamId}`,
  issue: (issueId: string) => `issue-${issueId}`,
  clue: (clueId: string) => `clue-${clueId}`,
  rectification: (rectificationId: string) => `rectification-${rectificationId}`,
  task: (taskId: string) => `task-${taskId}`,
  specialReport: (reportId: string) => `special-report-${reportId}`,
  /** A level's signed chain heads, in its own store and in the stores of the levels above it. */
  auditChain: auditChainStream,
} as const;

/** The stream an event belongs to: the same in every level's store that holds it. */
export const streamOf = (event: DomainEvent): string => {
  switch (event.type) {
    case 'JurisdictionRegistered':
      return streams.jurisdiction(event.data.code);
    case 'UnitRegistered':
      return streams.unit(event.data.unitId);
    case 'RoundPlanned':
    case 'RoundLaunched':
    case 'RoundClosed':
    case 'FeedbackDelivered':
      return streams.round(event.data.roundId);
    case 'TeamFormed':
    case 'TeamStationed':
    case 'PetitionsReceived':
      return streams.team(event.data.teamId);
    case 'IssueFound':
    case 'FindingEscalated':
    case 'FindingAdopted':
      return streams.issue(event.data.issueId);
    case 'ClueTransferred':
    case 'ClueDisposed':
    case 'ClueConcluded':
      return streams.clue(event.data.clueId);
    case 'RectificationRequired':
    case 'RectificationCompleted':
      return streams.rectification(event.data.rectificationId);
    case 'TaskAssigned':
    case 'TaskAccepted':
    case 'TaskProgressReported':
    case 'TaskCompleted':
      return streams.task(event.data.taskId);
    case 'SpecialReportSubmitted':
      return streams.specialReport(event.data.reportId);
    case 'ChainHeadSigned':
      return streams.auditChain(event.data.level);
    default:
      return assertNever(event, 'event');
  }
};
