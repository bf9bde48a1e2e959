import type { MessageEvent } from '@nestjs/common';
import { ProjectionChanges, ReadsAnsweredByHand, settled } from '../../test/support/live-view-doubles.js';
import type { LiveViewLimits } from './live-views.js';
import { LiveViews, liveViewKey } from './live-views.js';
import { LiveViewsUnavailable, TooManyLiveViews } from './problems.js';

const CITY_REPORT = liveViewKey('city', 'report', '350600');

/** A hub whose views all read through `reads` and hear of changes through `changes`. */
const hub = (limits: Partial<LiveViewLimits> = {}) => {
  const views = new LiveViews({ maxPerActor: 1_000, maxTotal: 1_000, heartbeatMillis: 3_600_000, refreshMillis: 0, ...limits });
  const reads = new ReadsAnsweredByHand();
  const changes = new ProjectionChanges();
  const watch = (actorId = 'zz-office', key = CITY_REPORT) => {
    const connection = new AbortController();
    const pushed: MessageEvent[] = [];
    const errors: unknown[] = [];
    const ended = { completed: false };
    const stream = views.watch(actorId, connection.signal, { key, type: 'report', subscribe: changes.subscribe, read: reads.read });
    const subscription = stream.subscribe({
      next: (event) => pushed.push(event),
      error: (error: unknown) => errors.push(error),
      complete: () => (ended.completed = true),
    });
    /** The views pushed, parsed; heartbeats left out. */
    const received = () => pushed.filter((event) => event.comment === undefined).map((event) => JSON.parse(event.data as string) as unknown);
    return { pushed, received, errors, ended, subscription, connection };
  };
  return { views, reads, changes, watch };
};

describe('a live view', () => {
  it('reads and pushes the current view on subscribe, serialized once for every stream', async () => {
    const { reads, watch } = hub();
    const { pushed } = watch();
    await settled();
    expect(reads.started).toBe(1);
    await reads.answer({ position: 3, issuesFound: 1 });
    expect(pushed).toEqual([{ type: 'report', id: '3', data: '{"position":3,"issuesFound":1}' }]);
  });

  it('answers any number of changes during a read with exactly one more read, whose newest view it pushes', async () => {
    const { reads, changes, watch } = hub();
    const { received } = watch();
    for (let position = 4; position <= 9; position++) changes.notify(position);
    await settled();
    expect(reads.started).toBe(1);

    await reads.answer({ position: 3, issuesFound: 1 });
    expect(reads.started).toBe(2);
    changes.notify(10);
    changes.notify(11);
    await reads.answer({ position: 9, issuesFound: 6 });
    expect(reads.started).toBe(3);
    await reads.answer({ position: 11, issuesFound: 8 });

    expect(reads.started).toBe(3);
    expect(received()).toEqual([
      { position: 3, issuesFound: 1 },
      { position: 9, issuesFound: 6 },
      { position: 11, issuesFound: 8 },
    ]);
    // Idle again: the next change is read at once.
    changes.notify(12);
    await settled();
    expect(reads.started).toBe(4);
  });

  it('does not push a view again when only its position moved', async () => {
    const { reads, changes, watch } = hub();
    const { pushed } = watch();
    await reads.answer({ position: 3, issuesFound: 1 });
    changes.notify(4);
    await reads.answer({ position: 4, issuesFound: 1 });
    changes.notify(5);
    await reads.answer({ position: 5, issuesFound: 2 });
    expect(pushed.map((event) => event.id)).toEqual(['3', '5']);
  });

  it('ends the stream with a failed read’s error, and reads no more', async () => {
    const { views, reads, changes, watch } = hub();
    const { pushed, errors } = watch();
    changes.notify(4);
    const failure = new Error('read model is closed');
    await reads.fail(failure);
    expect(errors).toEqual([failure]);
    expect(changes.subscribed).toBe(0);
    expect(views.open).toBe(0);
    changes.notify(5);
    await settled();
    expect(reads.started).toBe(1);
    expect(pushed).toEqual([]);
  });

  it('stops reading when the client goes away, a read under way included', async () => {
    const { reads, changes, watch } = hub();
    const { pushed, subscription } = watch();
    changes.notify(4);
    subscription.unsubscribe();
    expect(changes.subscribed).toBe(0);
    await reads.answer({ position: 4, issuesFound: 2 });
    expect(reads.started).toBe(1);
    expect(pushed).toEqual([]);
  });
});

