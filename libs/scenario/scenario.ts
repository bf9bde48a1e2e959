import type { Actor, CommandType } from '#domain';
import { JURISDICTION_CODE, canonicalInstant, isCommandType, isRole } from '#domain';

export interface ScenarioStep {
  readonly at?: string;
  readonly as: Actor;
  readonly do: CommandType;
  readonly with: Record<string, unknown>;
  readonly repeat?: number;
  /**
   * The step must be refused and change nothing: `true` for any refusal, or the refusal's name (the
   * problem's `title`, e.g. `AuthorisationMissing`) when the step must be refused for that reason.
   */
  readonly fails?: boolean | string;
}

/** A refusal's name as problems carry it in `title`: a word in UpperCamelCase. */
const REFUSAL_NAME = /^[A-Z][A-Za-z]{2,63}$/;

export interface LedgerExpectationFilter {
  readonly status?: string;
  readonly roundId?: string;
  readonly unitId?: string;
  readonly overdue?: boolean;
  readonly category?: string;
  /** A window of domain time, [from, to), as the ledger takes it (Asia/Shanghai midnights). */
  readonly from?: string;
  readonly to?: string;
}

export type ScenarioExpectation =
  | {
      /** `from`/`to`: the report's window of domain time, [from, to), each a midnight in Asia/Shanghai. */
      readonly report: { readonly jurisdiction: string; readonly roundId?: string; readonly theme?: string; readonly from?: string; readonly to?: string };
      readonly has: Record<string, unknown>;
    }
  | { readonly tasks: { readonly jurisdiction: string }; readonly has: Record<string, unknown> }
  | { readonly ledger: { readonly jurisdiction: string; readonly kind: string; readonly filter?: LedgerExpectationFilter }; readonly has: Record<string, unknown> };

export const LEDGER_EXPECTATION_KINDS = ['issues', 'rectifications', 'handovers'];
const LEDGER_FILTERS = ['status', 'roundId', 'unitId', 'overdue', 'category', 'from', 'to'];

export interface Scenario {
  readonly name: string;
  readonly description?: string;
  readonly steps: readonly ScenarioStep[];
  readonly expect: readonly ScenarioExpectation[];
}

export class InvalidScenario extends Error {
  override readonly name = 'InvalidScenario';
}

const TASK_FIGURES = ['count', 'open', 'overdue', 'completed'];

/** Checks a parsed scenario file against DESIGN.md §6 and names the first thing wrong. */
export const parseScenario = (value: unknown, source = 'scenario'): Scenario => {
  const fail = (where: string, what: string): never => {
    throw new InvalidScenario(`${source}: ${where}: ${what}`);
  };
  const file = value as Partial<Scenario> | null;
  if (typeof file !== 'object' || file === null) return fail('file', 'must be a JSON object');
  if (typeof file.name !== 'string' || file.name === '') fail('name', 'must be a non-empty string');
  if (!Array.isArray(file.steps)) return fail('steps', 'must be an array');
  file.steps.forEach((step: Partial<ScenarioStep>, index) => {
    const where = `steps[${index}]`;
    if (typeof step !== 'object' || step === null) fail(where, 'must be an object');
    if (step.at !== undefined && (typeof step.at !== 'string' || !canonicalInstant(step.at))) fail(`${where}.at`, `${String(step.at)} is not an ISO instant with offset`);
    const actor = step.as as Partial<Actor> | undefined;
    if (!actor || typeof actor.id !== 'string' || typeof actor.jurisdiction !== 'string' || !JURISDICTION_CODE.test(actor.jurisdiction) || !isRole(actor.role)) {
      fail(`${where}.as`, 'must be { id, jurisdiction (6 digits), role }');
    }
    if (typeof step.do !== 'string' || !isCommandType(step.do)) fail(`${where}.do`, `${String(step.do)} is not a command of DESIGN.md §4`);
    if (typeof step.with !== 'object' || step.with === null || Array.isArray(step.with)) fail(`${where}.with`, 'must be an object');
    if (step.repeat !== undefined && (!Number.isInteger(step.repeat) || step.repeat < 1)) fail(`${where}.repeat`, 'must be a positive integer');
    if (step.fails !== undefined && typeof step.fails !== 'boolean' && !(typeof step.fails === 'string' && REFUSAL_NAME.test(step.fails))) {
      fail(`${where}.fails`, 'must be true, false or the name of the refusal expected (e.g. "AuthorisationMissing")');
    }
  });
  if (!Array.isArray(file.expect)) return fail('expect', 'must be an array');
  file.expect.forEach((expectation: Record<string, unknown>, index) => {
    const where = `expect[${index}]`;
    const has = expectation.has;
    if (typeof has !== 'object' || has === null) fail(`${where}.has`, 'must be an object of dotted paths');
    if ('report' in expectation) {
      const report = expectation.report as { jurisdiction?: unknown; from?: unknown; to?: unknown };
      if (typeof report?.jurisdiction !== 'string') fail(`${where}.report.jurisdiction`, 'is required');
      for (const bound of ['from', 'to'] as const) {
        if (report[bound] !== undefined && typeof report[bound] !== 'string') fail(`${where}.report.${bound}`, 'must be an ISO 8601 instant');
      }
    } else if ('tasks' in expectation) {
      const tasks = expectation.tasks as { jurisdiction?: unknown };
      if (typeof tasks?.jurisdiction !== 'string') fail(`${where}.tasks.jurisdiction`, 'is required');
      for (const key of Object.keys(has as object)) if (!TASK_FIGURES.includes(key)) fail(`${where}.has.${key}`, `task expectations know ${TASK_FIGURES.join(', ')}`);
    } else if ('ledger' in expectation) {
      const ledger = expectation.ledger as { jurisdiction?: unknown; kind?: unknown; filter?: unknown };
      if (typeof ledger?.jurisdiction !== 'string') fail(`${where}.ledger.jurisdiction`, 'is required');
      if (typeof ledger.kind !== 'string' || !LEDGER_EXPECTATION_KINDS.includes(ledger.kind)) fail(`${where}.ledger.kind`, `must be one of ${LEDGER_EXPECTATION_KINDS.join(', ')}`);
      if (ledger.filter !== undefined) {
        if (typeof ledger.filter !== 'object' || ledger.filter === null) fail(`${where}.ledger.filter`, 'must be an object');
        for (const key of Object.keys(ledger.filter as object)) if (!LEDGER_FILTERS.includes(key)) fail(`${where}.ledger.filter.${key}`, `ledger filters are ${LEDGER_FILTERS.join(', ')}`);
      }
      for (const key of Object.keys(has as object)) if (key !== 'count' && !key.startsWith('rows.')) fail(`${where}.has.${key}`, 'ledger expectations know count and rows.<id>.<field>');
    } else {
      fail(where, 'must have report, tasks or ledger');
    }
  });
  return file as Scenario;
};

