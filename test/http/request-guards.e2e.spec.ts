import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Actor } from '#domain';
import type { EmbeddedHarness } from '#scenario';
import { startEmbeddedHarness } from '#scenario';

const CITY_VIEWER: Actor = { id: 'zz-viewer', jurisdiction: '350600', role: 'viewer' };
const OTHER_VIEWER: Actor = { id: 'zz-viewer-2', jurisdiction: '350600', role: 'viewer' };
const AUDITOR: Actor = { id: 'fj-auditor', jurisdiction: '350000', role: 'auditor' };

describe('rate limits per token, and a time limit on the whole request', () => {
  let harness: EmbeddedHarness;
  const http = () => harness.app.getHttpAdapter().getInstance();
  const get = async (url: string, actor?: Actor) => {
    const response = await http().inject({ method: 'GET', url, headers: actor ? { authorization: `Bearer ${await harness.tokens.mint(actor)}` } : {} });
    return { status: response.statusCode, headers: response.headers, body: response.body };
  };

  beforeAll(async () => {
    harness = await startEmbeddedHarness({ limits: { perMinute: 20, expensivePerMinute: 3, requestTimeoutMs: 800 } });
    await harness.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => harness.close());

  it('answers a burst beyond the per-token limit with 429 problem+json and Retry-After, other tokens unaffected, health never limited', async () => {
    const token = await harness.tokens.mint(CITY_VIEWER);
    const burst = await Promise.all(
      Array.from({ length: 60 }, () => http().inject({ method: 'GET', url: '/v1/reports/350600', headers: { authorization: `Bearer ${token}` } })),
    );
    const statuses = burst.map((response) => response.statusCode);
    expect(statuses.filter((status) => status === 200)).toHaveLength(20);
    expect(statuses.filter((status) => status === 429)).toHaveLength(40);
    const refused = burst.find((response) => response.statusCode === 429)!;
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(JSON.parse(refused.body)).toMatchObject({ title: 'TooManyRequests', status: 429 });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await get('/v1/reports/350600', OTHER_VIEWER)).status).toBe(200);
    for (let probe = 0; probe < 30; probe++) expect((await get('/health')).status).toBe(200);
  });

  it('gives expensive routes a stricter limit of their own', async () => {
    const statuses: number[] = [];
    for (let call = 0; call < 5; call++) statuses.push((await get('/v1/audit/replay?stream=round-x', AUDITOR)).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    // The same auditor still reads ordinary routes.
    expect((await get('/v1/reports/350000', AUDITOR)).status).toBe(200);
  });

  it('answers a body trickled slower than the time limit with 408 and closes the connection', async () => {
    const { port } = harness.app.getHttpServer().address() as AddressInfo;
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now())));
    const token = await harness.tokens.mint({ id: 'slow', jurisdiction: '350600', role: 'leading-group' });
    const started = Date.now();
    socket.write(
      `POST /v1/commands/registerUnit HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\nauthorization: Bearer ${token}\r\ncontent-length: 200\r\n\r\n{`,
    );
    // One more byte now and then, as a slow-loris client would; it never finishes.
    const trickle = setInterval(() => socket.writable && socket.write(' '), 300);
    const closedAt = await closed;
    clearInterval(trickle);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(answer).toContain('RequestTimedOut');
    expect(closedAt - started).toBeLessThan(5000);
    expect(await harness.runtime.node('city')!.service.store.headPosition()).toBe(0);
  });
});
