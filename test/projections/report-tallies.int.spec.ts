import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DomainEvent } from '#domain';
import { loadReferenceRegistry } from '#linkage';
import type { ProjectedFact, ReportFigures, ReportWindow } from '#projections';
import { ReadModel, windowParts } from '#projections';
import { DONGSHAN_DEPOT, ZHANGZHOU, ZHAOAN_DEPOT, ZZ_BUREAU, issueFound, rectificationRequired } from '../support/facts.js';

// The report reads the rectifications' status figures from tallies the writer moves as each one
// changes status, by the day (Asia/Shanghai) it was required. Whatever order the facts come in and
// however they are batched, the tallies must say what counting the rows says, in every window.

const PROJECTIONS = ['upward-report', 'task-stream'];
const NOW = '2025-04-20T00:00:00.000Z';
const registry = loadReferenceRegistry();

type Timed = readonly [event: DomainEvent, occurredAt: string];

const lifecycleOf = (id: string, unit: typeof ZHAOAN_DEPOT, dueBy: string) => {
  const required = rectificationRequired(id, `issue-${id}`, 'zz-grain', ZHANGZHOU, unit, dueBy);
  const fact = (type: string, data: object) => ({ type, data: { ...required.data, ...data } }) as unknown as DomainEvent;
  return { found: issueFound(`issue-${id}`, 'zz-grain', 'zz-team', ZHANGZHOU, unit), required: required as DomainEvent, fact };
};

/** Required the last second of 1 March in Shanghai: closed, reopened by a look-back, completed again late and closed. */
const late = lifecycleOf('r-late', ZHAOAN_DEPOT, '2025-03-10T00:00:00.000Z');
/** Required the first second of 2 March in Shanghai: rejected once, completed again on time. */
const rejected = lifecycleOf('r-rejected', DONGSHAN_DEPOT, '2025-03-31T00:00:00.000Z');
/** Its plan arrives before its requirement (28 February): counted in no window until the requirement comes. */
const planFirst = lifecycleOf('r-plan-first', ZHAOAN_DEPOT, '2025-05-31T00:00:00.000Z');
/** At the city's own bureau, completed late and closed, then reopened for good: every tally it was in is back at 0. */
const reopened = lifecycleOf('r-reopened', ZZ_BUREAU, '2025-03-04T00:00:00.000Z');
/** Required in April, never begun: overdue at NOW. */
const idle = lifecycleOf('r-idle', DONGSHAN_DEPOT, '2025-04-10T00:00:00.000Z');

const plan = (attempt: number) => ({ forAttempt: attempt, measures: [{ measureId: `m-${attempt}`, text: 'count the silo' }], responsibleLeader: 'Lin', leadDepartment: 'grain bureau' });
const evidence = [{ title: 'stock book', sha256: 'a'.repeat(64) }];

const HISTORY: readonly Timed[] = [
  [late.found, '2025-03-01T15:59:00.000Z'],
  [late.required, '2025-03-01T15:59:59.000Z'],
  [rejected.found, '2025-03-01T16:00:00.000Z'],
  [rejected.required, '2025-03-01T16:00:00.000Z'],
  [planFirst.found, '2025-02-28T08:00:00.000Z'],
  [planFirst.fact('RectificationPlanned', plan(1)), '2025-02-28T10:00:00.000Z'],
  [late.fact('RectificationPlanned', plan(1)), '2025-03-02T02:00:00.000Z'],
  [late.fact('RectificationCompleted', { attempt: 1, evidence }), '2025-03-05T02:00:00.000Z'],
  [rejected.fact('RectificationCompleted', { attempt: 1, evidence }), '2025-03-06T02:00:00.000Z'],
  [late.fact('RectificationVerified', { attempt: 1, completedAt: '2025-03-05T02:00:00.000Z', planned: true, verdict: 'accepted', reason: null }), '2025-03-06T03:00:00.000Z'],
  [rejected.fact('RectificationVerified', { attempt: 1, completedAt: '2025-03-06T02:00:00.000Z', planned: false, verdict: 'rejected', reason: 'no stock book' }), '2025-03-07T02:00:00.000Z'],
  [planFirst.required, '2025-02-28T09:00:00.000Z'],
  [
    late.fact('RectificationReassessed', {
      attempt: 1, completedAt: '2025-03-05T02:00:00.000Z', closedAt: '2025-03-06T03:00:00.000Z', planned: true, lookBackRoundId: 'lb-1', lookBackOwner: ZHANGZHOU,
      verdict: 'superficial', note: null,
    }),
    '2025-03-15T02:00:00.000Z',
  ],
  [rejected.fact('RectificationCompleted', { attempt: 2, evidence }), '2025-03-20T02:00:00.000Z'],
  [late.fact('RectificationPlanned', plan(2)), '2025-03-16T02:00:00.000Z'],
  [late.fact('RectificationCompleted', { attempt: 2, evidence }), '2025-03-18T02:00:00.000Z'],
  [idle.found, '2025-04-01T03:00:00.000Z'],
  [idle.required, '2025-04-01T03:00:00.000Z'],
  [late.fact('RectificationVerified', { attempt: 2, completedAt: '2025-03-18T02:00:00.000Z', planned: true, verdict: 'accepted', reason: null }), '2025-03-19T02:00:00.000Z'],
  [reopened.found, '2025-03-03T01:00:00.000Z'],
  [reopened.required, '2025-03-03T01:00:00.000Z'],
  [reopened.fact('RectificationCompleted', { attempt: 1, evidence }), '2025-03-05T01:00:00.000Z'],
  [reopened.fact('RectificationVerified', { attempt: 1, completedAt: '2025-03-05T01:00:00.000Z', planned: false, verdict: 'accepted', reason: null }), '2025-03-06T01:00:00.000Z'],
  [
    reopened.fact('RectificationReassessed', {
      attempt: 1, completedAt: '2025-03-05T01:00:00.000Z', closedAt: '2025-03-06T01:00:00.000Z', planned: false, lookBackRoundId: 'lb-1', lookBackOwner: ZHANGZHOU,
      verdict: 'superficial', note: null,
    }),
    '2025-03-25T02:00:00.000Z',
  ],
];

