import { auditChainStream } from './audit/messages.js';

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
  handover: (handoverId: string) => `handover-${handoverId}`,
  accountability: (actionId: string) => `accountability-${actionId}`,
  visit: (visitId: string) => `visit-${visitId}`,
  /** An office's inspector pool settings, and each inspector of it (巡察人员库): named by the office's code. */
  pool: (code: string) => `pool-${code}`,
  inspector: (pool: string, inspectorId: string) => `inspector-${pool}-${inspectorId}`,
  /** Every authorisation of one round, granted and revoked (authority/). */
  authorisations: (roundId: string) => `authorisations-${roundId}`,
  /** A level's signed chain heads, in its own store and in the stores of the levels above it. */
  auditChain: auditChainStream,
} as const;
