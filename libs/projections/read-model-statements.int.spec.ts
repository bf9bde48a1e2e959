import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DomainEvent } from '#domain';
import { JurisdictionRegistry } from '#domain';
import { DONGSHAN, DONGSHAN_DEPOT, LONGYAN, PROVINCE, XINLUO, XINLUO_DEPOT, ZHANGZHOU, ZHAOAN, ZHAOAN_DEPOT, issueFound, roundPlanned, taskAssigned, teamStationed, unitRegistered } from '../../test/support/facts.js';
import type { ProjectedFact } from './projector.js';
import type { Report, ReportScope } from './report.js';
import { ReadModel } from './read-model.js';

// A read model keeps its query statements and the last scope it wrote into its temp tables from one
// report to the next. These tests hold its reports to those of a fresh connection on the same file,
// which has neither.

const AT = '2025-03-01T08:00:00.000Z';
const NOW = '2025-04-01T09:00:00.000Z';
const PROJECTIONS = ['upward-report', 'task-stream'];
/** A county whose facts are projected before the registry knows it. */
const ZHANGPU = '350623';

const registryOfFujianExcerpt = () =>
  JurisdictionRegistry.of([
    { code: PROVINCE, name: 'Fujian', level: 'province', parent: null },
    { code: ZHANGZHOU, name: 'Zhangzhou', level: 'city', parent: PROVINCE },
    { code: ZHAOAN, name: "Zhao'an", level: 'county', parent: ZHANGZHOU },
    { code: DONGSHAN, name: 'Dongshan', level: 'county', parent: ZHANGZHOU },
    { code: LONGYAN, name: 'Longyan', level: 'city', parent: PROVINCE },
    { code: XINLUO, name: 'Xinluo', level: 'county', parent: LONGYAN },
  ]);

const asFacts = (events: readonly DomainEvent[], after: number): ProjectedFact[] =>
  events.map((event, index) => {
    const position = after + index + 1;
    const metadata = {
      eventId: `event-${position}`,
      actor: { id: 'leader@350000', jurisdiction: PROVINCE, role: 'leading-group' as const },
      jurisdiction: PROVINCE,
      correlationId: `event-${position}`,
      causationId: `event-${position}`,
      occurredAt: AT,
      recordedAt: AT,
    };
    return { ...event, position, metadata } as ProjectedFact;
  });

/** Zhangzhou's grain round over two county depots and water round over one, Longyan's water round over one. */
const BASELINE: DomainEvent[] = [
  unitRegistered(ZHAOAN_DEPOT),
  unitRegistered(DONGSHAN_DEPOT),
  unitRegistered(XINLUO_DEPOT),
  roundPlanned('zz-grain', ZHANGZHOU, [ZHAOAN_DEPOT, DONGSHAN_DEPOT], { theme: 'grain' }),
  roundPlanned('zz-water', ZHANGZHOU, [DONGSHAN_DEPOT], { theme: 'water' }),
  roundPlanned('ly-water', LONGYAN, [XINLUO_DEPOT], { theme: 'water' }),
  teamStationed('zz-team', 'zz-grain', ZHANGZHOU, [ZHAOAN_DEPOT]),
  issueFound('i-1', 'zz-grain', 'zz-team', ZHANGZHOU, ZHAOAN_DEPOT),
  issueFound('i-2', 'zz-grain', 'zz-team', ZHANGZHOU, ZHAOAN_DEPOT),
  issueFound('i-3', 'zz-grain', 'zz-team', ZHANGZHOU, DONGSHAN_DEPOT),
  issueFound('i-4', 'ly-water', 'ly-team', LONGYAN, XINLUO_DEPOT),
  issueFound('i-5', 'zz-water', 'zz-water-team', ZHANGZHOU, DONGSHAN_DEPOT),
  taskAssigned('t-1', PROVINCE, ZHANGZHOU, { roundId: 'zz-grain' }),
];

/** Roots and scopes whose reports all differ from one another. */
const VIEWS: [string, ReportScope][] = [
  [PROVINCE, {}],
  [ZHANGZHOU, {}],
  [PROVINCE, { roundId: 'zz-grain' }],
  [LONGYAN, {}],
  [PROVINCE, { roundId: 'ly-water' }],
  [ZHAOAN, {}],
  [PROVINCE, { theme: 'water' }],
  [ZHANGZHOU, { theme: 'grain' }],
];

