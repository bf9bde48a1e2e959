import type { Actor } from '#domain';
import { serveMetrics } from '#http';
import type { EmbeddedHarness } from '#scenario';
import { startEmbeddedHarness } from '#scenario';

const ADMIN: Actor = { id: 'ops', jurisdiction: '350000', role: 'admin' };
const COUNTY_OFFICE: Actor = { id: 'za-office', jurisdiction: '350624', role: 'leading-group' };
const COMMAND_ROUTE = '/v1/commands/:type';

/** The value of one sample of the Prometheus text, 0 when it is not there yet. */
const sample = (text: string, name: string, labels: Record<string, string> = {}): number => {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const given = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, key, value]) => [key, value]));
    if (Object.entries(labels).every(([key, value]) => given[key] === value)) return Number(match[3]);
  }
  return 0;
};

describe('GET /metrics', () => {
  let harness: EmbeddedHarness;
  let other: EmbeddedHarness;
  const inject = async (harnessOf: EmbeddedHarness, method: 'GET' | 'POST', url: string, actor?: Actor, body?: unknown) => {
    const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
    if (actor) headers.authorization = `Bearer ${await harnessOf.tokens.mint(actor)}`;
    return harnessOf.app.getHttpAdapter().getInstance().inject({ method, url, headers, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) });
  };
  const scrape = async (harnessOf = harness): Promise<string> => {
    const response = await inject(harnessOf, 'GET', '/metrics', ADMIN);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return response.body;
  };
  const registerUnit = (unitId: string, name = '诏安县中心粮库') => inject(harness, 'POST', '/v1/commands/registerUnit', COUNTY_OFFICE, { unitId, name, jurisdiction: '350624', kind: 'soe' });

  beforeEach(async () => {
    harness = await startEmbeddedHarness();
    other = await startEmbeddedHarness();
  });
  afterEach(async () => {
    await harness.close();
    await other.close();
  });

  it('counts commands by type and outcome, refusals by problem type, and times them and their appends', async () => {
    const before = await scrape();
    expect((await registerUnit('za-grain-depot')).statusCode).toBe(201);
    expect((await registerUnit('za-coal-yard', '诏安县煤场')).statusCode).toBe(201);
    expect((await registerUnit('za-grain-depot')).statusCode).toBe(409);
    expect((await registerUnit('not an id')).statusCode).toBe(400);
    const after = await scrape();
    const moved = (name: string, labels: Record<string, string>) => sample(after, name, labels) - sample(before, name, labels);

    expect(moved('linkage_commands_total', { command: 'registerUnit', outcome: 'accepted' })).toBe(2);
    expect(moved('linkage_commands_total', { command: 'registerUnit', outcome: 'refused', problem: 'AlreadyRegistered' })).toBe(1);
    expect(moved('linkage_commands_total', { command: 'registerUnit', outcome: 'refused', problem: 'ValidationFailed' })).toBe(1);
    expect(moved('linkage_command_duration_seconds_count', { command: 'registerUnit', outcome: 'accepted' })).toBe(2);
    expect(moved('linkage_command_duration_seconds_count', { command: 'registerUnit', outcome: 'refused' })).toBe(2);
    // Only what was written is an append: the refusals wrote nothing.
    expect(moved('linkage_store_append_duration_seconds_count', { level: 'county' })).toBe(2);
    expect(moved('linkage_http_requests_total', { method: 'POST', route: COMMAND_ROUTE, status: '201' })).toBe(2);
    expect(moved('linkage_http_requests_total', { method: 'POST', route: COMMAND_ROUTE, status: '409' })).toBe(1);
    expect(moved('linkage_http_requests_total', { method: 'POST', route: COMMAND_ROUTE, status: '400' })).toBe(1);
    // The scrape before this one was answered before this scrape was read.
    expect(moved('linkage_http_requests_total', { method: 'GET', route: '/metrics', status: '200' })).toBe(1);
  });

  it('keeps each app its own registry: another app in the process counts nothing of this one', async () => {
    const before = await scrape(other);
    expect((await registerUnit('za-grain-depot')).statusCode).toBe(201);
    const after = await scrape(other);
    expect(sample(after, 'linkage_commands_total', { command: 'registerUnit', outcome: 'accepted' })).toBe(sample(before, 'linkage_commands_total', { command: 'registerUnit', outcome: 'accepted' }));
    expect(sample(after, 'linkage_store_append_duration_seconds_count', { level: 'county' })).toBe(0);
  });

  it('shows lags and inbox counters per level as /v1/status knows them, and the default process metrics', async () => {
    expect((await registerUnit('za-grain-depot')).statusCode).toBe(201);
    await harness.runtime.settle();
    const text = await scrape();
    const status = await harness.runtime.status();
    for (const level of status) {
      expect(sample(text, 'linkage_store_head_position', { level: level.level })).toBe(level.head);
      expect(sample(text, 'linkage_relay_lag_events', { level: level.level })).toBe(level.head - level.relay.checkpoint);
      expect(sample(text, 'linkage_inbox_received_total', { level: level.level })).toBe(level.inbox.recorded + level.inbox.duplicates);
      for (const projection of level.projections) expect(sample(text, 'linkage_projection_lag_events', { level: level.level, projection: projection.projection })).toBe(projection.lag);
    }
    // The county's unit travels up: the city and the province each received it once.
    expect(sample(text, 'linkage_inbox_received_total', { level: 'city' })).toBe(1);
    expect(sample(text, 'linkage_inbox_received_total', { level: 'province' })).toBe(1);
    expect(sample(text, 'linkage_inbox_dead_lettered_total', { level: 'city' })).toBe(0);
    expect(text).toContain('# TYPE linkage_live_views_open gauge');
    expect(text).toContain('# TYPE process_cpu_seconds_total counter');
    expect(text).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');
  });

  it('refuses anyone but an admin, as the other admin routes do', async () => {
    const office = await inject(harness, 'GET', '/metrics', COUNTY_OFFICE);
    expect(office.statusCode).toBe(403);
    expect(JSON.parse(office.body)).toMatchObject({ title: 'RoleNotAllowed' });
    expect(office.headers['content-type']).toContain('application/problem+json');
    expect((await inject(harness, 'GET', '/metrics')).statusCode).toBe(401);
  });

  it('serves the same text on the metrics port without a token, and nothing else there', async () => {
    const served = await serveMetrics(harness.app, { host: '127.0.0.1', port: 0 });
    try {
      expect((await registerUnit('za-grain-depot')).statusCode).toBe(201);
      const response = await fetch(`http://127.0.0.1:${served.port}/metrics`);
      expect(response.status).toBe(200);
      expect(sample(await response.text(), 'linkage_commands_total', { command: 'registerUnit', outcome: 'accepted' })).toBe(1);
      expect((await fetch(`http://127.0.0.1:${served.port}/v1/status`)).status).toBe(404);
    } finally {
      served.close();
    }
  });
});