const asFacts = (timed: readonly Timed[], after: number): ProjectedFact[] =>
  timed.map(([event, occurredAt], index) => {
    const position = after + index + 1;
    return { ...event, position, metadata: { eventId: `e-${position}`, actor: { id: 'leader@350600' }, occurredAt, recordedAt: occurredAt } } as unknown as ProjectedFact;
  });

/** Shanghai midnights as instants: 1 Feb, 15 Feb, 1 Mar, 2 Mar, 1 Apr, 15 Apr. */
const FEB_1 = '2025-01-31T16:00:00.000Z';
const FEB_15 = '2025-02-14T16:00:00.000Z';
const MAR_1 = '2025-02-28T16:00:00.000Z';
const MAR_2 = '2025-03-01T16:00:00.000Z';
const APR_1 = '2025-03-31T16:00:00.000Z';
const APR_15 = '2025-04-14T16:00:00.000Z';
const WINDOWS: readonly (ReportWindow | undefined)[] = [
  undefined,
  { from: MAR_2, to: null }, // from the edge second: r-rejected in, r-late (a second before midnight) out
  { from: null, to: MAR_2 },
  { from: MAR_1, to: MAR_2 }, // one day
  { from: FEB_1, to: APR_1 }, // two whole months
  { from: FEB_15, to: APR_15 }, // edge days, a whole month, edge days
];

const FIGURES = ['planned', 'completed', 'closed', 'completedLate', 'overdue'] as const;

/** The figures counted from the rows, as the report did before it kept tallies. */
const countedFromRows = (readModel: ReadModel, jurisdiction: string | null, window: ReportWindow | undefined) =>
  readModel.db
    .prepare(
      `SELECT coalesce(SUM(planned_for > 0), 0) AS planned, coalesce(SUM(status IN ('completed', 'closed')), 0) AS completed, coalesce(SUM(status = 'closed'), 0) AS closed,
         coalesce(SUM(status IN ('completed', 'closed') AND completed_at > due_by), 0) AS completedLate,
         coalesce(SUM(status NOT IN ('completed', 'closed') AND due_by < @now), 0) AS overdue
       FROM rectifications WHERE (@jurisdiction IS NULL OR unit_jurisdiction = @jurisdiction)
         AND (@windowed = 0 OR (required_at >= @from AND required_at < @to))`,
    )
    .get({ now: NOW, jurisdiction, windowed: window ? 1 : 0, from: window?.from ?? '0000', to: window?.to ?? '9999' }) as Record<(typeof FIGURES)[number], number>;

/** A counted figure beside them, read from the same months and days: the issues found, by their rows. */
const issuesFoundFromRows = (readModel: ReadModel, jurisdiction: string | null, window: ReportWindow | undefined) =>
  (
    readModel.db
      .prepare(
        `SELECT COUNT(*) AS n FROM issues WHERE (@jurisdiction IS NULL OR unit_jurisdiction = @jurisdiction) AND (@windowed = 0 OR (found_at >= @from AND found_at < @to))`,
      )
      .get({ jurisdiction, windowed: window ? 1 : 0, from: window?.from ?? '0000', to: window?.to ?? '9999' }) as { n: number }
  ).n;

const reported = (readModel: ReadModel, window: ReportWindow | undefined) => {
  const report = readModel.report(ZHANGZHOU, window ? { window } : {}, registry, NOW, 0);
  const pick = (figures: ReportFigures) => ({ ...Object.fromEntries(FIGURES.map((figure) => [figure, figures.rectifications[figure]])), issuesFound: figures.issuesFound });
  const child = (code: string) => pick(report.children.find((entry) => entry.jurisdiction === code)!);
  return { total: pick(report), zhaoan: child(ZHAOAN_DEPOT.jurisdiction), dongshan: child(DONGSHAN_DEPOT.jurisdiction) };
};

