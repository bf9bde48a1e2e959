import type { Actor, Command, DomainEvent, RectificationEvent, RectificationRef, Role } from '#domain';
import {
  DONGSHAN_DEPOT,
  PROVINCE,
  ZHANGZHOU,
  ZHAOAN,
  ZHAOAN_DEPOT,
  ZZ_BUREAU,
  issueFound,
  rectificationRequired,
  roundLaunched,
  roundPlanned,
  roundClosed,
} from '../../../test/support/facts.js';
import { GIVEN_AT, as, given } from '../../../test/support/given-when-then.js';

const ROUND = 'zz-2025-grain';
const DUE = '2025-09-30T00:00:00.000Z';
const cityLeadingGroup = as('leading-group', ZHANGZHOU);
const countyUnit = as('unit', ZHAOAN);

/** The city found issue i-1 at a Zhao'an county unit. */
const found = [issueFound('i-1', ROUND, 'zz-team-1', ZHANGZHOU, ZHAOAN_DEPOT)];
/** What Zhao'an's store holds: the city's requirement, received, without the issue itself. */
const required = rectificationRequired('r-1', 'i-1', ROUND, ZHANGZHOU, ZHAOAN_DEPOT, DUE);
const ref: RectificationRef = required.data;
const measures = [{ measureId: 'm1', text: '清仓查库' }];
const planned = (forAttempt = 1): RectificationEvent => ({
  type: 'RectificationPlanned',
  data: { ...ref, forAttempt, measures, responsibleLeader: 'za-director', leadDepartment: '诏安县粮食局' },
});
const completed = (attempt = 1): RectificationEvent => ({ type: 'RectificationCompleted', data: { ...ref, attempt } });
const verified = (verdict: 'accepted' | 'rejected', attempt = 1, wasPlanned = true): RectificationEvent => ({
  type: 'RectificationVerified',
  data: { ...ref, attempt, completedAt: GIVEN_AT, planned: wasPlanned, verdict, reason: verdict === 'rejected' ? '佐证不足' : null },
});

const requireRectification = (more: Record<string, unknown> = {}): Command =>
  ({ type: 'requireRectification', data: { rectificationId: 'r-1', issueId: 'i-1', unitId: ZHAOAN_DEPOT.unitId, dueBy: DUE, ...more } }) as Command;
const planRectification = (more: Record<string, unknown> = {}): Command =>
  ({ type: 'planRectification', data: { rectificationId: 'r-1', measures, responsibleLeader: 'za-director', leadDepartment: '诏安县粮食局', ...more } }) as Command;
const completeRectification = (more: Record<string, unknown> = {}): Command => ({ type: 'completeRectification', data: { rectificationId: 'r-1', ...more } }) as Command;
const verifyRectification = (verdict: 'accepted' | 'rejected', reason?: string): Command =>
  ({ type: 'verifyRectification', data: { rectificationId: 'r-1', verdict, ...(reason !== undefined ? { reason } : {}) } }) as Command;

describe('roles', () => {
  const rows: [string, DomainEvent[], Command, Actor, Role][] = [
    ['requireRectification', found, requireRectification(), cityLeadingGroup, 'unit'],
    ['planRectification', [required], planRectification(), countyUnit, 'handler'],
    ['completeRectification', [required], completeRectification(), countyUnit, 'handler'],
    ['verifyRectification', [required, completed()], verifyRectification('accepted'), cityLeadingGroup, 'unit'],
  ];

  it.each(rows)('%s: auditor and viewer change nothing', (_name, facts, command, actor) => {
    given(...facts).when(command, { ...actor, role: 'auditor' }).refusedWith('ReadOnlyRole');
    given(...facts).when(command, { ...actor, role: 'viewer' }).refusedWith('ReadOnlyRole');
  });

  it.each(rows)('%s: refused to the wrong role', (_name, facts, command, actor, wrong) => {
    given(...facts).when(command, { ...actor, role: wrong }).refusedWith('RoleNotAllowed');
  });
});

