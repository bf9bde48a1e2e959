import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Actor } from '#domain';
import type { VerificationReport } from '#audit';
import type { EmbeddedHarness } from '#scenario';
import { startEmbeddedHarness } from '#scenario';

const COUNTY_OFFICE: Actor = { id: 'za-inspection-office', jurisdiction: '350624', role: 'leading-group' };
const AUDITOR: Actor = { id: 'fj-auditor', jurisdiction: '350000', role: 'auditor' };

/** An id of the longest length the HTTP layer accepts (128), unique by `n`. */
const longId = (prefix: string, n: number): string => `${prefix}-${n}-`.padEnd(128, 'x');

describe('the audit chain over events larger than the hashing buffer (SQLite files)', () => {
  let dataDir: string;
  let harness: EmbeddedHarness;

  const request = async (method: 'GET' | 'POST', url: string, actor: Actor, body?: unknown) => {
    const response = await harness.app.getHttpAdapter().getInstance().inject({
      method,
      url,
      headers: { authorization: `Bearer ${await harness.tokens.mint(actor)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    return { status: response.statusCode, body: JSON.parse(response.body) as unknown };
  };

  beforeAll(async () => {
    mkdirSync(join(process.cwd(), '.tmp'), { recursive: true });
    dataDir = mkdtempSync(join(process.cwd(), '.tmp', 'large-events-'));
    harness = await startEmbeddedHarness({ dataDir });
  });
  afterAll(async () => {
    await harness.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('verifies clean after a team of 100 members (an event of about 30 KB) was formed', async () => {
    const commands: [string, unknown][] = [
      ['registerUnit', { unitId: 'za-grain-depot', name: '诏安县中心粮库', jurisdiction: '350624', kind: 'soe' }],
      ['planRound', { roundId: 'za-2022-1', title: '诏安县委第一轮巡察', kind: 'regular', targets: ['za-grain-depot'] }],
      [
        'formTeam',
        {
          teamId: 'za-team-1',
          roundId: 'za-2022-1',
          leader: { personId: longId('za-leader', 0), homeJurisdiction: '350624', homeUnitId: longId('za-unit', 0) },
          members: Array.from({ length: 100 }, (_, n) => ({ personId: longId('za-member', n), homeJurisdiction: '350624', homeUnitId: longId('za-unit', n) })),
        },
      ],
    ];
    for (const [command, body] of commands) expect((await request('POST', `/v1/commands/${command}`, COUNTY_OFFICE, body)).status).toBe(201);
    await harness.runtime.settle();

    for (const level of ['county', 'city', 'province'] as const) {
      const verify = await request('GET', `/v1/audit/verify/${level}`, AUDITOR);
      expect(verify.status).toBe(200);
      expect(verify.body as VerificationReport).toMatchObject({ ok: true, firstBroken: null, findings: [] });
    }
  });
});
