import type { Actor } from '#domain';
import { COMMAND_TYPES } from '#domain';
import type { EmbeddedHarness } from '#scenario';
import { startEmbeddedHarness } from '#scenario';

const CITY_OFFICE: Actor = { id: 'zz-inspection-office', jurisdiction: '350600', role: 'leading-group' };
const COUNTY_OFFICE: Actor = { id: 'za-office', jurisdiction: '350624', role: 'leading-group' };

describe('the command edge over HTTP (embedded default, in memory)', () => {
  let harness: EmbeddedHarness;
  const http = () => harness.app.getHttpAdapter().getInstance();
  const post = async (command: string, body: unknown, actor?: Actor, extraHeaders: Record<string, string> = {}) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...extraHeaders };
    if (actor) headers.authorization = `Bearer ${await harness.tokens.mint(actor)}`;
    const response = await http().inject({ method: 'POST', url: `/v1/commands/${command}`, headers, payload: JSON.stringify(body) });
    return { status: response.statusCode, contentType: String(response.headers['content-type']), body: JSON.parse(response.body) as Record<string, unknown> };
  };
  const heads = async () => Promise.all(harness.runtime.levels.map((level) => harness.runtime.node(level)!.service.store.headPosition()));

  beforeEach(async () => {
    harness = await startEmbeddedHarness();
    harness.clock.set('2021-09-20T01:00:00.000Z');
  });
  afterEach(async () => harness.close());

  it('accepts a valid command and answers with the new event, its level and store position', async () => {
    const response = await post('registerUnit', { unitId: 'zz-grain-bureau', name: '漳州市粮食和物资储备局', jurisdiction: '350600' }, CITY_OFFICE);
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ level: 'city', events: [{ type: 'UnitRegistered', streamId: 'unit-zz-grain-bureau', revision: 0 }] });
    expect(response.body.position).toBeGreaterThan(0);
  });

  it('refuses a missing token with 401 problem+json and writes nothing', async () => {
    const before = await heads();
    const response = await post('registerUnit', { unitId: 'u1', name: 'x', jurisdiction: '350600' });
    expect(response.status).toBe(401);
    expect(response.contentType).toContain('application/problem+json');
    expect(response.body).toMatchObject({ status: 401, title: 'Unauthenticated' });
    expect(await heads()).toEqual(before);
  });

  it('refuses a token signed with another key', async () => {
    const response = await post('registerUnit', { unitId: 'u1', name: 'x', jurisdiction: '350600' }, undefined, {
      authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4IiwianVyIjoiMzUwNjAwIiwicm9sZSI6ImFkbWluIiwiaXNzIjoiaW5zcGVjdGlvbi1saW5rYWdlIn0.c2lnbmF0dXJl',
    });
    expect(response.status).toBe(401);
  });

  it('names the field and the rule of every broken input, and writes nothing', async () => {
    const before = await heads();
    const response = await post('receivePetitions', { teamId: 'team 1', channel: 'fax', count: 0 }, { ...CITY_OFFICE, role: 'team' });
    expect(response.status).toBe(400);
    expect(response.contentType).toContain('application/problem+json');
    const errors = response.body.errors as { field: string; rule: string }[];
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'teamId', rule: 'matches' }),
        expect.objectContaining({ field: 'channel', rule: 'isIn' }),
        expect.objectContaining({ field: 'count', rule: 'min' }),
      ]),
    );
    expect(await heads()).toEqual(before);
  });

  it('refuses unknown fields instead of dropping them', async () => {
    const response = await post('registerUnit', { unitId: 'u1', name: 'x', jurisdiction: '350600', secretLevel: 'top' }, CITY_OFFICE);
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([expect.objectContaining({ field: 'secretLevel', rule: 'whitelistValidation' })]);
  });

  it('validates nested members with their path', async () => {
    const response = await post(
      'formTeam',
      { teamId: 't1', roundId: 'r1', leader: { personId: 'p1', homeJurisdiction: '350600' }, members: [{ personId: 'p2', homeJurisdiction: 'fujian' }] },
      CITY_OFFICE,
    );
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([expect.objectContaining({ field: 'members.0.homeJurisdiction', rule: 'matches' })]);
  });

  it('requires a time zone on due dates', async () => {
    const response = await post('assignTask', { taskId: 't1', toJurisdiction: '350624', kind: 'follow-up', title: '督办', dueBy: '2021-12-31T00:00:00' }, CITY_OFFICE);
    expect(response.status).toBe(400);
    expect(response.body.field).toBe('dueBy');
  });

  it.each([
    ['an auditor', { ...CITY_OFFICE, role: 'auditor' as const }, 403, 'ReadOnlyRole'],
    ['a team member', { ...CITY_OFFICE, role: 'team' as const }, 403, 'RoleNotAllowed'],
    ['a county office for a city unit', COUNTY_OFFICE, 403, 'OutsideJurisdiction'],
  ])('maps domain refusals to problem+json: %s registering a city unit', async (_, actor, status, title) => {
    const before = await heads();
    const response = await post('registerUnit', { unitId: 'u1', name: 'x', jurisdiction: '350600' }, actor);
    expect(response.status).toBe(status);
    expect(response.body).toMatchObject({ title, status, type: `urn:inspection-linkage:problem:${title}` });
    expect(await heads()).toEqual(before);
  });

  it('answers 404 for an unknown round, 409 for a fact recorded twice, 422 for a broken rule', async () => {
    expect((await post('launchRound', { roundId: 'nope' }, CITY_OFFICE)).body).toMatchObject({ status: 404, title: 'UnknownRound', field: 'roundId' });
    await post('registerUnit', { unitId: 'u1', name: 'x', jurisdiction: '350624' }, CITY_OFFICE);
    expect((await post('registerUnit', { unitId: 'u1', name: 'x', jurisdiction: '350624' }, CITY_OFFICE)).body).toMatchObject({ status: 409, title: 'AlreadyRegistered' });
    const wrongTask = await post('assignTask', { taskId: 'x', toJurisdiction: '350802', kind: 'follow-up', title: '越界', dueBy: '2021-12-31T00:00:00+08:00' }, CITY_OFFICE);
    expect(wrongTask.body).toMatchObject({ status: 422, title: 'NotADescendant', field: 'toJurisdiction' });
  });

  it('serves the OpenAPI document with every command route', async () => {
    const response = await http().inject({ method: 'GET', url: '/docs-json' });
    expect(response.statusCode).toBe(200);
    const paths = Object.keys((JSON.parse(response.body) as { paths: Record<string, unknown> }).paths);
    expect(paths).toEqual(expect.arrayContaining(['/v1/commands/recordIssue', '/v1/commands/assignTask', '/v1/reports/{jurisdiction}', '/v1/tasks/{jurisdiction}']));
    expect(paths.filter((path) => path.startsWith('/v1/commands/')).sort()).toEqual(COMMAND_TYPES.map((type) => `/v1/commands/${type}`).sort());
    expect(paths).toContain('/v1/ledgers/{jurisdiction}/{kind}');
  });
});
