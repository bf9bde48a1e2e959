/**
 * The rectification lifecycle (DESIGN.md §8.1), one at a time:
 *
 *   required → planned (claimed) → completed (对账) → closed (销号)
 *   a rejected verification: back to planned (required if never planned)
 *   a superficial or relapsed reassessment of a completed or closed one: reopened (behaves as planned)
 *
 * Its facts come from three levels (the unit's completes, the requiring one verifies, a look-back
 * reassesses) and reach every other level in any order. Completions are numbered (attempts) and a
 * verdict names the attempt it judges and carries what the judge knew of it, so that folding the
 * facts in any arrival order that respects each source's own order gives the same state. The decider,
 * the World and the read model all fold with this one function.
 */
import type { RectificationEvent } from './messages.js';

export const RECTIFICATION_STATUSES = ['required', 'planned', 'completed', 'closed', 'reopened'] as const;
export type RectificationStatus = (typeof RECTIFICATION_STATUSES)[number];

interface Progressed {
  /** Completions so far: the attempt the current completion, verdict or reopening is about. */
  readonly attempt: number;
  /** The highest attempt a plan has been recorded for (0: never planned). */
  readonly plannedFor: number;
}

export type RectificationProgress =
  | (Progressed & { readonly status: 'required' })
  | (Progressed & { readonly status: 'planned' })
  | (Progressed & { readonly status: 'completed'; readonly completedAt: string })
  | (Progressed & { readonly status: 'closed'; readonly completedAt: string; readonly closedAt: string })
  | (Progressed & { readonly status: 'reopened'; readonly completedAt: string });

export const NOT_STARTED: RectificationProgress = { status: 'required', attempt: 0, plannedFor: 0 };

/** Open again for a new plan and a new completion. */
const backToWork = (progress: Progressed, reopened: boolean, completedAt: string): RectificationProgress =>
  progress.plannedFor > progress.attempt
    ? { status: 'planned', attempt: progress.attempt, plannedFor: progress.plannedFor }
    : reopened
      ? { status: 'reopened', attempt: progress.attempt, plannedFor: progress.plannedFor, completedAt }
      : progress.plannedFor > 0
        ? { status: 'planned', attempt: progress.attempt, plannedFor: progress.plannedFor }
        : { status: 'required', attempt: progress.attempt, plannedFor: progress.plannedFor };

/**
 * A verdict about an attempt this fold has not seen completed yet: that completion happened (the
 * judge saw it), so it is taken as known first.
 */
const knowingAttempt = (
  progress: RectificationProgress,
  attempt: number,
  completedAt: string,
  closedAt: string | null,
  planned: boolean,
): RectificationProgress => {
  if (attempt <= progress.attempt) return progress;
  const plannedFor = Math.max(progress.plannedFor, planned ? 1 : 0);
  return closedAt === null ? { status: 'completed', attempt, plannedFor, completedAt } : { status: 'closed', attempt, plannedFor, completedAt, closedAt };
};

const completedAtOf = (progress: RectificationProgress, otherwise: string): string =>
  progress.status === 'completed' || progress.status === 'closed' || progress.status === 'reopened' ? progress.completedAt : otherwise;

/** The progress after one more fact; `occurredAt` is the fact's domain time. */
export const progressAfter = (progress: RectificationProgress, event: RectificationEvent, occurredAt: string): RectificationProgress => {
  switch (event.type) {
    case 'RectificationRequired':
      return progress;
    case 'RectificationPlanned': {
      const { forAttempt } = event.data;
      const plannedFor = Math.max(progress.plannedFor, forAttempt);
      const open = progress.status === 'required' || progress.status === 'planned' || progress.status === 'reopened';
      if (open && forAttempt === progress.attempt + 1) return { status: 'planned', attempt: progress.attempt, plannedFor };
      return { ...progress, plannedFor };
    }
    case 'RectificationCompleted': {
      const attempt = event.data.attempt ?? 1;
      if (attempt <= progress.attempt) return progress;
      return { status: 'completed', attempt, plannedFor: progress.plannedFor, completedAt: occurredAt };
    }
    case 'RectificationVerified': {
      const { attempt, completedAt, planned, verdict } = event.data;
      const known = knowingAttempt(progress, attempt, completedAt, null, planned);
      if (known.attempt !== attempt || known.status !== 'completed') return known;
      return verdict === 'accepted' ? { ...known, status: 'closed', closedAt: occurredAt } : backToWork(known, false, known.completedAt);
    }
    case 'RectificationReassessed': {
      const { attempt, completedAt, closedAt, planned, verdict } = event.data;
      const known = knowingAttempt(progress, attempt, completedAt, closedAt, planned);
      if (verdict === 'genuine' || known.attempt !== attempt || known.status === 'reopened') return known;
      // A rejection of the same attempt may have been decided at the requiring level meanwhile: the
      // reopening still holds, whichever arrives first.
      return backToWork(known, true, completedAtOf(known, completedAt));
    }
    default:
      return event satisfies never;
  }
};

/** Whether the rectification counts as done now: completed or closed. */
export const isDone = (progress: RectificationProgress): boolean => progress.status === 'completed' || progress.status === 'closed';
