import type { Level } from '#domain';
import type { EventStore } from '#event-store';
import { StoreUnreachable } from '#event-store';
import { operationsLog } from '#observability';

/**
 * Pauses between attempts to reach a level's store while it is out of reach: the first, then twice
 * as long each time, at most the last.
 */
export interface StoreRetry {
  readonly firstPauseMs: number;
  readonly maxPauseMs: number;
}
/** 0.5 s, 1 s, 2 s … at most 30 s. */
export const DEFAULT_STORE_RETRY: StoreRetry = { firstPauseMs: 500, maxPauseMs: 30_000 };

/** An adapter's message within what status and readiness show (1,000 characters). */
const clipped = (message: string): string => (message.length <= 1000 ? message : `${message.slice(0, 999)}…`);

/** Whether a level can use its store now, as the last call to it found (no question is asked). */
export type StoreCondition =
  | { readonly status: 'reachable' }
  | {
      readonly status: 'unreachable';
      /** Why, as the adapter put it (which server, what failed). */
      readonly detail: string;
      /** Since when (ISO time). */
      readonly since: string;
      /** Attempts to reach it again that failed so far. */
      readonly failedAttempts: number;
      readonly nextAttemptInMs: number;
      /** False while the level has not yet read its store since it started: it takes no command before. */
      readonly warmedUp: boolean;
    };

/**
 * A level's link to its store (EventStoreDB in the distributed deployment): it lets the level
 * start and keep serving while the store's server is out of reach, and brings the level back when
 * the server answers again, without a restart.
 *
 * Every call of the level goes through `store`. A call that finds the server gone (the adapter
 * throws StoreUnreachable) marks the store unreachable; from then on every call is refused at once
 * with StoreUnreachable, without waiting on the network, and the link alone tries the server again,
 * with growing pauses (StoreRetry). Its attempt is the level's warm-up until that has succeeded once
 * (the jurisdictions recorded in the store, which the level's commands and relay need), then a read
 * of the head. When an attempt succeeds the store is reachable again and the listeners wake the
 * level's relay, projections and signer, which catch up from their checkpoints.
 *
 * One warning line when the store is lost, one info line when it is back: not a stack trace per
 * failed call.
 */
export class StoreLink {
  private current: StoreCondition = { status: 'reachable' };
  private warmed = false;
  private pauseMs: number | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private attempting: Promise<void> | undefined;
  private closed = false;
  private readonly reachableListeners: Array<() => void> = [];
  private knownHead = 0;
  /** The store as the level uses it (see the class comment). */
  readonly store: EventStore;

  constructor(
    readonly level: Level,
    /** The store itself, as its registrar watches it. */
    private readonly direct: EventStore,
    /** Reads what the level must know from its store before it takes commands. */
    private readonly warmUp: () => Promise<void>,
    private readonly retry: StoreRetry = DEFAULT_STORE_RETRY,
  ) {
    const through = <T>(call: () => Promise<T>): Promise<T> => {
      if (this.current.status === 'unreachable') return Promise.reject(this.refusal());
      return call().catch((error: unknown) => {
        if (error instanceof StoreUnreachable) this.lost(error);
        throw error;
      });
    };
    this.store = {
      append: (streamId, expected, events) => through(() => direct.append(streamId, expected, events)),
      appendMany: (appends) => through(() => direct.appendMany(appends)),
      readStream: (streamId, options) => through(() => direct.readStream(streamId, options)),
      readAll: (options) => through(() => direct.readAll(options)),
      headPosition: () => through(() => direct.headPosition()).then((head) => (this.knownHead = head)),
      get capabilities() {
        return direct.capabilities;
      },
      close: () => {
        this.close();
        return direct.close();
      },
    };
  }

  get condition(): StoreCondition {
    return this.current;
  }

  /** The last head read from the store (0 before the first): what status shows while it is out of reach. */
  get lastHead(): number {
    return this.knownHead;
  }

  /** Whether the level has read its store since it started (then it takes commands while the store answers). */
  get warmedUp(): boolean {
    return this.warmed;
  }

