import { BackgroundLoop } from '#background';
import type { Span } from '#observability';
import { endSpans, operationsLog, startSpanUnder, tracingOn } from '#observability';
import type { EventStore, RecordedEvent } from '#event-store';
import { PARALLEL_CATCH_UP_MIN_EVENTS, catchUpInParallel, defaultCatchUpWorkers, parallelCatchUpAvailable } from './parallel-catch-up.js';
import type { ReadModel } from './read-model.js';
import type { ProjectedFact } from './projector.js';

/** The projections a level keeps; they share one runner and move in the same transactions. */
export const PROJECTIONS = ['upward-report', 'task-stream'] as const;

export interface ProjectionLag {
  readonly projection: string;
  readonly checkpoint: number;
  readonly head: number;
  readonly lag: number;
}

/**
 * Worker threads that read and plan the batches of a long catch-up (parallel-catch-up.ts) when the
 * store is a SQLite file.
 */
export interface CatchUpThreads {
  /** Default: one per core, at most 4. 0 keeps every catch-up on the runner's thread. */
  readonly workers?: number;
  /** How far behind the store head the read model must be for threads to pay off; default 50,000 facts. */
  readonly minLag?: number;
}

const REBUILD_PROGRESS_EVERY_MS = 2000;

export interface RebuildProgress {
  readonly position: number;
  readonly head: number;
  readonly events: number;
}

/**
 * A stored event already has the projected fact's shape (type, data, position, metadata): it is
 * used as it is, without a copy, so lazily decoded data and metadata stay unread until needed.
 */
export const asProjectedFacts = (recorded: readonly RecordedEvent[]): readonly ProjectedFact[] => recorded as readonly unknown[] as readonly ProjectedFact[];

/**
 * Feeds a level's store into its read model: catch-up from the checkpoint, then live. A batch is
 * applied and checkpointed in one transaction, so a crash at any point resumes exactly where the
 * read model stands.
 */
export class ProjectionRunner {
  /** Projects in the background; its batches, catch-ups and resets of the read model run one at a time. */
  private readonly loop: BackgroundLoop;
  private readonly changeListeners = new Set<(position: number) => void>();
  private readonly waiters = new Set<{ position: number; resolve: () => void }>();
  /** Worker threads the last catch-up used (0: it ran on this thread). */
  lastCatchUpWorkers = 0;
  /** The level whose read model this is, named in its trace spans (the runtime sets it). */
  level: string | undefined;
  private rebuilding = false;

  constructor(
    private readonly store: EventStore,
    readonly readModel: ReadModel,
    private readonly batchSize = 2000,
    idleMillis = 25,
    private readonly catchUpThreads: CatchUpThreads = {},
  ) {
    this.loop = new BackgroundLoop({
      beforeFirstPass: () => this.catchUpOnThreadsAtStart(),
      pass: async () => (await this.applyBatch()) > 0,
      idleMillis,
      failure: '[projections] applying a batch failed',
    });
  }