describe('read model reports over reused statements and scope tables', () => {
  let folder: string;
  let file: string;
  let readModel: ReadModel;
  let registry: JurisdictionRegistry;
  let reached: number;

  const apply = (events: readonly DomainEvent[]) => {
    readModel.applyBatch(PROJECTIONS, asFacts(events, reached));
    reached += events.length;
  };
  const reportOf = (jurisdiction: string, scope: ReportScope = {}): Report => readModel.report(jurisdiction, scope, registry, NOW, reached);
  /** The same report from a new connection: nothing prepared, nothing in its temp tables. */
  const freshReportOf = (jurisdiction: string, scope: ReportScope = {}): Report => {
    const fresh = new ReadModel(file);
    try {
      return fresh.report(jurisdiction, scope, registry, NOW, reached);
    } finally {
      fresh.close();
    }
  };

  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'read-model-statements-'));
    file = join(folder, 'province.read.db');
    readModel = new ReadModel(file);
    registry = registryOfFujianExcerpt();
    reached = 0;
    apply(BASELINE);
  });
  afterEach(() => {
    readModel.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('reflects a batch applied between two reports of the same scope, the rounds of a theme included', () => {
    expect(reportOf(PROVINCE).issuesFound).toBe(5);
    expect(reportOf(PROVINCE, { theme: 'grain' }).issuesFound).toBe(3);

    apply([
      roundPlanned('ly-grain', LONGYAN, [XINLUO_DEPOT], { theme: 'grain' }),
      teamStationed('ly-team', 'ly-grain', LONGYAN, [XINLUO_DEPOT]),
      issueFound('i-6', 'ly-grain', 'ly-team', LONGYAN, XINLUO_DEPOT),
      issueFound('i-7', 'zz-grain', 'zz-team', ZHANGZHOU, DONGSHAN_DEPOT),
    ]);

    const all = reportOf(PROVINCE);
    expect(all.issuesFound).toBe(7);
    expect(all.children.map((child) => [child.jurisdiction, child.issuesFound])).toEqual([
      [ZHANGZHOU, 5],
      [LONGYAN, 2],
    ]);
    expect(all).toEqual(freshReportOf(PROVINCE));
    // Same root and theme, but the theme now covers one more round.
    const grain = reportOf(PROVINCE, { theme: 'grain' });
    expect(grain.issuesFound).toBe(5);
    expect(grain.units.inspected).toBe(2);
    expect(grain).toEqual(freshReportOf(PROVINCE, { theme: 'grain' }));
  });

  it('gives each of several roots and scopes, asked in alternation, its own report', () => {
    const expected = VIEWS.map(([jurisdiction, scope]) => freshReportOf(jurisdiction, scope));
    // The figures really differ, so that a report computed over another's scope would show.
    expect(new Set(expected.map(({ scope: _scope, ...figures }) => JSON.stringify(figures))).size).toBe(VIEWS.length);
    for (const order of [VIEWS.keys(), [...VIEWS.keys()].reverse(), [0, 2, 0, 4, 0, 6, 1, 7, 1, 3, 5]]) {
      for (const index of order) {
        const [jurisdiction, scope] = VIEWS[index]!;
        expect(reportOf(jurisdiction, scope)).toEqual(expected[index]);
      }
    }
  });

  it('counts a jurisdiction registered after a report in the next report over the same root', () => {
    apply([unitRegistered({ unitId: 'zhangpu-depot', jurisdiction: ZHANGPU }), issueFound('i-zp', 'zz-grain', 'zz-team', ZHANGZHOU, { unitId: 'zhangpu-depot', jurisdiction: ZHANGPU })]);
    expect(reportOf(PROVINCE).issuesFound).toBe(5);

    registry.add({ code: ZHANGPU, name: 'Zhangpu', level: 'county', parent: ZHANGZHOU });

    const report = reportOf(PROVINCE);
    expect(report.issuesFound).toBe(6);
    expect(report.children.find((child) => child.jurisdiction === ZHANGZHOU)!.issuesFound).toBe(5);
    expect(report).toEqual(freshReportOf(PROVINCE));
  });

  it('reports right after a reset and a replay, as a rebuild does', () => {
    const before = VIEWS.map(([jurisdiction, scope]) => reportOf(jurisdiction, scope));
    expect(reportOf(PROVINCE).issuesFound).toBe(5);

    readModel.reset(PROJECTIONS);
    reached = 0;
    expect(reportOf(PROVINCE)).toEqual(freshReportOf(PROVINCE));
    expect(reportOf(PROVINCE).issuesFound).toBe(0);
    expect(() => reportOf(PROVINCE, { roundId: 'zz-grain' })).toThrow('round zz-grain is not known');
    apply(BASELINE);

    expect(VIEWS.map(([jurisdiction, scope]) => reportOf(jurisdiction, scope))).toEqual(before);
  });

  it('refills the scope after a report whose transaction rolled back', () => {
    reportOf(PROVINCE, { roundId: 'zz-grain' });
    // A counter no report can add up makes the next report fail after it has filled its scope.
    readModel.db.prepare(`INSERT INTO counters (jurisdiction, round_id, metric, value) VALUES (?, 'ly-water', 'no.such.metric', 1)`).run(XINLUO);
    expect(() => reportOf(PROVINCE, { roundId: 'ly-water' })).toThrow(TypeError);
    readModel.db.prepare(`DELETE FROM counters WHERE metric = 'no.such.metric'`).run();
    expect(reportOf(PROVINCE, { roundId: 'ly-water' })).toEqual(freshReportOf(PROVINCE, { roundId: 'ly-water' }));

    // The same when the caller's transaction, around the report's, rolls back.
    reportOf(PROVINCE, { roundId: 'zz-grain' });
    const insideRolledBackTransaction = readModel.db.transaction(() => {
      reportOf(ZHANGZHOU);
      throw new Error('the caller gives up');
    });
    expect(insideRolledBackTransaction).toThrow('the caller gives up');
    expect(reportOf(ZHANGZHOU)).toEqual(freshReportOf(ZHANGZHOU));
    expect(reportOf(PROVINCE, { roundId: 'zz-grain' })).toEqual(freshReportOf(PROVINCE, { roundId: 'zz-grain' }));
  });

  it('prepares nothing and writes no scope rows when a report is asked again', () => {
    for (const [jurisdiction, scope] of VIEWS) reportOf(jurisdiction, scope);
    readModel.taskStream(ZHANGZHOU, NOW, reached);
    reportOf(PROVINCE, { theme: 'water' });
    const rowsWritten = readModel.db.prepare('SELECT total_changes()').pluck();
    const written = rowsWritten.get();
    const prepare = readModel.db.prepare.bind(readModel.db);
    let prepared = 0;
    readModel.db.prepare = ((sql: string) => {
      prepared++;
      return prepare(sql);
    }) as typeof readModel.db.prepare;

    expect(reportOf(PROVINCE, { theme: 'water' })).toEqual(freshReportOf(PROVINCE, { theme: 'water' }));
    readModel.taskStream(ZHANGZHOU, NOW, reached);

    expect(prepared).toBe(0);
    expect(rowsWritten.get()).toBe(written);
  });
});

