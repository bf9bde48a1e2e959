/** Rectification: required of a unit for an issue, claimed, completed, verified (销号), reassessed in a look-back. */
import type { CommandCatalogue, EventCatalogue } from '../kernel/catalogue.js';
import { roundIdOf, startsAggregate, travelsWhole } from '../kernel/catalogue.js';
import { field, inputOf } from '../kernel/schema.js';
import { streams } from '../streams.js';
import type { Rectification, World } from '../world.js';
import {
  decideCompleteRectification,
  decidePlanRectification,
  decideReassessRectification,
  decideRequireRectification,
  decideVerifyRectification,
  reassessmentReads,
} from './decide.js';
import { NOT_STARTED, progressAfter } from './lifecycle.js';
import type { RectificationCommand, RectificationEvent, RectificationRef } from './messages.js';
import { REASSESSMENT_VERDICTS, VERIFICATION_VERDICTS } from './messages.js';

const measure = field.object({
  measureId: field.id(),
  text: field.text(2000, { multiline: true }),
  dueBy: field.optional(field.instant('when this measure is due, if earlier than the rectification')),
});
const measures = (min: number) => field.list(measure, min, 200, 'the measures (整改措施), each with its own id');

export const rectificationCommands: CommandCatalogue<RectificationCommand['type']> = {
  requireRectification: {
    summary: 'leading group of the issue: require its unit to rectify it by a date',
    roles: ['leading-group'],
    input: inputOf<Extract<RectificationCommand, { type: 'requireRectification' }>['data']>()({
      rectificationId: field.id(),
      issueId: field.id(),
      unitId: field.id('the unit the issue was found at'),
      dueBy: field.instant(),
      measures: field.optional(measures(0)),
      typical: field.optional(field.boolean('a typical problem (典型问题): marked on the ledger row')),
    }),
    example: { rectificationId: 'za-fix-1', issueId: 'za-issue-1', unitId: 'za-grain-depot', dueBy: '2021-12-31T00:00:00+08:00' },
    target: (data) => streams.rectification(data.rectificationId),
    reads: (data) => [streams.issue(data.issueId)],
    decide: decideRequireRectification,
  },
  planRectification: {
    summary: "unit or its jurisdiction's leading group: claim a rectification with measures and the leader who signs for it (签字认领)",
    roles: ['unit', 'leading-group'],
    input: inputOf<Extract<RectificationCommand, { type: 'planRectification' }>['data']>()({
      rectificationId: field.id(),
      measures: measures(1),
      responsibleLeader: field.id('the person who signs for it: stays at this level'),
      leadDepartment: field.text(200),
    }),
    example: {
      rectificationId: 'za-fix-1',
      measures: [{ measureId: 'm1', text: '全面清仓查库,追回虚报补贴', dueBy: '2021-11-30T00:00:00+08:00' }],
      responsibleLeader: 'za-depot-director',
      leadDepartment: '诏安县粮食和物资储备局',
    },
    target: (data) => streams.rectification(data.rectificationId),
    reads: () => [],
    decide: decidePlanRectification,
  },
  completeRectification: {
    summary: "unit or its jurisdiction's leading group: report a rectification done, with evidence",
    roles: ['unit', 'leading-group'],
    input: inputOf<Extract<RectificationCommand, { type: 'completeRectification' }>['data']>()({
      rectificationId: field.id(),
      evidence: field.optional(field.list(field.object({ title: field.text(200), sha256: field.sha256('SHA-256 of the evidence file') }), 0, 100, 'what shows it done')),
    }),
    example: { rectificationId: 'za-fix-1', evidence: [{ title: '整改报告', sha256: '279c45e97e10a062b408e4917312ccae3f4688df189d6e04c6279e0fcc8f3b6b' }] },
    target: (data) => streams.rectification(data.rectificationId),
    reads: () => [],
    decide: decideCompleteRectification,
  },
  verifyRectification: {
    summary: 'leading group that required it: close (销号) or send back a completed rectification',
    roles: ['leading-group'],
    input: inputOf<Extract<RectificationCommand, { type: 'verifyRectification' }>['data']>()({
      rectificationId: field.id(),
      verdict: field.oneOf(VERIFICATION_VERDICTS),
      reason: field.optional(field.text(2000, { multiline: true, description: 'required when rejected' })),
    }),
    example: { rectificationId: 'za-fix-1', verdict: 'rejected', reason: '未提供整改佐证材料' },
    target: (data) => streams.rectification(data.rectificationId),
    reads: () => [],
    decide: decideVerifyRectification,
  },
  reassessRectification: {
    summary: 'team or leading group of a launched look-back round (回头看): judge whether a rectification was real; superficial or relapsed reopens it',
    roles: ['team', 'leading-group'],
    input: inputOf<Extract<RectificationCommand, { type: 'reassessRectification' }>['data']>()({
      roundId: field.id('the look-back round'),
      rectificationId: field.id(),
      verdict: field.oneOf(REASSESSMENT_VERDICTS),
      note: field.optional(field.text(2000, { multiline: true })),
    }),
    example: { roundId: 'zz-2022-look-back', rectificationId: 'za-fix-1', verdict: 'superficial', note: '只建了制度,资金未退还' },
    target: (data) => streams.rectification(data.rectificationId),
    reads: reassessmentReads,
    decide: decideReassessRectification,
  },
};

