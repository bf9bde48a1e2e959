/**
 * The subscription loop of the adapters that can read their log synchronously (sqlite, memory).
 *
 * It only ever *pulls*: read a page after the checkpoint, deliver it one event at a time, repeat;
 * when a read comes back empty, sleep until something may have changed. Notifications and polls
 * only wake the loop, they never carry events, so an event cannot be delivered twice or out of
 * order however wake-ups race with appends.
 */
import type { RecordedEvent, SubscribeOptions, Subscription } from './port.js';

/** Events strictly after `after` in position order, at most `limit` of them. */
export type PageReader = (after: number, limit: number) => readonly RecordedEvent[];

const PAGE_SIZE = 500;

/** Wakes idle subscriptions of one store object after each of its appends commits. */
export class AppendSignal {
  private appends = 0;
  private readonly listeners = new Set<() => void>();

  /** Changes on every append; a subscription compares it to skip sleeping after a missed wake-up. */
  get version(): number {
    return this.appends;
  }

  notify(): void {
    this.appends += 1;
    for (const listener of [...this.listeners]) listener();
  }

  listen(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export interface PullSubscriptionOptions {
  readonly readPage: PageReader;
  readonly appended: AppendSignal;
  /**
   * How long an idle subscription sleeps before reading again without a signal: the only way to
   * see appends made by other connections. `undefined` sleeps until signalled.
   */
  readonly pollIntervalMs: number | undefined;
  /** Called once the loop has stopped for good, whatever the reason. */
  readonly onStopped: (subscription: PullSubscription) => void;
}

export class PullSubscription implements Subscription {
  private stopping = false;
  private wake: (() => void) | undefined;
  private readonly stopped: Promise<void>;

  constructor(
    private readonly subscriber: SubscribeOptions,
    private readonly source: PullSubscriptionOptions,
  ) {
    if (!Number.isSafeInteger(subscriber.after) || subscriber.after < 0) {
      throw new Error(`subscribe: after must be an integer >= 0, got ${String(subscriber.after)}`);
    }
    this.stopped = this.run().finally(() => source.onStopped(this));
  }

  /**
   * Resolves once the handler in flight (if any) has returned; no event is delivered after that.
   * A handler must not await its own subscription's close(): that would wait for itself.
   */
  close(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    return this.stopped;
  }

  private async run(): Promise<void> {
    const { onEvent, onCaughtUp } = this.subscriber;
    let checkpoint = this.subscriber.after;
    let caughtUp = false;
    try {
      // Nothing is delivered before subscribe() has handed this subscription to its caller.
      await Promise.resolve();
      while (!this.stopping) {
        // Taken before the read: an append committing while we read or deliver (even one made by
        // onCaughtUp itself) bumps the version, and the loop reads again instead of sleeping.
        const seen = this.source.appended.version;
        const page = this.source.readPage(checkpoint, PAGE_SIZE);
        for (const event of page) {
          if (this.stopping) return;
          await onEvent(event);
          checkpoint = event.position;
        }
        if (page.length > 0) {
          // A long catch-up with synchronous handlers would otherwise only ever yield to microtasks,
          // starving timers and I/O (an HTTP server in the same process) until it reaches the head.
          await new Promise((resolve) => setImmediate(resolve));
          continue;
        }
        if (!caughtUp) {
          caughtUp = true;
          onCaughtUp?.();
        }
        await this.idle(seen);
      }
    } catch (error) {
      this.report(error);
    }
  }

  private idle(seen: number): Promise<void> {
    if (this.stopping || this.source.appended.version !== seen) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        unlisten();
        this.wake = undefined;
        resolve();
      };
      const unlisten = this.source.appended.listen(done);
      const timer = this.source.pollIntervalMs === undefined ? undefined : setTimeout(done, this.source.pollIntervalMs);
      this.wake = done;
    });
  }

  private report(error: unknown): void {
    const { onError } = this.subscriber;
    if (onError) {
      onError(error);
      return;
    }
    // Nobody listens for this subscription's failure: a projection or relay that silently stops
    // serves stale data forever, so fail as loudly as an unhandled error would.
    queueMicrotask(() => {
      throw error;
    });
  }
}
