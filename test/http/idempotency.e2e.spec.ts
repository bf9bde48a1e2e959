import type { Actor } from '#domain';
import type { EmbeddedHarness } from '#scenario';
import { startEmbeddedHarness } from '#scenario';

const CITY_OFFICE: Actor = { id: 'zz-office', jurisdiction: '350600', role: 'leading-group' };
const CITY_TEAM: Actor = { id: 'zz-team-member', jurisdiction: '350600', role: 'team' };

/** Idempotency-Key over HTTP: retries of counted facts must not inflate the figures. */
describe('Idempotency-Key on commands', () => {
  let harness: EmbeddedHarness;
  const http = () => harness.app.getHttpAdapter().getInstance();
  const post = async (command: string, body: unknown, actor: Actor, key?: string) => {
    const response = await http().inject({
      method: 'POST',
      url: `/v1/commands/${command}`,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await harness.tokens.mint(actor)}`, ...(key !== undefined ? { 'idempotency-key': key } : {}) },
      payload: JSON.stringify(body),
    });
    return { status: response.statusCode, replayed: response.headers['idempotent-replayed'], body: JSON.parse(response.body) as Record<string, unknown> };
  };
  const petitions = async () => {
    await harness.runtime.settle();
    const response = await http().inject({ method: 'GET', url: '/v1/reports/350600', headers: { authorization: `Bearer ${await harness.tokens.mint(CITY_OFFICE)}` } });
    return (JSON.parse(response.body) as { petitions: number }).petitions;
  };
  const heads = async () => Promise.all(harness.runtime.levels.map((level) => harness.runtime.node(level)!.service.store.headPosition()));

  beforeEach(async () => {
    harness = await startEmbeddedHarness();
    harness.clock.set('2021-09-20T01:00:00.000Z');
    for (const [command, body] of [
      ['registerUnit', { unitId: 'zz-bureau', name: '漳州市粮食和物资储备局', jurisdiction: '350600' }],
      ['planRound', { roundId: 'zz-r', title: '粮食购销专项巡察', kind: 'special', targets: ['zz-bureau'] }],
      ['launchRound', { roundId: 'zz-r' }],
      ['formTeam', { teamId: 'zz-t', roundId: 'zz-r', leader: { personId: 'p1', homeJurisdiction: '350600' }, members: [] }],
    ] as const) {
      expect((await post(command, body, CITY_OFFICE)).status).toBe(201);
    }
  });
  afterEach(async () => harness.close());

  it('records a retried receivePetitions once and answers every retry with the first answer', async () => {
    const body = { teamId: 'zz-t', channel: 'letter', count: 7 };
    const first = await post('receivePetitions', body, CITY_TEAM, 'retry-1');
    expect(first.status).toBe(201);
    expect(first.replayed).toBeUndefined();
    const before = await heads();
    for (let retry = 0; retry < 2; retry++) {
      const again = await post('receivePetitions', body, CITY_TEAM, 'retry-1');
      expect(again).toEqual({ status: 201, replayed: 'true', body: first.body });
    }
    expect(await heads()).toEqual(before);
    expect(await petitions()).toBe(7);
  });

  it('refuses the same key with a different body (422) and writes nothing', async () => {
    await post('receivePetitions', { teamId: 'zz-t', channel: 'letter', count: 7 }, CITY_TEAM, 'retry-2');
    const before = await heads();
    const changed = await post('receivePetitions', { teamId: 'zz-t', channel: 'letter', count: 70 }, CITY_TEAM, 'retry-2');
    expect(changed.status).toBe(422);
    expect(changed.body).toMatchObject({ title: 'IdempotencyKeyReused', field: 'idempotency-key' });
    expect(await heads()).toEqual(before);
    expect(await petitions()).toBe(7);
  });

  it('keeps keys per actor: another actor may use the same key', async () => {
    const other: Actor = { ...CITY_TEAM, id: 'zz-team-member-2' };
    expect((await post('receivePetitions', { teamId: 'zz-t', channel: 'call', count: 2 }, CITY_TEAM, 'shared')).status).toBe(201);
    const second = await post('receivePetitions', { teamId: 'zz-t', channel: 'call', count: 3 }, other, 'shared');
    expect(second.status).toBe(201);
    expect(second.replayed).toBeUndefined();
    expect(await petitions()).toBe(5);
  });

  it('makes one write of ten concurrent duplicates, all answered alike', async () => {
    const body = { teamId: 'zz-t', channel: 'visit', count: 3 };
    const answers = await Promise.all(Array.from({ length: 10 }, () => post('receivePetitions', body, CITY_TEAM, 'burst')));
    expect(answers.every((answer) => answer.status === 201)).toBe(true);
    expect(new Set(answers.map((answer) => JSON.stringify(answer.body))).size).toBe(1);
    expect(answers.filter((answer) => answer.replayed === undefined)).toHaveLength(1);
    expect(await petitions()).toBe(3);
  });

  it('keeps a refusal as the answer to its key', async () => {
    const refused = await post('receivePetitions', { teamId: 'no-such-team', channel: 'letter', count: 1 }, CITY_TEAM, 'refused-1');
    expect(refused.status).toBe(404);
    const again = await post('receivePetitions', { teamId: 'no-such-team', channel: 'letter', count: 1 }, CITY_TEAM, 'refused-1');
    expect(again).toEqual({ ...refused, replayed: 'true' });
  });

  it('is documented on every command in the OpenAPI document, with its 422', async () => {
    const document = JSON.parse((await http().inject({ method: 'GET', url: '/docs-json' })).body) as {
      paths: Record<string, { post?: { parameters?: { name: string; in: string }[] } }>;
    };
    const commands = Object.entries(document.paths).filter(([path]) => path.startsWith('/v1/commands/'));
    expect(commands.length).toBeGreaterThanOrEqual(22);
    for (const [path, item] of commands) {
      expect({ path, named: item.post?.parameters?.some((parameter) => parameter.in === 'header' && parameter.name.toLowerCase() === 'idempotency-key') }).toEqual({ path, named: true });
    }
  });
});
