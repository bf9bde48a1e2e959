import type { Command, DomainEvent, PersonalRecord, Specialty, TeamMember, UnitRef } from '#domain';
import { Refusal, publicData } from '#domain';
import { DONGSHAN, DONGSHAN_DEPOT, PROVINCE, ZHANGZHOU, ZHAOAN, ZHAOAN_DEPOT, roundClosed, roundLaunched, roundPlanned, teamFormed, unitRegistered } from '../../../test/support/facts.js';
import { as, given } from '../../../test/support/given-when-then.js';

// Zhao'an's office (350624) keeps a pool; its round inspects the county grain depot and the water bureau.
const POOL = ZHAOAN;
const office = as('leading-group', ZHAOAN);
const WATER: UnitRef = { unitId: 'zhaoan-water-bureau', jurisdiction: ZHAOAN };
const AUDIT: UnitRef = { unitId: 'zhaoan-audit-bureau', jurisdiction: ZHAOAN };
const ROUND = 'za-2025';
const TEAM = 'za-2025-team-1';
const SINCE = '2023-01-01T00:00:00.000Z';

const cmd = (type: string, data: Record<string, unknown>): Command => ({ type, data: { pool: POOL, ...data } }) as Command;
const person = (more: Partial<PersonalRecord> = {}): PersonalRecord => ({
  name: null,
  post: { unitId: AUDIT.unitId, jurisdiction: ZHAOAN, from: SINCE },
  formerPosts: [],
  relations: [],
  ...more,
});
const enrolled = (inspectorId: string, specialties: Specialty[], record: PersonalRecord = person()): DomainEvent => ({
  type: 'InspectorEnrolled',
  data: { pool: POOL, inspectorId, specialties, person: record },
});
const member = (personId: string): TeamMember => ({ personId, homeJurisdiction: ZHAOAN });
const form = (leader: string, ...members: string[]): Command => ({ type: 'formTeam', data: { teamId: TEAM, roundId: ROUND, leader: member(leader), members: members.map(member) } });
const station = (...unitIds: string[]): Command => ({ type: 'stationTeam', data: { teamId: TEAM, unitIds } });

const round = [unitRegistered(ZHAOAN_DEPOT), unitRegistered(WATER), roundPlanned(ROUND, ZHAOAN, [ZHAOAN_DEPOT, WATER]), roundLaunched(ROUND, ZHAOAN)];
const core = [enrolled('p-dis', ['discipline']), enrolled('p-party', ['party-affairs']), enrolled('p-fin', ['finance', 'audit'])];

describe('configurePool', () => {
  it("sets the office's own pool and nobody else's", () => {
    given().when(cmd('configurePool', { recusalYears: 3, threePlusN: 'rule' }), office).then({ type: 'PoolConfigured', data: { pool: POOL, recusalYears: 3, threePlusN: 'rule' } });
    given().when(cmd('configurePool', { recusalYears: 3, threePlusN: 'rule' }), as('leading-group', ZHANGZHOU)).refusedWith('OutsideJurisdiction');
    given().when(cmd('configurePool', { recusalYears: 3, threePlusN: 'rule' }), as('team', ZHAOAN)).refusedWith('RoleNotAllowed');
    given().when(cmd('configurePool', { recusalYears: 3, threePlusN: 'rule' }), as('auditor', ZHAOAN)).refusedWith('ReadOnlyRole');
  });
});

