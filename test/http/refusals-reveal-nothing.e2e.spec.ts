import type { Actor, Role } from '#domain';
import type { EmbeddedHarness } from '#scenario';
import { startEmbeddedHarness } from '#scenario';

// Dongshan (350626) runs its own round; Zhao'an (350624), its sibling under Zhangzhou, pries.
const DONGSHAN = '350626';
const ZHAOAN = '350624';
const UNREGISTERED = '350699';
const as = (role: Role, jurisdiction: string): Actor => ({ id: `${jurisdiction}-${role}`, jurisdiction, role });

/** Ids of Dongshan's entities, and ids nobody ever used, of the same length. */
const SIBLING = { unit: 'ds-depot-0001', round: 'ds-round-0001', team: 'ds-team-00001', issue: 'ds-issue-0001', clue: 'ds-clue-00001', rectification: 'ds-fix-000001', task: 'ds-task-00001', pool: DONGSHAN, inspector: 'ds-insp-00001' };
const NOBODY = { unit: 'nx-depot-0001', round: 'nx-round-0001', team: 'nx-team-00001', issue: 'nx-issue-0001', clue: 'nx-clue-00001', rectification: 'nx-fix-000001', task: 'nx-task-00001', pool: UNREGISTERED, inspector: 'nx-insp-00001' };
type Ids = typeof SIBLING;

/** Every command that names an existing entity, as Zhao'an's office would send it. */
const COMMANDS: [command: string, role: Role, body: (ids: Ids) => Record<string, unknown>][] = [
  ['planRound', 'leading-group', (ids) => ({ roundId: 'za-new-round', title: '巡察', kind: 'regular', targets: [ids.unit] })],
  ['planRound', 'leading-group', (ids) => ({ roundId: 'za-new-round', title: '巡察', kind: 'regular', parentRoundId: ids.round, targets: ['za-depot'] })],
  ['launchRound', 'leading-group', (ids) => ({ roundId: ids.round })],
  ['formTeam', 'leading-group', (ids) => ({ teamId: 'za-new-team', roundId: ids.round, leader: { personId: 'p', homeJurisdiction: ZHAOAN }, members: [] })],
  ['stationTeam', 'leading-group', (ids) => ({ teamId: ids.team, unitIds: [ids.unit] })],
  ['stationTeam', 'leading-group', (ids) => ({ teamId: 'za-team', unitIds: [ids.unit] })],
  ['receivePetitions', 'team', (ids) => ({ teamId: ids.team, channel: 'letter', count: 1 })],
  ['recordIssue', 'team', (ids) => ({ issueId: 'za-new-issue', roundId: ids.round, teamId: ids.team, unitId: ids.unit, category: 'grain', summary: 'x' })],
  ['recordIssue', 'team', (ids) => ({ issueId: 'za-new-issue', roundId: 'za-round', teamId: 'za-team', unitId: ids.unit, category: 'grain', summary: 'x' })],
  ['transferClue', 'team', (ids) => ({ clueId: 'za-new-clue', roundId: ids.round, teamId: ids.team, issueId: ids.issue, recipient: 'discipline', summary: 'x' })],
  ['transferClue', 'team', (ids) => ({ clueId: 'za-new-clue', roundId: 'za-round', teamId: 'za-team', issueId: ids.issue, recipient: 'discipline', summary: 'x' })],
  ['disposeClue', 'handler', (ids) => ({ clueId: ids.clue, outcome: 'case-filed', persons: 1 })],
  ['concludeClue', 'handler', (ids) => ({ clueId: ids.clue })],
  ['deliverFeedback', 'leading-group', (ids) => ({ roundId: ids.round, unitId: ids.unit })],
  ['deliverFeedback', 'leading-group', (ids) => ({ roundId: 'za-round', unitId: ids.unit })],
  ['requireRectification', 'leading-group', (ids) => ({ rectificationId: 'za-new-fix', issueId: ids.issue, unitId: ids.unit, dueBy: '2022-12-31T00:00:00+08:00' })],
  ['completeRectification', 'unit', (ids) => ({ rectificationId: ids.rectification })],
  ['escalateFinding', 'leading-group', (ids) => ({ issueId: ids.issue, toJurisdiction: '350600' })],
  ['adoptFinding', 'leading-group', (ids) => ({ issueId: ids.issue, roundId: 'za-round' })],
  ['adoptFinding', 'leading-group', (ids) => ({ issueId: 'za-issue', roundId: ids.round })],
  ['assignTask', 'leading-group', (ids) => ({ taskId: 'za-new-task', toJurisdiction: ZHAOAN, kind: 'report', title: '报告', roundId: ids.round, dueBy: '2022-12-31T00:00:00+08:00' })],
  ['acceptTask', 'leading-group', (ids) => ({ taskId: ids.task })],
  ['reportTaskProgress', 'leading-group', (ids) => ({ taskId: ids.task, percent: 10 })],
  ['completeTask', 'leading-group', (ids) => ({ taskId: ids.task })],
  ['submitSpecialReport', 'leading-group', (ids) => ({ reportId: 'za-new-report', roundId: ids.round, theme: 'grain', recipients: ['省委'] })],
  ['closeRound', 'leading-group', (ids) => ({ roundId: ids.round })],
  // The inspector pool (docs/contract-pool.md): another office's pool and inspectors, and a team of another branch.
  ['configurePool', 'leading-group', (ids) => ({ pool: ids.pool, recusalYears: 5, threePlusN: 'rule' })],
  ['enrolInspector', 'leading-group', (ids) => ({ pool: ids.pool, inspectorId: ids.inspector, specialties: ['audit'], post: { unitId: 'za-depot', jurisdiction: ZHAOAN, from: '2020-01-01T00:00:00+08:00' } })],
  ['updateInspector', 'leading-group', (ids) => ({ pool: ids.pool, inspectorId: ids.inspector, specialties: ['finance'] })],
  ['withdrawInspector', 'leading-group', (ids) => ({ pool: ids.pool, inspectorId: ids.inspector })],
  ['evaluateInspector', 'leading-group', (ids) => ({ pool: ids.pool, inspectorId: ids.inspector, teamId: ids.team, outcome: 'recommended' })],
  ['evaluateInspector', 'leading-group', (ids) => ({ pool: ZHAOAN, inspectorId: 'za-p1', teamId: ids.team, outcome: 'recommended' })],
];

