/**
 * A long catch-up (a rebuild from position 0, a level restarted far behind) spread over worker
 * threads. Reading a fact and decoding its JSON costs several times what applying it does, so the
 * workers read and plan consecutive ranges of positions from the store file (catch-up-worker.ts)
 * while this thread applies their plans strictly in position order, each range in one transaction
 * with its checkpoint: the read model moves exactly as a sequential catch-up moves it, and a crash
 * at any point resumes from a checkpoint that covers everything before it. Plans travel flattened
 * (plan-wire.ts): this thread is the one the catch-up waits on, and rebuilding a plan from the
 * wire costs it less than half of what receiving the plan's object graph did.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ProjectionPlan } from './projector.js';
import type { PlanOnWire } from './plan-wire.js';
import { planFromWire } from './plan-wire.js';

export interface CatchUpWorkerData {
  readonly file: string;
}

/** Positions in (after, upTo]. */
export interface CatchUpRange {
  readonly after: number;
  readonly upTo: number;
}

export type PlannedRange =
  | (CatchUpRange & { readonly count: number; readonly plan: PlanOnWire; readonly error?: undefined })
  | (CatchUpRange & { readonly error: string });

export interface ParallelCatchUp {
  /** The store file, opened read-only by every worker. */
  readonly file: string;
  /** Exclusive start: the read model's checkpoint. */
  readonly after: number;
  /** Inclusive end: a store head read before starting, so every position up to it is stored. */
  readonly upTo: number;
  readonly batchSize: number;
  readonly workers: number;
  /** Applies one range's plan with its checkpoint (`reached`) in one transaction; `count` facts. */
  readonly apply: (plan: ProjectionPlan, reached: number, count: number) => void;
}

// Compiled next to this module; absent when running from TypeScript sources (jest), where the
// runner catches up on its own thread.
const WORKER_SCRIPT = new URL('./catch-up-worker.js', import.meta.url);

/** Below this many facts behind, starting threads costs more than it saves. */
export const PARALLEL_CATCH_UP_MIN_EVENTS = 50_000;

/** Ranges handed out ahead of the one being applied, per worker: enough to keep every worker busy. */
const RANGES_AHEAD_PER_WORKER = 2;

export const defaultCatchUpWorkers = (): number => Math.max(1, Math.min(4, availableParallelism()));

export const parallelCatchUpAvailable = (): boolean => existsSync(fileURLToPath(WORKER_SCRIPT));

/** One worker thread and the answers it owes, in the order it was asked (it answers in that order). */
class PlanningWorker {
  private readonly worker: Worker;
  private readonly owed: { resolve: (range: PlannedRange) => void; reject: (error: Error) => void }[] = [];
  private failure: Error | undefined;

  constructor(file: string) {
    this.worker = new Worker(WORKER_SCRIPT, { workerData: { file } satisfies CatchUpWorkerData });
    this.worker.on('message', (answer: PlannedRange) => this.owed.shift()?.resolve(answer));
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`projection catch-up worker exited with code ${code}`)));
  }

  plan(range: CatchUpRange): Promise<PlannedRange> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.owed.push({ resolve, reject });
      this.worker.postMessage(range);
    });
  }

  async stop(): Promise<void> {
    this.failure ??= new Error('projection catch-up worker stopped');
    await this.worker.terminate();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const owed of this.owed.splice(0)) owed.reject(this.failure);
  }
}

/** Runs the catch-up; resolves with the number of facts applied once `upTo` is reached. */
export const catchUpInParallel = async ({ file, after, upTo, batchSize, workers, apply }: ParallelCatchUp): Promise<number> => {
  const ranges: CatchUpRange[] = [];
  for (let from = after; from < upTo; from += batchSize) ranges.push({ after: from, upTo: Math.min(upTo, from + batchSize) });
  const pool = Array.from({ length: Math.max(1, workers) }, () => new PlanningWorker(file));
  const planned: Promise<PlannedRange>[] = [];
  // Worker i gets ranges i, i + n, i + 2n...: equal ranges take about equal time, so none waits long.
  const request = (index: number): void => {
    if (index < ranges.length) planned[index] = pool[index % pool.length]!.plan(ranges[index]!);
  };
  // Unapplied answers hold their plans until their turn; stop rejections of abandoned ones from surfacing unhandled.
  const settle = (promise: Promise<PlannedRange> | undefined) => promise?.catch(() => undefined);
  let applied = 0;
  try {
    const ahead = pool.length * RANGES_AHEAD_PER_WORKER;
    for (let index = 0; index < ahead; index++) request(index);
    for (let index = 0; index < ranges.length; index++) {
      const answer = await planned[index]!;
      if (answer.error !== undefined) throw new Error(`projection catch-up of positions ${answer.after + 1}-${answer.upTo} failed in a worker: ${answer.error}`);
      apply(planFromWire(answer.plan), answer.upTo, answer.count);
      applied += answer.count;
      delete planned[index];
      request(index + ahead);
    }
    return applied;
  } finally {
    for (const pending of planned) void settle(pending);
    await Promise.all(pool.map((worker) => worker.stop()));
  }
};