describe('enrolInspector (入库)', () => {
  const former = { unitId: ZHAOAN_DEPOT.unitId, jurisdiction: ZHAOAN, from: '2015-01-01T00:00:00.000Z', to: SINCE };
  const relation = { unitId: WATER.unitId, kind: 'spouse', relative: '王某' };
  const enrol = (more: Record<string, unknown> = {}) =>
    cmd('enrolInspector', { inspectorId: 'p-1', specialties: ['finance'], post: person().post, formerPosts: [former], relations: [relation], name: '李某', ...more });

  it('records specialties, post, former posts, declared relations and name', () => {
    given().when(enrol(), office).then(enrolled('p-1', ['finance'], person({ name: '李某', formerPosts: [former], relations: [relation as PersonalRecord['relations'][number]] })));
    given().when(cmd('enrolInspector', { inspectorId: 'p-1', specialties: ['finance'], post: person().post }), office).then(enrolled('p-1', ['finance']));
  });

  it('refuses an id already in the pool (also after withdrawal), a specialty twice, a former post ending before it starts, an unknown jurisdiction', () => {
    given(enrolled('p-1', ['audit'])).when(enrol(), office).refusedWith('AlreadyRegistered', 'inspectorId');
    given(enrolled('p-1', ['audit']), { type: 'InspectorWithdrawn', data: { pool: POOL, inspectorId: 'p-1', specialties: ['audit'] } }).when(enrol(), office).refusedWith('AlreadyRegistered', 'inspectorId');
    given().when(enrol({ specialties: ['finance', 'finance'] }), office).refusedWith('DuplicateSpecialty', 'specialties');
    given().when(enrol({ formerPosts: [{ ...former, to: former.from }] }), office).refusedWith('InvalidTime', 'formerPosts');
    given().when(enrol({ post: { ...person().post, jurisdiction: '359999' } }), office).refusedWith('UnknownJurisdiction', 'post.jurisdiction');
  });

  it("refuses another office, the city above included: a pool is its keeper's alone", () => {
    given().when(enrol(), as('leading-group', ZHANGZHOU)).refusedWith('OutsideJurisdiction');
    given().when(enrol(), as('leading-group', DONGSHAN)).refusedWith('OutsideJurisdiction');
  });
});

describe('updateInspector', () => {
  const moved = { unitId: 'zhaoan-finance-bureau', jurisdiction: ZHAOAN, from: '2025-01-01T00:00:00.000Z' };

  it('turns the current post into a former post ending when the new one starts, and tells which specialties came and went', () => {
    given(enrolled('p-1', ['finance', 'audit']))
      .when(cmd('updateInspector', { inspectorId: 'p-1', post: moved, specialties: ['finance', 'discipline'] }), office)
      .then({
        type: 'InspectorUpdated',
        data: {
          pool: POOL,
          inspectorId: 'p-1',
          specialties: ['finance', 'discipline'],
          specialtiesAdded: ['discipline'],
          specialtiesRemoved: ['audit'],
          person: person({ post: moved, formerPosts: [{ ...person().post, to: moved.from }] }),
        },
      });
  });

  it('replaces the declared relations', () => {
    const relations = [{ unitId: WATER.unitId, kind: 'sibling' as const }];
    given(enrolled('p-1', ['finance']))
      .when(cmd('updateInspector', { inspectorId: 'p-1', relations }), office)
      .then({ type: 'InspectorUpdated', data: { pool: POOL, inspectorId: 'p-1', specialties: ['finance'], specialtiesAdded: [], specialtiesRemoved: [], person: person({ relations }) } });
  });

  it('refuses nothing to change, a new post starting before the current one, an unknown or withdrawn inspector', () => {
    given(enrolled('p-1', ['finance'])).when(cmd('updateInspector', { inspectorId: 'p-1' }), office).refusedWith('NothingToUpdate', 'inspectorId');
    given(enrolled('p-1', ['finance'])).when(cmd('updateInspector', { inspectorId: 'p-1', post: { ...moved, from: '2020-01-01T00:00:00.000Z' } }), office).refusedWith('InvalidTime', 'post.from');
    given().when(cmd('updateInspector', { inspectorId: 'p-1', post: moved }), office).refusedWith('UnknownInspector', 'inspectorId');
    given(enrolled('p-1', ['finance']), { type: 'InspectorWithdrawn', data: { pool: POOL, inspectorId: 'p-1', specialties: ['finance'] } })
      .when(cmd('updateInspector', { inspectorId: 'p-1', post: moved }), office)
      .refusedWith('InspectorWithdrawn', 'inspectorId');
  });

  it("cannot reach another office's inspector: its pool is not the actor's", () => {
    given(enrolled('p-1', ['finance'])).when(cmd('updateInspector', { inspectorId: 'p-1', post: moved }), as('leading-group', ZHANGZHOU)).refusedWith('OutsideJurisdiction');
  });
});

describe('withdrawInspector (出库)', () => {
  it('withdraws once', () => {
    const withdrawn: DomainEvent = { type: 'InspectorWithdrawn', data: { pool: POOL, inspectorId: 'p-1', specialties: ['finance'] } };
    given(enrolled('p-1', ['finance'])).when(cmd('withdrawInspector', { inspectorId: 'p-1' }), office).then(withdrawn);
    given(enrolled('p-1', ['finance']), withdrawn).when(cmd('withdrawInspector', { inspectorId: 'p-1' }), office).refusedWith('InspectorWithdrawn', 'inspectorId');
    given().when(cmd('withdrawInspector', { inspectorId: 'p-1' }), office).refusedWith('UnknownInspector', 'inspectorId');
  });
});

