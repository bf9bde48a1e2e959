import type { Actor, Role } from '#domain';
import type { EmbeddedHarness } from '#scenario';
import { startEmbeddedHarness } from '#scenario';

// Zhao'an's office (350624) keeps an inspector pool; Zhangzhou (350600) and the province sit above it.
const ZHAOAN = '350624';
const ZHANGZHOU = '350600';
const PROVINCE = '350000';
const as = (role: Role, jurisdiction: string): Actor => ({ id: `${jurisdiction}-${role}`, jurisdiction, role });
const office = as('leading-group', ZHAOAN);

/** What the pool knows of people and must keep to itself: a name, a relative, a kind of relation, posts, a note. */
const PERSONAL = ['黄某某', '黄某之配偶', 'spouse', 'za-audit-bureau', 'za-old-post', '违反巡察纪律'];

describe("the inspector pool's personal data stays with the office that keeps it", () => {
  let harness: EmbeddedHarness;
  const http = () => harness.app.getHttpAdapter().getInstance();
  const send = async (method: 'GET' | 'POST', url: string, actor: Actor, body?: unknown) => {
    const response = await http().inject({
      method,
      url,
      headers: { authorization: `Bearer ${await harness.tokens.mint(actor)}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });
    return { status: response.statusCode, body: response.body };
  };
  const command = async (type: string, body: unknown, actor = office) => {
    const response = await send('POST', `/v1/commands/${type}`, actor, body);
    if (response.status !== 201) throw new Error(`setting up: ${type} answered ${response.status} ${response.body}`);
  };
  const leaks = (text: string) => PERSONAL.filter((secret) => text.includes(secret));
  const storeOf = async (level: 'province' | 'city' | 'county') => JSON.stringify(await harness.runtime.node(level)!.service.store.readAll());

  beforeAll(async () => {
    harness = await startEmbeddedHarness();
    harness.clock.set('2024-04-01T01:00:00.000Z');
    await command('registerUnit', { unitId: 'za-water', name: '诏安县水利局', jurisdiction: ZHAOAN });
    await command('enrolInspector', {
      pool: ZHAOAN,
      inspectorId: 'za-i-huang',
      name: '黄某某',
      specialties: ['audit'],
      post: { unitId: 'za-audit-bureau', jurisdiction: ZHAOAN, from: '2020-01-01T00:00:00+08:00' },
      formerPosts: [{ unitId: 'za-old-post', jurisdiction: ZHAOAN, from: '2010-01-01T00:00:00+08:00', to: '2020-01-01T00:00:00+08:00' }],
      relations: [{ unitId: 'za-water', kind: 'spouse', relative: '黄某之配偶' }],
    });
    await command('planRound', { roundId: 'za-r', title: '巡察', kind: 'regular', targets: ['za-water'] });
    await command('launchRound', { roundId: 'za-r' });
    await command('formTeam', { teamId: 'za-t', roundId: 'za-r', leader: { personId: 'za-i-huang', homeJurisdiction: ZHAOAN }, members: [] });
    await command('closeRound', { roundId: 'za-r' });
    await command('evaluateInspector', { pool: ZHAOAN, inspectorId: 'za-i-huang', teamId: 'za-t', outcome: 'reminded', note: '违反巡察纪律' });
    await harness.runtime.settle();
  });
  afterAll(async () => harness.close());

  it('a recusal refusal names the member and the reason kind, and nothing of the relation', async () => {
    harness.clock.set('2024-04-02T01:00:00.000Z');
    // A second team, in a round still open, so that stationing is decided on recusal alone.
    await command('planRound', { roundId: 'za-r2', title: '巡察', kind: 'regular', targets: ['za-water'] });
    await command('launchRound', { roundId: 'za-r2' });
    await command('formTeam', { teamId: 'za-t2', roundId: 'za-r2', leader: { personId: 'za-i-huang', homeJurisdiction: ZHAOAN }, members: [] });
    const refused = await send('POST', '/v1/commands/stationTeam', office, { teamId: 'za-t2', unitIds: ['za-water'] });
    expect(refused.status).toBe(422);
    expect(JSON.parse(refused.body)).toMatchObject({ title: 'MemberMustRecuse', field: 'unitIds', detail: expect.stringContaining('member za-i-huang must recuse (declared-relation)') });
    expect(leaks(refused.body)).toEqual([]);
  });

  it.each([
    ['the city', as('leading-group', ZHANGZHOU)],
    ['the province', as('leading-group', PROVINCE)],
    ['a sibling county', as('leading-group', '350626')],
  ])('%s sending the same stationing is refused without a word of the pool', async (_who, actor) => {
    const refused = await send('POST', '/v1/commands/stationTeam', actor, { teamId: 'za-t2', unitIds: ['za-water'] });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(JSON.parse(refused.body).title).not.toBe('MemberMustRecuse');
    expect(leaks(refused.body)).toEqual([]);
  });

  it("the city's and the province's stores hold the pool's facts in their public form only", async () => {
    await harness.runtime.settle();
    expect(leaks(await storeOf('county'))).toEqual(PERSONAL); // the oracle: the county keeps them all
    for (const level of ['city', 'province'] as const) {
      const store = await storeOf(level);
      expect(store).toContain('InspectorEnrolled');
      expect(store).toContain('InspectorEvaluated');
      expect(leaks(store)).toEqual([]);
    }
  });

  it("an ancestor's auditor replaying the county's store does not see the pool's records; the county's own auditor does", async () => {
    const replay = (actor: Actor) => send('GET', `/v1/audit/replay?jurisdiction=${ZHAOAN}&level=county`, actor);
    const own = await replay(as('auditor', ZHAOAN));
    expect(own.status).toBe(200);
    expect(leaks(own.body)).toEqual(PERSONAL);
    for (const ancestor of [ZHANGZHOU, PROVINCE]) {
      const answer = await replay(as('auditor', ancestor));
      expect(answer.status).toBe(200);
      expect(answer.body).toContain('TeamFormed');
      expect(leaks(answer.body)).toEqual([]);
    }
    const stream = await send('GET', `/v1/audit/replay?stream=inspector-${ZHAOAN}-za-i-huang&level=county`, as('auditor', ZHANGZHOU));
    expect(leaks(stream.body)).toEqual([]);
  });

  it("an inspector's record as of a position: the county's auditor sees it, the city's is refused as for a stream that does not exist", async () => {
    const asOf = (actor: Actor, stream: string) => send('GET', `/v1/audit/as-of/aggregates/${stream}?position=1000&level=county`, actor);
    const own = await asOf(as('auditor', ZHAOAN), `inspector-${ZHAOAN}-za-i-huang`);
    expect(own.status).toBe(200);
    expect(JSON.parse(own.body)).toMatchObject({ kind: 'inspector', state: { inspectorId: 'za-i-huang', status: 'enrolled' } });
    const city = await asOf(as('auditor', ZHANGZHOU), `inspector-${ZHAOAN}-za-i-huang`);
    const nobody = await asOf(as('auditor', ZHANGZHOU), `inspector-${ZHAOAN}-za-i-nobody`);
    expect(city.status).toBeGreaterThanOrEqual(400);
    expect({ status: city.status, body: city.body.replaceAll('za-i-huang', '<id>') }).toEqual({ status: nobody.status, body: nobody.body.replaceAll('za-i-nobody', '<id>') });
  });

  it('bad input is refused naming field and rule, and nothing is written', async () => {
    const heads = async () => Promise.all(harness.runtime.levels.map((level) => harness.runtime.node(level)!.service.store.headPosition()));
    const before = await heads();
    const post = { unitId: 'za-x', jurisdiction: ZHAOAN, from: '2020-01-01T00:00:00+08:00' };
    const cases: [body: Record<string, unknown>, field: string, rule: string][] = [
      [{ pool: ZHAOAN, inspectorId: 'za-i-bad', specialties: ['gossip'], post }, 'specialties', 'isIn'],
      [{ pool: ZHAOAN, inspectorId: 'za-i-bad', specialties: [], post }, 'specialties', 'arrayMinSize'],
      [{ pool: ZHAOAN, inspectorId: 'za-i-bad', specialties: ['audit'], post, relations: [{ unitId: 'za-water', kind: 'cousin' }] }, 'relations.0.kind', 'isIn'],
      [{ pool: ZHAOAN, inspectorId: 'za-i-bad', specialties: ['audit'], post: { ...post, from: '2020-13-01T00:00:00+08:00' } }, 'post.from', 'isInstant'],
    ];
    for (const [body, field, rule] of cases) {
      const refused = await send('POST', '/v1/commands/enrolInspector', office, body);
      expect(refused.status).toBe(400);
      expect(JSON.parse(refused.body).errors).toEqual(expect.arrayContaining([expect.objectContaining({ field, rule })]));
    }
    await harness.runtime.settle();
    expect(await heads()).toEqual(before);
  });

  it('ancestors see the counts', async () => {
    for (const jurisdiction of [ZHANGZHOU, PROVINCE]) {
      const report = await send('GET', `/v1/reports/${jurisdiction}`, as('viewer', jurisdiction));
      expect(JSON.parse(report.body).pool).toMatchObject({ enrolled: 1, deployments: 2, bySpecialty: { audit: 1 }, evaluations: { reminded: 1 } });
    }
  });
});