describe('requireRectification', () => {
  it("requires rectification of an issue at its unit, naming the unit's jurisdiction", () => {
    given(...found)
      .when(requireRectification(), cityLeadingGroup)
      .then({ type: 'RectificationRequired', data: { ...ref, roundId: ROUND, measures: [], typical: false } });
  });

  it('takes measures and marks a typical problem', () => {
    given(...found)
      .when(requireRectification({ measures: [{ measureId: 'm1', text: '整改', dueBy: '2025-08-01T00:00:00.000Z' }], typical: true }), cityLeadingGroup)
      .then({ type: 'RectificationRequired', data: { ...ref, measures: [{ measureId: 'm1', text: '整改', dueBy: '2025-08-01T00:00:00.000Z' }], typical: true } });
  });

  it('refuses a measure named twice', () => {
    given(...found).when(requireRectification({ measures: [...measures, ...measures] }), cityLeadingGroup).refusedWith('DuplicateMeasure', 'measures');
  });

  it('refuses an unknown issue, a unit the issue was not found at, and requiring twice', () => {
    given().when(requireRectification(), cityLeadingGroup).refusedWith('UnknownIssue', 'issueId');
    given(...found).when(requireRectification({ unitId: DONGSHAN_DEPOT.unitId }), cityLeadingGroup).refusedWith('IssueNotAtUnit', 'unitId');
    given(...found, required).when(requireRectification(), cityLeadingGroup).refusedWith('AlreadyRecorded', 'rectificationId');
  });

  it("is for the leading group that found the issue: neither the unit's county nor the province", () => {
    given(...found).when(requireRectification(), as('leading-group', ZHAOAN)).refusedWith('OutsideJurisdiction');
    given(...found).when(requireRectification(), as('leading-group', PROVINCE)).refusedWith('OutsideJurisdiction');
  });
});

describe('planRectification (签字认领)', () => {
  it("lets the unit's jurisdiction claim a required rectification with measures and a responsible leader", () => {
    given(required).when(planRectification(), countyUnit).then(planned(1));
    given(required).when(planRectification(), as('leading-group', ZHAOAN)).then(planned(1));
  });

  it('replaces the plan while planned, and plans a reopened one for its next completion', () => {
    given(required, planned(1)).when(planRectification(), countyUnit).then(planned(1));
    const reopened: RectificationEvent = {
      type: 'RectificationReassessed',
      data: { ...ref, attempt: 1, completedAt: GIVEN_AT, closedAt: null, planned: true, lookBackRoundId: 'lb', lookBackOwner: ZHANGZHOU, verdict: 'relapsed', note: null },
    };
    given(required, planned(1), completed(1), reopened).when(planRectification(), countyUnit).then(planned(2));
  });

  it('refuses a completed or closed rectification', () => {
    given(required, completed(1)).when(planRectification(), countyUnit).refusedWith('RectificationNotOpen', 'rectificationId');
    given(required, completed(1), verified('accepted')).when(planRectification(), countyUnit).refusedWith('RectificationNotOpen', 'rectificationId');
  });

  it("refuses the requiring city for a county unit's rectification, and a rectification never required", () => {
    given(required).when(planRectification(), cityLeadingGroup).refusedWith('OutsideJurisdiction');
    given(...found).when(planRectification(), countyUnit).refusedWith('UnknownRectification', 'rectificationId');
  });

  it('refuses a measure named twice', () => {
    given(required).when(planRectification({ measures: [...measures, ...measures] }), countyUnit).refusedWith('DuplicateMeasure', 'measures');
  });
});

describe('completeRectification', () => {
  it('lets a county unit complete a rectification its city required, with evidence', () => {
    const evidence = [{ title: '整改报告', sha256: 'ab'.repeat(32) }];
    given(required).when(completeRectification(), countyUnit).then(completed(1));
    given(required).when(completeRectification({ evidence }), countyUnit).then({ type: 'RectificationCompleted', data: { ...ref, attempt: 1, evidence } });
  });

  it("lets the leading group of the unit's jurisdiction, or the city at its own unit, complete it", () => {
    given(required).when(completeRectification(), as('leading-group', ZHAOAN)).then(completed(1));
    const atBureau = rectificationRequired('r-1', 'i-2', ROUND, ZHANGZHOU, ZZ_BUREAU, DUE);
    given(atBureau).when(completeRectification(), cityLeadingGroup).then({ type: 'RectificationCompleted', data: { ...atBureau.data, attempt: 1 } });
  });

  it('counts completions: a rejected one is completed again as the next attempt', () => {
    given(required, planned(1), completed(1), verified('rejected')).when(completeRectification(), countyUnit).then(completed(2));
  });

  it('refuses completing while completed or closed, and the wrong jurisdiction', () => {
    given(required, completed(1)).when(completeRectification(), countyUnit).refusedWith('AlreadyCompleted', 'rectificationId');
    given(required, completed(1), verified('accepted')).when(completeRectification(), countyUnit).refusedWith('AlreadyCompleted', 'rectificationId');
    given(required).when(completeRectification(), cityLeadingGroup).refusedWith('OutsideJurisdiction');
    given(required).when(completeRectification(), as('unit', DONGSHAN_DEPOT.jurisdiction)).refusedWith('OutsideJurisdiction');
    given(...found).when(completeRectification(), countyUnit).refusedWith('UnknownRectification', 'rectificationId');
  });
});

