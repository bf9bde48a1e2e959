import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DASHBOARD_CSP } from '#http';
import type { EmbeddedServer } from '../harness/embedded-server.js';
import { startEmbeddedServer } from '../harness/embedded-server.js';

/**
 * The page served by the built app (`node dist/apps/linkage/main.js`): Jest's module runtime cannot
 * load @fastify/static, so these run the real entry point, as `npm start` does.
 */
interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A GET with the path sent exactly as given (no client-side normalisation of `..`). */
const get = (base: string, path: string, headers: Record<string, string> = {}): Promise<Answer> =>
  new Promise((resolve, reject) => {
    const url = new URL(base);
    const req = request({ host: url.hostname, port: url.port, path, method: 'GET', agent: false, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });

const HTML = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
const INDEX = '<!doctype html><html><head><title>巡视巡察上下联动</title><script type="module" src="/assets/index-3f9a1c.js"></script></head><body><div id="app"></div></body></html>';

const expectProblem = (answer: Answer, status: number, title: string) => {
  expect({ status: answer.status, type: answer.headers['content-type'] }).toEqual({ status, type: expect.stringContaining('application/problem+json') });
  expect(JSON.parse(answer.body)).toMatchObject({ title, status });
};

const expectPageHeaders = (answer: Answer) => {
  expect(answer.headers['content-security-policy']).toBe(DASHBOARD_CSP);
  expect(answer.headers['x-content-type-options']).toBe('nosniff');
  expect(answer.headers['referrer-policy']).toBe('no-referrer');
};

describe('the dashboard served by the level service', () => {
  const work = mkdtempSync(join(tmpdir(), 'linkage-dashboard-'));
  const servers: EmbeddedServer[] = [];
  const start = async (name: string, env: Record<string, string> = {}) => {
    const server = await startEmbeddedServer({ DATA_DIR: join(work, name), PORT: '0', ...env });
    servers.push(server);
    return server;
  };
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    rmSync(work, { recursive: true, force: true });
  });

  it('serves a built page at / with its security headers, hashed assets cached for a year, index.html for HTML navigations, and the API as before', async () => {
    const dashboard = join(work, 'built');
    mkdirSync(join(dashboard, 'assets'), { recursive: true });
    writeFileSync(join(dashboard, 'index.html'), INDEX);
    writeFileSync(join(dashboard, 'assets', 'index-3f9a1c.js'), 'export const answer = 42;\n');
    writeFileSync(join(dashboard, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    writeFileSync(join(dashboard, '.env'), 'SECRET=1');
    writeFileSync(join(work, 'outside.txt'), 'not the page');
    const { url } = await start('with-page', { DASHBOARD_DIR: dashboard });

    const page = await get(url, '/', HTML);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toBe(INDEX);
    expect(page.headers['cache-control']).toBe('no-cache');
    expectPageHeaders(page);

    const asset = await get(url, '/assets/index-3f9a1c.js');
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expectPageHeaders(asset);
    // A file without a hashed name is checked on every load.
    expect((await get(url, '/favicon.svg')).headers['cache-control']).toBe('no-cache');

    // The app routes by hash, but a deep link that asks for HTML still gets the page.
    const deep = await get(url, '/rounds/zz-12-3?tab=issues', HTML);
    expect(deep.status).toBe(200);
    expect(deep.body).toBe(INDEX);
    expect(deep.headers['cache-control']).toBe('no-cache');

    // What is no file and asks for no HTML is a 404 problem, as is every unknown API path, whatever it accepts.
    expectProblem(await get(url, '/assets/missing-000000.js', { accept: '*/*' }), 404, 'RouteNotFound');
    expectProblem(await get(url, '/v1/unknown', HTML), 404, 'RouteNotFound');
    expectProblem(await get(url, '/v1/unknown'), 404, 'RouteNotFound');
    expectProblem(await get(url, '/health/unknown', HTML), 404, 'RouteNotFound');
    // Nothing outside the folder, and no dotfile in it.
    for (const path of ['/..%2foutside.txt', '/%2e%2e/outside.txt', '/assets/..%2f..%2foutside.txt', '/.env']) {
      const answer = await get(url, path, { accept: '*/*' });
      expect({ path, status: answer.status, leaked: answer.body.includes('not the page') || answer.body.includes('SECRET') }).toEqual({ path, status: 404, leaked: false });
    }

    const health = await get(url, '/health');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ status: 'ok' });
    expect((await get(url, '/docs-json')).headers['content-type']).toContain('application/json');
    expectProblem(await get(url, '/v1/reports/350600'), 401, 'Unauthenticated');
  });

  it('answers 503 problem+json "dashboard not built" when there is no page, and serves the API regardless', async () => {
    const { url } = await start('without-page', { DASHBOARD_DIR: join(work, 'never-built') });
    const page = await get(url, '/', HTML);
    expectProblem(page, 503, 'DashboardNotBuilt');
    expect(JSON.parse(page.body).detail).toMatch(/^dashboard not built: run npm run build/);
    expectProblem(await get(url, '/', { accept: '*/*' }), 503, 'DashboardNotBuilt');
    expectProblem(await get(url, '/v1/unknown', HTML), 404, 'RouteNotFound');
    expectProblem(await get(url, '/assets/index-3f9a1c.js', { accept: '*/*' }), 404, 'RouteNotFound');
    expect((await get(url, '/health')).status).toBe(200);
  });

  it('looks for the page in dist/dashboard beside the built code when DASHBOARD_DIR is not set', async () => {
    const { url } = await start('default-folder');
    const page = await get(url, '/', HTML);
    const built = join(process.cwd(), 'dist', 'dashboard');
    if (existsSync(join(built, 'index.html'))) {
      expect(page.status).toBe(200);
      expectPageHeaders(page);
    } else {
      expectProblem(page, 503, 'DashboardNotBuilt');
      expect(JSON.parse(page.body).detail).toContain(built);
    }
  });
});