/** Folds a lifecycle fact into the World, creating the rectification from the fact's ref when it is the first one seen. */
const fold = (world: World, event: RectificationEvent, occurredAt: string): void => {
  const { rectificationId, issueId, roundId, owner, unitId, unitJurisdiction, dueBy }: RectificationRef = event.data;
  const existing = world.rectifications.get(rectificationId);
  const progress = progressAfter(existing ?? NOT_STARTED, event, occurredAt);
  const next: Rectification = { rectificationId, issueId, roundId, owner, unitId, unitJurisdiction, dueBy, ...progress };
  world.rectifications.set(rectificationId, next);
};

const rectificationConcerns = (data: RectificationRef): string[] => [data.owner, data.unitJurisdiction];

export const rectificationEvents: EventCatalogue<RectificationEvent['type']> = {
  RectificationRequired: {
    stream: (data) => streams.rectification(data.rectificationId),
    evolve: (world, data, occurredAt) => fold(world, { type: 'RectificationRequired', data }, occurredAt),
    concerns: rectificationConcerns,
    announce: 'concerned',
    publicView: travelsWhole,
    provenance: 'read',
    round: roundIdOf,
    lineage: startsAggregate('rectification', (data) => ({ id: data.rectificationId, whose: data.owner, causedBy: { kind: 'issue', id: data.issueId } })),
  },
  RectificationPlanned: {
    stream: (data) => streams.rectification(data.rectificationId),
    evolve: (world, data, occurredAt) => fold(world, { type: 'RectificationPlanned', data }, occurredAt),
    concerns: rectificationConcerns,
    announce: 'concerned',
    // The leader who signed is a person: named only at the level that recorded the claim.
    publicView: (data) => ({ ...data, responsibleLeader: null }),
    provenance: 'read',
    round: roundIdOf,
    lineage: 'continues',
  },
  RectificationCompleted: {
    stream: (data) => streams.rectification(data.rectificationId),
    evolve: (world, data, occurredAt) => fold(world, { type: 'RectificationCompleted', data }, occurredAt),
    concerns: rectificationConcerns,
    announce: 'concerned',
    publicView: travelsWhole,
    provenance: 'read',
    round: roundIdOf,
    lineage: 'continues',
  },
  RectificationVerified: {
    stream: (data) => streams.rectification(data.rectificationId),
    evolve: (world, data, occurredAt) => fold(world, { type: 'RectificationVerified', data }, occurredAt),
    concerns: rectificationConcerns,
    announce: 'concerned',
    publicView: travelsWhole,
    provenance: 'read',
    round: roundIdOf,
    lineage: 'continues',
  },
  RectificationReassessed: {
    stream: (data) => streams.rectification(data.rectificationId),
    evolve: (world, data, occurredAt) => fold(world, { type: 'RectificationReassessed', data }, occurredAt),
    concerns: (data) => [data.owner, data.unitJurisdiction, data.lookBackOwner],
    announce: 'concerned',
    publicView: travelsWhole,
    provenance: 'read',
    round: roundIdOf,
    lineage: 'continues',
  },
};
