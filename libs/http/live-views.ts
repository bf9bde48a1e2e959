import type { BeforeApplicationShutdown, MessageEvent } from '@nestjs/common';
import type { Subscriber } from 'rxjs';
import { Observable } from 'rxjs';
import type { Level } from '#domain';
import { LiveViewsUnavailable, TooManyLiveViews } from './problems.js';

export interface LiveViewLimits {
  /** Live views one actor may hold open (a few dashboards and tabs; more is a leak or a flood). */
  readonly maxPerActor: number;
  /** Live views the process holds open in all. */
  readonly maxTotal: number;
  /** How often each stream gets a comment line, so proxies do not close it as idle. */
  readonly heartbeatMillis: number;
  /**
   * Shortest time between two reads of one view. A view changed by every write would otherwise be
   * read and sent to all its subscribers after every write, and 1,000 subscribers would cost each
   * write a fan-out; a dashboard does not need more than a few updates a second.
   */
  readonly refreshMillis: number;
}

export const DEFAULT_LIVE_VIEW_LIMITS: LiveViewLimits = { maxPerActor: 20, maxTotal: 2_000, heartbeatMillis: 20_000, refreshMillis: 250 };

/** Slots free only as other clients leave, which nothing predicts: a refused client waits this long. */
const RETRY_AFTER_SECONDS = 10;

const KEEP_ALIVE: MessageEvent = { comment: 'keep-alive' };

/** One view the way every subscriber of it sees it. */
export interface LiveViewSource<T extends { position: number }> {
  /** Equal keys, equal content: subscribers of one key share every read (see `liveViewKey`). */
  readonly key: string;
  /** The SSE event name. */
  readonly type: string;
  /** The projection runner's change notifications. */
  readonly subscribe: (listener: (position: number) => void) => () => void;
  /** Reads the view as it stands; access was checked once, when each subscriber came. */
  readonly read: () => T | Promise<T>;
  /**
   * Milliseconds until the view would change by the clock alone (an open rectification, handover
   * or task falling due turns overdue with no new fact); undefined when nothing is due.
   */
  readonly untilClockChange?: () => number | undefined;
}

/** setTimeout's longest delay; a longer wait is taken in steps. */
const LONGEST_TIMER_MILLIS = 2 ** 31 - 1;

/** What makes two live views the same content, whoever watches them. */
export const liveViewKey = (
  level: Level,
  kind: 'report' | 'tasks',
  jurisdiction: string,
  scope: { roundId?: string; theme?: string; window?: { from: string | null; to: string | null } } = {},
): string => JSON.stringify([level, kind, jurisdiction, scope.roundId ?? null, scope.theme ?? null, scope.window?.from ?? null, scope.window?.to ?? null]);

/**
 * Streams sent a view in one turn of the event loop; between turns, other requests (commands) are
 * served. Ten take about a millisecond through Nest's SSE pipeline; with 50 a turn, 1,000
 * subscribers tripled the p99 of commands (bench live_fanout), with 10 it grew by about a third.
 */
const SENDS_PER_TURN = 10;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * One view and everyone watching it. One read at a time, at most one per `refreshMillis`: changes
 * during a read, while it is sent, or before the interval is over ask for exactly one more read,
 * which sees them all. So a view costs one read per burst of changes however many people watch it,
 * and a steady stream of writes costs at most one read and one fan-out per interval. A watcher is
 * sent a view only when its content (all but the position) differs from the last one it was sent.
 */
class SharedView<T extends { position: number }> {
  /** Each watcher and the version of the content it was sent last (0: none yet). */
  private readonly watchers = new Map<Subscriber<MessageEvent>, number>();
  private latest: MessageEvent | undefined;
  private latestContent = '';
  private version = 0;
  /** Reading, sending, or waiting for the interval before the next read. */
  private busy = false;
  private changedWhileBusy = false;
  private lastReadAt = Number.NEGATIVE_INFINITY;
  private closed = false;
  private readonly stopListening: () => void;
  /** Reads the view again when something in it falls due. */
  private clockTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly source: LiveViewSource<T>,
    private readonly refreshMillis: number,
    private readonly onClosed: () => void,
  ) {
    this.stopListening = source.subscribe(() => this.changed());
  }

  join(watcher: Subscriber<MessageEvent>): void {
    this.watchers.set(watcher, 0);
    // Every change starts a read or asks the one under way for another, so when the view is idle
    // the last view is current; while busy, a read as new as this watcher is coming and answers it.
    if (this.busy) return;
    if (this.latest) this.sendTo(watcher, this.latest);
    else this.changed();
  }

  leave(watcher: Subscriber<MessageEvent>): void {
    this.watchers.delete(watcher);
    if (this.watchers.size === 0) this.close();
  }

  private changed(): void {
    if (this.busy) this.changedWhileBusy = true;
    else void this.readUntilCurrent();
  }

  private async readUntilCurrent(): Promise<void> {
    this.busy = true;
    try {
      do {
        const wait = this.lastReadAt + this.refreshMillis - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait).unref());
        if (this.closed) return;
        this.changedWhileBusy = false;
        this.lastReadAt = performance.now();
        const view = await this.source.read();
        if (this.closed) return;
        const { position, ...content } = view;
        const text = JSON.stringify(content);
        if (text !== this.latestContent) {
          this.latestContent = text;
          this.version++;
        }
        // Serialized once here: Nest would serialize an object once per subscriber.
        const latest: MessageEvent = { type: this.source.type, id: String(position), data: JSON.stringify(view) };
        this.latest = latest;
        this.followClock();
        await this.fanOut(latest);
      } while (this.changedWhileBusy && !this.closed);
    } catch (error) {
      this.fail(error);
    } finally {
      this.busy = false;
    }
  }

  /** Reads again just after the next due date passes (due at an instant is not overdue at it). */
  private followClock(): void {
    clearTimeout(this.clockTimer);
    const wait = this.source.untilClockChange?.();
    if (wait === undefined || this.closed) return;
    this.clockTimer = setTimeout(() => this.changed(), Math.min(Math.max(wait + 1, 0), LONGEST_TIMER_MILLIS));
    this.clockTimer.unref();
  }

  /** Sends `event` to every watcher who lacks it, watchers who join meanwhile included (a Map iterates over them too). */
  private async fanOut(event: MessageEvent): Promise<void> {
    let sent = 0;
    for (const watcher of this.watchers.keys()) {
      if (sent > 0 && sent % SENDS_PER_TURN === 0) {
        await nextTurn();
        if (this.closed) return;
      }
      if (this.sendTo(watcher, event)) sent++;
    }
  }

  private sendTo(watcher: Subscriber<MessageEvent>, event: MessageEvent): boolean {
    if (this.watchers.get(watcher) === this.version) return false;
    this.watchers.set(watcher, this.version);
    watcher.next(event);
    return true;
  }

  /** A failed read ends every stream of the view; the next subscriber starts a fresh one. */
  private fail(error: unknown): void {
    const watchers = [...this.watchers.keys()];
    this.close();
    for (const watcher of watchers) watcher.error(error);
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.clockTimer);
    this.stopListening();
    this.onClosed();
  }
}

