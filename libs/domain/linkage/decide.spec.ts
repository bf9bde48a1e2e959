import type { Actor, Command, DomainEvent, Role } from '#domain';
import {
  DONGSHAN,
  FUZHOU,
  LONGYAN,
  PINGTAN,
  PROVINCE,
  XINLUO,
  ZHANGZHOU,
  ZHAOAN,
  ZHAOAN_DEPOT,
  findingEscalated,
  issueFound,
  roundClosed,
  roundLaunched,
  roundPlanned,
  taskAssigned,
} from '../../../test/support/facts.js';
import { as, given } from '../../../test/support/given-when-then.js';

const DUE = '2025-06-30T00:00:00.000Z';
const provinceLeadingGroup = as('leading-group', PROVINCE);
const cityLeadingGroup = as('leading-group', ZHANGZHOU);
const countyLeadingGroup = as('leading-group', ZHAOAN);

const assign = (toJurisdiction: string, more: { taskId?: string; roundId?: string } = {}): Command => ({
  type: 'assignTask',
  data: { taskId: 't-1', toJurisdiction, kind: 'linked-inspection', title: '粮库联动巡察', dueBy: DUE, ...more },
});
const accept = (note?: string): Command => ({ type: 'acceptTask', data: { taskId: 't-1', ...(note === undefined ? {} : { note }) } });
const progress = (percent: number): Command => ({ type: 'reportTaskProgress', data: { taskId: 't-1', note: '已进驻', percent } });
const complete = (result?: string): Command => ({ type: 'completeTask', data: { taskId: 't-1', ...(result === undefined ? {} : { result }) } });

/** Task t-1: the province asks Zhao'an county for a linked inspection. */
const assigned = taskAssigned('t-1', PROVINCE, ZHAOAN, { title: '粮库联动巡察', dueBy: DUE });
const facts = { taskId: 't-1', from: PROVINCE, toJurisdiction: ZHAOAN, roundId: null, dueBy: DUE };
const accepted: DomainEvent = { type: 'TaskAccepted', data: { ...facts, note: null } };
const inProgress: DomainEvent = { type: 'TaskProgressReported', data: { ...facts, note: '已进驻', percent: 40 } };
const completed: DomainEvent = { type: 'TaskCompleted', data: { ...facts, result: null } };

/** Issue i-1: Zhao'an's own round found it at a Zhao'an unit. */
const COUNTY_ROUND = 'za-2025-grain';
const CITY_ROUND = 'zz-2025-grain';
const countyIssue = issueFound('i-1', COUNTY_ROUND, 'za-team-1', ZHAOAN, ZHAOAN_DEPOT);
const escalatedToCity = findingEscalated('i-1', COUNTY_ROUND, ZHAOAN, ZHANGZHOU, ZHAOAN_DEPOT);
const cityRound = [roundPlanned(CITY_ROUND, ZHANGZHOU, []), roundLaunched(CITY_ROUND, ZHANGZHOU)];
const escalate = (toJurisdiction: string): Command => ({ type: 'escalateFinding', data: { issueId: 'i-1', toJurisdiction, note: '涉及市直单位' } });
const adopt = (roundId = CITY_ROUND): Command => ({ type: 'adoptFinding', data: { issueId: 'i-1', roundId } });

describe('roles', () => {
  const rows: [string, DomainEvent[], Command, Actor, Role][] = [
    ['assignTask', [], assign(ZHAOAN), provinceLeadingGroup, 'admin'],
    ['acceptTask', [assigned], accept(), countyLeadingGroup, 'team'],
    ['reportTaskProgress', [assigned, accepted], progress(40), countyLeadingGroup, 'unit'],
    ['completeTask', [assigned, accepted], complete(), countyLeadingGroup, 'handler'],
    ['escalateFinding', [countyIssue], escalate(ZHANGZHOU), countyLeadingGroup, 'team'],
    ['adoptFinding', [escalatedToCity, ...cityRound], adopt(), cityLeadingGroup, 'admin'],
  ];

  it.each(rows)('%s: auditor and viewer change nothing', (_name, history, command, actor) => {
    given(...history).when(command, { ...actor, role: 'auditor' }).refusedWith('ReadOnlyRole');
    given(...history).when(command, { ...actor, role: 'viewer' }).refusedWith('ReadOnlyRole');
  });

  it.each(rows)('%s: refused to the wrong role', (_name, history, command, actor, wrong) => {
    given(...history).when(command, { ...actor, role: wrong }).refusedWith('RoleNotAllowed');
  });
});

