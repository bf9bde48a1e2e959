import type { Actor, Level } from '#domain';
import { canonicalInstant } from '#domain';
import type { Scenario, ScenarioExpectation } from './scenario.js';
import { expandSteps, ledgerValueAt, sameValue, valueAt } from './scenario.js';

export interface TargetResponse {
  readonly status: number;
  readonly body: string;
}

/**
 * Where a scenario runs: the embedded default in this process, or level services as separate
 * processes. Either way every step goes through HTTP with a bearer token.
 */
export interface ScenarioTarget {
  mint(actor: Actor): Promise<string>;
  /** POSTs a command to the service of the level it belongs to. */
  command(level: Level, path: string, body: unknown, headers: Record<string, string>): Promise<TargetResponse>;
  /** GETs a view from the service of `level`. */
  read(level: Level, path: string, headers: Record<string, string>): Promise<TargetResponse>;
  /** The level a jurisdiction belongs to, from the same reference data the services use. */
  levelOf(jurisdiction: string): Level;
  /** Resolves once every level has relayed, received and projected everything. */
  settle(): Promise<void>;
  /** Every level's store head, to prove a refused step wrote nothing. */
  heads(): Promise<string>;
}

export interface CheckedView {
  readonly expectation: ScenarioExpectation;
  readonly view: unknown;
}

export interface ScenarioResult {
  readonly name: string;
  readonly steps: number;
  readonly accepted: number;
  readonly refused: number;
  readonly checked: readonly CheckedView[];
}

/** A step or an expectation did not come out as the scenario declares. */
export class ScenarioFailure extends Error {
  override readonly name = 'ScenarioFailure';
}

/** Reads everything: the runner checks reports with the widest view the system grants. */
const READER: Actor = { id: 'scenario-runner', jurisdiction: '350000', role: 'admin' };

/**
 * Drives a scenario through the real command path (HTTP routing, validation, bearer tokens,
 * authorization, handlers, stores, bus, projections), then checks what the projections show.
 * A step's `at` travels as the command's domain time (`x-occurred-at`); expectations are read with
 * `at` set to the last step's time, which is what `overdue` is measured against.
 */
/** The refusal a problem+json answer names in its `title`, if the body is one. */
const refusalNameOf = (body: string): string | undefined => {
  try {
    const title = (JSON.parse(body) as { title?: unknown } | null)?.title;
    return typeof title === 'string' ? title : undefined;
  } catch {
    return undefined;
  }
};

export const runScenario = async (scenario: Scenario, target: ScenarioTarget, log: (line: string) => void = () => {}): Promise<ScenarioResult> => {
  const tokens = new Map<string, string>();
  const bearer = async (actor: Actor): Promise<string> => {
    const key = `${actor.id}|${actor.jurisdiction}|${actor.role}`;
    if (!tokens.has(key)) tokens.set(key, await target.mint(actor));
    return `Bearer ${tokens.get(key)!}`;
  };

  let now: string | undefined;
  let accepted = 0;
  let refused = 0;
  const steps = expandSteps(scenario.steps);
  for (const { step, index, n } of steps) {
    if (step.at !== undefined) now = canonicalInstant(step.at)!;
    const label = `step ${index + 1}${n !== undefined ? ` (repeat ${n})` : ''} ${step.do} as ${step.as.id}@${step.as.jurisdiction}/${step.as.role}`;
    // Each step sees everything recorded before it at every level, as it would in the world
    // where steps are days apart; a refused step must then leave every store as it was.
    await target.settle();
    const before = step.fails ? await target.heads() : '';
    const level = step.do === 'registerJurisdiction' ? ((step.with as { level?: Level }).level ?? 'province') : target.levelOf(step.as.jurisdiction);
    const response = await target.command(level, `/v1/commands/${step.do}`, step.with, {
      authorization: await bearer(step.as),
      ...(now !== undefined ? { 'x-occurred-at': now } : {}),
    });
    if (step.fails) {
      if (response.status < 400 || response.status >= 500) throw new ScenarioFailure(`${label}: expected a refusal, got ${response.status} ${response.body}`);
      const refusal = refusalNameOf(response.body);
      if (typeof step.fails === 'string' && refusal !== step.fails) {
        throw new ScenarioFailure(`${label}: expected the refusal ${step.fails}, got ${response.status} ${refusal ?? 'without a name'}: ${response.body}`);
      }
      await target.settle();
      const after = await target.heads();
      if (after !== before) throw new ScenarioFailure(`${label}: refused (${response.status}) but the stores changed: ${before} → ${after}`);
      refused++;
      log(`  ✓ ${label}: refused ${response.status} ${refusal ?? ''}`);
    } else {
      if (response.status >= 300) throw new ScenarioFailure(`${label}: expected acceptance, got ${response.status} ${response.body}`);
      accepted++;
    }
  }
  log(`  ${accepted} steps accepted, ${refused} refused as declared`);

  await target.settle();
  const reader = await bearer(READER);
  const checked: CheckedView[] = [];
  for (const [index, expectation] of scenario.expect.entries()) {
    const { path, view, shown } = 'ledger' in expectation ? await readLedger(target, expectation, now, reader, index) : await readView(target, expectation, now, reader, index);
    log(`  ${path}\n    ${JSON.stringify(shown)}`);
    for (const [dotted, expected] of Object.entries(expectation.has)) {
      const actual = 'ledger' in expectation ? ledgerValueAt(view as LedgerView, dotted) : valueAt(view, dotted);
      if (!sameValue(expected, actual)) {
        throw new ScenarioFailure(`expect[${index}] ${path}: ${dotted} expected ${JSON.stringify(expected)}, actual ${JSON.stringify(actual)}`);
      }
    }
    checked.push({ expectation, view });
  }
  return { name: scenario.name, steps: steps.length, accepted, refused, checked };
};