describe('read model attribution of stationings', () => {
  it('counts a unit inspected under its own jurisdiction and a team stationed under its owner, in a cross inspection too', () => {
    const folder = mkdtempSync(join(tmpdir(), 'read-model-stationings-'));
    const readModel = new ReadModel(join(folder, 'province.read.db'));
    try {
      // Zhangzhou's team inspects a Longyan depot as well as one of its own.
      readModel.applyBatch(
        PROJECTIONS,
        asFacts(
          [
            unitRegistered(ZHAOAN_DEPOT),
            unitRegistered(XINLUO_DEPOT),
            roundPlanned('zz-cross', ZHANGZHOU, [ZHAOAN_DEPOT, XINLUO_DEPOT], { linkage: 'cross' }),
            teamStationed('zz-cross-team', 'zz-cross', ZHANGZHOU, [ZHAOAN_DEPOT, XINLUO_DEPOT]),
          ],
          0,
        ),
      );
      const report = readModel.report(PROVINCE, {}, registryOfFujianExcerpt(), NOW, 4);
      const child = (code: string) => report.children.find((entry) => entry.jurisdiction === code)!;
      expect([report.units.inspected, report.teams.stationed]).toEqual([2, 1]);
      expect([child(ZHANGZHOU).units.inspected, child(ZHANGZHOU).teams.stationed]).toEqual([1, 1]);
      expect([child(LONGYAN).units.inspected, child(LONGYAN).teams.stationed]).toEqual([1, 0]);
    } finally {
      readModel.close();
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