describe('assignTask', () => {
  it('assigns a task to a descendant below a child (province to county)', () => {
    given()
      .when(assign(ZHAOAN), provinceLeadingGroup)
      .then({ type: 'TaskAssigned', data: { taskId: 't-1', from: PROVINCE, toJurisdiction: ZHAOAN, kind: 'linked-inspection', title: '粮库联动巡察', roundId: null, dueBy: DUE } });
  });

  it('assigns a task to Pingtan, which the registry puts directly under the province', () => {
    given()
      .when(assign(PINGTAN), provinceLeadingGroup)
      .then({ type: 'TaskAssigned', data: { taskId: 't-1', from: PROVINCE, toJurisdiction: PINGTAN, kind: 'linked-inspection', title: '粮库联动巡察', roundId: null, dueBy: DUE } });
  });

  it("links a task to its own round or an ancestor's round", () => {
    given(roundPlanned('fj-grain', PROVINCE, []))
      .when(assign(ZHAOAN, { roundId: 'fj-grain' }), cityLeadingGroup)
      .then({ type: 'TaskAssigned', data: { taskId: 't-1', from: ZHANGZHOU, toJurisdiction: ZHAOAN, kind: 'linked-inspection', title: '粮库联动巡察', roundId: 'fj-grain', dueBy: DUE } });
    given(roundPlanned(CITY_ROUND, ZHANGZHOU, []))
      .when(assign(ZHAOAN, { roundId: CITY_ROUND }), cityLeadingGroup)
      .then({ type: 'TaskAssigned', data: { taskId: 't-1', from: ZHANGZHOU, toJurisdiction: ZHAOAN, kind: 'linked-inspection', title: '粮库联动巡察', roundId: CITY_ROUND, dueBy: DUE } });
  });

  it('sends tasks only to descendants: not to another city’s county, itself, a sibling or an ancestor', () => {
    given().when(assign(XINLUO), cityLeadingGroup).refusedWith('NotADescendant', 'toJurisdiction');
    given().when(assign(ZHANGZHOU), cityLeadingGroup).refusedWith('NotADescendant', 'toJurisdiction');
    given().when(assign(DONGSHAN), countyLeadingGroup).refusedWith('NotADescendant', 'toJurisdiction');
    given().when(assign(PROVINCE), cityLeadingGroup).refusedWith('NotADescendant', 'toJurisdiction');
  });

  it('takes ancestry from the registry: Pingtan is not below Fuzhou', () => {
    given().when(assign(PINGTAN), as('leading-group', FUZHOU)).refusedWith('NotADescendant', 'toJurisdiction');
  });

  it('refuses an unknown addressee', () => {
    given().when(assign('350699'), provinceLeadingGroup).refusedWith('UnknownJurisdiction', 'toJurisdiction');
  });

  it('assigns a task once', () => {
    given(assigned).when(assign(ZHAOAN), provinceLeadingGroup).refusedWith('AlreadyRecorded', 'taskId');
  });

  it('refuses a round of a sibling or a descendant, and an unknown round', () => {
    given(roundPlanned('ly-grain', LONGYAN, [])).when(assign(ZHAOAN, { roundId: 'ly-grain' }), cityLeadingGroup).refusedWith('OutsideJurisdiction', 'roundId');
    given(roundPlanned(COUNTY_ROUND, ZHAOAN, [])).when(assign(ZHAOAN, { roundId: COUNTY_ROUND }), cityLeadingGroup).refusedWith('OutsideJurisdiction', 'roundId');
    given().when(assign(ZHAOAN, { roundId: 'nope' }), cityLeadingGroup).refusedWith('UnknownRound', 'roundId');
  });
});