type ViewExpectation = Exclude<ScenarioExpectation, { ledger: unknown }>;

/** A report or a task stream, measured at the scenario's last time. */
const readView = async (target: ScenarioTarget, expectation: ViewExpectation, now: string | undefined, reader: string, index: number) => {
  const jurisdiction = 'report' in expectation ? expectation.report.jurisdiction : expectation.tasks.jurisdiction;
  const query = new URLSearchParams({
    ...('report' in expectation && expectation.report.roundId !== undefined ? { roundId: expectation.report.roundId } : {}),
    ...('report' in expectation && expectation.report.theme !== undefined ? { theme: expectation.report.theme } : {}),
    ...('report' in expectation && expectation.report.from !== undefined ? { from: expectation.report.from } : {}),
    ...('report' in expectation && expectation.report.to !== undefined ? { to: expectation.report.to } : {}),
    ...(now !== undefined ? { at: now } : {}),
  }).toString();
  const path = `/v1/${'report' in expectation ? 'reports' : 'tasks'}/${jurisdiction}${query ? `?${query}` : ''}`;
  const response = await target.read(target.levelOf(jurisdiction), path, { authorization: reader });
  if (response.status !== 200) throw new ScenarioFailure(`expect[${index}] ${path}: ${response.status} ${response.body}`);
  const view = JSON.parse(response.body) as Record<string, unknown>;
  const shown = 'report' in expectation ? { ...view, children: undefined } : { ...view, tasks: undefined };
  return { path, view, shown };
};

interface LedgerView {
  count: number;
  rows: Record<string, Record<string, unknown>>;
}

interface LedgerAnswer {
  count: number;
  rows: Record<string, unknown>[];
  next: string | null;
}

const LEDGER_ROW_ID: Record<string, string> = { issues: 'issueId', rectifications: 'rectificationId', handovers: 'handoverId' };

/**
 * Every row of a ledger that matches the filter, page after page, as `{ count, rows: { <id>: row } }`
 * so that `rows.<id>.<field>` names a row by its id (DESIGN.md §8.4).
 */
const readLedger = async (target: ScenarioTarget, expectation: Extract<ScenarioExpectation, { ledger: unknown }>, now: string | undefined, reader: string, index: number) => {
  const { ledger } = expectation;
  const filter = Object.entries(ledger.filter ?? {}).map(([key, value]): [string, string] => [key, String(value)]);
  const base = new URLSearchParams([...filter, ...(now !== undefined ? [['at', now] as [string, string]] : []), ['limit', '500']]);
  const path = `/v1/ledgers/${ledger.jurisdiction}/${ledger.kind}?${base.toString()}`;
  const rows: Record<string, Record<string, unknown>> = {};
  let count = 0;
  for (let cursor: string | null | undefined; cursor !== null; ) {
    const page = cursor === undefined ? path : `${path}&cursor=${encodeURIComponent(cursor)}`;
    const response = await target.read(target.levelOf(ledger.jurisdiction), page, { authorization: reader });
    if (response.status !== 200) throw new ScenarioFailure(`expect[${index}] ${page}: ${response.status} ${response.body}`);
    const answer = JSON.parse(response.body) as LedgerAnswer;
    count = answer.count;
    for (const row of answer.rows) rows[String(row[LEDGER_ROW_ID[ledger.kind]!])] = row;
    cursor = answer.next;
  }
  // Printed: the count and every row an expectation names.
  const named = new Set(Object.keys(expectation.has).flatMap((dotted) => (dotted.startsWith('rows.') ? [dotted.split('.')[1]!] : [])));
  return { path, view: { count, rows }, shown: { count, rows: Object.fromEntries([...named].map((id) => [id, rows[id]])) } };
};
