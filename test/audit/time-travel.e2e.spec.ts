import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Actor } from '#domain';
import type { AsOfView } from '#http';
import type { Report, TaskStream } from '#projections';
import type { EmbeddedHarness, Scenario, ScenarioStep } from '#scenario';
import { parseScenario, runScenario, startEmbeddedHarness } from '#scenario';

const SCENARIO = join(process.cwd(), 'test', 'scenarios', 'fujian-grain-2021.json');
const ADMIN: Actor = { id: 'reader', jurisdiction: '350000', role: 'admin' };
const AUDITOR: Actor = { id: 'fj-auditor', jurisdiction: '350000', role: 'auditor' };

/** Step indexes after which the run pauses and the live views are recorded. */
const PAUSES = [4, 10, 20, 23, 26, 28, 30, 33];

interface Moment {
  readonly knownAt: string;
  readonly at: string;
  readonly report: Report;
  /** null before the round was planned: the report of an unknown round is refused (404). */
  readonly roundReport: Report | null;
  readonly tasks: TaskStream;
}

describe.each([
  ['SQLite files with read-model snapshots every 15 events', true],
  ['memory stores, replayed from the first event', false],
])('time travel on %s', (_label, onFiles) => {
  let harness: EmbeddedHarness;
  let dataDir: string | undefined;
  const moments: Moment[] = [];

  const read = async <T>(url: string, actor: Actor): Promise<T | null> => {
    const response = await harness.app.getHttpAdapter().getInstance().inject({ method: 'GET', url, headers: { authorization: `Bearer ${await harness.tokens.mint(actor)}` } });
    if (response.statusCode === 404) return null;
    expect(response.statusCode).toBe(200);
    return JSON.parse(response.body) as T;
  };
  const get = async <T>(url: string, actor: Actor): Promise<T> => {
    const found = await read<T>(url, actor);
    expect(found).not.toBeNull();
    return found!;
  };

  beforeAll(async () => {
    dataDir = onFiles ? mkdtempSync(join(process.cwd(), '.tmp', 'time-travel-')) : undefined;
    harness = await startEmbeddedHarness({ ...(dataDir ? { dataDir, audit: { snapshotEveryEvents: 15 } } : {}) });
    const scenario = parseScenario(JSON.parse(readFileSync(SCENARIO, 'utf8')), SCENARIO);
    let at: string | undefined;
    let from = 0;
    for (const to of [...PAUSES, scenario.steps.length]) {
      // A slice that starts without a time keeps the time the run had reached.
      const steps: ScenarioStep[] = scenario.steps.slice(from, to).map((step, index) => (index === 0 && step.at === undefined && at ? { ...step, at } : step));
      from = to;
      await runScenario({ name: `${scenario.name} up to step ${to}`, steps, expect: [] } satisfies Scenario, harness);
      at = [...steps].reverse().find((step) => step.at !== undefined)?.at ?? at;
      await harness.runtime.settle();
      const atQuery = encodeURIComponent(at!);
      const report = await get<Report>(`/v1/reports/350000?at=${atQuery}`, ADMIN);
      const roundReport = await read<Report>(`/v1/reports/350000?roundId=fj-11-1-grain&at=${atQuery}`, ADMIN);
      const tasks = await get<TaskStream>(`/v1/tasks/350600?at=${atQuery}`, ADMIN);
      moments.push({ knownAt: new Date().toISOString(), at: at!, report, roundReport, tasks });
      // Whatever is recorded next is recorded strictly after this moment.
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  });

  afterAll(async () => {
    await harness.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('recorded a history that changed between the moments', () => {
    expect(moments).toHaveLength(PAUSES.length + 1);
    expect(new Set(moments.map((moment) => moment.report.position)).size).toBe(moments.length);
    expect(moments[0]!.report.issuesFound).toBe(0);
    expect(moments[0]!.roundReport).toBeNull();
    expect(moments.at(-1)!.roundReport!.issuesFound).toBe(26);
  });

  it('gives, as known at each moment, exactly the province report and the task stream recorded then', async () => {
    for (const moment of moments) {
      const query = `asOf=${encodeURIComponent(moment.knownAt)}&at=${encodeURIComponent(moment.at)}`;
      const report = await get<AsOfView<Report>>(`/v1/audit/as-of/reports/350000?${query}`, AUDITOR);
      expect(report.position).toBe(moment.report.position);
      expect(report.view).toEqual(moment.report);
      const roundReport = await read<AsOfView<Report>>(`/v1/audit/as-of/reports/350000?${query}&roundId=fj-11-1-grain`, AUDITOR);
      expect(roundReport?.view ?? null).toEqual(moment.roundReport);
      const tasks = await get<AsOfView<TaskStream>>(`/v1/audit/as-of/tasks/350600?${query}`, AUDITOR);
      expect(tasks.view).toEqual(moment.tasks);
    }
  });

  it('gives the same views by position, and the replay says where it started', async () => {
    const snapshotsUsed: number[] = [];
    for (const moment of moments) {
      const report = await get<AsOfView<Report>>(`/v1/audit/as-of/reports/350000?position=${moment.report.position}&at=${encodeURIComponent(moment.at)}`, AUDITOR);
      expect(report.view).toEqual(moment.report);
      expect(report.replay.snapshotPosition + report.replay.replayedEvents).toBe(moment.report.position);
      snapshotsUsed.push(report.replay.snapshotPosition);
    }
    if (onFiles) expect(snapshotsUsed.filter((position) => position > 0).length).toBeGreaterThan(2);
    else expect(snapshotsUsed.every((position) => position === 0)).toBe(true);
    // An auditor who trusts only the log gets the same view from a full replay.
    const last = moments.at(-1)!;
    const full = await get<AsOfView<Report>>(`/v1/audit/as-of/reports/350000?position=${last.report.position}&at=${encodeURIComponent(last.at)}&snapshots=none`, AUDITOR);
    expect(full.replay).toMatchObject({ snapshotPosition: 0, replayedEvents: last.report.position });
    expect(full.view).toEqual(last.report);
  });
});