describe('live views shared by their subscribers', () => {
  it('reads a view once per change however many watch it, and sends each of them every new view', async () => {
    const { reads, changes, watch } = hub();
    const watchers = Array.from({ length: 50 }, (_, n) => watch(`viewer-${n}`));
    // The fan-out takes a few turns of the event loop (see the next test).
    const everyWatcherHas = async (views: number) => {
      while (watchers.some((watcher) => watcher.received().length < views)) await settled();
    };
    await settled();
    expect(reads.started).toBe(1);
    await reads.answer({ position: 3, issuesFound: 1 });
    await everyWatcherHas(1);
    changes.notify(4);
    await reads.answer({ position: 4, issuesFound: 2 });
    await everyWatcherHas(2);
    expect(reads.started).toBe(2);
    expect(changes.subscribed).toBe(1);
    for (const watcher of watchers) expect(watcher.received()).toEqual([
      { position: 3, issuesFound: 1 },
      { position: 4, issuesFound: 2 },
    ]);
  });

  it('sends a late subscriber the current view at once, without reading it again', async () => {
    const { reads, changes, watch } = hub();
    watch('first');
    await reads.answer({ position: 3, issuesFound: 1 });
    changes.notify(4);
    await reads.answer({ position: 4, issuesFound: 1 });
    const late = watch('late');
    expect(late.pushed).toEqual([{ type: 'report', id: '4', data: '{"position":4,"issuesFound":1}' }]);
    expect(reads.started).toBe(2);
  });

  it('answers a subscriber who comes during a read with that read, which is as new as the subscription', async () => {
    const { reads, changes, watch } = hub();
    const first = watch('first');
    await reads.answer({ position: 3, issuesFound: 1 });
    changes.notify(4);
    await settled();
    const late = watch('late');
    await reads.answer({ position: 4, issuesFound: 1 });
    expect(reads.started).toBe(2);
    // Same content for the first (nothing to send), the view itself for the newcomer.
    expect(first.received()).toEqual([{ position: 3, issuesFound: 1 }]);
    expect(late.received()).toEqual([{ position: 4, issuesFound: 1 }]);
  });

  it('reads a view at most once per refresh interval, the first change at once and the ones after it together', async () => {
    const { reads, changes, watch } = hub({ refreshMillis: 200 });
    const { received } = watch();
    await reads.answer({ position: 3, issuesFound: 1 });
    const answered = performance.now();
    for (let position = 4; position <= 9; position++) changes.notify(position);
    await settled();
    expect(reads.started).toBe(1);
    while (reads.started === 1) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(performance.now() - answered).toBeGreaterThanOrEqual(150);
    await reads.answer({ position: 9, issuesFound: 6 });
    expect(received()).toEqual([
      { position: 3, issuesFound: 1 },
      { position: 9, issuesFound: 6 },
    ]);
  });

  it('lets other work run between chunks of a large fan-out', async () => {
    const { reads, watch } = hub();
    const watchers = Array.from({ length: 120 }, (_, n) => watch(`viewer-${n}`));
    const served = () => watchers.filter((watcher) => watcher.pushed.length > 0).length;
    // answer() returns after one turn of the event loop: the fan-out must not have finished by then.
    await reads.answer({ position: 3, issuesFound: 1 });
    expect(served()).toBeGreaterThan(0);
    expect(served()).toBeLessThan(120);
    while (served() < 120) await settled();
    expect(reads.started).toBe(1);
  });

  it('reads views of different keys separately', async () => {
    const { reads, watch } = hub();
    watch('a', CITY_REPORT);
    watch('b', liveViewKey('city', 'report', '350600', { roundId: 'zz-r' }));
    watch('c', liveViewKey('city', 'tasks', '350600'));
    await settled();
    expect(reads.started).toBe(3);
  });

  it('keeps reading for those who stay, and stops listening and reading once nobody watches', async () => {
    const { views, reads, changes, watch } = hub();
    const leaving = watch('leaving');
    const staying = watch('staying');
    await reads.answer({ position: 3, issuesFound: 1 });
    leaving.subscription.unsubscribe();
    changes.notify(4);
    await reads.answer({ position: 4, issuesFound: 2 });
    expect(staying.received()).toEqual([
      { position: 3, issuesFound: 1 },
      { position: 4, issuesFound: 2 },
    ]);
    expect(leaving.received()).toEqual([{ position: 3, issuesFound: 1 }]);

    staying.subscription.unsubscribe();
    expect(changes.subscribed).toBe(0);
    expect(views.viewsWatched).toBe(0);
    changes.notify(5);
    await settled();
    expect(reads.started).toBe(2);
    // A newcomer after that gets a fresh read, not what was read before everyone left.
    watch('newcomer');
    await settled();
    expect(reads.started).toBe(3);
  });
});

