import { request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Actor } from '#domain';
import { SESSION_COOKIE, TokenService } from '#http';
import type { EmbeddedHarness } from '#scenario';
import { startEmbeddedHarness } from '#scenario';

const CITY_OFFICE: Actor = { id: 'zz-office', jurisdiction: '350600', role: 'leading-group' };
const CITY_VIEWER: Actor = { id: 'zz-viewer', jurisdiction: '350600', role: 'viewer' };

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  json(): Record<string, unknown>;
}

/** One request over a real socket; `stream` resolves at the first chunk of the body (for SSE, which never ends). */
const send = (port: number, method: string, path: string, headers: Record<string, string> = {}, body?: unknown, stream = false): Promise<Answer> =>
  new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      { host: '127.0.0.1', port, method, path, agent: false, headers: { ...headers, ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        const answer = (): Answer => ({ status: res.statusCode!, headers: res.headers, body: text, json: () => JSON.parse(text) as Record<string, unknown> });
        res.on('data', (chunk: string) => {
          text += chunk;
          if (stream && res.statusCode === 200 && text.includes('\n\n')) {
            resolve(answer());
            req.destroy();
          }
        });
        res.on('end', () => resolve(answer()));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });

/** The session id from a Set-Cookie answer, and the cookie's attributes, lower-cased. */
const sessionCookieOf = (answer: Answer): { id: string; attributes: string[] } | undefined => {
  const line = (answer.headers['set-cookie'] ?? []).find((cookie) => cookie.startsWith(`${SESSION_COOKIE}=`));
  if (line === undefined) return undefined;
  const [pair, ...attributes] = line.split(';').map((part) => part.trim());
  return { id: pair!.slice(SESSION_COOKIE.length + 1), attributes: attributes.map((attribute) => attribute.toLowerCase()) };
};

