import type { Message } from '../kernel/envelope.js';

export const SPECIALTIES = ['discipline', 'organisation', 'finance', 'audit', 'party-affairs', 'other'] as const;
export type Specialty = (typeof SPECIALTIES)[number];
/** 3+N: the specialties every team drawn from a pool should hold (discipline, party affairs, finance) plus N others. */
export const CORE_SPECIALTIES: readonly Specialty[] = ['discipline', 'party-affairs', 'finance'];
export const RELATION_KINDS = ['spouse', 'parent', 'child', 'sibling', 'in-law', 'other'] as const;
export type RelationKind = (typeof RELATION_KINDS)[number];
export const EVALUATION_OUTCOMES = ['recommended', 'reminded', 'removed'] as const;
export type EvaluationOutcome = (typeof EVALUATION_OUTCOMES)[number];
export const THREE_PLUS_N = ['warning', 'rule'] as const;
export type ThreePlusN = (typeof THREE_PLUS_N)[number];

/** What an unconfigured pool reads as. */
export const DEFAULT_POOL_SETTINGS = { recusalYears: 5, threePlusN: 'warning' } as const satisfies { recusalYears: number; threePlusN: ThreePlusN };

/** Why a member must keep away from a unit; the only thing a recusal refusal says about the member. */
export const RECUSAL_REASONS = ['current-post', 'former-post', 'declared-relation', 'home-jurisdiction'] as const;
export type RecusalReason = (typeof RECUSAL_REASONS)[number];

export interface Post {
  unitId: string;
  /** The jurisdiction the unit lies in: a cross round keeps a member away from it. */
  jurisdiction: string;
  from: string;
}
export interface FormerPost extends Post {
  to: string;
}
export interface DeclaredRelation {
  unitId: string;
  kind: RelationKind;
  /** How the office names the relative; never leaves the pool's level. */
  relative?: string;
}

/** Everything personal the pool knows of an inspector: it stays at the pool's level. */
export interface PersonalRecord {
  name: string | null;
  post: Post;
  formerPosts: FormerPost[];
  relations: DeclaredRelation[];
}

// Every pool command names its pool (the office's own jurisdiction): streams are named by it, so two
// offices of one level, or an office and the copies of its descendants' public facts, never share one.
export type ConfigurePool = Message<'configurePool', { pool: string; recusalYears: number; threePlusN: ThreePlusN }>;
export type EnrolInspector = Message<
  'enrolInspector',
  { pool: string; inspectorId: string; specialties: Specialty[]; post: Post; formerPosts?: FormerPost[]; relations?: DeclaredRelation[]; name?: string }
>;
export type UpdateInspector = Message<'updateInspector', { pool: string; inspectorId: string; post?: Post; specialties?: Specialty[]; relations?: DeclaredRelation[] }>;
export type WithdrawInspector = Message<'withdrawInspector', { pool: string; inspectorId: string }>;
export type EvaluateInspector = Message<'evaluateInspector', { pool: string; inspectorId: string; teamId: string; outcome: EvaluationOutcome; note?: string }>;
export type PoolCommand = ConfigurePool | EnrolInspector | UpdateInspector | WithdrawInspector | EvaluateInspector;

/** An office's pool settings: the recusal window for former posts, and whether 3+N refuses or warns. */
export type PoolConfigured = Message<'PoolConfigured', { pool: string; recusalYears: number; threePlusN: ThreePlusN }>;
/** `person` is absent from the public view: ancestors learn that an inspector of some specialties joined, nothing more. */
export type InspectorEnrolled = Message<'InspectorEnrolled', { pool: string; inspectorId: string; specialties: Specialty[]; person?: PersonalRecord }>;
/** `person` is the whole record after the update; the specialty changes travel so that ancestors can count. */
export type InspectorUpdated = Message<
  'InspectorUpdated',
  { pool: string; inspectorId: string; specialties: Specialty[]; specialtiesAdded: Specialty[]; specialtiesRemoved: Specialty[]; person?: PersonalRecord }
>;
export type InspectorWithdrawn = Message<'InspectorWithdrawn', { pool: string; inspectorId: string; specialties: Specialty[] }>;
/** `removed` also takes the inspector out of the pool; `note` stays at the pool's level. */
export type InspectorEvaluated = Message<
  'InspectorEvaluated',
  { pool: string; inspectorId: string; teamId: string; roundId: string; outcome: EvaluationOutcome; specialties: Specialty[]; note?: string | null }
>;
export type PoolEvent = PoolConfigured | InspectorEnrolled | InspectorUpdated | InspectorWithdrawn | InspectorEvaluated;