  get checkpoint(): number {
    return this.readModel.checkpoint(PROJECTIONS[0]);
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** New facts are in the store: look now rather than at the next poll. */
  nudge(): void {
    this.loop.wake();
  }

  /** Called after each committed batch with the position reached (dashboards' live streams). */
  onChange(listener: (position: number) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  async lag(): Promise<ProjectionLag[]> {
    return this.lagBehind(await this.store.headPosition());
  }

  /** How far each projection is behind `head` (a head read already). */
  lagBehind(head: number): ProjectionLag[] {
    return PROJECTIONS.map((projection) => {
      const checkpoint = this.readModel.checkpoint(projection);
      return { projection, checkpoint, head, lag: Math.max(0, head - checkpoint) };
    });
  }

  /** Resolves true once the read model has reached `position`, false after `timeoutMillis`. */
  waitFor(position: number, timeoutMillis: number): Promise<boolean> {
    if (this.checkpoint >= position) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = {
        position,
        resolve: () => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(true);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        resolve(false);
      }, timeoutMillis);
      this.waiters.add(waiter);
      this.nudge();
    });
  }

  /**
   * Applies everything up to the store head; returns the number of facts applied. Far behind a
   * SQLite store, worker threads read and plan the batches while this thread applies them in order.
   */
  async catchUp(onProgress?: (progress: RebuildProgress) => void): Promise<number> {
    const head = await this.store.headPosition();
    let applied = await this.catchUpOnThreads(head, onProgress);
    // What remains, and whatever was appended meanwhile, on this thread.
    for (;;) {
      const count = await this.applyNextBatch();
      if (count === 0) return applied;
      applied += count;
      onProgress?.({ position: this.checkpoint, head, events: applied });
    }
  }

  /** Up to `head` on worker threads if the store is a SQLite file and far enough behind; else nothing. */
  private async catchUpOnThreads(head: number, onProgress?: (progress: RebuildProgress) => void): Promise<number> {
    const file = this.store.capabilities.sqliteFile;
    const workers = this.catchUpThreads.workers ?? defaultCatchUpWorkers();
    const minLag = this.catchUpThreads.minLag ?? PARALLEL_CATCH_UP_MIN_EVENTS;
    this.lastCatchUpWorkers = 0;
    if (file === undefined || workers === 0 || head - this.checkpoint < Math.max(1, minLag) || !parallelCatchUpAvailable()) return 0;
    let applied = 0;
    this.lastCatchUpWorkers = workers;
    await this.loop.serialized(() =>
      catchUpInParallel({
        file,
        after: this.checkpoint,
        upTo: head,
        batchSize: this.batchSize,
        workers,
        apply: (plan, reached, count) => {
          this.readModel.applyPlan(PROJECTIONS, plan, reached);
          this.reached(reached);
          applied += count;
          onProgress?.({ position: reached, head, events: applied });
        },
      }),
    );
    return applied;
  }

  /**
   * Drops the read model and replays the whole store into it. With `deferIndexes` (the rebuild
   * command, which runs with no server reading) the secondary indexes are dropped and made once the
   * rows are in, several times cheaper than keeping them up to date fact by fact; queries meanwhile
   * would scan whole tables. Progress goes to the process log at most every
   * REBUILD_PROGRESS_EVERY_MS (a long rebuild is otherwise silent for minutes) and to `onProgress`
   * after every batch.
   */
  async rebuild(onProgress?: (progress: RebuildProgress) => void, options: { readonly deferIndexes?: boolean } = {}): Promise<number> {
    const wasRunning = this.loop.running;
    const started = performance.now();
    const where = { event: 'projection-rebuild', store: this.store.capabilities.sqliteFile };
    operationsLog().info({ ...where, phase: 'started' }, 'projection rebuild started');
    let logged = started;
    const progress = (reached: RebuildProgress): void => {
      onProgress?.(reached);
      const now = performance.now();
      if (now - logged < REBUILD_PROGRESS_EVERY_MS) return;
      logged = now;
      operationsLog().info({ ...where, phase: 'progress', ...reached, elapsedMs: Math.round(now - started) }, 'projection rebuild progress');
    };
    await this.stop();
    const deferIndexes = options.deferIndexes ?? false;
    await this.loop.serialized(async () => this.readModel.reset(PROJECTIONS, { dropIndexes: deferIndexes }));
    let applied: number;
    this.rebuilding = true;
    try {
      applied = await this.catchUp(progress);
    } finally {
      this.rebuilding = false;
      if (deferIndexes) await this.loop.serialized(async () => this.readModel.ensureIndexes());
    }
    operationsLog().info({ ...where, phase: 'finished', events: applied, elapsedMs: Math.round(performance.now() - started) }, 'projection rebuild finished');
    if (wasRunning) this.start();
    return applied;
  }

  /** A level started far behind its store (a read model lost or new) catches up on threads first. */
  private async catchUpOnThreadsAtStart(): Promise<void> {
    const started = performance.now();
    try {
      const applied = await this.catchUpOnThreads(await this.store.headPosition());
      if (applied > 0) {
        const seconds = (performance.now() - started) / 1000;
        operationsLog().info(
          { event: 'projection-catch-up', store: this.store.capabilities.sqliteFile, events: applied, workers: this.lastCatchUpWorkers, elapsedMs: Math.round(seconds * 1000) },
          `[projections] ${this.store.capabilities.sqliteFile}: caught up ${applied} facts on ${this.lastCatchUpWorkers} worker threads in ${seconds.toFixed(1)} s`,
        );
      }
    } catch (error) {
      operationsLog().error({ event: 'projection-catch-up', err: error }, '[projections] catching up on worker threads failed, going on batch by batch');
    }
  }

  private applyNextBatch(): Promise<number> {
    return this.loop.serialized(() => this.applyBatch());
  }

  private async applyBatch(): Promise<number> {
    const after = this.checkpoint;
    const batch = await this.store.readAll({ after, limit: this.batchSize });
    if (batch.length === 0) return 0;
    // A rebuild replays facts whose traces ended long ago: no spans for those.
    const spans = tracingOn() && !this.rebuilding ? this.spansOf(batch) : [];
    try {
      this.readModel.applyBatch(PROJECTIONS, asProjectedFacts(batch));
    } catch (error) {
      endSpans(spans, error);
      throw error;
    }
    endSpans(spans);
    this.reached(batch[batch.length - 1]!.position);
    return batch.length;
  }

  /**
   * A span per fact recorded under a trace, in that trace, for the batch that projects it: the
   * facts of a batch are applied together, so their spans share its time.
   */
  private spansOf(batch: readonly RecordedEvent[]): Span[] {
    const spans: Span[] = [];
    for (const fact of batch) {
      const traceparent = (fact.metadata as { readonly traceparent?: string } | undefined)?.traceparent;
      const span = startSpanUnder(traceparent, `project ${fact.type}`, 'internal', {
        ...(this.level !== undefined ? { 'linkage.level': this.level } : {}),
        'linkage.position': fact.position,
      });
      if (span) spans.push(span);
    }
    return spans;
  }

  /** Tells readers waiting for a position, and live streams, that the read model has reached `position`. */
  private reached(position: number): void {
    for (const waiter of [...this.waiters]) if (position >= waiter.position) waiter.resolve();
    for (const listener of this.changeListeners) listener(position);
  }
}
