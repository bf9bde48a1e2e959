/**
 * Recusal (回避) and 3+N, as the pool knows them: what formTeam and stationTeam consult. The rules
 * live here, beside the pool, so that inspection's decider asks one question per member and unit.
 */
import type { TeamMember, UnitRef } from '../inspection/messages.js';
import { streams } from '../streams.js';
import type { Inspector, PoolSettings, Round, World } from '../world.js';
import type { RecusalReason, Specialty } from './messages.js';
import { CORE_SPECIALTIES, DEFAULT_POOL_SETTINGS } from './messages.js';

export const poolSettingsOf = (world: World, pool: string): PoolSettings => world.pools.get(pool) ?? DEFAULT_POOL_SETTINGS;

/** The pool's inspector a member is, if any: a member whose personId is an inspector of the round owner's pool. */
export const poolRecordOf = (world: World, pool: string, member: TeamMember): Inspector | undefined => world.inspectors.get(streams.inspector(pool, member.personId));

/** The streams a decision about a team's members consults: the owner's pool settings and each member's pool entry. */
export const poolStreamsFor = (pool: string, members: readonly TeamMember[]): string[] => [streams.pool(pool), ...members.map((member) => streams.inspector(pool, member.personId))];

/** `years` calendar years before `now` (UTC): where the recusal window for former posts begins. */
const yearsBefore = (now: string, years: number): number => {
  const start = new Date(now);
  start.setUTCFullYear(start.getUTCFullYear() - years);
  return start.getTime();
};

/**
 * Why `member` must keep away from `unit`, or undefined. The order is fixed (DESIGN: docs/contract-pool.md
 * P.3) so that a refusal always names the same reason. A withdrawn inspector's knowledge still counts:
 * a relative does not stop being one when the inspector leaves the pool.
 */
export const recusalReason = (member: TeamMember, record: Inspector | undefined, unit: UnitRef, round: Round, settings: PoolSettings, now: string): RecusalReason | undefined => {
  const person = record?.person ?? null;
  if (member.homeUnitId === unit.unitId || person?.post.unitId === unit.unitId) return 'current-post';
  if (person) {
    const windowStart = yearsBefore(now, settings.recusalYears);
    if (person.formerPosts.some((post) => post.unitId === unit.unitId && Date.parse(post.to) > windowStart)) return 'former-post';
    if (person.relations.some((relation) => relation.unitId === unit.unitId)) return 'declared-relation';
  }
  if (round.linkage === 'cross' && (member.homeJurisdiction === unit.jurisdiction || person?.post.jurisdiction === unit.jurisdiction)) return 'home-jurisdiction';
  return undefined;
};

/** 3+N: the core specialties (discipline, party affairs, finance) no pool member of a team holds. */
export const coreSpecialtiesMissing = (records: readonly Inspector[]): Specialty[] => {
  const held = new Set(records.flatMap((record) => record.specialties));
  return CORE_SPECIALTIES.filter((specialty) => !held.has(specialty));
};