describe('browser sessions: a token or a one-time ticket for an HttpOnly cookie, and CSRF on every change', () => {
  let harness: EmbeddedHarness;
  let port: number;
  const cityHead = () => harness.runtime.node('city')!.service.store.headPosition();

  /** Signs in with `credentials`, expecting success: the cookie header to send and the session's CSRF token. */
  const signIn = async (credentials: { token: string } | { ticket: string }) => {
    const answer = await send(port, 'POST', '/v1/session', {}, credentials);
    expect(answer.status).toBe(201);
    const cookie = sessionCookieOf(answer)!;
    return { cookie: `${SESSION_COOKIE}=${cookie.id}`, csrfToken: answer.json().csrfToken as string, answer };
  };

  beforeAll(async () => {
    // Tokens may live 48 h here (TOKEN_MAX_LIFETIME), so that the session's own 12 h cap shows.
    harness = await startEmbeddedHarness({ limits: { perMinute: 1_000, expensivePerMinute: 1_000, requestTimeoutMs: 30_000 }, tokenMaxLifetimeSeconds: 48 * 3600 });
    await harness.app.listen({ port: 0, host: '127.0.0.1' });
    port = (harness.app.getHttpServer().address() as AddressInfo).port;
  });
  afterAll(async () => harness.close());

  it('signs in with a bearer token: the actor, a CSRF token, the expiry, and an opaque HttpOnly SameSite=Strict cookie that ends with the token', async () => {
    const before = Date.now();
    const { answer, cookie } = await signIn({ token: await harness.tokens.mint(CITY_OFFICE, '10m') });
    const body = answer.json();
    expect(body).toEqual({ actor: CITY_OFFICE, csrfToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), expiresAt: expect.any(String) });
    expect(answer.headers['cache-control']).toBe('no-store');
    const set = sessionCookieOf(answer)!;
    // 256 random bits, base64url: nothing of the token or the actor in it.
    expect(set.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(cookie).not.toContain(CITY_OFFICE.id);
    expect(set.attributes).toEqual(expect.arrayContaining(['httponly', 'samesite=strict', 'path=/']));
    // Plain HTTP and SESSION_COOKIE_SECURE unset: not Secure (the browser would not send it back).
    expect(set.attributes).not.toContain('secure');
    const maxAge = Number(set.attributes.find((attribute) => attribute.startsWith('max-age='))!.slice('max-age='.length));
    expect(maxAge).toBeGreaterThan(590);
    expect(maxAge).toBeLessThanOrEqual(600);
    const expiresAt = Date.parse(body.expiresAt as string);
    expect(expiresAt).toBeGreaterThan(before + 590_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 600_000);
  });

  it('ends a session 12 h after signing in at the latest, whatever the token says', async () => {
    const { answer } = await signIn({ token: await harness.tokens.mint(CITY_OFFICE, '48h') });
    expect(Date.parse(answer.json().expiresAt as string)).toBeLessThanOrEqual(Date.now() + 12 * 3600_000);
    expect(Number(sessionCookieOf(answer)!.attributes.find((attribute) => attribute.startsWith('max-age='))!.slice(8))).toBeLessThanOrEqual(12 * 3600);
  });

  it('answers GET /v1/session for the cookie (after a reload), and 401 without one', async () => {
    const { cookie, answer } = await signIn({ token: await harness.tokens.mint(CITY_VIEWER) });
    const again = await send(port, 'GET', '/v1/session', { cookie });
    expect(again.status).toBe(200);
    expect(again.json()).toEqual(answer.json());
    const without: Record<string, string>[] = [{}, { cookie: `${SESSION_COOKIE}=${'A'.repeat(43)}` }, { authorization: `Bearer ${await harness.tokens.mint(CITY_VIEWER)}` }];
    for (const headers of without) {
      const refused = await send(port, 'GET', '/v1/session', headers);
      expect(refused.status).toBe(401);
      expect(refused.headers['content-type']).toContain('application/problem+json');
      expect(refused.json()).toMatchObject({ title: 'Unauthenticated', status: 401 });
    }
  });

  it('reads with the cookie alone: a report, and a live view (EventSource sends no Authorization header)', async () => {
    const { cookie } = await signIn({ token: await harness.tokens.mint(CITY_VIEWER) });
    const report = await send(port, 'GET', '/v1/reports/350600', { cookie });
    expect(report.status).toBe(200);
    expect(report.json()).toMatchObject({ jurisdiction: '350600' });
    const live = await send(port, 'GET', '/v1/reports/350600/live', { cookie, accept: 'text/event-stream' }, undefined, true);
    expect(live.status).toBe(200);
    expect(live.headers['content-type']).toContain('text/event-stream');
    expect(live.body).toMatch(/^data: \{.*"jurisdiction":"350600"/m);
    // The same routes without the cookie are refused, as before.
    expect((await send(port, 'GET', '/v1/reports/350600')).status).toBe(401);
    expect((await send(port, 'GET', '/v1/reports/350600/live', { accept: 'text/event-stream' })).status).toBe(401);
  });

  it('refuses a change made with the cookie but without the CSRF token, with a wrong one, or from another origin: 403, and nothing is written', async () => {
    const { cookie, csrfToken } = await signIn({ token: await harness.tokens.mint(CITY_OFFICE) });
    const unit = (unitId: string) => ({ unitId, name: '诏安县中心粮库', jurisdiction: '350624' });
    const head = await cityHead();
    const refusals: [string, Record<string, string>][] = [
      ['no CSRF token', { cookie }],
      ['a wrong CSRF token', { cookie, 'x-csrf-token': `${csrfToken.slice(0, -1)}${csrfToken.endsWith('A') ? 'B' : 'A'}` }],
      ["another session's CSRF token", { cookie, 'x-csrf-token': (await signIn({ token: await harness.tokens.mint(CITY_OFFICE) })).csrfToken }],
      ['another origin', { cookie, 'x-csrf-token': csrfToken, origin: 'https://evil.example' }],
      ['an opaque origin', { cookie, 'x-csrf-token': csrfToken, origin: 'null' }],
    ];
    for (const [what, headers] of refusals) {
      const refused = await send(port, 'POST', '/v1/commands/registerUnit', headers, unit('za-csrf'));
      expect({ what, status: refused.status, type: refused.headers['content-type'] }).toEqual({ what, status: 403, type: expect.stringContaining('application/problem+json') });
      expect(refused.json()).toMatchObject({ type: 'urn:inspection-linkage:problem:CsrfCheckFailed', title: 'CsrfCheckFailed', status: 403 });
    }
    await harness.runtime.settle();
    expect(await cityHead()).toBe(head);

    const recorded = await send(port, 'POST', '/v1/commands/registerUnit', { cookie, 'x-csrf-token': csrfToken }, unit('za-csrf'));
    expect(recorded.status).toBe(201);
    expect(await cityHead()).toBeGreaterThan(head);
    // This server's own page sends its Origin: accepted.
    const sameOrigin = await send(port, 'POST', '/v1/commands/registerUnit', { cookie, 'x-csrf-token': csrfToken, origin: `http://127.0.0.1:${port}` }, unit('za-csrf-2'));
    expect(sameOrigin.status).toBe(201);
    // A bearer client is untouched by all of this: no CSRF token, any Origin.
    const bearer = await send(port, 'POST', '/v1/commands/registerUnit', { authorization: `Bearer ${await harness.tokens.mint(CITY_OFFICE)}`, origin: 'https://tool.example' }, unit('za-bearer'));
    expect(bearer.status).toBe(201);
  });

  it('signs out with DELETE (CSRF token required): the cookie is cleared and no longer works', async () => {
    const { cookie, csrfToken } = await signIn({ token: await harness.tokens.mint(CITY_VIEWER) });
    const withoutCsrf = await send(port, 'DELETE', '/v1/session', { cookie });
    expect(withoutCsrf.status).toBe(403);
    expect((await send(port, 'GET', '/v1/session', { cookie })).status).toBe(200);
    const out = await send(port, 'DELETE', '/v1/session', { cookie, 'x-csrf-token': csrfToken });
    expect(out.status).toBe(204);
    const cleared = sessionCookieOf(out)!;
    expect(cleared.id).toBe('');
    expect(cleared.attributes.some((attribute) => attribute.startsWith('expires=thu, 01 jan 1970') || attribute === 'max-age=0')).toBe(true);
    expect((await send(port, 'GET', '/v1/session', { cookie })).status).toBe(401);
    expect((await send(port, 'GET', '/v1/reports/350600', { cookie })).status).toBe(401);
  });

  it('signs in once with a ticket: a second use, the ticket as a bearer token, a bearer token as a ticket, an expired ticket are refused, and set no cookie', async () => {
    const ticket = await harness.tokens.mintTicket(CITY_VIEWER);
    const refusedAsBearer = await send(port, 'GET', '/v1/reports/350600', { authorization: `Bearer ${ticket}` });
    expect(refusedAsBearer.status).toBe(401);
    expect(refusedAsBearer.json().detail).toMatch(/sign-in ticket is not a bearer token/);

    const { answer } = await signIn({ ticket });
    expect(answer.json().actor).toEqual(CITY_VIEWER);
    // A ticket's session lasts the session's own lifetime (12 h), not the ticket's 5 minutes.
    expect(Date.parse(answer.json().expiresAt as string)).toBeGreaterThan(Date.now() + 11 * 3600_000);

    const expectRefused = async (credentials: Record<string, string>, detail: RegExp) => {
      const refused = await send(port, 'POST', '/v1/session', {}, credentials);
      expect(refused.status).toBe(401);
      expect(refused.headers['content-type']).toContain('application/problem+json');
      expect(refused.json()).toMatchObject({ title: 'Unauthenticated', detail: expect.stringMatching(detail) });
      expect(refused.headers['set-cookie']).toBeUndefined();
    };
    await expectRefused({ ticket }, /used already/);
    await expectRefused({ ticket: await harness.tokens.mint(CITY_VIEWER) }, /bearer token is not a sign-in ticket/);
    const shortLived = await harness.tokens.mintTicket(CITY_VIEWER, '1s');
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    await expectRefused({ ticket: shortLived }, /ticket has expired/);
    const foreign = await TokenService.withNewKeys({ levelOf: (jurisdiction) => harness.runtime.levelOf(jurisdiction) });
    await expectRefused({ ticket: await foreign.mintTicket(CITY_VIEWER) }, /ticket rejected/);
    await expectRefused({ token: await foreign.mint(CITY_VIEWER) }, /token rejected/);
  });

  it('refuses a malformed sign-in naming the field, and a sign-in from another origin', async () => {
    const token = await harness.tokens.mint(CITY_VIEWER);
    const cases: [unknown, string][] = [
      [{}, 'token'],
      [{ token, ticket: token }, 'ticket'],
      [{ token: 'not-a-jwt' }, 'token'],
      [{ ticket: 42 }, 'ticket'],
      [{ token, role: 'admin' }, 'role'],
    ];
    for (const [body, field] of cases) {
      const refused = await send(port, 'POST', '/v1/session', {}, body);
      expect({ body, status: refused.status, field: refused.json().field }).toEqual({ body, status: 400, field });
      expect(refused.headers['set-cookie']).toBeUndefined();
    }
    const foreign = await send(port, 'POST', '/v1/session', { origin: 'https://evil.example' }, { token });
    expect(foreign.status).toBe(403);
    expect(foreign.json().title).toBe('CsrfCheckFailed');
    expect(foreign.headers['set-cookie']).toBeUndefined();
  });

  it('drops the oldest session beyond the cap, and marks the cookie Secure when told to', async () => {
    const small = await startEmbeddedHarness({ sessions: { maxSessions: 2, secureCookie: true } });
    try {
      await small.app.listen({ port: 0, host: '127.0.0.1' });
      const smallPort = (small.app.getHttpServer().address() as AddressInfo).port;
      const cookies: string[] = [];
      for (let n = 0; n < 3; n++) {
        const answer = await send(smallPort, 'POST', '/v1/session', {}, { token: await small.tokens.mint(CITY_VIEWER) });
        expect(answer.status).toBe(201);
        expect(sessionCookieOf(answer)!.attributes).toContain('secure');
        cookies.push(`${SESSION_COOKIE}=${sessionCookieOf(answer)!.id}`);
      }
      expect(await Promise.all(cookies.map(async (cookie) => (await send(smallPort, 'GET', '/v1/session', { cookie })).status))).toEqual([401, 200, 200]);
    } finally {
      await small.close();
    }
  });

  it('limits sign-in attempts per address like the expensive routes, whatever token or cookie each attempt carries', async () => {
    const strict = await startEmbeddedHarness({ limits: { perMinute: 100, expensivePerMinute: 3, requestTimeoutMs: 30_000 } });
    try {
      await strict.app.listen({ port: 0, host: '127.0.0.1' });
      const strictPort = (strict.app.getHttpServer().address() as AddressInfo).port;
      const statuses: number[] = [];
      for (let n = 0; n < 5; n++) {
        // A fresh bearer header and cookie on each attempt would each be a bucket of their own elsewhere.
        const headers = { authorization: `Bearer forged-${n}`, cookie: `${SESSION_COOKIE}=forged-${n}` };
        statuses.push((await send(strictPort, 'POST', '/v1/session', headers, { token: await strict.tokens.mint(CITY_VIEWER) })).status);
      }
      expect(statuses).toEqual([201, 201, 201, 429, 429]);
      // Other routes keep their own, wider limit.
      expect((await send(strictPort, 'GET', '/v1/reports/350600', { authorization: `Bearer ${await strict.tokens.mint(CITY_VIEWER)}` })).status).toBe(200);
    } finally {
      await strict.close();
    }
  });
});
