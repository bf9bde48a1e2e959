// Builders for the facts tests start from, and a small cast from Fujian: Zhangzhou city (350600)
// inspecting grain depots in its counties Zhao'an (350624) and Dongshan (350626).
import type {
  ClueTransferred,
  DomainEvent,
  FindingEscalated,
  IssueFound,
  RectificationRequired,
  RoundPlanned,
  TaskAssigned,
  TeamMember,
  UnitRef,
} from '#domain';

export const PROVINCE = '350000';
export const ZHANGZHOU = '350600';
export const ZHAOAN = '350624';
export const DONGSHAN = '350626';
export const FUZHOU = '350100';
export const PINGTAN = '350128';
export const LONGYAN = '350800';
export const XINLUO = '350802';

export const ZHAOAN_DEPOT: UnitRef = { unitId: 'zhaoan-grain-depot', jurisdiction: ZHAOAN };
export const DONGSHAN_DEPOT: UnitRef = { unitId: 'dongshan-grain-depot', jurisdiction: DONGSHAN };
export const ZZ_BUREAU: UnitRef = { unitId: 'zhangzhou-grain-bureau', jurisdiction: ZHANGZHOU };
export const XINLUO_DEPOT: UnitRef = { unitId: 'xinluo-grain-depot', jurisdiction: XINLUO };

export const unitRegistered = ({ unitId, jurisdiction }: UnitRef): DomainEvent => ({
  type: 'UnitRegistered',
  data: { unitId, name: unitId, jurisdiction, kind: null },
});

export const roundPlanned = (roundId: string, owner: string, targets: UnitRef[], more: Partial<RoundPlanned['data']> = {}): DomainEvent => ({
  type: 'RoundPlanned',
  data: { roundId, owner, title: `round ${roundId}`, kind: 'special', theme: 'grain', linkage: 'none', parentRoundId: null, targets, ...more },
});
export const roundLaunched = (roundId: string, owner: string): DomainEvent => ({ type: 'RoundLaunched', data: { roundId, owner } });
export const roundClosed = (roundId: string, owner: string): DomainEvent => ({ type: 'RoundClosed', data: { roundId, owner } });

export const teamFormed = (teamId: string, roundId: string, owner: string, leader: TeamMember, members: TeamMember[] = []): DomainEvent => ({
  type: 'TeamFormed',
  data: { teamId, roundId, owner, leader, members },
});
export const teamStationed = (teamId: string, roundId: string, owner: string, units: UnitRef[]): DomainEvent => ({
  type: 'TeamStationed',
  data: { teamId, roundId, owner, units },
});

export const issueFound = (issueId: string, roundId: string, teamId: string, owner: string, unit: UnitRef, more: Partial<IssueFound['data']> = {}): DomainEvent => ({
  type: 'IssueFound',
  data: {
    issueId,
    roundId,
    teamId,
    owner,
    unitId: unit.unitId,
    unitJurisdiction: unit.jurisdiction,
    category: 'grain-storage',
    summary: 'stock book and silo do not match',
    immediate: false,
    ...more,
  },
});

export const clueTransferred = (clueId: string, roundId: string, teamId: string, owner: string, more: Partial<ClueTransferred['data']> = {}): DomainEvent => ({
  type: 'ClueTransferred',
  data: { clueId, roundId, teamId, owner, issueId: null, attributedTo: owner, recipient: 'discipline', subjectRank: null, summary: 'depot head took kickbacks', ...more },
});

export const rectificationRequired = (rectificationId: string, issueId: string, roundId: string, owner: string, unit: UnitRef, dueBy = '2025-09-30T00:00:00.000Z'): RectificationRequired => ({
  type: 'RectificationRequired',
  data: { rectificationId, issueId, roundId, owner, unitId: unit.unitId, unitJurisdiction: unit.jurisdiction, dueBy },
});

export const taskAssigned = (taskId: string, from: string, toJurisdiction: string, more: Partial<TaskAssigned['data']> = {}): TaskAssigned => ({
  type: 'TaskAssigned',
  data: { taskId, from, toJurisdiction, kind: 'linked-inspection', title: `task ${taskId}`, roundId: null, dueBy: '2025-06-30T00:00:00.000Z', ...more },
});

export const findingEscalated = (issueId: string, roundId: string, from: string, toJurisdiction: string, unit: UnitRef): FindingEscalated => ({
  type: 'FindingEscalated',
  data: { issueId, roundId, from, toJurisdiction, unitId: unit.unitId, unitJurisdiction: unit.jurisdiction, note: null },
});
