import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { InprocBus } from '#bus/adapters';
import type { Actor } from '#domain';
import { LEVELS } from '#domain';
import type { EventStore } from '#event-store';
import { MemoryEventStore } from '#event-store/adapters';
import { TokenService, createHttpApp } from '#http';
import { LinkageRuntime, systemClock } from '#linkage';

const COUNTY_OFFICE: Actor = { id: 'za-office', jurisdiction: '350624', role: 'leading-group' };

/** A store whose head read can be made to fail, as an unreachable EventStoreDB would. */
const breakable = (store: EventStore, broken: () => boolean): EventStore =>
  new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'headPosition' && broken()) return () => Promise.reject(new Error('connection refused'));
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });

describe('liveness and readiness probes', () => {
  let runtime: LinkageRuntime;
  let app: NestFastifyApplication;
  let tokens: TokenService;
  let cityStoreBroken = false;
  let busConnected = true;

  const get = async (url: string) => {
    const response = await app.getHttpAdapter().getInstance().inject({ method: 'GET', url });
    return { status: response.statusCode, type: String(response.headers['content-type']), body: JSON.parse(response.body) as Record<string, unknown> };
  };

  beforeEach(async () => {
    cityStoreBroken = false;
    busConnected = true;
    const bus = Object.assign(new InprocBus(), { connectivity: () => (busConnected ? { connected: true } : { connected: false, detail: 'broker 1 unreachable' }) });
    runtime = await LinkageRuntime.start({
      levels: LEVELS,
      clock: systemClock,
      bus,
      openStore: (level) => (level === 'city' ? breakable(new MemoryEventStore(), () => cityStoreBroken) : new MemoryEventStore()),
    });
    tokens = await TokenService.withNewKeys({ levelOf: (jurisdiction) => runtime.levelOf(jurisdiction) });
    app = await createHttpApp({ runtime, tokens, logger: false, swaggerUi: false, readiness: { maxProjectionLag: 1 } });
  });
  afterEach(async () => {
    await app.close();
    await runtime.stop();
  });

  it('answers liveness on /health/live with the body /health has always had', async () => {
    const live = await get('/health/live');
    expect(live.status).toBe(200);
    expect(live.body).toEqual({ status: 'ok', levels: [...LEVELS] });
    expect((await get('/health')).body).toEqual(live.body);
  });

  it('is ready when every store answers, the bus is connected and projections are close to their stores', async () => {
    const ready = await get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ok', error: {} });
    expect(Object.keys(ready.body.details as object).sort()).toEqual(['bus', ...LEVELS.flatMap((level) => [`projections-${level}`, `store-${level}`])].sort());
  });

  it('is not ready, naming each failing check, while a store does not answer or the bus is cut', async () => {
    cityStoreBroken = true;
    busConnected = false;
    const refused = await get('/health/ready');
    expect(refused.status).toBe(503);
    expect(refused.type).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ title: 'NotReady', status: 503 });
    expect(refused.body.detail).toContain('bus: broker 1 unreachable');
    expect(refused.body.detail).toContain('store-city: connection refused');
    expect(refused.body.detail).not.toContain('store-county');
    // Liveness is not readiness: the process still answers.
    expect((await get('/health/live')).status).toBe(200);
    cityStoreBroken = false;
    busConnected = true;
    expect((await get('/health/ready')).status).toBe(200);
  });

  it('is not ready while a level projects further behind its store than READY_MAX_PROJECTION_LAG', async () => {
    await runtime.node('county')!.projections.stop();
    for (const unitId of ['za-grain-depot', 'za-coal-yard']) {
      const response = await app.getHttpAdapter().getInstance().inject({
        method: 'POST',
        url: '/v1/commands/registerUnit',
        headers: { authorization: `Bearer ${await tokens.mint(COUNTY_OFFICE)}`, 'content-type': 'application/json' },
        payload: JSON.stringify({ unitId, name: '诏安县单位', jurisdiction: '350624', kind: 'soe' }),
      });
      expect(response.statusCode).toBe(201);
    }
    const refused = await get('/health/ready');
    expect(refused.status).toBe(503);
    expect(refused.body.detail).toMatch(/projections-county: 2 facts behind the store \(READY_MAX_PROJECTION_LAG 1\)/);
    runtime.node('county')!.projections.start();
    await runtime.settle();
    expect((await get('/health/ready')).status).toBe(200);
  });
});