describe('evaluateInspector (after a round)', () => {
  const formed = teamFormed(TEAM, ROUND, ZHAOAN, member('p-dis'), [member('p-fin')]);
  const closed = [...round, ...core, formed, roundClosed(ROUND, ZHAOAN)];
  const evaluate = (outcome: string, note?: string, inspectorId = 'p-fin') => cmd('evaluateInspector', { inspectorId, teamId: TEAM, outcome, ...(note ? { note } : {}) });
  const evaluated = (outcome: 'recommended' | 'reminded' | 'removed', note: string | null): DomainEvent => ({
    type: 'InspectorEvaluated',
    data: { pool: POOL, inspectorId: 'p-fin', teamId: TEAM, roundId: ROUND, outcome, specialties: ['finance', 'audit'], note },
  });

  it('records each outcome once per team; reminded and removed need a note', () => {
    given(...closed).when(evaluate('recommended'), office).then(evaluated('recommended', null));
    given(...closed).when(evaluate('reminded', '作风不实'), office).then(evaluated('reminded', '作风不实'));
    given(...closed).when(evaluate('removed', '泄露巡察信息'), office).then(evaluated('removed', '泄露巡察信息'));
    given(...closed).when(evaluate('reminded'), office).refusedWith('ReasonRequired', 'note');
    given(...closed, evaluated('recommended', null)).when(evaluate('recommended'), office).refusedWith('AlreadyRecorded', 'teamId');
  });

  it('refuses while the round is open, an inspector not on the team, a removed inspector, an unknown team', () => {
    given(...round, ...core, formed).when(evaluate('recommended'), office).refusedWith('RoundStillOpen', 'teamId');
    given(...closed).when(evaluate('recommended', undefined, 'p-party'), office).refusedWith('InspectorNotOnTeam', 'inspectorId');
    given(...closed, evaluated('removed', 'x')).when(evaluate('recommended'), office).refusedWith('InspectorWithdrawn', 'inspectorId');
    given(...round, ...core).when(evaluate('recommended'), office).refusedWith('UnknownTeam', 'teamId');
  });
});

describe('formTeam from the pool (依库选人) and 3+N', () => {
  const formed = (missing: Specialty[], poolMembers: number, leader: string, ...members: string[]): DomainEvent => ({
    type: 'TeamFormed',
    data: { teamId: TEAM, roundId: ROUND, owner: ZHAOAN, leader: member(leader), members: members.map(member), poolMembers, coreSpecialtiesMissing: missing },
  });

  it('counts pool members, and with 3+N as a warning (the default) forms a team short of a core specialty, saying which', () => {
    given(...round, ...core).when(form('p-dis', 'p-party', 'p-fin'), office).then(formed([], 3, 'p-dis', 'p-party', 'p-fin'));
    given(...round, ...core).when(form('p-dis', 'outsider'), office).then(formed(['party-affairs', 'finance'], 1, 'p-dis', 'outsider'));
  });

  it('leaves a team with no pool member as it always was', () => {
    given(...round, ...core).when(form('outsider'), office).then(teamFormed(TEAM, ROUND, ZHAOAN, member('outsider')));
  });

  it('with 3+N as a rule refuses a team short of a core specialty', () => {
    const rule: DomainEvent = { type: 'PoolConfigured', data: { pool: POOL, recusalYears: 5, threePlusN: 'rule' } };
    given(...round, ...core, rule).when(form('p-dis', 'p-fin'), office).refusedWith('TeamLacksCoreSpecialties', 'members');
    given(...round, ...core, rule).when(form('p-dis', 'p-party', 'p-fin'), office).then(formed([], 3, 'p-dis', 'p-party', 'p-fin'));
  });

  it('refuses a withdrawn inspector', () => {
    given(...round, ...core, { type: 'InspectorWithdrawn', data: { pool: POOL, inspectorId: 'p-party', specialties: ['party-affairs'] } })
      .when(form('p-dis', 'p-party', 'p-fin'), office)
      .refusedWith('InspectorWithdrawn', 'members');
  });

  it("takes nothing from another office's pool: a Dongshan inspector of the same id is nobody here", () => {
    const dongshanInspector: DomainEvent = { type: 'InspectorEnrolled', data: { pool: DONGSHAN, inspectorId: 'p-x', specialties: ['discipline'], person: person() } };
    given(...round, dongshanInspector).when(form('p-x'), office).then(teamFormed(TEAM, ROUND, ZHAOAN, member('p-x')));
  });
});

