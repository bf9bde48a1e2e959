import type { DomainEvent } from '#domain';
import type { EventType, World } from '#domain';
import { EVENT_TYPES, emptyWorld, evolve, foldWorld, mergeWorld, streamOf, streams } from '#domain';
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
    expect(world.rectifications.get('r-1')).toEqual({ ...required.data, status: 'completed', completedAt: T1, attempt: 1, plannedFor: 0 });
  });

  it('knows an escalated issue from the escalation alone and keeps the escalation when the issue arrives', () => {
    const escalated = findingEscalated('i-1', 'za-grain', ZHAOAN, ZHANGZHOU, ZHAOAN_DEPOT);
    const issue = { issueId: 'i-1', roundId: 'za-grain', owner: ZHAOAN, unitId: ZHAOAN_DEPOT.unitId, unitJurisdiction: ZHAOAN, escalation: { status: 'escalated', to: ZHANGZHOU }, supervisedBy: [] };
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

/**
 * Data that answers every field evolve may read, naming each entity by `id`: one fact of each type
 * without a hand-written sample of each.
 */
const factAbout = (type: EventType, id: string): DomainEvent => {
  const data = new Proxy(
    {},
    {
      get: (_, field) => {
        switch (field) {
          case 'targets':
          case 'units':
            return [{ unitId: `unit-of-${id}`, jurisdiction: ZHAOAN }];
          case 'members':
            return [];
          case 'leader':
            return { personId: `leader-${id}`, homeJurisdiction: ZHAOAN };
          case 'level':
            return 'county';
          case 'percent':
          case 'persons':
          case 'count':
            return 2;
          case 'attempt':
          case 'forAttempt':
            return 1;
          default:
            return typeof field === 'string' && (field.endsWith('Id') || field === 'code') ? id : `${String(field)}-${id}`;
        }
      },
    },
  );
  return { type, data } as DomainEvent;
};

/** The stream each of a World's collections is folded from, by entity key. */
const STREAM_OF_ENTITY: Record<keyof World, (key: string) => string> = {
  jurisdictions: streams.jurisdiction,
  units: streams.unit,
  rounds: streams.round,
  teams: streams.team,
  issues: streams.issue,
  clues: streams.clue,
  rectifications: streams.rectification,
  tasks: streams.task,
  specialReports: streams.specialReport,
  handovers: streams.handover,
  visits: streams.visit,
  accountabilityActions: streams.accountability,
  // Inspectors are kept by their stream's name: two pools may use one inspector id.
  inspectors: (key) => key,
  pools: streams.pool,
  authorisations: streams.authorisations,
};

/** Every entity of a World as `stream → entity` (a special report is its own entity). */
const entitiesOf = (world: World): Map<string, unknown> => {
  const entities = new Map<string, unknown>();
  for (const [collection, streamOfKey] of Object.entries(STREAM_OF_ENTITY) as [keyof World, (key: string) => string][]) {
    const entries = world[collection];
    if (entries instanceof Map) for (const [key, entity] of entries) entities.set(streamOfKey(key), entity);
    else for (const key of entries) entities.set(streamOfKey(key), key);
  }
  return entities;
};

/** One fact of every type about each of `ids`, grouped by stream in fold order. */
const factsByStream = (ids: readonly string[]): Map<string, DomainEvent[]> => {
  const byStream = new Map<string, DomainEvent[]>();
  for (const id of ids) {
    for (const type of EVENT_TYPES) {
      const fact = factAbout(type, id);
      byStream.set(streamOf(fact), [...(byStream.get(streamOf(fact)) ?? []), fact]);
    }
  }
  return byStream;
};

const mergedPerStream = (byStream: Map<string, DomainEvent[]>): World => {
  const merged = emptyWorld();
  for (const facts of byStream.values()) mergeWorld(merged, fold(...facts));
  return merged;
};

describe('a World folded stream by stream', () => {
  // Worlds are cached per stream and merged for each decision (mergeWorld): that is exact only if
  // every fact changes nothing but the entity of its own stream.
  it.each(EVENT_TYPES)('%s changes only the entity its stream is named for', (type) => {
    // Entities of every kind, under the fact's id and under another one, for facts that look them up.
    const world = mergedPerStream(factsByStream(['e-1', 'e-2']));
    const before = entitiesOf(world);
    expect(before.size).toBe(2 * Object.keys(STREAM_OF_ENTITY).length);
    const fact = factAbout(type, 'e-1');
    evolve(world, fact, T2);
    const after = entitiesOf(world);
    const changed = [...new Set([...before.keys(), ...after.keys()])].filter((stream) => before.get(stream) !== after.get(stream));
    expect(changed.filter((stream) => stream !== streamOf(fact))).toEqual([]);
  });

  it('merged equals folded in one World, in any interleaving of the streams', () => {
    const byStream = factsByStream(['e-1', 'e-2', 'e-3']);
    const merged = mergedPerStream(byStream);
    const lists = [...byStream.values()];
    // Round robin across streams, and streams in reverse order: stream order is all a fold keeps.
    const roundRobin: DomainEvent[] = [];
    for (let index = 0; roundRobin.length < lists.flat().length; index++) for (const facts of lists) if (facts[index]) roundRobin.push(facts[index]!);
    const interleavings = [roundRobin, [...lists].reverse().flat()];
    expect(byStream.size).toBeGreaterThan(20);
    for (const facts of interleavings) {
      const sequential = emptyWorld();
      const occurredAt = new Map<DomainEvent, string>();
      for (const list of lists) list.forEach((fact, index) => occurredAt.set(fact, [T1, T2, T3][index] ?? T3));
      for (const fact of facts) evolve(sequential, fact, occurredAt.get(fact)!);
      expect(entitiesOf(merged)).toEqual(entitiesOf(sequential));
    }
  });
});
