/** Follow-through beyond rectification: handovers, supervision, accountability, follow-up visits (DESIGN.md §8). */
import { CLUE_RECIPIENTS } from '../clues/messages.js';
import type { CommandCatalogue, EventCatalogue } from '../kernel/catalogue.js';
import { roundIdOf, startsAggregate, travelsWhole } from '../kernel/catalogue.js';
import { field, inputOf } from '../kernel/schema.js';
import { streams } from '../streams.js';
import type { Handover, World } from '../world.js';
import { decideAnswerHandover, decideHandOverIssue, decideRecordAccountability, decideRecordFollowUpVisit, decideSuperviseIssue } from './decide.js';
import type { FollowThroughCommand, FollowThroughEvent, HandoverRef, IssueRef } from './messages.js';
import { ACCOUNTABILITY_KINDS } from './messages.js';

export const followThroughCommands: CommandCatalogue<FollowThroughCommand['type']> = {
  handOverIssue: {
    summary: "leading group of the issue's round owner: hand an issue over (移交) to a functional department, to be answered by a date",
    roles: ['leading-group'],
    input: inputOf<Extract<FollowThroughCommand, { type: 'handOverIssue' }>['data']>()({
      handoverId: field.id(),
      issueId: field.id(),
      recipient: field.oneOf(CLUE_RECIPIENTS),
      dueBy: field.instant('when the department must answer (办理反馈)'),
    }),
    example: { handoverId: 'sm-yj-1', issueId: 'sm-i-mx-1', recipient: 'discipline', dueBy: '2019-01-31T00:00:00+08:00' },
    target: (data) => streams.handover(data.handoverId),
    reads: (data) => [streams.issue(data.issueId)],
    decide: decideHandOverIssue,
  },
  answerHandover: {
    summary: "handler of the round owner's jurisdiction: record the department's answer to a handover (办理反馈), once",
    roles: ['handler'],
    input: inputOf<Extract<FollowThroughCommand, { type: 'answerHandover' }>['data']>()({ handoverId: field.id(), result: field.text(4000, { multiline: true }) }),
    example: { handoverId: 'sm-yj-1', result: '已立案审查2人' },
    target: (data) => streams.handover(data.handoverId),
    reads: () => [],
    decide: decideAnswerHandover,
  },
  superviseIssue: {
    summary: "leading group of the issue's round owner or of an ancestor: supervise an issue (督办), at most once each",
    roles: ['leading-group'],
    input: inputOf<Extract<FollowThroughCommand, { type: 'superviseIssue' }>['data']>()({
      issueId: field.id(),
      typical: field.boolean('a typical problem (典型问题)'),
      dueBy: field.optional(field.instant()),
    }),
    example: { issueId: 'sm-i-nh-2', typical: true, dueBy: '2019-03-31T00:00:00+08:00' },
    target: (data) => streams.issue(data.issueId),
    reads: () => [],
    decide: decideSuperviseIssue,
  },
  recordAccountability: {
    summary: "leading group or handler of the unit's jurisdiction or an ancestor: record a talk, inquiry, admonishment or accountability (约谈/函询/诫勉/问责)",
    roles: ['leading-group', 'handler'],
    input: inputOf<Extract<FollowThroughCommand, { type: 'recordAccountability' }>['data']>()({
      actionId: field.id(),
      unitId: field.id(),
      kind: field.oneOf(ACCOUNTABILITY_KINDS),
      persons: field.integer(1, 100_000, 'how many persons: a count, never names'),
      issueId: field.optional(field.id()),
      roundId: field.optional(field.id('where it counts; else its issue\'s round')),
      subjectRank: field.optional(field.text(50)),
    }),
    example: { actionId: 'sm-yt-1', unitId: 'mx-xw', kind: 'talk', persons: 2, issueId: 'sm-i-mx-1' },
    target: (data) => streams.accountability(data.actionId),
    reads: (data) => [streams.unit(data.unitId), ...(data.issueId ? [streams.issue(data.issueId)] : []), ...(data.roundId ? [streams.round(data.roundId)] : [])],
    decide: decideRecordAccountability,
  },
  recordFollowUpVisit: {
    summary: "leading group or team of the unit's jurisdiction or an ancestor: record a follow-up visit (回访), unannounced (暗访) or not",
    roles: ['leading-group', 'team'],
    input: inputOf<Extract<FollowThroughCommand, { type: 'recordFollowUpVisit' }>['data']>()({
      visitId: field.id(),
      unitId: field.id(),
      unannounced: field.boolean(),
      roundId: field.optional(field.id()),
      findings: field.optional(field.text(4000, { multiline: true })),
    }),
    example: { visitId: 'sm-af-1', unitId: 'nh-xw', unannounced: true, roundId: 'sm-hk', findings: '扶贫资金问题反弹' },
    target: (data) => streams.visit(data.visitId),
    reads: (data) => [streams.unit(data.unitId), ...(data.roundId ? [streams.round(data.roundId)] : [])],
    decide: decideRecordFollowUpVisit,
  },
};