describe('recusal (回避) with what the pool knows', () => {
  const formedOf = (...people: string[]) => teamFormed(TEAM, ROUND, ZHAOAN, member(people[0]!), people.slice(1).map(member));
  const stationed: DomainEvent = { type: 'TeamStationed', data: { teamId: TEAM, roundId: ROUND, owner: ZHAOAN, units: [ZHAOAN_DEPOT] } };

  it('refuses a pool member whose former post at the unit ended within the recusal window (default 5 years), naming member and reason only', () => {
    // Left the depot three years before NOW.
    const formerly = enrolled('p-old', ['finance'], person({ formerPosts: [{ unitId: ZHAOAN_DEPOT.unitId, jurisdiction: ZHAOAN, from: '2010-01-01T00:00:00.000Z', to: '2022-04-01T00:00:00.000Z' }] }));
    const facts = [...round, ...core, formerly, formedOf('p-dis', 'p-old')];
    given(...facts).when(station(ZHAOAN_DEPOT.unitId), office).refusedWith('MemberMustRecuse', 'unitIds');
    expect(messageOf(facts, station(ZHAOAN_DEPOT.unitId))).toBe(`team ${TEAM} cannot be stationed at ${ZHAOAN_DEPOT.unitId}: member p-old must recuse (former-post)`);
    // The water bureau is no concern of that former post.
    given(...facts).when(station(WATER.unitId), office).then({ type: 'TeamStationed', data: { teamId: TEAM, roundId: ROUND, owner: ZHAOAN, units: [WATER] } });
  });

  it('accepts a former post that ended longer ago than the window, as configured', () => {
    const formerly = enrolled('p-old', ['finance'], person({ formerPosts: [{ unitId: ZHAOAN_DEPOT.unitId, jurisdiction: ZHAOAN, from: '2010-01-01T00:00:00.000Z', to: '2022-04-01T00:00:00.000Z' }] }));
    const twoYears: DomainEvent = { type: 'PoolConfigured', data: { pool: POOL, recusalYears: 2, threePlusN: 'warning' } };
    given(...round, formerly, twoYears, formedOf('p-old')).when(station(ZHAOAN_DEPOT.unitId), office).then(stationed);
    // Ended exactly 5 years before NOW: old enough (strictly within the window counts).
    const fiveYears = enrolled('p-old', ['finance'], person({ formerPosts: [{ unitId: ZHAOAN_DEPOT.unitId, jurisdiction: ZHAOAN, from: '2010-01-01T00:00:00.000Z', to: '2020-04-01T09:00:00.000Z' }] }));
    given(...round, fiveYears, formedOf('p-old')).when(station(ZHAOAN_DEPOT.unitId), office).then(stationed);
  });

  it('refuses a pool member with a declared relation at the unit, and never says who or what the relative is', () => {
    const related = enrolled('p-rel', ['audit'], person({ relations: [{ unitId: WATER.unitId, kind: 'spouse', relative: '王某' }] }));
    const facts = [...round, related, formedOf('p-rel')];
    given(...facts).when(station(WATER.unitId), office).refusedWith('MemberMustRecuse', 'unitIds');
    const message = messageOf(facts, station(WATER.unitId));
    expect(message).toBe(`team ${TEAM} cannot be stationed at ${WATER.unitId}: member p-rel must recuse (declared-relation)`);
    expect(message).not.toMatch(/spouse|王某/);
    given(...facts).when(station(ZHAOAN_DEPOT.unitId), office).then(stationed);
  });

  it("refuses a pool member whose current post, as the pool knows it, is the unit, even when the team's record leaves it out", () => {
    const atDepot = enrolled('p-here', ['audit'], person({ post: { unitId: ZHAOAN_DEPOT.unitId, jurisdiction: ZHAOAN, from: SINCE } }));
    given(...round, atDepot, formedOf('p-here')).when(station(ZHAOAN_DEPOT.unitId), office).refusedWith('MemberMustRecuse', 'unitIds');
    expect(messageOf([...round, atDepot, formedOf('p-here')], station(ZHAOAN_DEPOT.unitId))).toMatch(/member p-here must recuse \(current-post\)$/);
  });

  it("in a cross round refuses a pool member whose current post lies in the unit's jurisdiction (home-jurisdiction)", () => {
    const cross = [unitRegistered(DONGSHAN_DEPOT), roundPlanned('zz-cross', ZHANGZHOU, [DONGSHAN_DEPOT], { linkage: 'cross' }), roundLaunched('zz-cross', ZHANGZHOU)];
    const dongshanCadre: DomainEvent = {
      type: 'InspectorEnrolled',
      data: { pool: ZHANGZHOU, inspectorId: 'p-ds', specialties: ['discipline'], person: person({ post: { unitId: 'dongshan-school', jurisdiction: DONGSHAN, from: SINCE } }) },
    };
    const team = teamFormed('zz-t', 'zz-cross', ZHANGZHOU, { personId: 'p-ds', homeJurisdiction: ZHANGZHOU });
    const command: Command = { type: 'stationTeam', data: { teamId: 'zz-t', unitIds: [DONGSHAN_DEPOT.unitId] } };
    given(...cross, dongshanCadre, team).when(command, as('leading-group', ZHANGZHOU)).refusedWith('MemberMustRecuse', 'unitIds');
    expect(messageOf([...cross, dongshanCadre, team], command, as('leading-group', ZHANGZHOU))).toMatch(/member p-ds must recuse \(home-jurisdiction\)$/);
    // The same person outside the pool, with the same team record, goes.
    given(...cross, team).when(command, as('leading-group', ZHANGZHOU)).then({ type: 'TeamStationed', data: { teamId: 'zz-t', roundId: 'zz-cross', owner: ZHANGZHOU, units: [DONGSHAN_DEPOT] } });
  });

  it("keeps today's rule for members outside the pool (their own unit)", () => {
    const team = teamFormed(TEAM, ROUND, ZHAOAN, { personId: 'outsider', homeJurisdiction: ZHAOAN, homeUnitId: ZHAOAN_DEPOT.unitId });
    given(...round, team).when(station(ZHAOAN_DEPOT.unitId), office).refusedWith('MemberMustRecuse', 'unitIds');
    expect(messageOf([...round, team], station(ZHAOAN_DEPOT.unitId))).toMatch(/member outsider must recuse \(current-post\)$/);
  });

  it('tells an office that does not own the team nothing about recusal', () => {
    const related = enrolled('p-rel', ['audit'], person({ relations: [{ unitId: WATER.unitId, kind: 'spouse', relative: '王某' }] }));
    given(...round, related, formedOf('p-rel')).when(station(WATER.unitId), as('leading-group', ZHANGZHOU)).refusedWith('OutsideJurisdiction');
    given(...round, related, formedOf('p-rel')).when(station(WATER.unitId), as('leading-group', PROVINCE)).refusedWith('OutsideJurisdiction');
  });
});