describe('live view connections', () => {
  it('refuses an actor beyond its cap (TooManyLiveViews) and leaves the refused connection uncounted', () => {
    const { views, watch } = hub({ maxPerActor: 2 });
    watch('zz-office');
    watch('zz-office');
    expect(() => watch('zz-office')).toThrow(TooManyLiveViews);
    expect(views.open).toBe(2);
    watch('za-office');
    expect(views.open).toBe(3);
  });

  it('refuses anyone beyond the total (LiveViewsUnavailable), with a time to retry after', () => {
    const { views, watch } = hub({ maxTotal: 2 });
    watch('a');
    watch('b');
    let refusal: unknown;
    try {
      watch('c');
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(LiveViewsUnavailable);
    expect((refusal as LiveViewsUnavailable).retryAfterSeconds).toBeGreaterThan(0);
    expect(views.open).toBe(2);
  });

  it('frees a slot when its connection closes, also when the stream was never subscribed, and only once', () => {
    const { views, changes } = hub({ maxPerActor: 1 });
    const source = { key: CITY_REPORT, type: 'report', subscribe: changes.subscribe, read: async () => ({ position: 1 }) };
    // The client leaves while the handler still runs: Nest aborts the signal and never subscribes.
    const gone = new AbortController();
    views.watch('zz-office', gone.signal, source);
    expect(views.open).toBe(1);
    gone.abort();
    expect(views.open).toBe(0);

    const connection = new AbortController();
    const subscription = views.watch('zz-office', connection.signal, source).subscribe();
    expect(() => views.watch('zz-office', new AbortController().signal, source)).toThrow(TooManyLiveViews);
    subscription.unsubscribe();
    connection.abort();
    expect(views.open).toBe(0);
    views.watch('zz-office', new AbortController().signal, source);
    expect(views.open).toBe(1);
  });

  it('sends a keep-alive comment on every stream at the heartbeat interval', async () => {
    const { watch } = hub({ heartbeatMillis: 10 });
    const { pushed } = watch();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(pushed.filter((event) => event.comment === 'keep-alive').length).toBeGreaterThanOrEqual(2);
  });

  it('ends every stream on shutdown and admits no more', async () => {
    const { views, reads, changes, watch } = hub();
    const watchers = [watch('a'), watch('b'), watch('c', liveViewKey('city', 'tasks', '350600'))];
    views.beforeApplicationShutdown();
    for (const watcher of watchers) expect(watcher.ended.completed).toBe(true);
    expect(views.open).toBe(0);
    expect(changes.subscribed).toBe(0);
    expect(() => watch('d')).toThrow(LiveViewsUnavailable);
  });
});