const fileHandover = (world: World, data: HandoverRef, answeredAt: string | null): void => {
  const { handoverId, issueId, roundId, owner, unitId, unitJurisdiction, recipient, dueBy } = data;
  const facts = { handoverId, issueId, roundId, owner, unitId, unitJurisdiction, recipient, dueBy };
  const existing = world.handovers.get(handoverId);
  // An answer may arrive before the handover it answers (different levels): it stays answered.
  const next: Handover = answeredAt !== null ? { ...facts, status: 'answered', answeredAt } : existing ?? { ...facts, status: 'open' };
  world.handovers.set(handoverId, next);
};

const issueConcerns = (data: IssueRef): string[] => [data.owner, data.unitJurisdiction];

export const followThroughEvents: EventCatalogue<FollowThroughEvent['type']> = {
  IssueHandedOver: {
    stream: (data) => streams.handover(data.handoverId),
    evolve: (world, data) => fileHandover(world, data, null),
    concerns: issueConcerns,
    announce: 'concerned',
    publicView: travelsWhole,
    provenance: 'read',
    round: roundIdOf,
    lineage: startsAggregate('handover', (data) => ({ id: data.handoverId, whose: data.owner, causedBy: { kind: 'issue', id: data.issueId } })),
  },
  HandoverAnswered: {
    stream: (data) => streams.handover(data.handoverId),
    evolve: (world, data, occurredAt) => fileHandover(world, data, occurredAt),
    concerns: issueConcerns,
    announce: 'concerned',
    publicView: travelsWhole,
    provenance: 'read',
    round: roundIdOf,
    lineage: 'continues',
  },
  IssueSupervised: {
    stream: (data) => streams.issue(data.issueId),
    evolve: (world, data) => {
      const issue = world.issues.get(data.issueId) ?? {
        issueId: data.issueId,
        roundId: data.roundId,
        owner: data.owner,
        unitId: data.unitId,
        unitJurisdiction: data.unitJurisdiction,
        escalation: { status: 'none' as const },
        supervisedBy: [] as readonly string[],
      };
      if (!issue.supervisedBy.includes(data.supervisor)) world.issues.set(issue.issueId, { ...issue, supervisedBy: [...issue.supervisedBy, data.supervisor] });
    },
    concerns: (data) => [data.supervisor, data.owner, data.unitJurisdiction],
    announce: 'concerned',
    publicView: travelsWhole,
    provenance: 'unread',
    round: roundIdOf,
    lineage: 'continues',
  },
  AccountabilityRecorded: {
    stream: (data) => streams.accountability(data.actionId),
    evolve: (world, data) => {
      world.accountabilityActions.add(data.actionId);
    },
    concerns: (data) => [data.recordedBy, data.unitJurisdiction],
    announce: 'concerned',
    publicView: travelsWhole,
    provenance: 'read',
    round: roundIdOf,
    lineage: 'continues',
  },
  FollowUpVisitRecorded: {
    stream: (data) => streams.visit(data.visitId),
    evolve: (world, data) => {
      world.visits.add(data.visitId);
    },
    concerns: (data) => [data.recordedBy, data.unitJurisdiction],
    announce: 'concerned',
    publicView: travelsWhole,
    provenance: 'read',
    round: roundIdOf,
    lineage: 'continues',
  },
};
