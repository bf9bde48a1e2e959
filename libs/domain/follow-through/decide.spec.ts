import type { Command, DomainEvent, FollowThroughEvent } from '#domain';
import { DONGSHAN_DEPOT, PROVINCE, ZHANGZHOU, ZHAOAN, ZHAOAN_DEPOT, issueFound, roundPlanned, unitRegistered } from '../../../test/support/facts.js';
import { as, given } from '../../../test/support/given-when-then.js';

const ROUND = 'zz-2025-grain';
const DUE = '2025-09-30T00:00:00.000Z';
const city = as('leading-group', ZHANGZHOU);
const found = issueFound('i-1', ROUND, 'zz-team-1', ZHANGZHOU, ZHAOAN_DEPOT);
const issueRef = { issueId: 'i-1', roundId: ROUND, owner: ZHANGZHOU, unitId: ZHAOAN_DEPOT.unitId, unitJurisdiction: ZHAOAN };
const handedOver: FollowThroughEvent = { type: 'IssueHandedOver', data: { ...issueRef, handoverId: 'h-1', recipient: 'finance', dueBy: DUE } };

const cmd = (type: string, data: Record<string, unknown>): Command => ({ type, data }) as Command;

describe('handOverIssue (移交) and answerHandover (办理反馈)', () => {
  const handOver = cmd('handOverIssue', { handoverId: 'h-1', issueId: 'i-1', recipient: 'finance', dueBy: DUE });
  const answer = cmd('answerHandover', { handoverId: 'h-1', result: '已整改' });

  it("hands over an issue of the actor's round, to be answered by a date", () => {
    given(found).when(handOver, city).then(handedOver);
  });

  it("refuses an unknown issue, another jurisdiction's issue, the wrong role, and the same handover twice", () => {
    given().when(handOver, city).refusedWith('UnknownIssue', 'issueId');
    given(found).when(handOver, as('leading-group', ZHAOAN)).refusedWith('OutsideJurisdiction');
    given(found).when(handOver, as('leading-group', PROVINCE)).refusedWith('OutsideJurisdiction');
    given(found).when(handOver, as('team', ZHANGZHOU)).refusedWith('RoleNotAllowed');
    given(found, handedOver).when(handOver, city).refusedWith('AlreadyRecorded', 'handoverId');
  });

  it("lets a handler of the round owner's jurisdiction answer once", () => {
    given(handedOver).when(answer, as('handler', ZHANGZHOU)).then({ type: 'HandoverAnswered', data: { ...handedOver.data, result: '已整改' } });
    given(handedOver, { type: 'HandoverAnswered', data: { ...handedOver.data, result: 'x' } }).when(answer, as('handler', ZHANGZHOU)).refusedWith('AlreadyAnswered', 'handoverId');
  });

  it("refuses another jurisdiction's handler, a leading group, and an unknown handover", () => {
    given(handedOver).when(answer, as('handler', ZHAOAN)).refusedWith('OutsideJurisdiction');
    given(handedOver).when(answer, city).refusedWith('RoleNotAllowed');
    given().when(answer, as('handler', ZHANGZHOU)).refusedWith('UnknownHandover', 'handoverId');
  });
});

describe('superviseIssue (督办)', () => {
  const supervise = (typical: boolean) => cmd('superviseIssue', { issueId: 'i-1', typical });
  const supervised = (supervisor: string, typical: boolean): DomainEvent => ({ type: 'IssueSupervised', data: { ...issueRef, supervisor, typical, dueBy: null } });

  it("is recorded by the issue's round owner and by each ancestor, once each", () => {
    given(found).when(supervise(true), city).then(supervised(ZHANGZHOU, true));
    given(found, supervised(ZHANGZHOU, true)).when(supervise(false), as('leading-group', PROVINCE)).then(supervised(PROVINCE, false));
    given(found, supervised(ZHANGZHOU, true)).when(supervise(false), city).refusedWith('AlreadySupervised', 'issueId');
  });

  it('refuses a descendant of the owner (the unit’s county) and an unknown issue', () => {
    given(found).when(supervise(true), as('leading-group', ZHAOAN)).refusedWith('OutsideJurisdiction', 'issueId');
    given().when(supervise(true), city).refusedWith('UnknownIssue', 'issueId');
  });
});