describe('acceptTask', () => {
  it('lets the addressee accept, with or without a note', () => {
    given(assigned).when(accept(), countyLeadingGroup).then(accepted);
    given(assigned).when(accept('收到'), countyLeadingGroup).then({ type: 'TaskAccepted', data: { ...facts, note: '收到' } });
  });

  it("is for the addressee only, not the addressee's city nor the assigner", () => {
    given(assigned).when(accept(), cityLeadingGroup).refusedWith('OutsideJurisdiction');
    given(assigned).when(accept(), provinceLeadingGroup).refusedWith('OutsideJurisdiction');
  });

  it('accepts once', () => {
    given(assigned, accepted).when(accept(), countyLeadingGroup).refusedWith('TaskAlreadyAccepted', 'taskId');
    given(assigned, accepted, inProgress).when(accept(), countyLeadingGroup).refusedWith('TaskAlreadyAccepted', 'taskId');
  });

  it('refuses a completed task and an unknown task', () => {
    given(assigned, completed).when(accept(), countyLeadingGroup).refusedWith('AlreadyCompleted', 'taskId');
    given().when(accept(), countyLeadingGroup).refusedWith('UnknownTask', 'taskId');
  });
});

describe('reportTaskProgress', () => {
  it('reports progress on an accepted task, and again later', () => {
    given(assigned, accepted).when(progress(40), countyLeadingGroup).then(inProgress);
    given(assigned, accepted, inProgress)
      .when(progress(80), countyLeadingGroup)
      .then({ type: 'TaskProgressReported', data: { ...facts, note: '已进驻', percent: 80 } });
  });

  it('refuses progress before acceptance', () => {
    given(assigned).when(progress(10), countyLeadingGroup).refusedWith('TaskNotAccepted', 'taskId');
  });

  it('refuses progress on a completed task', () => {
    given(assigned, accepted, completed).when(progress(100), countyLeadingGroup).refusedWith('AlreadyCompleted', 'taskId');
  });

  it('is for the addressee only', () => {
    given(assigned, accepted).when(progress(40), as('leading-group', DONGSHAN)).refusedWith('OutsideJurisdiction');
  });
});

describe('completeTask', () => {
  it('completes an accepted task, with its result', () => {
    given(assigned, accepted, inProgress)
      .when(complete('发现问题12个'), countyLeadingGroup)
      .then({ type: 'TaskCompleted', data: { ...facts, result: '发现问题12个' } });
  });

  it('completes a task that was never explicitly accepted (completion implies acceptance)', () => {
    given(assigned).when(complete(), countyLeadingGroup).then(completed);
  });

  it('refuses completing twice', () => {
    given(assigned, accepted, completed).when(complete(), countyLeadingGroup).refusedWith('AlreadyCompleted', 'taskId');
  });

  it('is for the addressee only', () => {
    given(assigned, accepted).when(complete(), provinceLeadingGroup).refusedWith('OutsideJurisdiction');
  });

  it('refuses an unknown task', () => {
    given().when(complete(), countyLeadingGroup).refusedWith('UnknownTask', 'taskId');
  });
});