/** Every read that names a jurisdiction or an entity, as Zhao'an's auditor (who may audit its own subtree) would send it. */
const READS: [path: (ids: Ids, jurisdiction: string) => string, role: Role][] = [
  [(_ids, j) => `/v1/reports/${j}`, 'viewer'],
  [(_ids, j) => `/v1/tasks/${j}`, 'viewer'],
  [(_ids, j) => `/v1/reports/${j}/live`, 'viewer'],
  [(_ids, j) => `/v1/tasks/${j}/live`, 'viewer'],
  [(ids) => `/v1/reports/${ZHAOAN}?roundId=${ids.round}`, 'viewer'],
  [(ids) => `/v1/reports/${ZHAOAN}/live?roundId=${ids.round}`, 'viewer'],
  [(_ids, j) => `/v1/audit/as-of/reports/${j}?position=1000`, 'auditor'],
  [(ids) => `/v1/audit/as-of/reports/${ZHAOAN}?position=1000&roundId=${ids.round}`, 'auditor'],
  [(_ids, j) => `/v1/audit/as-of/tasks/${j}?position=1000`, 'auditor'],
  ...(['unit', 'round', 'team', 'issue', 'clue', 'rectification', 'task'] as const).map(
    (kind): [(ids: Ids) => string, Role] => [(ids) => `/v1/audit/as-of/aggregates/${kind}-${ids[kind]}?position=1000&level=county`, 'auditor'],
  ),
  [(ids) => `/v1/audit/lineage/task/${ids.task}?level=county`, 'auditor'],
  [(ids) => `/v1/audit/lineage/issue/${ids.issue}?level=county`, 'auditor'],
  [(ids) => `/v1/audit/lineage/clue/${ids.clue}?level=county`, 'auditor'],
  [(ids) => `/v1/audit/replay?stream=round-${ids.round}&level=county`, 'auditor'],
  [(ids) => `/v1/audit/replay?roundId=${ids.round}&level=county`, 'auditor'],
  [(_ids, j) => `/v1/audit/replay?jurisdiction=${j}`, 'auditor'],
  [(_ids, j) => `/v1/audit/export/county?jurisdiction=${j}`, 'auditor'],
];

/**
 * An oracle for "a refused read or command reveals nothing": what Zhao'an is told about its
 * sibling's existing entities must be exactly what it is told about ids nobody used.
 */
