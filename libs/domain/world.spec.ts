import type { DomainEvent } from '#domain';
import { emptyWorld, evolve, foldWorld } from '#domain';
import {
  PROVINCE,
  ZHANGZHOU,
  ZHAOAN,
  ZHAOAN_DEPOT,
  ZZ_BUREAU,
  clueTransferred,
  findingEscalated,
  issueFound,
  rectificationRequired,
  roundClosed,
  roundLaunched,
  roundPlanned,
  taskAssigned,
  teamFormed,
  teamStationed,
} from '../../test/support/facts.js';
import { as, given } from '../../test/support/given-when-then.js';

const T1 = '2025-03-01T08:00:00.000Z';
const T2 = '2025-03-02T08:00:00.000Z';
const T3 = '2025-03-03T08:00:00.000Z';
/** Folds facts in the order given, the n-th at its own time. */
const fold = (...events: DomainEvent[]) => foldWorld(events.map((event, index) => ({ event, occurredAt: [T1, T2, T3][index] ?? T3 })));

const assigned = taskAssigned('t-1', PROVINCE, ZHAOAN, { kind: 'follow-up' });
const facts = { taskId: 't-1', from: PROVINCE, toJurisdiction: ZHAOAN, roundId: null, dueBy: assigned.data.dueBy };
const accepted: DomainEvent = { type: 'TaskAccepted', data: { ...facts, note: null } };
const inProgress: DomainEvent = { type: 'TaskProgressReported', data: { ...facts, note: null, percent: 50 } };
const completed: DomainEvent = { type: 'TaskCompleted', data: { ...facts, result: null } };

describe('evolve, with facts out of order across streams', () => {
  it('leaves a task completed when its acceptance arrives after its completion', () => {
    const world = fold(assigned, completed, accepted);
    expect(world.tasks.get('t-1')).toEqual({ ...facts, kind: 'follow-up', status: 'completed', completedAt: T2 });
  });

  it('does not move a completed task back to in-progress', () => {
    expect(fold(completed, inProgress).tasks.get('t-1')?.status).toBe('completed');
  });

  it('knows a task from its acceptance alone, and keeps the stage when the assignment arrives later', () => {
    expect(fold(accepted).tasks.get('t-1')).toEqual({ ...facts, kind: null, status: 'accepted' });
    expect(fold(accepted, assigned).tasks.get('t-1')).toEqual({ ...facts, kind: 'follow-up', status: 'accepted' });
  });

  it('skips a launch for a round it has not seen', () => {
    const world = fold(roundLaunched('fj-grain', PROVINCE));
    expect(world.rounds.size).toBe(0);
  });

  it('records when a round was launched, and never reopens a closed round', () => {
    const round = roundPlanned('zz-grain', ZHANGZHOU, [ZHAOAN_DEPOT]);
    expect(fold(round, roundLaunched('zz-grain', ZHANGZHOU)).rounds.get('zz-grain')).toMatchObject({ status: 'launched', launchedAt: T2 });
    expect(fold(round, roundClosed('zz-grain', ZHANGZHOU), roundLaunched('zz-grain', ZHANGZHOU)).rounds.get('zz-grain')).toMatchObject({
      status: 'closed',
      closedAt: T2,
    });
  });

  it('skips feedback, stationing, disposals and adoptions about entities it has not seen', () => {
    const world = fold(
      { type: 'FeedbackDelivered', data: { roundId: 'zz-grain', owner: ZHANGZHOU, unitId: ZHAOAN_DEPOT.unitId, unitJurisdiction: ZHAOAN } },
      teamStationed('zz-team-1', 'zz-grain', ZHANGZHOU, [ZHAOAN_DEPOT]),
      { type: 'ClueDisposed', data: { clueId: 'c-1', roundId: 'zz-grain', owner: ZHANGZHOU, attributedTo: ZHAOAN, outcome: 'disciplined', persons: 1 } },
    );
    evolve(world, { type: 'ClueConcluded', data: { clueId: 'c-1', roundId: 'zz-grain', owner: ZHANGZHOU, attributedTo: ZHAOAN } }, T3);
    evolve(world, { type: 'FindingAdopted', data: { issueId: 'i-1', from: ZHAOAN, by: ZHANGZHOU, roundId: 'zz-grain' } }, T3);
    expect(world).toEqual(emptyWorld());
  });

  it('keeps a rectification completed when the requirement arrives after the completion', () => {
    const required = rectificationRequired('r-1', 'i-1', 'zz-grain', ZHANGZHOU, ZHAOAN_DEPOT);
    const world = fold({ type: 'RectificationCompleted', data: { ...required.data } }, required);
    expect(world.rectifications.get('r-1')).toEqual({ ...required.data, status: 'completed', completedAt: T1 });
  });

  it('knows an escalated issue from the escalation alone and keeps the escalation when the issue arrives', () => {
    const escalated = findingEscalated('i-1', 'za-grain', ZHAOAN, ZHANGZHOU, ZHAOAN_DEPOT);
    const issue = { issueId: 'i-1', roundId: 'za-grain', owner: ZHAOAN, unitId: ZHAOAN_DEPOT.unitId, unitJurisdiction: ZHAOAN, escalation: { status: 'escalated', to: ZHANGZHOU } };
    expect(fold(escalated).issues.get('i-1')).toEqual(issue);
    expect(fold(escalated, issueFound('i-1', 'za-grain', 'za-team', ZHAOAN, ZHAOAN_DEPOT)).issues.get('i-1')).toEqual(issue);
  });

  it('keeps a concluded clue concluded and its disposals when the transfer is folded again', () => {
    const transferred = clueTransferred('c-1', 'zz-grain', 'zz-team-1', ZHANGZHOU);
    const world = fold(
      transferred,
      { type: 'ClueDisposed', data: { clueId: 'c-1', roundId: 'zz-grain', owner: ZHANGZHOU, attributedTo: ZHANGZHOU, outcome: 'case-filed', persons: 3 } },
      { type: 'ClueConcluded', data: { clueId: 'c-1', roundId: 'zz-grain', owner: ZHANGZHOU, attributedTo: ZHANGZHOU } },
    );
    evolve(world, transferred, T3);
    expect(world.clues.get('c-1')).toMatchObject({ status: 'concluded', dispositions: [{ outcome: 'case-filed', persons: 3 }] });
  });

  it('collects the distinct units a team was stationed at', () => {
    const world = fold(
      teamFormed('zz-team-1', 'zz-grain', ZHANGZHOU, { personId: 'p-lin', homeJurisdiction: ZHANGZHOU }),
      teamStationed('zz-team-1', 'zz-grain', ZHANGZHOU, [ZHAOAN_DEPOT]),
      teamStationed('zz-team-1', 'zz-grain', ZHANGZHOU, [ZHAOAN_DEPOT, ZZ_BUREAU]),
    );
    expect(world.teams.get('zz-team-1')).toMatchObject({ status: 'stationed', stationedAt: [ZHAOAN_DEPOT.unitId, ZZ_BUREAU.unitId] });
  });

  it('decides on the folded stage: a task completed before its acceptance arrived cannot be completed again', () => {
    given(assigned, completed, accepted).when({ type: 'completeTask', data: { taskId: 't-1' } }, as('leading-group', ZHAOAN)).refusedWith('AlreadyCompleted', 'taskId');
  });
});