describe('what crosses levels', () => {
  it('an enrolment, an update and an evaluation go up without name, posts, relations or note', () => {
    const record = person({ name: '李某', relations: [{ unitId: WATER.unitId, kind: 'spouse', relative: '王某' }] });
    const travelled = JSON.stringify([
      publicData(enrolled('p-1', ['finance'], record)),
      publicData({ type: 'InspectorUpdated', data: { pool: POOL, inspectorId: 'p-1', specialties: ['finance'], specialtiesAdded: [], specialtiesRemoved: [], person: record } }),
      publicData({ type: 'InspectorEvaluated', data: { pool: POOL, inspectorId: 'p-1', teamId: TEAM, roundId: ROUND, outcome: 'reminded', specialties: ['finance'], note: '作风不实' } }),
    ]);
    expect(travelled).not.toMatch(/李某|王某|spouse|作风不实|zhaoan-audit-bureau|zhaoan-water-bureau|person|note/);
    expect(publicData(enrolled('p-1', ['finance'], record))).toStrictEqual({ type: 'InspectorEnrolled', data: { pool: POOL, inspectorId: 'p-1', specialties: ['finance'] } });
  });
});

/** The refusal's message: all that the actor is told besides its name. */
const messageOf = (facts: DomainEvent[], command: Command, actor = office): string => {
  try {
    given(...facts).when(command, actor).then();
  } catch (error) {
    if (error instanceof Refusal) return error.message;
    throw error;
  }
  throw new Error(`${command.type} was not refused`);
};
