import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Actor } from '#domain';
import type { VerificationReport, AuditFact, Lineage, LineageNode, ReplayPage } from '#audit';
import { parseExport, verifyExport } from '#audit';
import { InprocBus } from '#bus/adapters';
import { TokenService, createHttpApp } from '#http';
import { LinkageRuntime, SettableClock, chainedMemoryStore } from '#linkage';
import type { EmbeddedHarness } from '#scenario';
import { parseScenario, runScenario, startEmbeddedHarness } from '#scenario';

const SCENARIO = join(process.cwd(), 'test', 'scenarios', 'fujian-grain-2021.json');

const PROVINCE_AUDITOR: Actor = { id: 'fj-auditor', jurisdiction: '350000', role: 'auditor' };
const CITY_AUDITOR: Actor = { id: 'zz-auditor', jurisdiction: '350600', role: 'auditor' };
const OTHER_CITY_AUDITOR: Actor = { id: 'ly-auditor', jurisdiction: '350800', role: 'auditor' };
const COUNTY_AUDITOR: Actor = { id: 'za-auditor', jurisdiction: '350624', role: 'auditor' };
const PROVINCE_VIEWER: Actor = { id: 'fj-viewer', jurisdiction: '350000', role: 'viewer' };
const CITY_OFFICE: Actor = { id: 'zz-office', jurisdiction: '350600', role: 'leading-group' };
const ADMIN: Actor = { id: 'ops', jurisdiction: '350000', role: 'admin' };

/** Every node of a lineage tree, depth first. */
const nodesOf = (node: LineageNode): LineageNode[] => [node, ...node.effects.flatMap(nodesOf)];
const typesOf = (node: LineageNode | undefined): string[] => (node?.facts ?? []).map((fact) => fact.type);