describe('recordAccountability (约谈/函询/诫勉/问责) and recordFollowUpVisit (回访/暗访)', () => {
  const unit = unitRegistered(ZHAOAN_DEPOT);
  const round = roundPlanned(ROUND, ZHANGZHOU, [ZHAOAN_DEPOT]);
  const account = (more: Record<string, unknown> = {}) => cmd('recordAccountability', { actionId: 'a-1', unitId: ZHAOAN_DEPOT.unitId, kind: 'talk', persons: 3, ...more });
  const visit = (more: Record<string, unknown> = {}) => cmd('recordFollowUpVisit', { visitId: 'v-1', unitId: ZHAOAN_DEPOT.unitId, unannounced: true, ...more });

  it("records a talk by the unit's jurisdiction or an ancestor, counting at its issue's round", () => {
    const expected = (recordedBy: string, roundId: string | null, issueId: string | null): DomainEvent => ({
      type: 'AccountabilityRecorded',
      data: { actionId: 'a-1', unitId: ZHAOAN_DEPOT.unitId, unitJurisdiction: ZHAOAN, kind: 'talk', persons: 3, issueId, roundId, subjectRank: null, recordedBy },
    });
    given(unit).when(account(), as('leading-group', ZHAOAN)).then(expected(ZHAOAN, null, null));
    given(unit, found).when(account({ issueId: 'i-1' }), city).then(expected(ZHANGZHOU, ROUND, 'i-1'));
    given(unit, round).when(account({ roundId: ROUND }), as('handler', PROVINCE)).then(expected(PROVINCE, ROUND, null));
  });

  it("refuses a sibling's unit, an issue found elsewhere, an unknown round, the same action twice, and a team", () => {
    given(unitRegistered(DONGSHAN_DEPOT)).when(account({ unitId: DONGSHAN_DEPOT.unitId }), as('leading-group', ZHAOAN)).refusedWith('OutsideJurisdiction', 'unitId');
    given(unit, issueFound('i-2', ROUND, 't', ZHANGZHOU, DONGSHAN_DEPOT)).when(account({ issueId: 'i-2' }), city).refusedWith('IssueNotAtUnit', 'unitId');
    given(unit).when(account({ roundId: 'nope' }), city).refusedWith('UnknownRound', 'roundId');
    given(unit, { type: 'AccountabilityRecorded', data: { actionId: 'a-1', unitId: 'u', unitJurisdiction: ZHAOAN, kind: 'talk', persons: 1, issueId: null, roundId: null, subjectRank: null, recordedBy: ZHAOAN } })
      .when(account(), city)
      .refusedWith('AlreadyRecorded', 'actionId');
    given(unit).when(account(), as('team', ZHANGZHOU)).refusedWith('RoleNotAllowed');
  });

  it('records an unannounced visit by a team or leading group of the unit’s jurisdiction or an ancestor', () => {
    given(unit, round)
      .when(visit({ roundId: ROUND, findings: '问题反弹' }), as('team', ZHANGZHOU))
      .then({
        type: 'FollowUpVisitRecorded',
        data: { visitId: 'v-1', unitId: ZHAOAN_DEPOT.unitId, unitJurisdiction: ZHAOAN, unannounced: true, roundId: ROUND, findings: '问题反弹', recordedBy: ZHANGZHOU },
      });
  });

  it("refuses a sibling's unit, an unknown round, a visit twice and a handler", () => {
    given(unitRegistered(DONGSHAN_DEPOT)).when(visit({ unitId: DONGSHAN_DEPOT.unitId }), as('leading-group', ZHAOAN)).refusedWith('OutsideJurisdiction', 'unitId');
    given(unit).when(visit({ roundId: 'nope' }), city).refusedWith('UnknownRound', 'roundId');
    given(unit, { type: 'FollowUpVisitRecorded', data: { visitId: 'v-1', unitId: 'u', unitJurisdiction: ZHAOAN, unannounced: false, roundId: null, findings: null, recordedBy: ZHAOAN } })
      .when(visit(), city)
      .refusedWith('AlreadyRecorded', 'visitId');
    given(unit).when(visit(), as('handler', ZHANGZHOU)).refusedWith('RoleNotAllowed');
  });
});
