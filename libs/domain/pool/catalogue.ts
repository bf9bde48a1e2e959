/** The inspector pool (巡察人员库): enrolment, posts, relations, withdrawal, evaluation (docs/contract-pool.md). */
import type { CommandCatalogue, EventCatalogue } from '../kernel/catalogue.js';
import { noRound, roundIdOf } from '../kernel/catalogue.js';
import { field, inputOf } from '../kernel/schema.js';
import { streams } from '../streams.js';
import type { Inspector, World } from '../world.js';
import { decideConfigurePool, decideEnrolInspector, decideEvaluateInspector, decideUpdateInspector, decideWithdrawInspector } from './decide.js';
import type { PoolCommand, PoolEvent, Specialty } from './messages.js';
import { EVALUATION_OUTCOMES, RELATION_KINDS, SPECIALTIES, THREE_PLUS_N } from './messages.js';

type DataOf<T extends PoolCommand['type']> = Extract<PoolCommand, { type: T }>['data'];

const pool = field.code("the office's own jurisdiction, whose pool this is");
const inspectorId = field.id('the inspector: the personId teams name them by, never a name');
const specialties = field.list(field.oneOf(SPECIALTIES), 1, SPECIALTIES.length, 'what the inspector is drawn for (3+N: discipline, party-affairs, finance + N)');
const postFields = {
  unitId: field.id('the unit of the post: recusal keeps the inspector away from it'),
  jurisdiction: field.code('the jurisdiction the unit lies in'),
  from: field.instant('since when'),
};
const post = field.object(postFields, 'a post: where the inspector works');
const formerPost = field.object({ ...postFields, to: field.instant('until when: recusal counts it for the pool\'s recusalYears after') }, 'a post held before');
const relation = field.object(
  {
    unitId: field.id("the unit a relative works at: the inspector recuses from it"),
    kind: field.oneOf(RELATION_KINDS),
    relative: field.optional(field.text(100, { description: 'how the office names the relative; stays with the pool' })),
  },
  'a declared relation (亲属关系)',
);

export const poolCommands: CommandCatalogue<PoolCommand['type']> = {
  configurePool: {
    summary: "leading group: set its pool's recusal window for former posts and whether 3+N refuses or warns",
    roles: ['leading-group'],
    input: inputOf<DataOf<'configurePool'>>()({
      pool,
      recusalYears: field.integer(1, 30, 'a former post ended less than this many years ago still makes the inspector recuse (default 5)'),
      threePlusN: field.oneOf(THREE_PLUS_N, 'rule: a team drawn from the pool without discipline, party-affairs and finance is refused; warning (default): it is formed and counted'),
    }),
    example: { pool: '350624', recusalYears: 5, threePlusN: 'rule' },
    target: (data) => streams.pool(data.pool),
    reads: () => [],
    decide: decideConfigurePool,
  },
  enrolInspector: {
    summary: "leading group: enrol an inspector in its pool (入库) with specialties, post, former posts and declared relations",
    roles: ['leading-group'],
    input: inputOf<DataOf<'enrolInspector'>>()({
      pool,
      inspectorId,
      specialties,
      post,
      formerPosts: field.optional(field.list(formerPost, 0, 50)),
      relations: field.optional(field.list(relation, 0, 50)),
      name: field.optional(field.text(100, { description: "the inspector's name; stays with the pool" })),
    }),
    example: {
      pool: '350624',
      inspectorId: 'za-cadre-3',
      specialties: ['finance', 'audit'],
      post: { unitId: 'za-audit-bureau', jurisdiction: '350624', from: '2021-03-01T00:00:00+08:00' },
      formerPosts: [{ unitId: 'za-grain-depot', jurisdiction: '350624', from: '2016-01-01T00:00:00+08:00', to: '2021-03-01T00:00:00+08:00' }],
      relations: [{ unitId: 'za-water-bureau', kind: 'spouse' }],
    },
    target: (data) => streams.inspector(data.pool, data.inspectorId),
    reads: () => [],
    decide: decideEnrolInspector,
  },
  updateInspector: {
    summary: 'leading group: record a new post (the current one becomes a former post), new specialties or the declared relations of an inspector of its pool',
    roles: ['leading-group'],
    input: inputOf<DataOf<'updateInspector'>>()({
      pool,
      inspectorId,
      post: field.optional(post),
      specialties: field.optional(specialties),
      relations: field.optional(field.list(relation, 0, 50, 'the whole declared list, replacing the one before')),
    }),
    example: { pool: '350624', inspectorId: 'za-cadre-3', post: { unitId: 'za-finance-bureau', jurisdiction: '350624', from: '2024-07-01T00:00:00+08:00' } },
    target: (data) => streams.inspector(data.pool, data.inspectorId),
    reads: () => [],
    decide: decideUpdateInspector,
  },
  withdrawInspector: {
    summary: 'leading group: take an inspector out of its pool (出库)',
    roles: ['leading-group'],
    input: inputOf<DataOf<'withdrawInspector'>>()({ pool, inspectorId }),
    example: { pool: '350624', inspectorId: 'za-cadre-3' },
    target: (data) => streams.inspector(data.pool, data.inspectorId),
    reads: () => [],
    decide: decideWithdrawInspector,
  },
  evaluateInspector: {
    summary: 'leading group: evaluate an inspector of its pool on a team after the round closed (recommended, reminded, removed)',
    roles: ['leading-group'],
    input: inputOf<DataOf<'evaluateInspector'>>()({
      pool,
      inspectorId,
      teamId: field.id('a team of the office the inspector served on'),
      outcome: field.oneOf(EVALUATION_OUTCOMES, 'removed takes the inspector out of the pool'),
      note: field.optional(field.text(2000, { multiline: true, description: 'required unless recommended; stays with the pool' })),
    }),
    example: { pool: '350624', inspectorId: 'za-cadre-3', teamId: 'za-2024-team-1', outcome: 'recommended' },
    target: (data) => streams.inspector(data.pool, data.inspectorId),
    reads: (data, world) => {
      const team = world.teams.get(data.teamId);
      return [streams.team(data.teamId), ...(team ? [streams.round(team.roundId)] : [])];
    },
    decide: decideEvaluateInspector,
  },
};