describe("another branch's facts look exactly like facts that do not exist", () => {
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
  const command = async (type: string, actor: Actor, body: unknown) => {
    const response = await send('POST', `/v1/commands/${type}`, actor, body);
    if (response.status !== 201) throw new Error(`setting up: ${type} by ${actor.id} answered ${response.status} ${response.body}`);
  };
  /** An answer with the ids it names replaced, so that two answers compare on everything else. */
  const neutral = (answer: { status: number; body: string }, ids: Ids, jurisdiction: string) => {
    let text = answer.body;
    for (const id of Object.values(ids)) text = text.replaceAll(id, '<id>');
    return { status: answer.status, body: text.replaceAll(jurisdiction, '<jurisdiction>') };
  };

  beforeAll(async () => {
    harness = await startEmbeddedHarness();
    harness.clock.set('2022-06-01T01:00:00.000Z');
    const ds = as('leading-group', DONGSHAN);
    const za = as('leading-group', ZHAOAN);
    await command('registerUnit', ds, { unitId: SIBLING.unit, name: '东山县粮库', jurisdiction: DONGSHAN });
    await command('planRound', ds, { roundId: SIBLING.round, title: '东山县巡察', kind: 'regular', targets: [SIBLING.unit] });
    await command('launchRound', ds, { roundId: SIBLING.round });
    await command('formTeam', ds, { teamId: SIBLING.team, roundId: SIBLING.round, leader: { personId: 'ds-p1', homeJurisdiction: DONGSHAN }, members: [] });
    await command('stationTeam', ds, { teamId: SIBLING.team, unitIds: [SIBLING.unit] });
    await command('recordIssue', as('team', DONGSHAN), { issueId: SIBLING.issue, roundId: SIBLING.round, teamId: SIBLING.team, unitId: SIBLING.unit, category: 'grain', summary: '问题' });
    await command('transferClue', as('team', DONGSHAN), { clueId: SIBLING.clue, roundId: SIBLING.round, teamId: SIBLING.team, issueId: SIBLING.issue, recipient: 'discipline', summary: '线索' });
    await command('requireRectification', ds, { rectificationId: SIBLING.rectification, issueId: SIBLING.issue, unitId: SIBLING.unit, dueBy: '2022-12-31T00:00:00+08:00' });
    await command('enrolInspector', ds, { pool: DONGSHAN, inspectorId: SIBLING.inspector, specialties: ['discipline'], post: { unitId: SIBLING.unit, jurisdiction: DONGSHAN, from: '2020-01-01T00:00:00+08:00' } });
    await command('assignTask', as('leading-group', '350600'), { taskId: SIBLING.task, toJurisdiction: DONGSHAN, kind: 'report', title: '报告', dueBy: '2022-12-31T00:00:00+08:00' });
    // Zhao'an's own round, team and issue, for commands that mix its own ids with its sibling's.
    await command('registerUnit', za, { unitId: 'za-depot', name: '诏安县粮库', jurisdiction: ZHAOAN });
    await command('planRound', za, { roundId: 'za-round', title: '诏安县巡察', kind: 'regular', targets: ['za-depot'] });
    await command('launchRound', za, { roundId: 'za-round' });
    await command('formTeam', za, { teamId: 'za-team', roundId: 'za-round', leader: { personId: 'za-p1', homeJurisdiction: ZHAOAN }, members: [] });
    await command('stationTeam', za, { teamId: 'za-team', unitIds: ['za-depot'] });
    await command('enrolInspector', za, { pool: ZHAOAN, inspectorId: 'za-p1', specialties: ['discipline'], post: { unitId: 'za-depot', jurisdiction: ZHAOAN, from: '2020-01-01T00:00:00+08:00' } });
    await command('recordIssue', as('team', ZHAOAN), { issueId: 'za-issue', roundId: 'za-round', teamId: 'za-team', unitId: 'za-depot', category: 'grain', summary: '问题' });
    await harness.runtime.settle();
  });
  afterAll(async () => harness.close());

  it.each(COMMANDS.map(([type, role, body], index) => [`${index + 1} ${type}`, type, role, body] as const))('command %s: refused alike, and nothing written', async (_label, type, role, body) => {
    const actor = as(role, ZHAOAN);
    const heads = async () => Promise.all(harness.runtime.levels.map((level) => harness.runtime.node(level)!.service.store.headPosition()));
    const before = await heads();
    const sibling = await send('POST', `/v1/commands/${type}`, actor, body(SIBLING));
    const nobody = await send('POST', `/v1/commands/${type}`, actor, body(NOBODY));
    expect(sibling.status).toBeGreaterThanOrEqual(400);
    expect(sibling.status).toBeLessThan(500);
    expect(neutral(sibling, SIBLING, DONGSHAN)).toEqual(neutral(nobody, NOBODY, UNREGISTERED));
    await harness.runtime.settle();
    expect(await heads()).toEqual(before);
  });

  it.each(READS.map(([path, role], index) => [`${index + 1} ${path(SIBLING, DONGSHAN)}`, path, role] as const))('read %s: answered alike', async (_label, path, role) => {
    const actor = as(role, ZHAOAN);
    const sibling = await send('GET', path(SIBLING, DONGSHAN), actor);
    const nobody = await send('GET', path(NOBODY, UNREGISTERED), actor);
    expect(neutral(sibling, SIBLING, DONGSHAN)).toEqual(neutral(nobody, NOBODY, UNREGISTERED));
  });

  it('still tells the sibling itself about its own entities (the oracle compares something)', async () => {
    const own = await send('GET', `/v1/reports/${DONGSHAN}?roundId=${SIBLING.round}`, as('viewer', DONGSHAN));
    expect(own.status).toBe(200);
    const launch = await send('POST', '/v1/commands/launchRound', as('leading-group', DONGSHAN), { roundId: SIBLING.round });
    expect(launch.status).toBe(409);
    expect(JSON.parse(launch.body)).toMatchObject({ title: 'AlreadyRecorded' });
  });
});