/** `repeat: N` runs a step N times with `{n}` in every string replaced by 1..N. */
export const expandSteps = (steps: readonly ScenarioStep[]): { step: ScenarioStep; index: number; n?: number }[] =>
  steps.flatMap((step, index) => {
    if (step.repeat === undefined) return [{ step, index }];
    return Array.from({ length: step.repeat }, (_, i) => ({ step: substitute(step, i + 1), index, n: i + 1 }));
  });

const substitute = <T>(value: T, n: number): T => {
  if (typeof value === 'string') return value.replaceAll('{n}', String(n)) as T;
  if (Array.isArray(value)) return value.map((item) => substitute(item, n)) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substitute(item, n)])) as T;
  }
  return value;
};

/**
 * Report figures whose keys are data (DESIGN.md §8.2): the rest of the path after one names a key
 * (a category may hold dots), and a key that does not occur reads as 0 (§8.5).
 */
const OPEN_MAPS: readonly string[] = ['issuesByCategory'];

/**
 * Follows a dotted path; after `children` a segment names a child by its jurisdiction code, after
 * an open map (issuesByCategory) the rest of the path names one key.
 */
export const valueAt = (root: unknown, path: string): unknown => {
  let node: unknown = root;
  const segments = path.split('.');
  for (const [index, segment] of segments.entries()) {
    if (Array.isArray(node)) node = node.find((item) => (item as { jurisdiction?: string })?.jurisdiction === segment);
    else if (typeof node === 'object' && node !== null) {
      const next = (node as Record<string, unknown>)[segment];
      if (OPEN_MAPS.includes(segment) && index < segments.length - 1 && typeof next === 'object' && next !== null && !Array.isArray(next)) {
        return (next as Record<string, unknown>)[segments.slice(index + 1).join('.')] ?? 0;
      }
      node = next;
    } else return undefined;
  }
  return node;
};

/**
 * A value of a ledger view `{ count, rows: { <id>: row } }` (DESIGN.md §8.4): `rows.<id>.<field>`
 * names a row by its id, which may hold dots of its own (the longest id that is a row wins).
 */
export const ledgerValueAt = (view: { count: number; rows: Record<string, unknown> }, path: string): unknown => {
  if (!path.startsWith('rows.')) return valueAt(view, path);
  const segments = path.split('.').slice(1);
  for (let end = segments.length - 1; end >= 1; end--) {
    const id = segments.slice(0, end).join('.');
    if (Object.hasOwn(view.rows, id)) return valueAt(view.rows[id], segments.slice(end).join('.'));
  }
  return undefined;
};

export const sameValue = (expected: unknown, actual: unknown): boolean =>
  typeof expected === 'number' && typeof actual === 'number' ? Math.abs(expected - actual) <= 1e-9 : JSON.stringify(expected) === JSON.stringify(actual);
