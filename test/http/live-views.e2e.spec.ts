import { request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Actor } from '#domain';
import type { LiveViewLimits } from '#http';
import { LiveViews } from '#http';
import type { EmbeddedHarness } from '#scenario';
import { startEmbeddedHarness } from '#scenario';

const CITY_OFFICE: Actor = { id: 'zz-office', jurisdiction: '350600', role: 'leading-group' };
const CITY_TEAM: Actor = { id: 'zz-team', jurisdiction: '350600', role: 'team' };
const viewer = (id: string): Actor => ({ id, jurisdiction: '350600', role: 'viewer' });

/** One SSE request over its own socket, read as it comes (Fastify's inject waits for an end that never comes). */
interface Stream {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The data of every event received so far, parsed. */
  readonly events: Record<string, unknown>[];
  /** Comment lines received so far, without the leading ': '. */
  readonly comments: string[];
  /** The whole body, for a refusal (which ends at once). */
  readonly body: () => string;
  /** Resolves once the server ended the response or the connection closed. */
  readonly ended: Promise<void>;
  abort(): void;
}

const openStream = (port: number, path: string, token: string): Promise<Stream> =>
  new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } }, (res) => {
      const events: Record<string, unknown>[] = [];
      const comments: string[] = [];
      let text = '';
      let pending = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        pending += chunk;
        let end: number;
        while ((end = pending.indexOf('\n\n')) >= 0) {
          const frame = pending.slice(0, end);
          pending = pending.slice(end + 2);
          for (const line of frame.split('\n')) {
            if (line.startsWith('data: ')) events.push(JSON.parse(line.slice(6)) as Record<string, unknown>);
            else if (line.startsWith(': ')) comments.push(line.slice(2));
          }
        }
      });
      const ended = new Promise<void>((done) => {
        res.on('end', done);
        res.on('close', done);
        res.on('error', () => done());
      });
      resolve({ status: res.statusCode!, headers: res.headers, events, comments, body: () => text, ended, abort: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });

/** Polls `condition` until it holds; fails with `what` after `millis` rather than at the test's timeout. */
const eventually = async (what: string, condition: () => boolean, millis = 5_000): Promise<void> => {
  const deadline = Date.now() + millis;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not within ${millis} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe('live views over a listening socket', () => {
  let harness: EmbeddedHarness;
  let port: number;
  let closed = false;
  const streams: Stream[] = [];
  const token = (actor: Actor) => harness.tokens.mint(actor);
  const watch = async (path: string, actor: Actor) => {
    const stream = await openStream(port, path, await token(actor));
    streams.push(stream);
    return stream;
  };
  const post = async (command: string, body: unknown, actor: Actor) => {
    const response = await harness.command('city', `/v1/commands/${command}`, body, { authorization: `Bearer ${await token(actor)}` });
    expect(response.status).toBe(201);
  };
  const start = async (liveViews?: Partial<LiveViewLimits>) => {
    harness = await startEmbeddedHarness({ liveViews });
    closed = false;
    await harness.app.listen({ port: 0, host: '127.0.0.1' });
    port = (harness.app.getHttpServer().address() as AddressInfo).port;
  };
  const close = async () => {
    closed = true;
    await harness.close();
  };

  afterEach(async () => {
    for (const stream of streams.splice(0)) stream.abort();
    if (!closed) await close();
  });

  it('computes a report once per change for all its subscribers, and sends it to each', async () => {
    await start();
    await post('registerUnit', { unitId: 'za-depot', name: '诏安县中心粮库', jurisdiction: '350624' }, CITY_OFFICE);
    await post('planRound', { roundId: 'zz-r', title: '专项巡察', kind: 'special', theme: 'grain', targets: ['za-depot'] }, CITY_OFFICE);
    await post('launchRound', { roundId: 'zz-r' }, CITY_OFFICE);
    await post('formTeam', { teamId: 'zz-t', roundId: 'zz-r', leader: { personId: 'p1', homeJurisdiction: '350600' }, members: [] }, CITY_OFFICE);
    await post('stationTeam', { teamId: 'zz-t', unitIds: ['za-depot'] }, CITY_OFFICE);
    await harness.runtime.settle();

    const subscribers = await Promise.all(Array.from({ length: 20 }, (_, n) => watch('/v1/reports/350600/live', viewer(`viewer-${n}`))));
    await eventually('every subscriber has the current report', () => subscribers.every((stream) => stream.events.length === 1));

    const city = harness.runtime.node('city')!;
    const readModel = city.readModel;
    const report = readModel.report.bind(readModel);
    let computations = 0;
    readModel.report = (...args) => {
      computations++;
      return report(...args);
    };
    let changes = 0;
    const stopCounting = city.projections.onChange(() => changes++);
    try {
      await post('recordIssue', { issueId: 'i-live', roundId: 'zz-r', teamId: 'zz-t', unitId: 'za-depot', category: 'grain', summary: 'x' }, CITY_TEAM);
      await harness.runtime.settle();
      await eventually('every subscriber has the report with the new issue', () => subscribers.every((stream) => stream.events.at(-1)?.issuesFound === 1));
    } finally {
      stopCounting();
      readModel.report = report;
    }
    expect(changes).toBeGreaterThanOrEqual(1);
    // At most one read per change (a change during a read is folded into one more), not one per subscriber.
    expect(computations).toBeGreaterThanOrEqual(1);
    expect(computations).toBeLessThanOrEqual(changes);
    for (const stream of subscribers) expect(stream.events.map((event) => event.issuesFound)).toEqual([0, 1]);
  });

  it('pushes a report again when a rectification falls due, with no new fact', async () => {
    await start();
    const now = Date.now();
    harness.clock.set(new Date(now).toISOString());
    await post('registerUnit', { unitId: 'zz-bureau', name: '漳州市粮食局', jurisdiction: '350600' }, CITY_OFFICE);
    await post('planRound', { roundId: 'zz-r', title: '专项巡察', kind: 'special', targets: ['zz-bureau'] }, CITY_OFFICE);
    await post('launchRound', { roundId: 'zz-r' }, CITY_OFFICE);
    await post('formTeam', { teamId: 'zz-t', roundId: 'zz-r', leader: { personId: 'p1', homeJurisdiction: '350600' }, members: [] }, CITY_OFFICE);
    await post('stationTeam', { teamId: 'zz-t', unitIds: ['zz-bureau'] }, CITY_OFFICE);
    await post('recordIssue', { issueId: 'i-due', roundId: 'zz-r', teamId: 'zz-t', unitId: 'zz-bureau', category: 'grain', summary: 'x' }, CITY_TEAM);
    const dueBy = new Date(now + 1500).toISOString();
    await post('requireRectification', { rectificationId: 'r-due', issueId: 'i-due', unitId: 'zz-bureau', dueBy }, CITY_OFFICE);
    await harness.runtime.settle();

    const stream = await watch('/v1/reports/350600/live', viewer('clock-watcher'));
    await eventually('the first report', () => stream.events.length === 1);
    expect(stream.events[0]).toMatchObject({ rectifications: { required: 1, overdue: 0 } });
    const head = await harness.runtime.node('city')!.service.store.headPosition();
    // The world moves on past the due date; nothing is recorded.
    harness.clock.set(new Date(now + 1501).toISOString());
    await eventually('the report pushed again once the rectification is overdue', () => stream.events.length === 2, 5_000);
    expect(stream.events[1]).toMatchObject({ rectifications: { required: 1, overdue: 1 } });
    expect(await harness.runtime.node('city')!.service.store.headPosition()).toBe(head);
  });

  it('refuses an actor beyond its cap with 429 and anyone beyond the total with 503, and frees a slot when its client leaves', async () => {
    await start({ maxPerActor: 2, maxTotal: 3 });
    const first = await watch('/v1/reports/350600/live', CITY_OFFICE);
    const second = await watch('/v1/tasks/350600/live', CITY_OFFICE);
    expect([first.status, second.status]).toEqual([200, 200]);

    const overActor = await watch('/v1/reports/350600/live', CITY_OFFICE);
    expect(overActor.status).toBe(429);
    await overActor.ended;
    expect(overActor.headers['content-type']).toContain('application/problem+json');
    expect(Number(overActor.headers['retry-after'])).toBeGreaterThan(0);
    expect(JSON.parse(overActor.body())).toMatchObject({ type: 'urn:inspection-linkage:problem:TooManyLiveViews', title: 'TooManyLiveViews', status: 429 });

    expect((await watch('/v1/reports/350600/live', viewer('other'))).status).toBe(200);
    const overTotal = await watch('/v1/reports/350600/live', viewer('third'));
    expect(overTotal.status).toBe(503);
    await overTotal.ended;
    expect(overTotal.headers['content-type']).toContain('application/problem+json');
    expect(Number(overTotal.headers['retry-after'])).toBeGreaterThan(0);
    expect(JSON.parse(overTotal.body())).toMatchObject({ type: 'urn:inspection-linkage:problem:LiveViewsUnavailable', title: 'LiveViewsUnavailable', status: 503 });
    // Refusals hold nothing.
    const liveViews = harness.app.get(LiveViews);
    expect(liveViews.open).toBe(3);

    first.abort();
    await eventually('the slot of the client that left is free', () => liveViews.open === 2);
    const again = await watch('/v1/reports/350600/live', CITY_OFFICE);
    expect(again.status).toBe(200);
    await eventually('the new stream has the report', () => again.events.length === 1);
  });

  it('keeps an idle stream alive with comment lines at the heartbeat interval', async () => {
    await start({ heartbeatMillis: 100 });
    const stream = await watch('/v1/tasks/350600/live', CITY_OFFICE);
    await eventually('two keep-alive comments arrived', () => stream.comments.filter((comment) => comment === 'keep-alive').length >= 2, 3_000);
    expect(stream.events).toHaveLength(1);
  });

  it('ends every stream on shutdown, so that closing the app does not wait for the clients', async () => {
    await start();
    const streamsOpen = await Promise.all([
      watch('/v1/reports/350600/live', CITY_OFFICE),
      watch('/v1/reports/350600/live', viewer('v1')),
      watch('/v1/tasks/350600/live', viewer('v2')),
    ]);
    await eventually('every stream has its first view', () => streamsOpen.every((stream) => stream.events.length === 1));
    const started = Date.now();
    const outcome = await Promise.race([
      close().then(() => 'closed' as const),
      new Promise<'still open'>((resolve) => setTimeout(() => resolve('still open'), 5_000).unref()),
    ]);
    expect(outcome).toBe('closed');
    expect(Date.now() - started).toBeLessThan(5_000);
    const ends = await Promise.race([
      Promise.all(streamsOpen.map((stream) => stream.ended)).then(() => 'ended' as const),
      new Promise<'still streaming'>((resolve) => setTimeout(() => resolve('still streaming'), 2_000).unref()),
    ]);
    expect(ends).toBe('ended');
  });
});
