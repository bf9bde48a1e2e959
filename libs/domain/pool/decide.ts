import { knownRound, knownTeam } from '../inspection/decide.js';
import type { DecisionContext } from '../kernel/decision.js';
import { requireKnownJurisdiction, requireOwnJurisdiction, requireRole } from '../kernel/decision.js';
import { refuse } from '../kernel/refusal.js';
import { isBefore } from '../kernel/time.js';
import { streams } from '../streams.js';
import type { Inspector, World } from '../world.js';
import type {
  ConfigurePool,
  EnrolInspector,
  EvaluateInspector,
  InspectorEnrolled,
  InspectorEvaluated,
  InspectorUpdated,
  InspectorWithdrawn,
  PersonalRecord,
  PoolConfigured,
  Specialty,
  UpdateInspector,
  WithdrawInspector,
} from './messages.js';

/** Only an office's own leading group keeps its pool. */
const requirePoolKeeper = (context: DecisionContext, command: string, pool: string): void => {
  requireRole(context, command, 'leading-group');
  requireOwnJurisdiction(context, pool, `pool ${pool}`);
};

const knownInspector = (world: World, pool: string, inspectorId: string): Inspector =>
  world.inspectors.get(streams.inspector(pool, inspectorId)) ?? refuse('UnknownInspector', `inspector ${inspectorId} is not in pool ${pool}`, 'inspectorId');

const activeInspector = (world: World, pool: string, inspectorId: string): Inspector & { person: PersonalRecord } => {
  const inspector = knownInspector(world, pool, inspectorId);
  if (inspector.status === 'withdrawn') refuse('InspectorWithdrawn', `inspector ${inspectorId} has left pool ${pool}`, 'inspectorId');
  // A pool's own store always holds the whole record; only an ancestor's copy lacks it, and no ancestor keeps this pool.
  if (!inspector.person) return refuse('UnknownInspector', `inspector ${inspectorId} is not in pool ${pool}`, 'inspectorId');
  return inspector as Inspector & { person: PersonalRecord };
};

const distinctSpecialties = (specialties: readonly Specialty[]): Specialty[] => {
  const repeated = specialties.find((specialty, index) => specialties.indexOf(specialty) !== index);
  if (repeated) refuse('DuplicateSpecialty', `specialty ${repeated} is named twice`, 'specialties');
  return [...specialties];
};

export const decideConfigurePool = (command: ConfigurePool, _world: World, context: DecisionContext): PoolConfigured[] => {
  const { pool, recusalYears, threePlusN } = command.data;
  requirePoolKeeper(context, command.type, pool);
  return [{ type: 'PoolConfigured', data: { pool, recusalYears, threePlusN } }];
};

export const decideEnrolInspector = (command: EnrolInspector, world: World, context: DecisionContext): InspectorEnrolled[] => {
  const { pool, inspectorId, post } = command.data;
  requirePoolKeeper(context, command.type, pool);
  // Ids are never reused, not even after a withdrawal: evaluations and teams name the inspector by it.
  if (world.inspectors.has(streams.inspector(pool, inspectorId))) refuse('AlreadyRegistered', `inspector ${inspectorId} is already in pool ${pool}`, 'inspectorId');
  const specialties = distinctSpecialties(command.data.specialties);
  requireKnownJurisdiction(context, post.jurisdiction, 'post.jurisdiction');
  const formerPosts = command.data.formerPosts ?? [];
  for (const former of formerPosts) {
    requireKnownJurisdiction(context, former.jurisdiction, 'formerPosts.jurisdiction');
    if (!isBefore(former.from, former.to)) refuse('InvalidTime', `a former post at ${former.unitId} must end after it starts`, 'formerPosts');
  }
  const person: PersonalRecord = { name: command.data.name ?? null, post, formerPosts, relations: command.data.relations ?? [] };
  return [{ type: 'InspectorEnrolled', data: { pool, inspectorId, specialties, person } }];
};

export const decideUpdateInspector = (command: UpdateInspector, world: World, context: DecisionContext): InspectorUpdated[] => {
  const { pool, inspectorId, post, relations } = command.data;
  requirePoolKeeper(context, command.type, pool);
  const inspector = activeInspector(world, pool, inspectorId);
  if (post === undefined && command.data.specialties === undefined && relations === undefined) {
    refuse('NothingToUpdate', `updateInspector names no post, specialties or relations for ${inspectorId}`, 'inspectorId');
  }
  const before = inspector.person;
  let { formerPosts } = before;
  if (post !== undefined) {
    requireKnownJurisdiction(context, post.jurisdiction, 'post.jurisdiction');
    if (!isBefore(before.post.from, post.from)) refuse('InvalidTime', `the new post must start after the current one (from ${before.post.from})`, 'post.from');
    // The post held until now becomes a former post, ending when the new one starts.
    formerPosts = [...formerPosts, { ...before.post, to: post.from }];
  }
  const specialties = command.data.specialties ? distinctSpecialties(command.data.specialties) : [...inspector.specialties];
  const person: PersonalRecord = { name: before.name, post: post ?? before.post, formerPosts, relations: relations ?? before.relations };
  return [
    {
      type: 'InspectorUpdated',
      data: {
        pool,
        inspectorId,
        specialties,
        specialtiesAdded: specialties.filter((specialty) => !inspector.specialties.includes(specialty)),
        specialtiesRemoved: inspector.specialties.filter((specialty) => !specialties.includes(specialty)),
        person,
      },
    },
  ];
};

export const decideWithdrawInspector = (command: WithdrawInspector, world: World, context: DecisionContext): InspectorWithdrawn[] => {
  const { pool, inspectorId } = command.data;
  requirePoolKeeper(context, command.type, pool);
  const inspector = activeInspector(world, pool, inspectorId);
  return [{ type: 'InspectorWithdrawn', data: { pool, inspectorId, specialties: [...inspector.specialties] } }];
};

export const decideEvaluateInspector = (command: EvaluateInspector, world: World, context: DecisionContext): InspectorEvaluated[] => {
  const { pool, inspectorId, teamId, outcome } = command.data;
  requirePoolKeeper(context, command.type, pool);
  const inspector = activeInspector(world, pool, inspectorId);
  const team = knownTeam(world, teamId);
  requireOwnJurisdiction(context, team.owner, `team ${teamId}`);
  if (![team.leader, ...team.members].some((member) => member.personId === inspectorId)) {
    refuse('InspectorNotOnTeam', `inspector ${inspectorId} was not on team ${teamId}`, 'inspectorId');
  }
  const round = knownRound(world, team.roundId);
  if (round.status !== 'closed') refuse('RoundStillOpen', `round ${round.roundId} is not closed; inspectors are evaluated after it`, 'teamId');
  if (inspector.evaluatedOn.includes(teamId)) refuse('AlreadyRecorded', `inspector ${inspectorId} is already evaluated on team ${teamId}`, 'teamId');
  const note = command.data.note ?? null;
  if (outcome !== 'recommended' && note === null) refuse('ReasonRequired', `an evaluation of ${outcome} needs a note`, 'note');
  return [{ type: 'InspectorEvaluated', data: { pool, inspectorId, teamId, roundId: round.roundId, outcome, specialties: [...inspector.specialties], note } }];
};
