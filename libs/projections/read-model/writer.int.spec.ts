import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DomainEvent } from '#domain';
import { ZHANGZHOU, ZHAOAN_DEPOT, issueFound, rectificationRequired } from '../../../test/support/facts.js';
import type { ProjectedFact } from '../projector.js';
import { ReadModel } from '../read-model.js';

// The writer folds a rectification's facts of one batch into one record, changed in place, and saves
// its row once at the batch's end. Wherever the batches split its lifecycle, the row must be the one
// that folding fact by fact, each fact reading the row the one before saved, gives.

const PROJECTIONS = ['upward-report', 'task-stream'];

/** `events` as stored facts from position `after` + 1, a minute apart. */
const asFacts = (events: readonly DomainEvent[], after: number): ProjectedFact[] =>
  events.map((event, index) => {
    const position = after + index + 1;
    const at = new Date(Date.UTC(2025, 2, 1, 8, position)).toISOString();
    return { ...event, position, metadata: { eventId: `e-${position}`, actor: { id: 'leader@350600' }, occurredAt: at, recordedAt: at } } as unknown as ProjectedFact;
  });

const required = rectificationRequired('r-1', 'i-1', 'zz-grain', ZHANGZHOU, ZHAOAN_DEPOT);
const ref = required.data;
const at = (position: number) => new Date(Date.UTC(2025, 2, 1, 8, position)).toISOString();
const fact = (type: string, data: object) => ({ type, data: { ...ref, ...data } }) as unknown as DomainEvent;

/** Closed, reopened by a look-back, judged genuine by another, claimed and completed again, rejected. */
const LIFECYCLE: DomainEvent[] = [
  issueFound('i-1', 'zz-grain', 'zz-team', ZHANGZHOU, ZHAOAN_DEPOT),
  required,
  fact('RectificationPlanned', { forAttempt: 1, measures: [{ measureId: 'm-1', text: 'count the silo' }], responsibleLeader: 'Lin', leadDepartment: 'grain bureau' }),
  fact('RectificationCompleted', { attempt: 1, evidence: [{ title: 'stock book', sha256: 'a'.repeat(64) }] }),
  fact('RectificationVerified', { attempt: 1, completedAt: at(4), planned: true, verdict: 'accepted', reason: null }),
  fact('RectificationReassessed', {
    attempt: 1, completedAt: at(4), closedAt: at(5), planned: true, lookBackRoundId: 'lb-1', lookBackOwner: ZHANGZHOU, verdict: 'superficial', note: null,
  }),
  fact('RectificationReassessed', {
    attempt: 1, completedAt: at(4), closedAt: at(5), planned: true, lookBackRoundId: 'lb-2', lookBackOwner: ZHANGZHOU, verdict: 'genuine', note: null,
  }),
  fact('RectificationPlanned', { forAttempt: 2, measures: [{ measureId: 'm-2', text: 'weigh every bin' }], responsibleLeader: 'Chen', leadDepartment: 'depot office' }),
  fact('RectificationCompleted', { attempt: 2, evidence: [{ title: 'weighing records', sha256: 'b'.repeat(64) }] }),
  fact('RectificationVerified', { attempt: 2, completedAt: at(9), planned: true, verdict: 'rejected', reason: 'bins 3 and 4 not weighed' }),
];

describe('rectification rows folded per batch', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'read-model-writer-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** The read model after LIFECYCLE applied in batches cut before each index of `cuts`. */
  const foldedIn = (name: string, cuts: readonly number[], options: { readonly rebuild?: boolean } = {}) => {
    const readModel = new ReadModel(join(dir, `${name}.read.db`));
    try {
      if (options.rebuild) readModel.reset(PROJECTIONS, { dropIndexes: true });
      const bounds = [0, ...cuts, LIFECYCLE.length];
      for (let index = 0; index + 1 < bounds.length; index++) readModel.applyBatch(PROJECTIONS, asFacts(LIFECYCLE.slice(bounds[index], bounds[index + 1]), bounds[index]!));
      if (options.rebuild) readModel.ensureIndexes();
      return readModel.canonicalDump();
    } finally {
      readModel.close();
    }
  };

  it('give the row of a fact-by-fact fold however the batches split its lifecycle, in a rebuild or not', () => {
    const factByFact = foldedIn('fact-by-fact', LIFECYCLE.map((_, index) => index).slice(1));
    expect(factByFact.rectifications).toEqual([
      expect.objectContaining({
        rectification_id: 'r-1',
        status: 'planned',
        attempt: 2,
        planned_for: 2,
        completed_at: null,
        rejections: 1,
        reopened: 1,
        responsible_leader: 'Chen',
        measures: JSON.stringify([{ measureId: 'm-2', text: 'weigh every bin' }]),
        evidence: JSON.stringify([{ title: 'weighing records', sha256: 'b'.repeat(64) }]),
        reassessments: JSON.stringify([
          { roundId: 'lb-1', verdict: 'superficial', at: at(6) },
          { roundId: 'lb-2', verdict: 'genuine', at: at(7) },
        ]),
      }),
    ]);
    // One batch; the row stored closed and the rest folded onto it in one batch; stored reopened, with a look-back already on it.
    for (const cuts of [[], [5], [6], [2, 8]]) {
      expect({ cuts, dump: foldedIn(`cut-${cuts.join('-')}`, cuts) }).toEqual({ cuts, dump: factByFact });
      expect({ cuts, dump: foldedIn(`rebuilt-${cuts.join('-')}`, cuts, { rebuild: true }) }).toEqual({ cuts, dump: factByFact });
    }
  });
});
