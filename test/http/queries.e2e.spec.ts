import type { AddressInfo } from 'node:net';
import type { Actor } from '#domain';
import type { EmbeddedHarness } from '#scenario';
import { startEmbeddedHarness } from '#scenario';

const CITY_OFFICE: Actor = { id: 'zz-office', jurisdiction: '350600', role: 'leading-group' };
const CITY_TEAM: Actor = { id: 'zz-team', jurisdiction: '350600', role: 'team' };

describe('reports and task streams over HTTP', () => {
  let harness: EmbeddedHarness;
  const http = () => harness.app.getHttpAdapter().getInstance();
  const token = (actor: Actor) => harness.tokens.mint(actor);
  const post = async (command: string, body: unknown, actor: Actor) => {
    const response = await http().inject({
      method: 'POST',
      url: `/v1/commands/${command}`,
      headers: { authorization: `Bearer ${await token(actor)}`, 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });
    expect(response.statusCode).toBe(201);
    return JSON.parse(response.body) as { level: string; position: number };
  };
  const get = async (url: string, actor?: Actor) => {
    const response = await http().inject({ method: 'GET', url, headers: actor ? { authorization: `Bearer ${await token(actor)}` } : {} });
    return { status: response.statusCode, body: JSON.parse(response.body) as Record<string, unknown>, raw: response.body };
  };

  beforeEach(async () => {
    harness = await startEmbeddedHarness();
    harness.clock.set('2021-10-01T01:00:00.000Z');
    await post('registerUnit', { unitId: 'za-depot', name: '诏安县中心粮库', jurisdiction: '350624' }, CITY_OFFICE);
    await post('planRound', { roundId: 'zz-r', title: '专项巡察', kind: 'special', theme: 'grain', targets: ['za-depot'] }, CITY_OFFICE);
    await post('launchRound', { roundId: 'zz-r' }, CITY_OFFICE);
    await post('formTeam', { teamId: 'zz-t', roundId: 'zz-r', leader: { personId: 'p1', homeJurisdiction: '350600' }, members: [] }, CITY_OFFICE);
    await post('stationTeam', { teamId: 'zz-t', unitIds: ['za-depot'] }, CITY_OFFICE);
  });
  afterEach(async () => harness.close());

  it('reads its own write: a command position makes the read wait until the projection has it', async () => {
    const written = await post('recordIssue', { issueId: 'i1', roundId: 'zz-r', teamId: 'zz-t', unitId: 'za-depot', category: 'grain', summary: '账实不符' }, CITY_TEAM);
    const report = await get(`/v1/reports/350600?after=${written.level}:${written.position}`, CITY_OFFICE);
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({ jurisdiction: '350600', issuesFound: 1, units: { registered: 1, inspected: 1, coverage: 1 } });
    expect(report.body.position).toBeGreaterThanOrEqual(written.position);
    expect(report.body.children).toEqual(expect.arrayContaining([expect.objectContaining({ jurisdiction: '350624', issuesFound: 1 })]));
  });

  it('refuses a position of another level rather than pretending to wait for it', async () => {
    const response = await get('/v1/reports/350600?after=county:5', CITY_OFFICE);
    expect(response.status).toBe(421);
  });

  it('refuses a read without a token (401) and a read of a sibling (403), revealing nothing', async () => {
    const anonymous = await get('/v1/reports/350624');
    expect(anonymous.status).toBe(401);
    expect(anonymous.raw).not.toContain('issuesFound');
    const sibling = await get('/v1/reports/350624', { id: 'dongshan', jurisdiction: '350626', role: 'viewer' });
    expect(sibling.status).toBe(403);
    expect(sibling.raw).not.toContain('issuesFound');
    // An unknown jurisdiction is refused exactly like a sibling: existence is not revealed either.
    const unknown = await get('/v1/reports/359999', { id: 'dongshan', jurisdiction: '350626', role: 'viewer' });
    expect(unknown.status).toBe(403);
    expect(unknown.body.detail).toEqual(String(sibling.body.detail).replace('350624', '359999'));
  });

  it('lets viewers and auditors read within their subtree', async () => {
    await harness.runtime.settle();
    expect((await get('/v1/reports/350624', { id: 'v', jurisdiction: '350600', role: 'viewer' })).status).toBe(200);
    expect((await get('/v1/tasks/350624', { id: 'a', jurisdiction: '350000', role: 'auditor' })).status).toBe(200);
    expect((await get('/v1/reports/350600', { id: 'v', jurisdiction: '350624', role: 'viewer' })).status).toBe(403);
  });

  it('answers 404 for a round scope the level does not know and 400 for roundId with theme', async () => {
    expect((await get('/v1/reports/350600?roundId=nope', CITY_OFFICE)).status).toBe(404);
    expect((await get('/v1/reports/350600?roundId=zz-r&theme=grain', CITY_OFFICE)).status).toBe(400);
  });

  it('reads a report over a window of domain time, and refuses a bound that is no Shanghai midnight or a window that is empty, naming field and rule', async () => {
    harness.clock.set('2021-10-02T01:00:00.000Z');
    await post('receivePetitions', { teamId: 'zz-t', channel: 'visit', count: 35 }, CITY_TEAM);
    harness.clock.set('2021-10-03T01:00:00.000Z');
    const written = await post('receivePetitions', { teamId: 'zz-t', channel: 'letter', count: 13 }, CITY_TEAM);
    const after = `after=${written.level}:${written.position}`;
    // 2021-10-03T00:00+08:00 is 2021-10-02T16:00Z: the letters of 01:00Z on the 3rd fall after it, the visits before.
    const before3rd = await get(`/v1/reports/350600?${after}&to=${encodeURIComponent('2021-10-03T00:00:00+08:00')}`, CITY_OFFICE);
    expect(before3rd.status).toBe(200);
    expect(before3rd.body).toMatchObject({ petitions: 35, petitionsByChannel: { visit: 35, letter: 0 }, scope: { window: { from: null, to: '2021-10-02T16:00:00.000Z' } } });
    const from3rd = await get(`/v1/reports/350600?${after}&from=${encodeURIComponent('2021-10-02T16:00:00Z')}`, CITY_OFFICE);
    expect(from3rd.body).toMatchObject({ petitions: 13, petitionsByChannel: { visit: 0, letter: 13 }, teams: { formed: 0, stationed: 0 }, units: { inspected: 0, coverage: 0 } });
    const whole = await get(`/v1/reports/350600?${after}`, CITY_OFFICE);
    expect(whole.body).toMatchObject({ petitions: 48, petitionsByChannel: { visit: 35, letter: 13 }, units: { inspected: 1 } });
    expect(whole.body.scope).toEqual({});

    const refused = async (query: string, field: string, rule: string) => {
      const response = await get(`/v1/reports/350600?${query}`, CITY_OFFICE);
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ errors: [expect.objectContaining({ field, rule })] });
      expect(response.raw).not.toContain('petitions');
    };
    await refused(`from=${encodeURIComponent('2021-10-03T09:00:00+08:00')}`, 'from', 'wholeDay');
    await refused(`to=${encodeURIComponent('2021-10-03T00:00:00Z')}`, 'to', 'wholeDay');
    await refused(`from=${encodeURIComponent('2021-10-03T00:00:00+08:00')}&to=${encodeURIComponent('2021-10-03T00:00:00+08:00')}`, 'to', 'afterFrom');
    await refused(`from=${encodeURIComponent('2021-10-04T00:00:00+08:00')}&to=${encodeURIComponent('2021-10-03T00:00:00+08:00')}`, 'to', 'afterFrom');
    await refused('from=2021-13-01T00:00:00%2B08:00', 'from', 'isInstant');
    await refused('from=yesterday', 'from', 'isInstant');
    // A read writes nothing: the store holds what it held before the refusals.
    expect(await harness.runtime.node('city')!.service.store.headPosition()).toBe(written.position);
  });

  it('lists a task stream with status, overdue flag and history', async () => {
    const province: Actor = { id: 'fj-office', jurisdiction: '350000', role: 'leading-group' };
    await post('assignTask', { taskId: 't1', toJurisdiction: '350600', kind: 'report', title: '报送', dueBy: '2021-10-15T00:00:00+08:00' }, province);
    await harness.runtime.settle();
    await post('acceptTask', { taskId: 't1', note: '收到' }, CITY_OFFICE);
    await post('reportTaskProgress', { taskId: 't1', note: '过半', percent: 50 }, CITY_OFFICE);
    harness.clock.set('2021-10-20T00:00:00.000Z');
    await harness.runtime.settle();
    const stream = await get('/v1/tasks/350600', CITY_OFFICE);
    expect(stream.body).toMatchObject({ count: 1, open: 1, overdue: 1, completed: 0 });
    const [task] = stream.body.tasks as Record<string, unknown>[];
    expect(task).toMatchObject({ taskId: 't1', status: 'in-progress', overdue: true, percent: 50, from: '350000' });
    expect((task!.history as { type: string }[]).map((entry) => entry.type)).toEqual(['TaskAssigned', 'TaskAccepted', 'TaskProgressReported']);
  });

  it('pushes the report over Server-Sent Events when it changes', async () => {
    await harness.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = harness.app.getHttpServer().address() as AddressInfo;
    const controller = new AbortController();
    const response = await fetch(`http://127.0.0.1:${port}/v1/reports/350600/live`, {
      headers: { authorization: `Bearer ${await token(CITY_OFFICE)}` },
      signal: controller.signal,
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let received = '';
    const nextReport = async (): Promise<Record<string, unknown>> => {
      for (;;) {
        const end = received.indexOf('\n\n');
        if (end >= 0) {
          const frame = received.slice(0, end);
          received = received.slice(end + 2);
          const data = frame.split('\n').find((line) => line.startsWith('data: '));
          if (data) return JSON.parse(data.slice(6)) as Record<string, unknown>;
          continue;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        received += decoder.decode(value, { stream: true });
      }
    };
    const first = await nextReport();
    await post('recordIssue', { issueId: 'i-live', roundId: 'zz-r', teamId: 'zz-t', unitId: 'za-depot', category: 'grain', summary: 'x' }, CITY_TEAM);
    let latest = first;
    while ((latest.issuesFound as number) < 1) latest = await nextReport();
    expect(first.issuesFound).toBe(0);
    expect(latest.issuesFound).toBe(1);
    controller.abort();
  });

  it('rebuilds a level on an admin request only, to the same report, and shows lag per projection', async () => {
    await post('recordIssue', { issueId: 'i-rebuild', roundId: 'zz-r', teamId: 'zz-t', unitId: 'za-depot', category: 'grain', summary: 'x' }, CITY_TEAM);
    await harness.runtime.settle();
    const before = await get('/v1/reports/350600', CITY_OFFICE);
    const rebuild = async (actor: Actor) =>
      http().inject({ method: 'POST', url: '/v1/admin/projections/city/rebuild', headers: { authorization: `Bearer ${await token(actor)}` } });
    expect((await rebuild(CITY_OFFICE)).statusCode).toBe(403);
    const rebuilt = await rebuild({ id: 'ops', jurisdiction: '350000', role: 'admin' });
    expect(rebuilt.statusCode).toBe(200);
    expect(JSON.parse(rebuilt.body)).toMatchObject({ level: 'city', events: expect.any(Number) });
    const after = await get('/v1/reports/350600', CITY_OFFICE);
    expect({ ...after.body, asOf: undefined }).toEqual({ ...before.body, asOf: undefined });
    const lag = await get('/v1/projections', CITY_OFFICE);
    expect(lag.body).toEqual(
      expect.arrayContaining([
        { level: 'city', projections: [expect.objectContaining({ projection: 'upward-report', lag: 0 }), expect.objectContaining({ projection: 'task-stream', lag: 0 })] },
      ]),
    );
  });
  it('replays a level relay on an admin request only: receivers count the facts again as duplicates and nothing is recorded twice', async () => {
    const ADMIN: Actor = { id: 'ops', jurisdiction: '350000', role: 'admin' };
    await post('recordIssue', { issueId: 'i-replay', roundId: 'zz-r', teamId: 'zz-t', unitId: 'za-depot', category: 'grain', summary: 'x' }, CITY_TEAM);
    await harness.runtime.settle();
    type Status = { level: string; head: number; relay: { checkpoint: number }; inbox: { recorded: number; duplicates: number } };
    const statusOf = async (level: string) => ((await get('/v1/status', ADMIN)).body as unknown as Status[]).find((entry) => entry.level === level)!;
    const replay = async (actor: Actor, body: unknown) =>
      http().inject({
        method: 'POST',
        url: '/v1/admin/relay/city/replay',
        headers: { authorization: `Bearer ${await token(actor)}`, 'content-type': 'application/json' },
        payload: JSON.stringify(body),
      });
    const [cityBefore, provinceBefore] = [await statusOf('city'), await statusOf('province')];
    const reportBefore = await get('/v1/reports/350000', ADMIN);

    // Refused: not an admin, a negative position, an unknown field. None moves the checkpoint.
    expect((await replay(CITY_OFFICE, { afterPosition: 0 })).statusCode).toBe(403);
    const negative = await replay(ADMIN, { afterPosition: -1 });
    expect(negative.statusCode).toBe(400);
    expect(JSON.parse(negative.body)).toMatchObject({ errors: [expect.objectContaining({ field: 'afterPosition', rule: 'min' })] });
    expect((await replay(ADMIN, { afterPosition: 0, everything: true })).statusCode).toBe(400);
    expect((await statusOf('city')).relay.checkpoint).toBe(cityBefore.relay.checkpoint);

    const replayed = await replay(ADMIN, { afterPosition: 0 });
    expect(replayed.statusCode).toBe(200);
    expect(JSON.parse(replayed.body)).toEqual({ level: 'city', previousCheckpoint: cityBefore.relay.checkpoint, checkpoint: 0 });
    await harness.runtime.settle();

    const [cityAfter, provinceAfter] = [await statusOf('city'), await statusOf('province')];
    expect(cityAfter.relay.checkpoint).toBe(cityBefore.relay.checkpoint);
    // Everything the province had from the city came again, and was recognised.
    expect(provinceAfter.inbox.recorded).toBe(provinceBefore.inbox.recorded);
    expect(provinceAfter.inbox.duplicates).toBeGreaterThan(provinceBefore.inbox.duplicates);
    expect(provinceAfter.head).toBe(provinceBefore.head);
    expect({ ...(await get('/v1/reports/350000', ADMIN)).body, asOf: undefined }).toEqual({ ...reportBefore.body, asOf: undefined });
  });
});
