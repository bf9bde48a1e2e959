import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Actor } from '#domain';
import type { EmbeddedServer } from '../harness/embedded-server.js';
import { startEmbeddedServer } from '../harness/embedded-server.js';
import { runFailingStart } from '../harness/failing-start.js';
import { tokensOfDataDir } from '../support/tokens.js';

const COUNTY_OFFICE: Actor = { id: 'za-inspection-office', jurisdiction: '350624', role: 'leading-group' };
const UNIT = { unitId: 'za-grain-depot', name: '诏安县中心粮库', jurisdiction: '350624', kind: 'soe' };
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

type Line = Record<string, unknown>;

const linesOf = (stdout: string): Line[] =>
  stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Line);

const until = async (what: () => boolean, label: string, timeoutMs = 10_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!what()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

describe('the structured log of the embedded default (stdout not a terminal: JSON lines)', () => {
  let parent: string;
  let server: EmbeddedServer;
  let token: string;

  beforeAll(async () => {
    mkdirSync(join(process.cwd(), '.tmp'), { recursive: true });
    parent = mkdtempSync(join(process.cwd(), '.tmp', 'logs-'));
    server = await startEmbeddedServer({ DATA_DIR: join(parent, 'data'), PORT: '0' });
    token = await (await tokensOfDataDir(join(parent, 'data'))).mint(COUNTY_OFFICE);
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(parent, { recursive: true, force: true });
  });

  const command = (headers: Record<string, string> = {}) =>
    fetch(`${server.url}/v1/commands/registerUnit`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, cookie: 'session=cookie-secret', 'content-type': 'application/json', ...headers },
      body: JSON.stringify(UNIT),
    });

  it('writes one JSON line per request with route pattern, status, duration, actor and correlation id, echoed as X-Request-Id', async () => {
    const accepted = await command({ 'x-request-id': 'client-chosen.id:1' });
    expect(accepted.status).toBe(201);
    expect(accepted.headers.get('x-request-id')).toBe('client-chosen.id:1');
    const refused = await command({ traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01` });
    expect(refused.status).toBe(409);
    expect(refused.headers.get('x-request-id')).toBe(TRACE_ID);
    const anonymous = await fetch(`${server.url}/v1/reports/350624`, { headers: { 'x-request-id': 'not well formed!' } });
    expect(anonymous.status).toBe(401);
    const generated = anonymous.headers.get('x-request-id');
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);

    await until(() => linesOf(server.stdout()).filter((line) => line.msg === 'request').length >= 3, 'three request lines');
    const requests = linesOf(server.stdout()).filter((line) => line.msg === 'request');
    expect(requests).toEqual([
      expect.objectContaining({ level: 'info', method: 'POST', route: '/v1/commands/:type', command: 'registerUnit', status: 201, actorId: COUNTY_OFFICE.id, requestId: 'client-chosen.id:1' }),
      expect.objectContaining({ method: 'POST', route: '/v1/commands/:type', status: 409, actorId: COUNTY_OFFICE.id, requestId: TRACE_ID }),
      expect.objectContaining({ method: 'GET', route: '/v1/reports/:jurisdiction', status: 401, requestId: generated }),
    ]);
    for (const line of requests) expect(typeof line.durationMs).toBe('number');
    expect(requests[2]).not.toHaveProperty('actorId');
  });

  it('logs the relay batch that published the recorded fact', async () => {
    await until(() => linesOf(server.stdout()).some((line) => line.event === 'relay-batch-published' && line.atLevel === 'county'), 'the county relay line');
    expect(linesOf(server.stdout()).find((line) => line.event === 'relay-batch-published' && line.atLevel === 'county')).toEqual(
      expect.objectContaining({ level: 'info', messages: 1, fromPosition: 1, toPosition: 1 }),
    );
  });

  it('never writes the token, a cookie or a body', () => {
    const stdout = server.stdout();
    expect(stdout).not.toContain(token);
    expect(stdout).not.toContain('cookie-secret');
    expect(stdout).not.toContain(UNIT.name);
    expect(stdout.toLowerCase()).not.toContain('authorization');
  });
});

describe('LOG_LEVEL', () => {
  it('refuses a level pino does not know with one line naming it, and exit code 2', async () => {
    const ended = await runFailingStart({ DATA_DIR: join(process.cwd(), '.tmp', 'never-created-log-level'), PORT: '0', LOG_LEVEL: 'loud' });
    expect(ended.code).toBe(2);
    expect(ended.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^cannot start: invalid configuration: LOG_LEVEL=loud is not one of fatal, error, warn, info, debug, trace, silent$/)]);
  });
});