const counted = (readModel: ReadModel, window: ReportWindow | undefined) => {
  const of = (jurisdiction: string | null) => ({ ...countedFromRows(readModel, jurisdiction, window), issuesFound: issuesFoundFromRows(readModel, jurisdiction, window) });
  return { total: of(null), zhaoan: of(ZHAOAN_DEPOT.jurisdiction), dongshan: of(DONGSHAN_DEPOT.jurisdiction) };
};

describe("the rectifications' status tallies", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'report-tallies-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('say what counting the rows says after every fact, in every window, a status moving back and forth', () => {
    const readModel = new ReadModel(join(dir, 'fact-by-fact.read.db'));
    try {
      HISTORY.forEach((_, index) => {
        readModel.applyBatch(PROJECTIONS, asFacts(HISTORY.slice(index, index + 1), index));
        for (const window of WINDOWS) expect({ after: index, window, ...reported(readModel, window) }).toEqual({ after: index, window, ...counted(readModel, window) });
      });
      // The rows themselves, so that the comparison above is not of zeros: r-late planned and closed late, r-rejected completed on time without a plan, r-plan-first planned, r-idle and r-reopened overdue.
      expect(reported(readModel, undefined).total).toEqual({ planned: 2, completed: 2, closed: 1, completedLate: 1, overdue: 2, issuesFound: 5 });
      expect(reported(readModel, { from: MAR_2, to: null }).total).toEqual({ planned: 0, completed: 1, closed: 0, completedLate: 0, overdue: 2, issuesFound: 3 });
      expect(reported(readModel, { from: null, to: MAR_2 }).total).toEqual({ planned: 2, completed: 1, closed: 1, completedLate: 1, overdue: 0, issuesFound: 2 });
    } finally {
      readModel.close();
    }
  });

  it('leave the same rows however the facts are batched, in a rebuild or not: a tally back at 0 leaves no row', () => {
    const dumpOf = (name: string, cuts: readonly number[], rebuild: boolean) => {
      const readModel = new ReadModel(join(dir, `${name}.read.db`));
      try {
        if (rebuild) readModel.reset(PROJECTIONS, { dropIndexes: true });
        const bounds = [0, ...cuts, HISTORY.length];
        for (let index = 0; index + 1 < bounds.length; index++) readModel.applyBatch(PROJECTIONS, asFacts(HISTORY.slice(bounds[index], bounds[index + 1]), bounds[index]!));
        if (rebuild) readModel.ensureIndexes();
        const dump = readModel.canonicalDump();
        return { counters: dump.counters, counter_days: dump.counter_days, counter_months: dump.counter_months };
      } finally {
        readModel.close();
      }
    };
    const factByFact = dumpOf('fact-by-fact', HISTORY.map((_, index) => index).slice(1), false);
    expect(factByFact.counters).toContainEqual({ jurisdiction: ZHAOAN_DEPOT.jurisdiction, round_id: 'zz-grain', metric: 'rectifications.closed', value: 1 });
    expect(factByFact.counter_days).toContainEqual({ day: '2025-03-01', jurisdiction: ZHAOAN_DEPOT.jurisdiction, round_id: 'zz-grain', metric: 'rectifications.completedLate', value: 1 });
    expect(dumpOf('one-batch', [], true)).toEqual(factByFact);
    expect(dumpOf('pairs', [2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22], false)).toEqual(factByFact);
    expect(dumpOf('odd-cuts', [3, 7, 12, 13, 21], true)).toEqual(factByFact);
  });
});

describe('a window read as whole months and edge days', () => {
  it('splits at the first and last whole month, or reads days only when no month is whole', () => {
    expect(windowParts('2019-01-01', '2020-01-01')).toEqual({ months: ['2019-01', '2020-01'], leadingDays: ['2019-01-01', '2019-01-01'], trailingDays: ['2020-01-01', '2020-01-01'] });
    expect(windowParts('2025-02-15', '2025-04-15')).toEqual({ months: ['2025-03', '2025-04'], leadingDays: ['2025-02-15', '2025-03-01'], trailingDays: ['2025-04-01', '2025-04-15'] });
    expect(windowParts('2024-12-02', '2025-01-01')).toEqual({ months: ['2025-01', '2025-01'], leadingDays: ['2024-12-02', '2025-01-01'], trailingDays: ['2025-01-01', '2025-01-01'] });
    expect(windowParts('2025-03-10', '2025-03-20')).toEqual({ months: ['2025-04', '2025-04'], leadingDays: ['2025-03-10', '2025-03-20'], trailingDays: ['2025-03-20', '2025-03-20'] });
  });
});