  /** Called each time the store is reachable again (and after a warm-up that had to wait). */
  onReachable(listener: () => void): void {
    this.reachableListeners.push(listener);
  }

  /**
   * The level's first warm-up, at start. A store out of reach does not stop the start: the level
   * serves what it can and the warm-up is tried again in the background. Anything else throws.
   */
  async open(): Promise<void> {
    try {
      await this.warmUp();
      this.warmed = true;
    } catch (error) {
      if (!(error instanceof StoreUnreachable)) throw error;
      this.lost(error);
    }
  }

  /** Throws StoreUnreachable unless the level can record a command now. */
  assertWritable(): void {
    if (this.current.status === 'unreachable') throw this.refusal();
  }

  /** Stops trying; the store is closed by whoever owns it. */
  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  /** Resolves once the attempt in flight, if any, has ended (a stop waits for it before closing the store). */
  async settled(): Promise<void> {
    await this.attempting;
  }

  private refusal(): StoreUnreachable {
    const condition = this.current;
    if (condition.status === 'reachable') return new StoreUnreachable(`the ${this.level} store cannot be reached`);
    const state = condition.warmedUp ? '' : '; the level has not read it since it started';
    return new StoreUnreachable(`the ${this.level} store is out of reach since ${condition.since} (${condition.detail})${state}`, { retryAfterMs: condition.nextAttemptInMs });
  }

  private lost(error: StoreUnreachable): void {
    if (this.current.status === 'unreachable' || this.closed) return;
    this.pauseMs = this.retry.firstPauseMs;
    this.current = { status: 'unreachable', detail: clipped(error.message), since: new Date().toISOString(), failedAttempts: 0, nextAttemptInMs: this.pauseMs, warmedUp: this.warmed };
    operationsLog().warn(
      { event: 'store-unreachable', atLevel: this.level, detail: error.message, retryInMs: this.pauseMs, warmedUp: this.warmed },
      `[store ${this.level}] ${error.message}; the level refuses commands (503) and answers reads from its read model until the store answers; trying again in ${this.pauseMs} ms`,
    );
    this.scheduleAttempt();
  }

  private scheduleAttempt(): void {
    if (this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.attempting = this.attempt().finally(() => (this.attempting = undefined));
    }, this.pauseMs);
  }

  private async attempt(): Promise<void> {
    const condition = this.current;
    if (condition.status === 'reachable' || this.closed) return;
    try {
      if (this.warmed) await this.direct.headPosition();
      else await this.warmUp();
    } catch (error) {
      if (this.closed) return;
      this.pauseMs = Math.min((this.pauseMs ?? this.retry.firstPauseMs) * 2, this.retry.maxPauseMs);
      const detail = clipped(error instanceof Error ? error.message : String(error));
      this.current = { ...condition, detail, failedAttempts: condition.failedAttempts + 1, nextAttemptInMs: this.pauseMs };
      if (error instanceof StoreUnreachable) {
        operationsLog().debug({ event: 'store-still-unreachable', atLevel: this.level, attempt: condition.failedAttempts + 1, retryInMs: this.pauseMs }, `[store ${this.level}] still out of reach; trying again in ${this.pauseMs} ms`);
      } else {
        // The server answers but the warm-up failed on what it read: worth a stack trace.
        operationsLog().error({ event: 'store-warm-up-failed', atLevel: this.level, err: error, retryInMs: this.pauseMs }, `[store ${this.level}] warm-up failed; trying again in ${this.pauseMs} ms`);
      }
      this.scheduleAttempt();
      return;
    }
    if (this.closed) return;
    const wasWarm = this.warmed;
    this.warmed = true;
    this.current = { status: 'reachable' };
    this.pauseMs = undefined;
    operationsLog().info(
      { event: 'store-reachable', atLevel: this.level, downForMs: Date.now() - Date.parse(condition.since), failedAttempts: condition.failedAttempts, warmUpDone: !wasWarm },
      `[store ${this.level}] reachable again${wasWarm ? '' : ', warm-up done'}: the level takes commands and catches up`,
    );
    for (const listener of this.reachableListeners) listener();
  }
}