describe('the audit API over the fujian-grain-2021 run (embedded, in memory)', () => {
  let harness: EmbeddedHarness;
  const http = () => harness.app.getHttpAdapter().getInstance();
  const get = async (url: string, actor?: Actor) => {
    const response = await http().inject({ method: 'GET', url, headers: actor ? { authorization: `Bearer ${await harness.tokens.mint(actor)}` } : {} });
    return { status: response.statusCode, body: response.body, json: () => JSON.parse(response.body) as Record<string, unknown>, type: response.headers['content-type'] };
  };
  const post = async (url: string, actor: Actor) => {
    const response = await http().inject({ method: 'POST', url, headers: { authorization: `Bearer ${await harness.tokens.mint(actor)}` } });
    return { status: response.statusCode, json: () => JSON.parse(response.body) as Record<string, unknown> };
  };

  beforeAll(async () => {
    harness = await startEmbeddedHarness();
    await runScenario(parseScenario(JSON.parse(readFileSync(SCENARIO, 'utf8')), SCENARIO), harness);
    // Every level signs its head once; the signatures travel up to the levels above.
    for (const level of ['county', 'city', 'province']) expect((await post(`/v1/audit/heads/${level}/sign`, ADMIN)).status).toBe(201);
    await harness.runtime.settle();
  });
  afterAll(async () => harness.close());

  it('lets no auditor or viewer sign: signing writes a fact (copied to every level above)', async () => {
    const heads = async () => Promise.all(harness.runtime.levels.map((level) => harness.runtime.node(level)!.service.store.headPosition()));
    const before = await heads();
    for (const actor of [PROVINCE_AUDITOR, PROVINCE_VIEWER, CITY_OFFICE]) {
      for (let attempt = 0; attempt < 3; attempt++) expect((await post('/v1/audit/heads/county/sign', actor)).status).toBe(403);
    }
    await harness.runtime.settle();
    expect(await heads()).toEqual(before);
  });

  it('signs on demand once while nothing new is stored: asking again returns the same signature and writes nothing', async () => {
    const first = await post('/v1/audit/heads/county/sign', ADMIN);
    expect(first.status).toBe(201);
    await harness.runtime.settle();
    const heads = async () => Promise.all(harness.runtime.levels.map((level) => harness.runtime.node(level)!.service.store.headPosition()));
    const before = await heads();
    for (let attempt = 0; attempt < 5; attempt++) {
      const again = await post('/v1/audit/heads/county/sign', ADMIN);
      expect(again.status).toBe(201);
      expect(again.json()).toEqual(first.json());
    }
    await harness.runtime.settle();
    expect(await heads()).toEqual(before);
  });

  it('traces fj-grain-task-350600 from the province task down to the county rectifications and back into the province report', async () => {
    const response = await get('/v1/audit/lineage/task/fj-grain-task-350600', PROVINCE_AUDITOR);
    expect(response.status).toBe(200);
    const lineage = response.json() as unknown as Lineage;
    expect(lineage.level).toBe('province');

    // Upstream: the province round the task belongs to.
    expect(lineage.causes.map((node) => `${node.kind}:${node.id}`)).toEqual(['round:fj-11-1-grain']);
    // The task itself, assigned by the province and accepted and completed by the city.
    expect(typesOf(lineage.lineage)).toEqual(['TaskAssigned', 'TaskAccepted', 'TaskCompleted']);
    expect(lineage.lineage.facts.map((fact) => fact.level)).toEqual(['province', 'city', 'city']);
    expect(lineage.lineage.facts[1]!.metadata.actor).toEqual({ id: 'zz-inspection-office', jurisdiction: '350600', role: 'leading-group' });
    expect(lineage.lineage.facts[1]!.metadata.origin?.level).toBe('city');

    // The city's linked round it set off, with its team and the 26 issues found at the county depot.
    const [round] = lineage.lineage.effects;
    expect(round).toMatchObject({ kind: 'round', id: 'zz-12-3-grain', jurisdiction: '350600', levels: ['city'] });
    expect((round!.facts[0]!.data as { parentRoundId: string }).parentRoundId).toBe('fj-11-1-grain');
    const issues = round!.effects.filter((node) => node.kind === 'issue');
    expect(issues.map((node) => node.id).sort()).toEqual(Array.from({ length: 26 }, (_, n) => `za-grain-${n + 1}`).sort());
    expect(issues.every((node) => node.jurisdiction === '350624')).toBe(true);
    expect(round!.effects.filter((node) => node.kind === 'team').map((node) => node.id)).toEqual(['zz-grain-team-1']);

    // Each issue's rectification: required by the city, completed by the county depot's branch.
    for (const issue of issues) {
      const [rectification] = issue.effects.filter((node) => node.kind === 'rectification');
      expect(typesOf(rectification)).toEqual(['RectificationRequired', 'RectificationCompleted']);
      expect(rectification!.facts.map((fact) => fact.level)).toEqual(['city', 'county']);
      expect(rectification!.facts[1]!.metadata.actor).toEqual({ id: 'za-grain-depot-party-branch', jurisdiction: '350624', role: 'unit' });
    }
    // Clues transferred from issues 1 and 2; the first disposed of and concluded.
    const clues = issues.flatMap((issue) => issue.effects.filter((node) => node.kind === 'clue'));
    expect(clues.map((node) => node.id).sort()).toEqual(['za-grain-clue-1', 'za-grain-clue-2']);
    // Whose a clue is comes from the fact that began it: the round owner that transferred it.
    expect(clues.map((node) => node.jurisdiction)).toEqual(['350600', '350600']);
    expect(typesOf(clues.find((node) => node.id === 'za-grain-clue-1'))).toEqual(['ClueTransferred', 'ClueDisposed', 'ClueDisposed', 'ClueConcluded']);

    // Back up: the results roll into the province's report of its round and its special report.
    expect(lineage.rollsUpInto).toMatchObject({ jurisdiction: '350000', roundId: 'fj-11-1-grain' });
    expect(lineage.rollsUpInto!.specialReports.map((node) => `${node.id}:${typesOf(node).join()}`)).toEqual(['fj-grain-report-1:SpecialReportSubmitted']);
    expect([...lineage.levels].sort()).toEqual(['city', 'county', 'province']);
    expect(lineage.truncated).toBe(false);
    const report = await get('/v1/reports/350000?roundId=fj-11-1-grain', PROVINCE_AUDITOR);
    expect(report.json()).toMatchObject({ issuesFound: issues.length, rectifications: { completed: issues.length } });
  });

  it('traces an issue up to the province task and round it came from', async () => {
    const lineage = (await get('/v1/audit/lineage/issue/za-grain-7?level=province', PROVINCE_AUDITOR)).json() as unknown as Lineage;
    expect(lineage.causes.map((node) => `${node.kind}:${node.id}`)).toEqual(['round:fj-11-1-grain', 'task:fj-grain-task-350600', 'round:zz-12-3-grain']);
    expect(lineage.lineage.effects.map((node) => node.kind)).toEqual(['rectification']);
    expect(lineage.rollsUpInto).toMatchObject({ jurisdiction: '350000', roundId: 'fj-11-1-grain' });
  });

  it('replays a stream, a round, a jurisdiction and a correlation with actor and provenance', async () => {
    const stream = (await get('/v1/audit/replay?stream=rectification-za-grain-fix-3&level=province', PROVINCE_AUDITOR)).json() as unknown as ReplayPage;
    expect(stream.facts.map((fact) => [fact.type, fact.level, fact.metadata.actor.role])).toEqual([
      ['RectificationRequired', 'city', 'leading-group'],
      ['RectificationCompleted', 'county', 'unit'],
    ]);
    const completed = stream.facts[1]!;
    expect(completed.metadata).toMatchObject({ jurisdiction: '350624', origin: { level: 'county', streamId: 'rectification-za-grain-fix-3', schema: 1 } });
    expect(completed.metadata.occurredAt).toBe('2021-11-20T01:00:00.000Z');

    const round = (await get('/v1/audit/replay?roundId=zz-12-3-grain&level=city&limit=5000', CITY_AUDITOR)).json() as unknown as ReplayPage;
    const positions = round.facts.map((fact) => fact.position);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(new Set(round.facts.map((fact) => fact.type))).toEqual(
      new Set(['RoundPlanned', 'RoundLaunched', 'TeamFormed', 'TeamStationed', 'PetitionsReceived', 'IssueFound', 'ClueTransferred', 'ClueDisposed', 'ClueConcluded', 'RectificationRequired', 'RectificationCompleted']),
    );

    // Paging: the cursor walks the same facts.
    const first = (await get('/v1/audit/replay?jurisdiction=350624&limit=10', COUNTY_AUDITOR)).json() as unknown as ReplayPage;
    expect(first.level).toBe('county');
    expect(first.facts).toHaveLength(10);
    const second = (await get(`/v1/audit/replay?jurisdiction=350624&limit=10&after=${first.next}`, COUNTY_AUDITOR)).json() as unknown as ReplayPage;
    expect(second.facts[0]!.position).toBeGreaterThan(first.facts[9]!.position);

    // One command's correlation, followed into the copies other levels recorded.
    const correlationId = completed.metadata.correlationId;
    const correlated = (await get(`/v1/audit/replay?correlationId=${correlationId}&level=city`, CITY_AUDITOR)).json() as unknown as ReplayPage;
    expect(correlated.facts.map((fact: AuditFact) => fact.type)).toEqual(['RectificationCompleted']);
  });

  it('folds an aggregate as of a position', async () => {
    const stream = (await get('/v1/audit/replay?stream=task-fj-grain-task-350600', PROVINCE_AUDITOR)).json() as unknown as ReplayPage;
    const accepted = stream.facts[1]!.position;
    const before = (await get(`/v1/audit/as-of/aggregates/task-fj-grain-task-350600?position=${accepted - 1}`, PROVINCE_AUDITOR)).json();
    const after = (await get(`/v1/audit/as-of/aggregates/task-fj-grain-task-350600?position=${accepted}`, PROVINCE_AUDITOR)).json();
    expect(before).toMatchObject({ kind: 'task', revision: 0, state: { status: 'assigned', toJurisdiction: '350600' } });
    expect(after).toMatchObject({ kind: 'task', revision: 1, state: { status: 'accepted' } });
  });

  it('verifies every level clean, with its heads confirmed by the levels above', async () => {
    for (const level of ['county', 'city', 'province'] as const) {
      const response = await get(`/v1/audit/verify/${level}`, PROVINCE_AUDITOR);
      expect(response.status).toBe(200);
      const report = response.json() as unknown as VerificationReport;
      expect(report).toMatchObject({ ok: true, firstBroken: null, findings: [] });
      expect(report.signedHeads.confirmed).toBeGreaterThanOrEqual(1);
      // The county's head is held by the county, the city and the province.
      if (level === 'county') expect([...report.signedHeads.latestConfirmed!.heldBy].sort()).toEqual(['city', 'county', 'province']);
    }
    const heads = (await get('/v1/audit/heads/county', PROVINCE_AUDITOR)).json() as { heads: { heldBy: string }[] };
    expect(heads.heads.map((held) => held.heldBy).sort()).toEqual(['city', 'county', 'province']);
  });

  it("exports a county's history with the rest redacted, and the export verifies offline", async () => {
    const response = await get('/v1/audit/export/county?jurisdiction=350624', COUNTY_AUDITOR);
    expect(response.status).toBe(200);
    expect(response.type).toContain('application/x-ndjson');
    const lines = response.body.split('\n').filter(Boolean);
    const parsed = await parseExport(lines);
    expect(parsed.header).toMatchObject({ level: 'county', jurisdiction: '350624' });
    const report = await verifyExport(parsed, { description: 'export' });
    expect(report).toMatchObject({ ok: true, findings: [] });
    expect(report.redacted).toBeGreaterThan(0);
    expect(report.signedHeads.confirmed).toBeGreaterThanOrEqual(1);
    // No event of another county is shown in full.
    const shown = lines.map((line) => JSON.parse(line) as { kind: string; metadata?: string }).filter((line) => line.kind === 'event');
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.every((line) => !line.metadata!.includes('"jurisdiction":"350626"'))).toBe(true);
  });

  it('refuses: no token 401, a viewer 403, a reader of another subtree 403, a lower auditor of a higher level 403', async () => {
    expect((await get('/v1/audit/verify/county')).status).toBe(401);
    expect((await get('/v1/audit/lineage/task/fj-grain-task-350600')).status).toBe(401);

    const viewer = await get('/v1/audit/verify/county', PROVINCE_VIEWER);
    expect(viewer.status).toBe(403);
    expect(viewer.type).toContain('application/problem+json');
    expect((await get('/v1/audit/replay?jurisdiction=350624', PROVINCE_VIEWER)).status).toBe(403);
    expect((await get('/v1/audit/as-of/reports/350000?position=10', CITY_OFFICE)).status).toBe(403);

    // Longyan's auditor reads neither Zhao'an's history nor its reports as of any time.
    expect((await get('/v1/audit/replay?jurisdiction=350624', OTHER_CITY_AUDITOR)).status).toBe(403);
    expect((await get('/v1/audit/as-of/reports/350600?position=10', OTHER_CITY_AUDITOR)).status).toBe(403);
    expect((await get('/v1/audit/export/county?jurisdiction=350624', OTHER_CITY_AUDITOR)).status).toBe(403);
    // A whole level's export is only for an auditor whose subtree covers the level.
    expect((await get('/v1/audit/export/county', CITY_AUDITOR)).status).toBe(403);
    // A county auditor audits the county store, not the city's or the province's.
    expect((await get('/v1/audit/verify/city', COUNTY_AUDITOR)).status).toBe(403);
    expect((await get('/v1/audit/verify/county', COUNTY_AUDITOR)).status).toBe(200);
    // Lineage of a task outside the subtree is refused as unknown.
    expect((await get('/v1/audit/lineage/task/fj-grain-task-350600?level=city', OTHER_CITY_AUDITOR)).status).toBe(404);
    // Replay of a stream outside the subtree shows nothing of it.
    const hidden = (await get('/v1/audit/replay?stream=issue-za-grain-1&level=city', OTHER_CITY_AUDITOR)).json() as unknown as ReplayPage;
    expect(hidden.facts).toEqual([]);
  });

  it('answers 400 for contradictory or missing parameters', async () => {
    expect((await get('/v1/audit/replay?stream=a&roundId=b', PROVINCE_AUDITOR)).status).toBe(400);
    expect((await get('/v1/audit/as-of/reports/350000', PROVINCE_AUDITOR)).status).toBe(400);
    expect((await get('/v1/audit/as-of/reports/350000?position=3&asOf=2021-01-01T00:00:00Z', PROVINCE_AUDITOR)).status).toBe(400);
    expect((await get('/v1/audit/verify/state', PROVINCE_AUDITOR)).status).toBe(400);
  });
});

