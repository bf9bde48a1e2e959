// A level whose EventStoreDB server is out of reach when it starts, or goes away later: the process
// starts and serves reads from its read model, refuses commands with 503 and writes nothing, says
// so on readiness, in /metrics and in one log line, and takes commands again and catches up once
// the server answers, without a restart (issue: degrade, don't die). Over the gRPC fake: the real
// client, a real port with nothing listening on it.
import { Writable } from 'node:stream';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { InprocBus } from '#bus/adapters';
import type { Actor } from '#domain';
import { TokenService, createHttpApp } from '#http';
import { LinkageRuntime, metadataOf, openChainedEsdbStore, systemClock } from '#linkage';
import type { OperationsLogger } from '#observability';
import { createOperationsLog, operationsLog, useOperationsLog } from '#observability';
import { EsdbFakeServer } from '../fakes/esdb/esdb-fake-server.js';

const COUNTY_OFFICE: Actor = { id: 'za-office', jurisdiction: '350624', role: 'leading-group' };
/** Short pauses between attempts to reach the store: the test takes seconds, not the default's minutes. */
const STORE_RETRY = { firstPauseMs: 50, maxPauseMs: 200 };
const WAIT_MS = 20_000;

const waitFor = async <T>(probe: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> => {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what} (last: ${JSON.stringify(value)})`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
};

describe('a level whose EventStoreDB server is out of reach', () => {
  let fake: EsdbFakeServer;
  let runtime: LinkageRuntime | undefined;
  let app: NestFastifyApplication | undefined;
  let tokens: TokenService;
  let previousLog: OperationsLogger;
  let logLines: Record<string, unknown>[];

  const request = async (method: 'GET' | 'POST', url: string, body?: object) => {
    const response = await app!.getHttpAdapter().getInstance().inject({
      method,
      url,
      headers: { authorization: `Bearer ${await tokens.mint(COUNTY_OFFICE)}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { payload: JSON.stringify(body) } : {}),
    });
    return { status: response.statusCode, headers: response.headers, text: response.body, body: JSON.parse(response.body || 'null') as Record<string, unknown> };
  };
  const registerUnit = (unitId: string) => request('POST', '/v1/commands/registerUnit', { unitId, name: '诏安县单位', jurisdiction: '350624', kind: 'soe' });
  const unitsInCountyReport = async () => ((await request('GET', '/v1/reports/350624')).body.units as { registered: number }).registered;
  const storedEvents = () => fake.storage.loggedEvents.filter((event) => event.streamName.startsWith('county.'));
  const cityReceived = async (eventId: string) => (await runtime!.node('city')!.service.store.readAll()).some((fact) => metadataOf(fact).origin?.eventId === eventId);

  const startLevels = async (cityServer?: EsdbFakeServer) => {
    runtime = await LinkageRuntime.start({
      levels: ['county', 'city'],
      clock: systemClock,
      bus: new InprocBus(),
      openStore: (level) => openChainedEsdbStore((level === 'city' && cityServer ? cityServer : fake).connectionString, level),
      storeRetry: STORE_RETRY,
    });
    tokens = await TokenService.withNewKeys({ levelOf: (jurisdiction) => runtime!.levelOf(jurisdiction) });
    app = await createHttpApp({ runtime, tokens, logger: false, swaggerUi: false });
  };

  beforeEach(async () => {
    fake = await EsdbFakeServer.start();
    previousLog = operationsLog();
    logLines = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) logLines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    useOperationsLog(createOperationsLog({ level: 'info', destination }));
  });
  afterEach(async () => {
    await app?.close();
    await runtime?.stop();
    app = undefined;
    runtime = undefined;
    await fake.stop();
    useOperationsLog(previousLog);
  });

  it('starts, serves reads, refuses commands with 503 and writes nothing; once the server answers it warms up, takes commands and catches up', async () => {
    // What the county recorded before this start, which its new read model and relay have not seen.
    await startLevels();
    const earlier = await registerUnit('za-grain-depot');
    expect(earlier.status).toBe(201);
    await app!.close();
    await runtime!.stop();
    const recordedBefore = storedEvents().length;

    await fake.stop();
    await startLevels();

    // Alive, not ready, and the reason names the store and its server.
    expect((await request('GET', '/health/live')).status).toBe(200);
    const unready = await request('GET', '/health/ready');
    expect(unready.status).toBe(503);
    expect(unready.body.detail).toMatch(new RegExp(`store-county: the county store is out of reach since \\S+ \\(EventStoreDB at 127\\.0\\.0\\.1:${fake.port} cannot be reached`));
    // Reads answer from the read model (empty: it is new, and the store has not been read).
    expect(await unitsInCountyReport()).toBe(0);
    // Commands: 503 problem+json with a time to retry after, and nothing written.
    const refused = await registerUnit('za-coal-yard');
    expect(refused.status).toBe(503);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ title: 'StoreUnreachable', status: 503 });
    expect(refused.body.detail).toMatch(/the county store is out of reach/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // Status and metrics show it.
    const status = await request('GET', '/v1/status');
    expect(status.status).toBe(200);
    expect(status.body).toEqual(expect.arrayContaining([expect.objectContaining({ level: 'county', store: expect.objectContaining({ status: 'unreachable', warmedUp: false }) })]));
    const metrics = await app!.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${await tokens.mint({ id: 'ops', jurisdiction: '350000', role: 'admin' })}` } });
    expect(metrics.body).toMatch(/^linkage_store_reachable\{level="county"\} 0$/m);
    // One warning per level says so, without a stack trace; the failed retries add no warning or error.
    await new Promise((resolve) => setTimeout(resolve, 4 * STORE_RETRY.maxPauseMs));
    const unreachableLines = logLines.filter((line) => line.event === 'store-unreachable');
    expect(unreachableLines.map((line) => line.atLevel).sort()).toEqual(['city', 'county']);
    expect(JSON.stringify(unreachableLines)).not.toMatch(/"stack"|\bat \S+ \(/);
    expect(logLines.filter((line) => line.level === 'warn' || line.level === 'error').filter((line) => line.event !== 'store-unreachable' && line.msg !== 'request')).toEqual([]);

    await fake.resume();
    await waitFor(() => request('GET', '/health/ready'), (ready) => ready.status === 200, 'the level is ready');
    // The new read model caught up with what was recorded before, and the relay sent it upward.
    await waitFor(unitsInCountyReport, (units) => units === 1, 'the county projected the unit recorded before the start');
    await waitFor(() => cityReceived((earlier.body.events as { eventId: string }[])[0]!.eventId), Boolean, 'the city received the earlier fact');
    expect(storedEvents().length).toBe(recordedBefore);
    const accepted = await registerUnit('za-coal-yard');
    expect(accepted.status).toBe(201);
    await waitFor(unitsInCountyReport, (units) => units === 2, 'the county projected the new unit');
    expect(logLines.filter((line) => line.event === 'store-reachable').map((line) => line.atLevel).sort()).toEqual(['city', 'county']);
    expect((await app!.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${await tokens.mint({ id: 'ops', jurisdiction: '350000', role: 'admin' })}` } })).body).toMatch(
      /^linkage_store_reachable\{level="county"\} 1$/m,
    );
  }, 60_000);

  it('turns unready and refuses commands when the server goes away later, and recovers without a restart', async () => {
    await startLevels();
    expect((await request('GET', '/health/ready')).status).toBe(200);
    expect((await registerUnit('za-grain-depot')).status).toBe(201);
    await waitFor(unitsInCountyReport, (units) => units === 1, 'the county projected the unit');

    await fake.stop();
    await waitFor(() => request('GET', '/health/ready'), (ready) => ready.status === 503, 'readiness sees the store gone');
    const refused = await registerUnit('za-coal-yard');
    expect(refused).toMatchObject({ status: 503, body: { title: 'StoreUnreachable' } });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // Reads still answer.
    expect(await unitsInCountyReport()).toBe(1);

    await fake.resume();
    await waitFor(() => request('GET', '/health/ready'), (ready) => ready.status === 200, 'the level is ready again');
    const accepted = await registerUnit('za-coal-yard');
    expect(accepted.status).toBe(201);
    await waitFor(unitsInCountyReport, (units) => units === 2, 'the county projected the unit recorded after the outage');
    await waitFor(() => cityReceived((accepted.body.events as { eventId: string }[])[0]!.eventId), Boolean, 'the city received it');
    // The relay, projections and readiness probes that met the outage logged no failure of their own.
    expect(logLines.filter((line) => line.level === 'warn' || line.level === 'error').filter((line) => line.event !== 'store-unreachable' && line.msg !== 'request')).toEqual([]);
  }, 60_000);

  describe("with the city's store out of reach and the county's answering", () => {
    let cityFake: EsdbFakeServer;
    beforeEach(async () => {
      cityFake = await EsdbFakeServer.start();
      await cityFake.stop();
    });
    afterEach(() => cityFake.stop());

    it('takes commands on the level whose store answers, and the other level receives them once its store is back', async () => {
      await startLevels(cityFake);
      const unready = await request('GET', '/health/ready');
      expect(unready.body.detail).toMatch(/store-city: the city store is out of reach/);
      expect(unready.body.detail).not.toMatch(/store-county/);
      const accepted = await registerUnit('za-grain-depot');
      expect(accepted.status).toBe(201);
      await waitFor(unitsInCountyReport, (units) => units === 1, 'the county projected the unit');

      await cityFake.resume();
      await waitFor(() => request('GET', '/health/ready'), (ready) => ready.status === 200, 'the process is ready');
      await waitFor(() => cityReceived((accepted.body.events as { eventId: string }[])[0]!.eventId), Boolean, 'the city received the county fact');
    }, 60_000);

    it('stops while a relay waits on a level whose store is out of reach', async () => {
      await startLevels(cityFake);
      expect((await registerUnit('za-grain-depot')).status).toBe(201);
      // The relay publishes at once; the in-process bus holds the publish until the city records it.
      await waitFor(unitsInCountyReport, (units) => units === 1, 'the county projected the unit');
      await new Promise((resolve) => setTimeout(resolve, 100));
      await app!.close();
      await runtime!.stop();
      app = undefined;
      runtime = undefined;
    }, 20_000);
  });
});
