import { operationsLog } from '#observability';

/**
 * The loop behind every background task of a level (relay, projection runner, chain signer): run a
 * pass; when it found nothing to do, sleep until woken or until `idleMillis` passed. After a failed
 * pass it sleeps longer each time the next one fails too (twice as long, at most
 * MAX_FAILURE_PAUSE_MS), until a pass succeeds or something wakes it.
 * Passes and the task's other work (a drain, a rebuild, a replay, a signature on demand) run one at
 * a time, in the order they were asked for, through `serialized`.
 */

export interface BackgroundLoopOptions {
  /**
   * One pass, run in line with `serialized` work (so it must not wait for `serialized` work itself:
   * that would wait for the pass): resolves true when more may be waiting (the next pass follows at
   * once), false when there was nothing to do (the loop sleeps).
   */
  readonly pass: () => Promise<boolean>;
  /** How long the loop sleeps after an idle or failed pass, unless woken sooner. */
  readonly idleMillis: number;
  /** The start of the line a failed pass logs, e.g. `[relay county] publishing failed`. */
  readonly failure: string;
  /** Runs each time the loop starts, before its first pass (not in line with `serialized` work). */
  readonly beforeFirstPass?: () => Promise<void>;
}

/** The longest a loop sleeps between failed passes, unless woken. */
export const MAX_FAILURE_PAUSE_MS = 5_000;

/**
 * An error that says a dependency is out of reach, whose watcher has already said so once (a
 * store's StoreUnreachable): a loop that meets it pass after pass logs it at debug level only.
 */
const alreadyReported = (error: unknown): boolean => typeof error === 'object' && error !== null && (error as { reported?: unknown }).reported === true;

interface Run {
  stopping: boolean;
  done: Promise<void>;
}

export class BackgroundLoop {
  private current: Run | undefined;
  private endSleep: (() => void) | undefined;
  /** Set by `wake`; a pass clears it when it starts, so a wake while a pass runs skips the next sleep. */
  private woken = false;
  private line: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: BackgroundLoopOptions) {}

  get running(): boolean {
    return this.current !== undefined && !this.current.stopping;
  }

  start(): void {
    if (this.running) return;
    // A loop still stopping may be in its last pass: the new loop's first pass waits for it in line.
    const run: Run = { stopping: false, done: Promise.resolve() };
    run.done = this.run(run);
    this.current = run;
  }

  /** Resolves once the pass in flight (if any) and all work queued before this call have finished. */
  async stop(): Promise<void> {
    const run = this.current;
    if (run) {
      run.stopping = true;
      this.wake();
      await run.done;
    }
    await this.settled();
  }

  /** Something changed: pass now rather than after the sleep (or right after the pass in flight). */
  wake(): void {
    this.woken = true;
    this.endSleep?.();
  }

  /** Runs `work` after everything queued before it, passes included; a failure does not stop the line. */
  serialized<T>(work: () => Promise<T>): Promise<T> {
    const next = this.line.then(work);
    this.line = next.catch(() => undefined);
    return next;
  }

  /** Resolves once everything queued so far has run. */
  settled(): Promise<void> {
    return this.serialized(async () => undefined);
  }

  private async run(run: Run): Promise<void> {
    if (run.stopping) return;
    if (this.options.beforeFirstPass) await this.options.beforeFirstPass().catch((error: unknown) => this.logFailure(error));
    let failurePause: number | undefined;
    while (!run.stopping) {
      this.woken = false;
      let failed = false;
      const more = await this.serialized(this.options.pass).catch((error: unknown) => {
        // A pass cut short by the stop (the bus closed under the relay's publish) failed for no
        // reason an operator must know.
        if (!run.stopping) this.logFailure(error);
        failed = true;
        return false;
      });
      if (run.stopping) break;
      failurePause = failed ? Math.min(failurePause === undefined ? this.options.idleMillis : failurePause * 2, Math.max(MAX_FAILURE_PAUSE_MS, this.options.idleMillis)) : undefined;
      // Between busy passes, timers and I/O get their turn: passes over a synchronous store resolve
      // in microtasks only, and would otherwise hold off an HTTP server in the same process.
      await (more ? new Promise((resolve) => setImmediate(resolve)) : this.sleep(failurePause ?? this.options.idleMillis));
    }
  }

  private sleep(millis: number): Promise<void> {
    if (this.woken) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.endSleep = undefined;
        resolve();
      };
      const timer = setTimeout(done, millis);
      this.endSleep = done;
    });
  }

  private logFailure(error: unknown): void {
    if (alreadyReported(error)) {
      operationsLog().debug({ event: 'background-pass-deferred', reason: (error as Error).message }, `${this.options.failure}: ${(error as Error).message}; will retry`);
      return;
    }
    operationsLog().error({ event: 'background-pass-failed', err: error }, `${this.options.failure}, will retry`);
  }
}