/** A fact about an inspector whose earlier facts have not arrived (or were not kept) still files it. */
const inspectorOf = (world: World, data: { pool: string; inspectorId: string; specialties: Specialty[] }): Inspector =>
  world.inspectors.get(streams.inspector(data.pool, data.inspectorId)) ?? {
    pool: data.pool,
    inspectorId: data.inspectorId,
    specialties: data.specialties,
    person: null,
    evaluatedOn: [],
    status: 'enrolled',
  };

const file = (world: World, inspector: Inspector): void => {
  world.inspectors.set(streams.inspector(inspector.pool, inspector.inspectorId), inspector);
};

/** Personal data (names, posts, relations, evaluation notes) stays with the pool: the public view drops it. */
const withoutPerson = <D extends { person?: unknown }>({ person: _person, ...rest }: D): D => rest as D;

export const poolEvents: EventCatalogue<PoolEvent['type']> = {
  PoolConfigured: {
    stream: (data) => streams.pool(data.pool),
    evolve: (world, data) => {
      world.pools.set(data.pool, { recusalYears: data.recusalYears, threePlusN: data.threePlusN });
    },
    concerns: (data) => [data.pool],
    announce: 'concerned',
    // Settings of an office, nobody's personal data.
    publicView: (data) => ({ pool: data.pool, recusalYears: data.recusalYears, threePlusN: data.threePlusN }),
    provenance: 'unread',
    round: noRound,
    lineage: 'continues',
  },
  InspectorEnrolled: {
    stream: (data) => streams.inspector(data.pool, data.inspectorId),
    evolve: (world, data) => {
      file(world, { pool: data.pool, inspectorId: data.inspectorId, specialties: data.specialties, person: data.person ?? null, evaluatedOn: [], status: 'enrolled' });
    },
    concerns: (data) => [data.pool],
    announce: 'concerned',
    publicView: (data) => ({ pool: data.pool, inspectorId: data.inspectorId, specialties: data.specialties }),
    provenance: 'read',
    round: noRound,
    lineage: 'continues',
  },
  InspectorUpdated: {
    stream: (data) => streams.inspector(data.pool, data.inspectorId),
    evolve: (world, data) => {
      const inspector = inspectorOf(world, data);
      file(world, { ...inspector, specialties: data.specialties, person: data.person ?? inspector.person });
    },
    concerns: (data) => [data.pool],
    announce: 'concerned',
    publicView: withoutPerson,
    provenance: 'read',
    round: noRound,
    lineage: 'continues',
  },
  InspectorWithdrawn: {
    stream: (data) => streams.inspector(data.pool, data.inspectorId),
    evolve: (world, data) => {
      file(world, { ...inspectorOf(world, data), status: 'withdrawn' });
    },
    concerns: (data) => [data.pool],
    announce: 'concerned',
    publicView: (data) => ({ pool: data.pool, inspectorId: data.inspectorId, specialties: data.specialties }),
    provenance: 'read',
    round: noRound,
    lineage: 'continues',
  },
  InspectorEvaluated: {
    stream: (data) => streams.inspector(data.pool, data.inspectorId),
    evolve: (world, data) => {
      const inspector = inspectorOf(world, data);
      const evaluatedOn = [...inspector.evaluatedOn, data.teamId];
      file(world, data.outcome === 'removed' ? { ...inspector, evaluatedOn, status: 'withdrawn' } : { ...inspector, evaluatedOn });
    },
    concerns: (data) => [data.pool],
    announce: 'concerned',
    publicView: ({ note: _note, ...rest }) => rest,
    provenance: 'read',
    round: roundIdOf,
    lineage: 'continues',
  },
};
