import type { DomainEvent, EventMetadata } from '#domain';
import { publicData } from '#domain';
import type { ProjectedFact } from './projector.js';
import { planProjection } from './projector.js';

// The pool's figures (docs/contract-pool.md P.5), planned from the facts as the pool's own level
// stores them and as its ancestors receive them (public view): the same counts either way.
const POOL = '350624';
const person = { name: '李某', post: { unitId: 'u', jurisdiction: POOL, from: '2020-01-01T00:00:00.000Z' }, formerPosts: [], relations: [] };
const facts: DomainEvent[] = [
  { type: 'InspectorEnrolled', data: { pool: POOL, inspectorId: 'a', specialties: ['discipline', 'finance'], person } },
  { type: 'InspectorEnrolled', data: { pool: POOL, inspectorId: 'b', specialties: ['party-affairs'], person } },
  { type: 'InspectorEnrolled', data: { pool: POOL, inspectorId: 'c', specialties: ['audit'], person } },
  { type: 'InspectorUpdated', data: { pool: POOL, inspectorId: 'a', specialties: ['discipline', 'audit'], specialtiesAdded: ['audit'], specialtiesRemoved: ['finance'], person } },
  { type: 'InspectorWithdrawn', data: { pool: POOL, inspectorId: 'c', specialties: ['audit'] } },
  {
    type: 'TeamFormed',
    data: { teamId: 't', roundId: 'r', owner: POOL, leader: { personId: 'a', homeJurisdiction: POOL }, members: [{ personId: 'b', homeJurisdiction: POOL }], poolMembers: 2, coreSpecialtiesMissing: ['finance'] },
  },
  { type: 'InspectorEvaluated', data: { pool: POOL, inspectorId: 'a', teamId: 't', roundId: 'r', outcome: 'recommended', specialties: ['discipline', 'audit'], note: null } },
  { type: 'InspectorEvaluated', data: { pool: POOL, inspectorId: 'b', teamId: 't', roundId: 'r', outcome: 'removed', specialties: ['party-affairs'], note: '违纪' } },
];

const countersOf = (events: DomainEvent[]): Record<string, number> => {
  const projected = events.map((event, index) => ({ ...event, position: index + 1, metadata: { occurredAt: '2025-01-01T00:00:00.000Z' } as EventMetadata }) as ProjectedFact);
  const { counters } = planProjection(projected);
  const sums: Record<string, number> = {};
  for (let index = 0; index < counters.length; index += 4) {
    const key = `${counters[index] as string}|${counters[index + 1] as string}|${counters[index + 2] as string}`;
    sums[key] = (sums[key] ?? 0) + (counters[index + 3] as number);
  }
  return sums;
};

describe('pool figures through the projector counters', () => {
  it('counts enrolments, withdrawals (removal included), specialties now held, deployments, 3+N shortfalls and evaluations', () => {
    expect(countersOf(facts)).toEqual({
      [`${POOL}||pool.enrolled`]: 3,
      [`${POOL}||pool.withdrawn`]: 2,
      [`${POOL}||pool.bySpecialty.discipline`]: 1,
      [`${POOL}||pool.bySpecialty.finance`]: 0,
      [`${POOL}||pool.bySpecialty.party-affairs`]: 0,
      [`${POOL}||pool.bySpecialty.audit`]: 1,
      [`${POOL}|r|teams.formed`]: 1,
      [`${POOL}|r|pool.deployments`]: 2,
      [`${POOL}|r|pool.teamsShortOfCore`]: 1,
      [`${POOL}|r|pool.evaluations.recommended`]: 1,
      [`${POOL}|r|pool.evaluations.removed`]: 1,
    });
  });

  it('counts the same from the public view an ancestor receives', () => {
    expect(countersOf(facts.map(publicData))).toEqual(countersOf(facts));
  });
});