describe('the audit API of a one-level process', () => {
  let runtime: LinkageRuntime;
  let app: NestFastifyApplication;
  let tokens: TokenService;

  beforeAll(async () => {
    runtime = await LinkageRuntime.start({ levels: ['county'], clock: new SettableClock(new Date().toISOString()), bus: new InprocBus(), openStore: () => chainedMemoryStore() });
    tokens = await TokenService.withNewKeys({ levelOf: (jurisdiction) => runtime.levelOf(jurisdiction) });
    app = await createHttpApp({ runtime, tokens, logger: false, swaggerUi: false });
  });
  afterAll(async () => {
    await app.close();
    await runtime.stop();
  });

  it('answers 421 for a level it does not serve, for verify and sign as for export (verify and sign failed with 500)', async () => {
    const authorization = `Bearer ${await tokens.mint(ADMIN)}`;
    for (const [method, url] of [
      ['GET', '/v1/audit/verify/city'],
      ['POST', '/v1/audit/heads/city/sign'],
      ['GET', '/v1/audit/export/city'],
    ] as const) {
      const response = await app.getHttpAdapter().getInstance().inject({ method, url, headers: { authorization } });
      expect({ url, status: response.statusCode, title: (JSON.parse(response.body) as { title: string }).title }).toEqual({ url, status: 421, title: 'MisdirectedRequest' });
    }
    const own = await app.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/v1/audit/verify/county', headers: { authorization } });
    expect(own.statusCode).toBe(200);
  });
});