describe('verifyRectification (对账, 销号)', () => {
  it('closes a completed rectification, or sends it back with a reason', () => {
    given(required, planned(1), completed(1)).when(verifyRectification('accepted'), cityLeadingGroup).then(verified('accepted'));
    given(required, planned(1), completed(1)).when(verifyRectification('rejected', '佐证不足'), cityLeadingGroup).then(verified('rejected'));
    given(required, completed(1)).when(verifyRectification('rejected', '佐证不足'), cityLeadingGroup).then(verified('rejected', 1, false));
  });

  it('is refused unless completed', () => {
    given(required).when(verifyRectification('accepted'), cityLeadingGroup).refusedWith('RectificationNotCompleted', 'rectificationId');
    given(required, planned(1)).when(verifyRectification('accepted'), cityLeadingGroup).refusedWith('RectificationNotCompleted', 'rectificationId');
    given(required, completed(1), verified('accepted')).when(verifyRectification('accepted'), cityLeadingGroup).refusedWith('RectificationNotCompleted', 'rectificationId');
  });

  it('needs a reason to reject', () => {
    given(required, completed(1)).when(verifyRectification('rejected'), cityLeadingGroup).refusedWith('ReasonRequired', 'reason');
  });

  it('is for the jurisdiction that required it only: not the unit, not an ancestor', () => {
    given(required, completed(1)).when(verifyRectification('accepted'), as('leading-group', ZHAOAN)).refusedWith('OutsideJurisdiction');
    given(required, completed(1)).when(verifyRectification('accepted'), as('leading-group', PROVINCE)).refusedWith('OutsideJurisdiction');
  });
});