/**
 * Every live view (Server-Sent Events) the process serves: views shared by key, connections capped
 * per actor and in all, a heartbeat on each stream, and every stream ended on shutdown (an open
 * stream would otherwise hold the HTTP server's close, and SIGTERM, for as long as its client stays).
 */
export class LiveViews implements BeforeApplicationShutdown {
  private readonly views = new Map<string, SharedView<{ position: number }>>();
  private readonly heldByActor = new Map<string, number>();
  private held = 0;
  private readonly streams = new Set<Subscriber<MessageEvent>>();
  private shuttingDown = false;

  constructor(readonly limits: LiveViewLimits = DEFAULT_LIVE_VIEW_LIMITS) {}

  /** Connections holding a slot. */
  get open(): number {
    return this.held;
  }

  /** Views with at least one subscriber (each reads once per change). */
  get viewsWatched(): number {
    return this.views.size;
  }

  /**
   * Admits one more live view for `actorId`, or throws TooManyLiveViews / LiveViewsUnavailable
   * before anything is sent, so that the refusal is an ordinary problem+json answer. The slot is
   * held until `closed` aborts or the stream ends, whichever comes first: Nest aborts the SSE
   * signal on every end of the response, including a client that left before the stream was
   * subscribed (Nest then never subscribes it).
   */
  watch<T extends { position: number }>(actorId: string, closed: AbortSignal, source: LiveViewSource<T>): Observable<MessageEvent> {
    const release = this.admit(actorId);
    if (closed.aborted) release();
    else closed.addEventListener('abort', release, { once: true });
    return new Observable<MessageEvent>((subscriber) => {
      if (this.shuttingDown) {
        subscriber.complete();
        return;
      }
      this.streams.add(subscriber);
      const heartbeat = setInterval(() => subscriber.next(KEEP_ALIVE), this.limits.heartbeatMillis);
      heartbeat.unref();
      const view = this.viewOf(source);
      view.join(subscriber);
      return () => {
        clearInterval(heartbeat);
        this.streams.delete(subscriber);
        view.leave(subscriber);
        closed.removeEventListener('abort', release);
        release();
      };
    });
  }

  /** Ends every stream and admits no more, before the HTTP server waits for its connections to close. */
  beforeApplicationShutdown(): void {
    this.shuttingDown = true;
    for (const stream of [...this.streams]) stream.complete();
  }

  private admit(actorId: string): () => void {
    if (this.shuttingDown) throw new LiveViewsUnavailable('the server is shutting down', RETRY_AFTER_SECONDS);
    const ofActor = this.heldByActor.get(actorId) ?? 0;
    if (ofActor >= this.limits.maxPerActor) {
      throw new TooManyLiveViews(`actor ${actorId} has ${ofActor} live views open, the most one actor may; close one or retry later`, RETRY_AFTER_SECONDS);
    }
    if (this.held >= this.limits.maxTotal) {
      throw new LiveViewsUnavailable(`${this.held} live views are open, the most this server holds; retry later`, RETRY_AFTER_SECONDS);
    }
    this.held++;
    this.heldByActor.set(actorId, ofActor + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held--;
      const left = this.heldByActor.get(actorId)! - 1;
      if (left === 0) this.heldByActor.delete(actorId);
      else this.heldByActor.set(actorId, left);
    };
  }

  private viewOf<T extends { position: number }>(source: LiveViewSource<T>): SharedView<T> {
    const shared = this.views.get(source.key) as SharedView<T> | undefined;
    if (shared) return shared;
    const view: SharedView<T> = new SharedView(source, this.limits.refreshMillis, () => {
      if (this.views.get(source.key) === view) this.views.delete(source.key);
    });
    this.views.set(source.key, view as unknown as SharedView<{ position: number }>);
    return view;
  }
}
