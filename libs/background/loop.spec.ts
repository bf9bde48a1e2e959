import { jest } from '@jest/globals';
import { BackgroundLoop } from './loop.js';
import { operationsLog } from '#observability';

/** Long enough that a test passing within it saw a wake, not the timer. */
const NEVER = 60_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const until = async (condition: () => boolean, what: string, timeoutMs = 2000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(1);
  }
};

/** A pass that can be held open: each call waits for `release()` when `hold` is set. */
const controllablePass = () => {
  const state = { passes: 0, running: 0, hold: false, release: () => undefined as void, more: false };
  const pass = async (): Promise<boolean> => {
    state.passes += 1;
    state.running += 1;
    if (state.hold) await new Promise<void>((resolve) => (state.release = resolve));
    state.running -= 1;
    return state.more;
  };
  return { state, pass };
};

describe('BackgroundLoop', () => {
  let loop: BackgroundLoop | undefined;
  afterEach(async () => {
    await loop?.stop();
    loop = undefined;
    jest.restoreAllMocks();
  });

  it('passes once when started, then sleeps while there is nothing to do', async () => {
    const { state, pass } = controllablePass();
    loop = new BackgroundLoop({ pass, idleMillis: NEVER, failure: 'test' });
    loop.start();
    loop.start();
    await until(() => state.passes === 1, 'the first pass');
    await sleep(30);
    expect(state.passes).toBe(1);
    expect(loop.running).toBe(true);
  });

  it('passes again at once while a pass says more may be waiting, letting timers run in between', async () => {
    let passes = 0;
    let passesWhenTheTimerRan: number | undefined;
    setTimeout(() => (passesWhenTheTimerRan = passes), 0);
    loop = new BackgroundLoop({ pass: async () => ++passes < 200, idleMillis: NEVER, failure: 'test' });
    loop.start();
    await until(() => passes === 200, '200 passes without a wake');
    // Passes that resolve in microtasks only would hold the timer off until the last of them.
    expect(passesWhenTheTimerRan).toBeLessThan(100);
  });

  it('wakes from its sleep when woken', async () => {
    const { state, pass } = controllablePass();
    loop = new BackgroundLoop({ pass, idleMillis: NEVER, failure: 'test' });
    loop.start();
    await until(() => state.passes === 1, 'the first pass');
    await sleep(20);
    loop.wake();
    await until(() => state.passes === 2, 'the pass after the wake');
  });

  it('does not lose a wake that comes while a pass runs: it passes again instead of sleeping', async () => {
    const { state, pass } = controllablePass();
    state.hold = true;
    loop = new BackgroundLoop({ pass, idleMillis: NEVER, failure: 'test' });
    loop.start();
    await until(() => state.running === 1, 'the first pass is running');
    loop.wake();
    state.hold = false;
    state.release();
    await until(() => state.passes === 2, 'the pass for the wake');
  });

  it('sleeps at most idleMillis without a wake', async () => {
    const { state, pass } = controllablePass();
    loop = new BackgroundLoop({ pass, idleMillis: 5, failure: 'test' });
    loop.start();
    await until(() => state.passes >= 3, 'passes after the idle time');
  });

  it('stops after the pass in flight: stop() resolves only when it has finished, and no pass follows', async () => {
    const { state, pass } = controllablePass();
    state.hold = true;
    state.more = true;
    loop = new BackgroundLoop({ pass, idleMillis: 1, failure: 'test' });
    loop.start();
    await until(() => state.running === 1, 'a pass is running');

    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    await sleep(20);
    expect(stopped).toBe(false);
    expect(loop.running).toBe(false);
    state.hold = false;
    state.release();
    await stopping;
    expect(state.running).toBe(0);
    const passes = state.passes;
    await sleep(30);
    expect(state.passes).toBe(passes);
  });

  it('stops from its sleep at once, and starts again afterwards', async () => {
    const { state, pass } = controllablePass();
    loop = new BackgroundLoop({ pass, idleMillis: NEVER, failure: 'test' });
    loop.start();
    await until(() => state.passes === 1, 'the first pass');
    const started = Date.now();
    await loop.stop();
    expect(Date.now() - started).toBeLessThan(1000);
    loop.start();
    await until(() => state.passes === 2, 'the first pass of the restarted loop');
  });

  it('never runs two passes at once when started again while it is stopping', async () => {
    const { state, pass } = controllablePass();
    state.hold = true;
    let most = 0;
    const counted = async (): Promise<boolean> => {
      const more = pass();
      most = Math.max(most, state.running);
      return more;
    };
    loop = new BackgroundLoop({ pass: counted, idleMillis: NEVER, failure: 'test' });
    loop.start();
    await until(() => state.running === 1, 'a pass is running');
    const stopping = loop.stop();
    loop.start();
    expect(loop.running).toBe(true);
    state.hold = false;
    state.release();
    await stopping;
    await until(() => state.passes === 2, 'the restarted loop passes');
    expect(most).toBe(1);
  });

  it('logs a failed pass with its failure line and tries again after the idle time', async () => {
    const errors: unknown[][] = [];
    jest.spyOn(operationsLog(), 'error').mockImplementation(((...parts: unknown[]) => void errors.push(parts)) as never);
    const failure = new Error('bus unreachable');
    let passes = 0;
    loop = new BackgroundLoop({
      pass: async () => {
        passes += 1;
        if (passes <= 2) throw failure;
        return false;
      },
      idleMillis: 5,
      failure: '[relay county] publishing failed',
    });
    loop.start();
    await until(() => passes === 3, 'the pass after two failures');
    expect(errors).toEqual([
      [{ event: 'background-pass-failed', err: failure }, '[relay county] publishing failed, will retry'],
      [{ event: 'background-pass-failed', err: failure }, '[relay county] publishing failed, will retry'],
    ]);
  });

  it('runs beforeFirstPass before the first pass of every start', async () => {
    const log: string[] = [];
    loop = new BackgroundLoop({
      beforeFirstPass: async () => void log.push('before'),
      pass: async () => {
        log.push('pass');
        return false;
      },
      idleMillis: NEVER,
      failure: 'test',
    });
    loop.start();
    await until(() => log.length === 2, 'the first pass');
    await loop.stop();
    loop.start();
    await until(() => log.length === 4, 'the first pass after the restart');
    expect(log).toEqual(['before', 'pass', 'before', 'pass']);
  });

  it('runs serialized work one at a time, in the order asked, passes included; a failure does not stop the line', async () => {
    const log: string[] = [];
    let inFlight = 0;
    let most = 0;
    const step = (label: string, fail = false) => async (): Promise<string> => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await sleep(3);
      log.push(label);
      inFlight -= 1;
      if (fail) throw new Error(label);
      return label;
    };
    const pass = async (): Promise<boolean> => {
      await step('pass')();
      return false;
    };
    loop = new BackgroundLoop({ pass, idleMillis: NEVER, failure: 'test' });
    const first = loop.serialized(step('first'));
    loop.start();
    const second = loop.serialized(step('second', true));
    const third = loop.serialized(step('third'));

    await expect(first).resolves.toBe('first');
    await expect(second).rejects.toThrow('second');
    await expect(third).resolves.toBe('third');
    await until(() => log.includes('pass'), 'the pass');
    expect(log.filter((label) => label !== 'pass')).toEqual(['first', 'second', 'third']);
    expect(log.indexOf('pass')).toBeGreaterThan(log.indexOf('first'));
    expect(most).toBe(1);
  });

  it('stop() waits for serialized work queued before it', async () => {
    const { state, pass } = controllablePass();
    loop = new BackgroundLoop({ pass, idleMillis: NEVER, failure: 'test' });
    let finished = false;
    void loop.serialized(async () => {
      await sleep(30);
      finished = true;
    });
    await loop.stop();
    expect(finished).toBe(true);
    expect(state.passes).toBe(0);
  });
});
