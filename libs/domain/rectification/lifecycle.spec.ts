import fc from 'fast-check';
import type { RectificationEvent, RectificationProgress, RectificationRef } from '#domain';
import { NOT_STARTED, progressAfter } from '#domain';

const ref: RectificationRef = { rectificationId: 'r', issueId: 'i', roundId: 'round', owner: '350600', unitId: 'u', unitJurisdiction: '350624', dueBy: '2025-01-01T00:00:00.000Z' };

type Source = 'unit' | 'requirer' | 'look-back';
interface Fact {
  readonly source: Source;
  readonly event: RectificationEvent;
  readonly at: string;
}

const fold = (facts: readonly Fact[]): RectificationProgress => facts.reduce((progress, fact) => progressAfter(progress, fact.event, fact.at), NOT_STARTED);

/**
 * A history as the three levels make it, one decision after another, each allowed by the state
 * at that moment (as the deciders allow it): the unit plans and completes, the requiring level
 * verifies, a look-back reassesses.
 */
const history = (choices: readonly number[]): Fact[] => {
  const facts: Fact[] = [];
  let progress = NOT_STARTED;
  let minute = 0;
  const record = (source: Source, event: RectificationEvent) => {
    const at = new Date(Date.UTC(2025, 0, 1, 0, ++minute)).toISOString();
    facts.push({ source, event, at });
    progress = progressAfter(progress, event, at);
  };
  for (const choice of choices) {
    const open = progress.status === 'required' || progress.status === 'planned' || progress.status === 'reopened';
    const done = progress.status === 'completed' || progress.status === 'closed';
    const completedAt = done || progress.status === 'reopened' ? (progress as { completedAt: string }).completedAt : '';
    const options: (() => void)[] = [];
    if (open) {
      options.push(() =>
        record('unit', { type: 'RectificationPlanned', data: { ...ref, forAttempt: progress.attempt + 1, measures: [], responsibleLeader: null, leadDepartment: 'd' } }),
      );
      options.push(() => record('unit', { type: 'RectificationCompleted', data: { ...ref, attempt: progress.attempt + 1 } }));
    }
    if (progress.status === 'completed') {
      for (const verdict of ['accepted', 'rejected'] as const) {
        options.push(() =>
          record('requirer', {
            type: 'RectificationVerified',
            data: { ...ref, attempt: progress.attempt, completedAt, planned: progress.plannedFor > 0, verdict, reason: verdict === 'rejected' ? 'no' : null },
          }),
        );
      }
    }
    if (done) {
      for (const verdict of ['genuine', 'superficial', 'relapsed'] as const) {
        options.push(() =>
          record('look-back', {
            type: 'RectificationReassessed',
            data: {
              ...ref,
              attempt: progress.attempt,
              completedAt,
              closedAt: progress.status === 'closed' ? progress.closedAt : null,
              planned: progress.plannedFor > 0,
              lookBackRoundId: 'lb',
              lookBackOwner: '350000',
              verdict,
              note: null,
            },
          }),
        );
      }
    }
    options[choice % options.length]!();
  }
  return facts;
};

/** Merges the sources' sequences, each kept in its own order, as a fourth level may receive them. */
const merged = (facts: readonly Fact[], picks: readonly number[]): Fact[] => {
  const queues = new Map<Source, Fact[]>();
  for (const fact of facts) queues.set(fact.source, [...(queues.get(fact.source) ?? []), fact]);
  const result: Fact[] = [];
  let pick = 0;
  while (result.length < facts.length) {
    const nonEmpty = [...queues.values()].filter((queue) => queue.length > 0);
    result.push(nonEmpty[(picks[pick++ % Math.max(picks.length, 1)] ?? 0) % nonEmpty.length]!.shift()!);
  }
  return result;
};

describe('the rectification lifecycle', () => {
  it('gives every level the same state, whatever order the three levels’ facts arrive in', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 30 }), fc.array(fc.nat(), { minLength: 1, maxLength: 60 }), (choices, picks) => {
        const facts = history(choices);
        expect(fold(merged(facts, picks))).toEqual(fold(facts));
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps the reopening when a rejection of the same attempt was decided concurrently, in either order', () => {
    const facts: Fact[] = [
      { source: 'unit', event: { type: 'RectificationCompleted', data: { ...ref, attempt: 1 } }, at: '2025-01-02T00:00:00.000Z' },
    ];
    const rejected: Fact = {
      source: 'requirer',
      event: { type: 'RectificationVerified', data: { ...ref, attempt: 1, completedAt: '2025-01-02T00:00:00.000Z', planned: false, verdict: 'rejected', reason: 'no' } },
      at: '2025-01-03T00:00:00.000Z',
    };
    const reopened: Fact = {
      source: 'look-back',
      event: {
        type: 'RectificationReassessed',
        data: { ...ref, attempt: 1, completedAt: '2025-01-02T00:00:00.000Z', closedAt: null, planned: false, lookBackRoundId: 'lb', lookBackOwner: '350000', verdict: 'relapsed', note: null },
      },
      at: '2025-01-03T00:00:00.000Z',
    };
    expect(fold([...facts, rejected, reopened])).toEqual(fold([...facts, reopened, rejected]));
    expect(fold([...facts, rejected, reopened]).status).toBe('reopened');
  });

  it('walks the documented paths', () => {
    const at = '2025-01-02T00:00:00.000Z';
    const completed = progressAfter(NOT_STARTED, { type: 'RectificationCompleted', data: { ...ref, attempt: 1 } }, at);
    expect(completed).toEqual({ status: 'completed', attempt: 1, plannedFor: 0, completedAt: at });
    const rejected = progressAfter(completed, { type: 'RectificationVerified', data: { ...ref, attempt: 1, completedAt: at, planned: false, verdict: 'rejected', reason: 'x' } }, at);
    // Never planned: back to required.
    expect(rejected.status).toBe('required');
    const closed = progressAfter(completed, { type: 'RectificationVerified', data: { ...ref, attempt: 1, completedAt: at, planned: false, verdict: 'accepted', reason: null } }, at);
    expect(closed).toEqual({ status: 'closed', attempt: 1, plannedFor: 0, completedAt: at, closedAt: at });
    // Completing an old attempt again changes nothing.
    expect(progressAfter(closed, { type: 'RectificationCompleted', data: { ...ref, attempt: 1 } }, at)).toBe(closed);
  });
});