describe('reassessRectification (回头看)', () => {
  const lookBack = (owner = ZHANGZHOU, more: Record<string, unknown> = {}) => [
    roundPlanned('lb', owner, [ZHAOAN_DEPOT], { kind: 'look-back', lookBackOf: ROUND, ...more }),
    roundLaunched('lb', owner),
  ];
  const subject = roundPlanned(ROUND, ZHANGZHOU, [ZHAOAN_DEPOT]);
  const reassess = (verdict: 'genuine' | 'superficial' | 'relapsed', roundId = 'lb'): Command => ({
    type: 'reassessRectification',
    data: { roundId, rectificationId: 'r-1', verdict, note: '回访' },
  });
  const reassessed = (verdict: 'genuine' | 'superficial' | 'relapsed', closedAt: string | null, lookBackOwner = ZHANGZHOU): RectificationEvent => ({
    type: 'RectificationReassessed',
    data: { ...ref, attempt: 1, completedAt: GIVEN_AT, closedAt, planned: true, lookBackRoundId: 'lb', lookBackOwner, verdict, note: '回访' },
  });

  it('judges a completed or a closed rectification in a launched look-back round of the actor', () => {
    given(subject, ...lookBack(), required, planned(1), completed(1)).when(reassess('genuine'), as('team', ZHANGZHOU)).then(reassessed('genuine', null));
    given(subject, ...lookBack(), required, planned(1), completed(1), verified('accepted'))
      .when(reassess('superficial'), cityLeadingGroup)
      .then(reassessed('superficial', GIVEN_AT));
  });

  it("lets an ancestor's look-back reassess a descendant's rectification of the round it looks back on", () => {
    const provinceLookBack = [roundPlanned('lb', PROVINCE, [], { kind: 'look-back', lookBackOf: ROUND }), roundLaunched('lb', PROVINCE)];
    given(subject, ...provinceLookBack, required, planned(1), completed(1))
      .when(reassess('relapsed'), as('leading-group', PROVINCE))
      .then(reassessed('relapsed', null, PROVINCE));
  });

  it('refuses a round that is not a launched, open look-back round of the actor (NotUnderLookBack)', () => {
    given(subject, roundLaunched(ROUND, ZHANGZHOU), required, completed(1)).when(reassess('genuine', ROUND), cityLeadingGroup).refusedWith('NotUnderLookBack', 'roundId');
    given(subject, roundPlanned('lb', ZHANGZHOU, [ZHAOAN_DEPOT], { kind: 'look-back', lookBackOf: ROUND }), required, completed(1))
      .when(reassess('genuine'), cityLeadingGroup)
      .refusedWith('NotUnderLookBack', 'roundId');
    given(subject, ...lookBack(), roundClosed('lb', ZHANGZHOU), required, completed(1)).when(reassess('genuine'), cityLeadingGroup).refusedWith('NotUnderLookBack', 'roundId');
    given(subject, ...lookBack(PROVINCE), required, completed(1)).when(reassess('genuine'), cityLeadingGroup).refusedWith('OutsideJurisdiction');
  });

  it('refuses a rectification neither at a target nor of the round looked back on', () => {
    const elsewhere = [roundPlanned('lb', ZHANGZHOU, [ZZ_BUREAU], { kind: 'look-back', lookBackOf: 'another-round' }), roundLaunched('lb', ZHANGZHOU)];
    given(subject, ...elsewhere, required, completed(1)).when(reassess('genuine'), cityLeadingGroup).refusedWith('NotUnderLookBack', 'rectificationId');
  });

  it('accepts a rectification of a round linked below the one looked back on', () => {
    const linked = rectificationRequired('r-1', 'i-1', 'za-linked', ZHANGZHOU, ZHAOAN_DEPOT, DUE);
    const elsewhere = [roundPlanned('lb', PROVINCE, [], { kind: 'look-back', lookBackOf: 'fj-grain' }), roundLaunched('lb', PROVINCE)];
    const linkedCompleted: DomainEvent = { type: 'RectificationCompleted', data: { ...linked.data, attempt: 1 } };
    given(roundPlanned('fj-grain', PROVINCE, []), roundPlanned('za-linked', ZHANGZHOU, [ZHAOAN_DEPOT], { parentRoundId: 'fj-grain' }), ...elsewhere, linked, linkedCompleted)
      .when(reassess('genuine'), as('leading-group', PROVINCE))
      .then({
        type: 'RectificationReassessed',
        data: { ...linked.data, attempt: 1, completedAt: GIVEN_AT, closedAt: null, planned: false, lookBackRoundId: 'lb', lookBackOwner: PROVINCE, verdict: 'genuine', note: '回访' },
      });
  });

  it('refuses one not completed or closed, a reopened one included', () => {
    given(subject, ...lookBack(), required).when(reassess('genuine'), cityLeadingGroup).refusedWith('RectificationNotCompleted', 'rectificationId');
    given(subject, ...lookBack(), required, planned(1), completed(1), reassessed('relapsed', null))
      .when(reassess('relapsed'), cityLeadingGroup)
      .refusedWith('RectificationNotCompleted', 'rectificationId');
  });
});

describe('planRound lookBackOf', () => {
  const subject = [roundPlanned(ROUND, ZHANGZHOU, [ZHAOAN_DEPOT])];
  const unit = { type: 'UnitRegistered', data: { unitId: ZHAOAN_DEPOT.unitId, name: '诏安粮库', jurisdiction: ZHAOAN, kind: null } } as DomainEvent;
  const plan = (kind: string, lookBackOf: string): Command =>
    ({ type: 'planRound', data: { roundId: 'lb', title: '回头看', kind, lookBackOf, targets: [ZHAOAN_DEPOT.unitId] } }) as Command;

  it('records which round a look-back round checks', () => {
    given(unit, ...subject)
      .when(plan('look-back', ROUND), cityLeadingGroup)
      .then({
        type: 'RoundPlanned',
        data: { roundId: 'lb', owner: ZHANGZHOU, title: '回头看', kind: 'look-back', theme: null, linkage: 'none', parentRoundId: null, targets: [ZHAOAN_DEPOT], lookBackOf: ROUND },
      });
  });

  it('refuses lookBackOf on another kind of round, an unknown round, and a round of an ancestor', () => {
    given(unit, ...subject).when(plan('special', ROUND), cityLeadingGroup).refusedWith('LookBackOfNeedsLookBackRound', 'lookBackOf');
    given(unit).when(plan('look-back', 'nope'), cityLeadingGroup).refusedWith('UnknownRound', 'lookBackOf');
    given(unit, ...subject).when(plan('look-back', ROUND), as('leading-group', ZHAOAN)).refusedWith('OutsideJurisdiction', 'lookBackOf');
  });
});
