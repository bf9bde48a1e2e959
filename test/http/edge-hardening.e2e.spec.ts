import type { Actor } from '#domain';
import { COMMAND_TYPES } from '#domain';
import type { EmbeddedHarness } from '#scenario';
import { startEmbeddedHarness } from '#scenario';

const ADMIN: Actor = { id: 'ops', jurisdiction: '350000', role: 'admin' };
const CITY_OFFICE: Actor = { id: 'zz-office', jurisdiction: '350600', role: 'leading-group' };
const COUNTY_VIEWER: Actor = { id: 'za-viewer', jurisdiction: '350624', role: 'viewer' };
const PROVINCE_AUDITOR: Actor = { id: 'fj-auditor', jurisdiction: '350000', role: 'auditor' };

interface Answer {
  status: number;
  contentType: string;
  body: Record<string, unknown>;
}

/** Edge rules the hardening issue found broken: each answer is a 4xx problem naming the field and rule, and nothing is written. */
describe('the HTTP edge refuses malformed input before anything runs', () => {
  let harness: EmbeddedHarness;
  const http = () => harness.app.getHttpAdapter().getInstance();
  const send = async (method: 'GET' | 'POST', url: string, actor: Actor | undefined, payload?: string, headers: Record<string, string> = {}): Promise<Answer> => {
    const response = await http().inject({
      method,
      url,
      headers: {
        ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(actor ? { authorization: `Bearer ${await harness.tokens.mint(actor)}` } : {}),
        ...headers,
      },
      ...(payload !== undefined ? { payload } : {}),
    });
    return { status: response.statusCode, contentType: String(response.headers['content-type']), body: JSON.parse(response.body) as Record<string, unknown> };
  };
  const post = (command: string, body: unknown, actor: Actor = CITY_OFFICE, headers: Record<string, string> = {}) =>
    send('POST', `/v1/commands/${command}`, actor, JSON.stringify(body), headers);
  const heads = async () => Promise.all(harness.runtime.levels.map((level) => harness.runtime.node(level)!.service.store.headPosition()));
  const errorsOf = (answer: Answer) => answer.body.errors as { field: string; rule: string; message: string }[];

  /** Expects a refusal that is problem+json, names `field` and `rule`, and wrote nothing. */
  const expectRefused = async (answer: Promise<Answer>, status: number, field: string | RegExp, rule?: string) => {
    const before = await heads();
    const refused = await answer;
    expect(refused.status).toBe(status);
    expect(refused.contentType).toContain('application/problem+json');
    const named = typeof field === 'string' ? field : expect.stringMatching(field);
    if (rule !== undefined) expect(errorsOf(refused)).toEqual(expect.arrayContaining([expect.objectContaining({ field: named, rule })]));
    else expect(refused.body.field).toEqual(named);
    await harness.runtime.settle();
    expect(await heads()).toEqual(before);
  };

  beforeAll(async () => {
    harness = await startEmbeddedHarness();
    harness.clock.set('2021-09-20T01:00:00.000Z');
  });
  afterAll(async () => harness.close());

  describe('nesting and sizes (deep JSON used to overflow the validator: 500)', () => {
    const deep = (depth: number) => `{"unitId":"u1","extra":${'['.repeat(depth)}${']'.repeat(depth)}}`;

    it.each(COMMAND_TYPES)('%s: a body nested 3,000 deep is refused with 400 before validation', async (command) => {
      await expectRefused(send('POST', `/v1/commands/${command}`, ADMIN, deep(3000)), 400, /^extra(\.0)+$/, 'maxDepth');
    });

    it('refuses deep nesting in the relay replay body too', async () => {
      await expectRefused(send('POST', '/v1/admin/relay/city/replay', ADMIN, `{"afterPosition":${'['.repeat(2500)}${']'.repeat(2500)}}`), 400, /^afterPosition(\.0)+$/, 'maxDepth');
    });

    it('refuses oversized strings and arrays, and prototype keys', async () => {
      await expectRefused(post('registerUnit', { unitId: 'u1', name: 'x'.repeat(70_000), jurisdiction: '350600' }), 400, 'name', 'maxLength');
      await expectRefused(post('planRound', { roundId: 'r', title: 't', kind: 'regular', targets: Array.from({ length: 10_001 }, (_, i) => `u${i}`) }), 400, 'targets', 'maxItems');
      await expectRefused(send('POST', '/v1/commands/registerUnit', CITY_OFFICE, '{"unitId":"u1","__proto__":{"role":"admin"}}'), 400, '__proto__', 'forbiddenKey');
    });

    it('answers a body that breaks a hundred thousand rules with the first hundred (a 972 KB body was answered with 16 MB)', async () => {
      const member = Object.fromEntries(Array.from({ length: 120 }, (_, index) => [`x${index}`, 0]));
      const body = JSON.stringify({ teamId: 't1', roundId: 'r1', leader: { personId: 'p1', homeJurisdiction: '350600' }, members: Array.from({ length: 1000 }, () => member) });
      expect(body.length).toBeGreaterThan(900_000);
      const response = await http().inject({
        method: 'POST',
        url: '/v1/commands/formTeam',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await harness.tokens.mint(CITY_OFFICE)}` },
        payload: body,
      });
      expect(response.statusCode).toBe(400);
      expect(response.body.length).toBeLessThan(40_000);
      const problem = JSON.parse(response.body) as { detail: string; field: string; errors: unknown[] };
      expect(problem.errors).toHaveLength(100);
      expect(problem.field).toBe('members');
      expect(problem.detail).toMatch(/; and \d{6} more$/);
    });

    it('names malformed JSON and foreign media types', async () => {
      await expectRefused(send('POST', '/v1/commands/registerUnit', CITY_OFFICE, '{"unitId":'), 400, 'body');
      const utf16 = await send('POST', '/v1/commands/registerUnit', CITY_OFFICE, '{}', { 'content-type': 'application/json; charset=utf-16' });
      expect(utf16).toMatchObject({ status: 415, body: { title: 'UnsupportedMediaType' } });
      const text = await send('POST', '/v1/commands/registerUnit', CITY_OFFICE, 'unitId=u1', { 'content-type': 'text/plain' });
      expect(text).toMatchObject({ status: 415, body: { title: 'UnsupportedMediaType' } });
      expect(text.contentType).toContain('application/problem+json');
    });
  });

  describe('nested objects are validated as strictly as bodies (a missing leader was a 500, arrays passed)', () => {
    const member = { personId: 'p1', homeJurisdiction: '350600' };
    it('requires the leader', async () => {
      await expectRefused(post('formTeam', { teamId: 't1', roundId: 'r1', members: [] }), 400, 'leader', 'isDefined');
    });
    it('refuses a leader sent as an array, and members sent as an object or as arrays', async () => {
      await expectRefused(post('formTeam', { teamId: 't1', roundId: 'r1', leader: [member], members: [] }), 400, 'leader', 'isObject');
      await expectRefused(post('formTeam', { teamId: 't1', roundId: 'r1', leader: member, members: member }), 400, 'members', 'isArray');
      await expectRefused(post('formTeam', { teamId: 't1', roundId: 'r1', leader: member, members: [[member]] }), 400, 'members', 'isObject');
    });
  });

  describe('headers that reach a fact are validated like the body', () => {
    const unit = { unitId: 'zz-hdr', name: '漳州市测试单位', jurisdiction: '350600' };
    it.each([
      ['x-occurred-at', '2021-02-30T00:00:00+08:00', 'isInstant'],
      ['x-occurred-at', '2023-W26-5T00:00:00+08:00', 'isInstant'],
      ['x-occurred-at', '20230630T000000+08:00', 'isInstant'],
      ['x-occurred-at', '0000-01-01T00:00:00Z', 'isInstant'],
      ['idempotency-key', 'k'.repeat(8000), 'matches'],
      ['idempotency-key', '', 'matches'],
      ['idempotency-key', '../../etc/passwd', 'matches'],
      ['x-correlation-id', 'c'.repeat(8000), 'matches'],
      ['x-correlation-id', '../../etc/passwd', 'matches'],
    ])('%s: %s is refused (%s)', async (header, value, rule) => {
      await expectRefused(post('registerUnit', unit, CITY_OFFICE, { [header]: value }), 400, header, rule);
    });
  });

  describe('text people read must show what it is', () => {
    it.each([
      ['NUL', '\u0000'],
      ['a lone surrogate', 'name \uD800'],
      ['zero-width characters only', '\u200B\u200C\uFEFF'],
      ['whitespace only', ' \u3000\t'],
      ['an ANSI escape', '\u001b[31mred'],
      ['a bidi override', 'abc\u202Edef'],
      ['a line break in a name', 'two\nlines'],
    ])('refuses a unit name holding %s', async (_what, name) => {
      await expectRefused(post('registerUnit', { unitId: 'zz-text', name, jurisdiction: '350600' }), 400, 'name', 'isCleanText');
    });

    it('keeps line breaks in summaries', async () => {
      const response = await post('registerUnit', { unitId: 'zz-ok', name: '漳州市 · 单位（一）', jurisdiction: '350600' });
      expect(response.status).toBe(201);
    });
  });

  describe('instants are read by the parser that compares them', () => {
    it.each(['2023-W26-5T00:00:00+08:00', '20230630T000000+08:00', '2023-06-30T00+08:00', '2023-181T00:00:00+08:00', '2021-02-30T00:00:00+08:00', '1000-01-01T00:00:00Z', '9999-12-31T00:00:00Z'])(
      'refuses dueBy %s',
      async (dueBy) => {
        await expectRefused(post('assignTask', { taskId: 'tk', toJurisdiction: '350624', kind: 'report', title: '报告', dueBy }), 400, 'dueBy', 'isInstant');
      },
    );

    it.each([
      ['/v1/reports/350600?at=2023-W26-5T00:00:00%2B08:00', 'at'],
      ['/v1/tasks/350600?at=20230630T000000%2B08:00', 'at'],
      ['/v1/audit/as-of/reports/350600?asOf=2023-W26-5T00:00:00%2B08:00', 'asOf'],
      ['/v1/audit/as-of/tasks/350600?asOf=2021-02-30T00:00:00Z', 'asOf'],
    ])('refuses %s instead of falling back to now or to an empty history', async (url, field) => {
      const response = await send('GET', url, PROVINCE_AUDITOR);
      expect(response.status).toBe(400);
      expect(errorsOf(response)).toEqual(expect.arrayContaining([expect.objectContaining({ field, rule: 'isInstant' })]));
    });
  });

  describe('query strings', () => {
    it('refuses a replay page over 5,000 and a position that fits no integer, at once', async () => {
      const page = await send('GET', '/v1/audit/replay?stream=round-x&limit=9999', PROVINCE_AUDITOR);
      expect(page.status).toBe(400);
      expect(errorsOf(page)).toEqual([expect.objectContaining({ field: 'limit' })]);
      expect((await send('GET', '/v1/audit/replay?stream=round-x&limit=5000', PROVINCE_AUDITOR)).status).toBe(200);
      const started = Date.now();
      const after = await send('GET', `/v1/reports/350600?after=city:${'9'.repeat(400)}`, CITY_OFFICE);
      expect(after.status).toBe(400);
      expect(errorsOf(after)).toEqual([expect.objectContaining({ field: 'after', rule: 'matches' })]);
      // It used to wait for the projections to reach that position (5 s) and answer 503.
      expect(Date.now() - started).toBeLessThan(4000);
    });
  });

  describe("a level's internals are for an admin", () => {
    it('shows a county viewer its own level only, an admin every level', async () => {
      for (const path of ['/v1/status', '/v1/projections']) {
        const viewer = await send('GET', path, COUNTY_VIEWER);
        expect(viewer.status).toBe(200);
        expect((viewer.body as unknown as { level: string }[]).map((entry) => entry.level)).toEqual(['county']);
        const admin = await send('GET', path, ADMIN);
        expect((admin.body as unknown as { level: string }[]).map((entry) => entry.level).sort()).toEqual(['city', 'county', 'province']);
      }
    });
  });
});
