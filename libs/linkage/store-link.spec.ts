import type { EventStore } from '#event-store';
import { StoreUnreachable } from '#event-store';
import { MemoryEventStore } from '#event-store/adapters';
import { StoreLink } from './store-link.js';

/** A memory store whose server is "down" while `down()` says so: every call then throws StoreUnreachable, as the esdb adapter does. */
const cuttable = (down: () => boolean, calls: { count: number }): EventStore => {
  const store = new MemoryEventStore();
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function' || property === 'close') return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      return (...args: unknown[]) => {
        calls.count++;
        if (down()) return Promise.reject(new StoreUnreachable('EventStoreDB at 127.0.0.1:2113 cannot be reached: connection refused'));
        return (value as (...args: unknown[]) => unknown).apply(target, args);
      };
    },
  });
};

const until = async (condition: () => boolean, what: string): Promise<void> => {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
};

describe('StoreLink', () => {
  let link: StoreLink | undefined;
  afterEach(() => link?.close());

  it('at start with the store out of reach: refuses every call at once without reaching it, tries again with growing pauses, then warms up and wakes its listeners', async () => {
    let down = true;
    const calls = { count: 0 };
    let warmUps = 0;
    /** The pause before each attempt, as the link announced it. */
    const pauses: number[] = [];
    const store = cuttable(() => down, calls);
    link = new StoreLink('county', store, async () => {
      warmUps++;
      const condition = link!.condition;
      if (condition.status === 'unreachable') pauses.push(condition.nextAttemptInMs);
      await store.readAll();
    }, { firstPauseMs: 5, maxPauseMs: 20 });
    let woken = 0;
    link.onReachable(() => woken++);

    await link.open();
    expect(link.warmedUp).toBe(false);
    expect(link.condition).toMatchObject({ status: 'unreachable', warmedUp: false, detail: expect.stringContaining('127.0.0.1:2113') });
    const reached = calls.count;
    await expect(link.store.append('unit-a', 'no-stream', [{ id: 'e1', type: 'UnitRegistered', data: {}, metadata: {} }])).rejects.toThrow(/the county store is out of reach since .*127\.0\.0\.1:2113.*not read it since it started/);
    await expect(link.store.headPosition()).rejects.toBeInstanceOf(StoreUnreachable);
    expect(() => link!.assertWritable()).toThrow(StoreUnreachable);
    // Refused here: only the link's own attempts reach the store.
    expect(calls.count - reached).toBeLessThanOrEqual(warmUps);

    await until(() => pauses.length >= 4, 'four attempts');
    expect(pauses.slice(0, 4)).toEqual([5, 10, 20, 20]);
    expect(woken).toBe(0);

    down = false;
    await until(() => link!.condition.status === 'reachable', 'the store is reachable');
    expect(link.warmedUp).toBe(true);
    expect(woken).toBe(1);
    await expect(link.store.append('unit-a', 'no-stream', [{ id: 'e1', type: 'UnitRegistered', data: {}, metadata: {} }])).resolves.toMatchObject({ position: 1 });
  });

  it('loses the store when a call finds it gone, and finds it again with a head read (the warm-up is done once)', async () => {
    let down = false;
    let warmUps = 0;
    link = new StoreLink('city', cuttable(() => down, { count: 0 }), async () => void warmUps++, { firstPauseMs: 5, maxPauseMs: 20 });
    let woken = 0;
    link.onReachable(() => woken++);
    await link.open();
    expect(link.condition).toEqual({ status: 'reachable' });

    down = true;
    await expect(link.store.readAll()).rejects.toThrow(/cannot be reached: connection refused/);
    expect(link.condition).toMatchObject({ status: 'unreachable', warmedUp: true });
    await expect(link.store.readAll()).rejects.toThrow(/the city store is out of reach since/);

    down = false;
    await until(() => link!.condition.status === 'reachable', 'the store is reachable again');
    expect(warmUps).toBe(1);
    expect(woken).toBe(1);
    await expect(link.store.headPosition()).resolves.toBe(0);
  });

  it('lets any other failure through without marking the store unreachable', async () => {
    const store = new MemoryEventStore();
    link = new StoreLink('province', store, async () => undefined);
    await link.open();
    await expect(link.store.append('unit-a', 0, [{ id: 'e1', type: 'UnitRegistered', data: {}, metadata: {} }])).rejects.toThrow(/expected revision 0/);
    expect(link.condition).toEqual({ status: 'reachable' });
  });
});