describe('escalateFinding', () => {
  it('escalates an own finding to its city, and to the province over the city', () => {
    given(countyIssue)
      .when(escalate(ZHANGZHOU), countyLeadingGroup)
      .then({
        type: 'FindingEscalated',
        data: { issueId: 'i-1', roundId: COUNTY_ROUND, from: ZHAOAN, toJurisdiction: ZHANGZHOU, unitId: ZHAOAN_DEPOT.unitId, unitJurisdiction: ZHAOAN, note: '涉及市直单位' },
      });
    given(countyIssue)
      .when(escalate(PROVINCE), countyLeadingGroup)
      .then({
        type: 'FindingEscalated',
        data: { issueId: 'i-1', roundId: COUNTY_ROUND, from: ZHAOAN, toJurisdiction: PROVINCE, unitId: ZHAOAN_DEPOT.unitId, unitJurisdiction: ZHAOAN, note: '涉及市直单位' },
      });
  });

  it('escalates only to ancestors: not sideways, not to itself, not to another city', () => {
    given(countyIssue).when(escalate(DONGSHAN), countyLeadingGroup).refusedWith('NotAnAncestor', 'toJurisdiction');
    given(countyIssue).when(escalate(ZHAOAN), countyLeadingGroup).refusedWith('NotAnAncestor', 'toJurisdiction');
    given(countyIssue).when(escalate(LONGYAN), countyLeadingGroup).refusedWith('NotAnAncestor', 'toJurisdiction');
  });

  it('refuses a city escalating down to its county', () => {
    given(issueFound('i-1', CITY_ROUND, 'zz-team-1', ZHANGZHOU, ZHAOAN_DEPOT)).when(escalate(ZHAOAN), cityLeadingGroup).refusedWith('NotAnAncestor', 'toJurisdiction');
  });

  it('refuses an unknown addressee and an unknown issue', () => {
    given(countyIssue).when(escalate('350699'), countyLeadingGroup).refusedWith('UnknownJurisdiction', 'toJurisdiction');
    given().when(escalate(ZHANGZHOU), countyLeadingGroup).refusedWith('UnknownIssue', 'issueId');
  });

  it('is for the level that found the issue', () => {
    given(countyIssue).when(escalate(PROVINCE), cityLeadingGroup).refusedWith('OutsideJurisdiction');
  });

  it('escalates once', () => {
    given(countyIssue, escalatedToCity).when(escalate(PROVINCE), countyLeadingGroup).refusedWith('AlreadyEscalated', 'issueId');
  });
});

describe('adoptFinding', () => {
  const adopted: DomainEvent = { type: 'FindingAdopted', data: { issueId: 'i-1', from: ZHAOAN, by: ZHANGZHOU, roundId: CITY_ROUND } };

  it("lets the addressee adopt the finding into its own round (from the escalation alone, as received)", () => {
    given(escalatedToCity, ...cityRound).when(adopt(), cityLeadingGroup).then(adopted);
  });

  it('is for the addressee only', () => {
    given(countyIssue, escalatedToCity, roundPlanned('fj-grain', PROVINCE, []), roundLaunched('fj-grain', PROVINCE))
      .when(adopt('fj-grain'), provinceLeadingGroup)
      .refusedWith('EscalationNotAddressedHere', 'issueId');
  });

  it('adopts only what was escalated', () => {
    given(countyIssue, ...cityRound).when(adopt(), cityLeadingGroup).refusedWith('NotEscalated', 'issueId');
  });

  it('adopts once', () => {
    given(escalatedToCity, ...cityRound, adopted).when(adopt(), cityLeadingGroup).refusedWith('AlreadyAdopted', 'issueId');
  });

  it("adopts only into the adopter's own round", () => {
    given(escalatedToCity, ...cityRound, roundPlanned('fj-grain', PROVINCE, []), roundLaunched('fj-grain', PROVINCE))
      .when(adopt('fj-grain'), cityLeadingGroup)
      .refusedWith('OutsideJurisdiction');
    given(escalatedToCity, roundPlanned(COUNTY_ROUND, ZHAOAN, []), roundLaunched(COUNTY_ROUND, ZHAOAN))
      .when(adopt(COUNTY_ROUND), cityLeadingGroup)
      .refusedWith('OutsideJurisdiction');
  });

  it('refuses a closed round and an unknown round', () => {
    given(escalatedToCity, ...cityRound, roundClosed(CITY_ROUND, ZHANGZHOU)).when(adopt(), cityLeadingGroup).refusedWith('RoundClosed', 'roundId');
    given(escalatedToCity).when(adopt(), cityLeadingGroup).refusedWith('UnknownRound', 'roundId');
  });

  it('refuses an unknown issue', () => {
    given(...cityRound).when(adopt(), cityLeadingGroup).refusedWith('UnknownIssue', 'issueId');
  });
});
