import type { Message } from '../kernel/envelope.js';

export const VERIFICATION_VERDICTS = ['accepted', 'rejected'] as const;
export type VerificationVerdict = (typeof VERIFICATION_VERDICTS)[number];
export const REASSESSMENT_VERDICTS = ['genuine', 'superficial', 'relapsed'] as const;
export type ReassessmentVerdict = (typeof REASSESSMENT_VERDICTS)[number];

/** One measure of a rectification plan (分账: the problem list split into accounts). */
export interface Measure {
  measureId: string;
  text: string;
  dueBy?: string;
}

/** What a unit shows for a completed rectification: the document's title and the SHA-256 of its file. */
export interface Evidence {
  title: string;
  sha256: string;
}

export type RequireRectification = Message<
  'requireRectification',
  { rectificationId: string; issueId: string; unitId: string; dueBy: string; measures?: Measure[]; typical?: boolean }
>;
export type PlanRectification = Message<
  'planRectification',
  { rectificationId: string; measures: Measure[]; responsibleLeader: string; leadDepartment: string }
>;
export type CompleteRectification = Message<'completeRectification', { rectificationId: string; evidence?: Evidence[] }>;
export type VerifyRectification = Message<'verifyRectification', { rectificationId: string; verdict: VerificationVerdict; reason?: string }>;
export type ReassessRectification = Message<
  'reassessRectification',
  { roundId: string; rectificationId: string; verdict: ReassessmentVerdict; note?: string }
>;
export type RectificationCommand = RequireRectification | PlanRectification | CompleteRectification | VerifyRectification | ReassessRectification;

/**
 * What every rectification fact carries, so that a level can file it whatever order the facts of
 * different levels arrive in (the unit's level completes, the requiring level verifies, a look-back
 * reassesses: three sources).
 */
export interface RectificationRef {
  rectificationId: string;
  issueId: string;
  roundId: string;
  /** The jurisdiction that required it (the issue's round owner). */
  owner: string;
  unitId: string;
  unitJurisdiction: string;
  dueBy: string;
}

/**
 * Attempts number the completions of one rectification (1, 2, ... after a rejection or a reopening).
 * Verdicts name the attempt they judge, so that a verdict arriving after a later completion is
 * counted without moving the rectification back.
 */
export type RectificationRequired = Message<
  'RectificationRequired',
  RectificationRef & {
    /** Absent on facts recorded before measures existed. */
    measures?: Measure[];
    /** Marked typical when required (典型问题): the ledger row shows it. */
    typical?: boolean;
  }
>;
export type RectificationPlanned = Message<
  'RectificationPlanned',
  RectificationRef & {
    /** The completion this plan prepares: one more than the completions so far. */
    forAttempt: number;
    measures: Measure[];
    /** The leader who signed for it (签字认领); null at every level but the one that recorded it. */
    responsibleLeader: string | null;
    leadDepartment: string;
  }
>;
export type RectificationCompleted = Message<
  'RectificationCompleted',
  RectificationRef & {
    /** Absent on facts recorded before attempts were numbered: the first. */
    attempt?: number;
    evidence?: Evidence[];
  }
>;
export type RectificationVerified = Message<
  'RectificationVerified',
  RectificationRef & {
    attempt: number;
    /** When the judged completion happened (domain time): a level that has not seen it yet learns it here. */
    completedAt: string;
    /** Whether a plan had been recorded: a rejection sends it back to planned, else to required. */
    planned: boolean;
    verdict: VerificationVerdict;
    reason: string | null;
  }
>;
export type RectificationReassessed = Message<
  'RectificationReassessed',
  RectificationRef & {
    attempt: number;
    completedAt: string;
    /** When it had been closed (销号) before the reassessment, if it had. */
    closedAt: string | null;
    planned: boolean;
    /** The look-back round and its owner, where lookBack.* counts. */
    lookBackRoundId: string;
    lookBackOwner: string;
    verdict: ReassessmentVerdict;
    note: string | null;
  }
>;
export type RectificationEvent = RectificationRequired | RectificationPlanned | RectificationCompleted | RectificationVerified | RectificationReassessed;
