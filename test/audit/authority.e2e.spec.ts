import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Actor } from '#domain';
import type { RoundAuthorityAudit } from '#audit';
import type { EmbeddedHarness } from '#scenario';
import { parseScenario, runScenario, startEmbeddedHarness } from '#scenario';

const SCENARIO = join(process.cwd(), 'test', 'scenarios', 'authority-fujian-cross-dual.json');
const ROUND = 'zz-cross-2021';

const PROVINCE_AUDITOR: Actor = { id: 'fj-auditor', jurisdiction: '350000', role: 'auditor' };
const CITY_OFFICE: Actor = { id: 'zz-office', jurisdiction: '350600', role: 'leading-group' };

describe("the auditor's question 'who was allowed to do this, and on whose authority' over the 双授权 run", () => {
  let harness: EmbeddedHarness;
  const get = async (url: string, actor: Actor) => {
    const response = await harness.app.getHttpAdapter().getInstance().inject({ method: 'GET', url, headers: { authorization: `Bearer ${await harness.tokens.mint(actor)}` } });
    return { status: response.statusCode, json: () => JSON.parse(response.body) as RoundAuthorityAudit };
  };
  const authorityAt = async (level: string): Promise<RoundAuthorityAudit> => {
    const response = await get(`/v1/audit/authority/${ROUND}?level=${level}`, PROVINCE_AUDITOR);
    expect(response.status).toBe(200);
    return response.json();
  };

  beforeAll(async () => {
    harness = await startEmbeddedHarness();
    await runScenario(parseScenario(JSON.parse(readFileSync(SCENARIO, 'utf8')), SCENARIO), harness);
    await harness.runtime.settle();
  });
  afterAll(async () => harness.close());

  it("lists the round's authorisations, the revocation included, and each act with those in force at the act's domain time", async () => {
    const audit = await authorityAt('city');
    expect(audit.owner).toBe('350600');
    expect(audit.authority?.authorisedBy).toEqual([
      { jurisdiction: '350600', office: 'leading-group' },
      { jurisdiction: '350626', office: 'party-committee' },
    ]);
    expect(audit.authorisations.map(({ authorisationId, grantor, office, reference, revokedAt }) => ({ authorisationId, grantor, office, reference, revokedAt }))).toEqual([
      { authorisationId: 'zz-auth-cross-2021', grantor: '350600', office: 'leading-group', reference: '漳委巡组〔2021〕5号', revokedAt: null },
      { authorisationId: 'ds-auth-cross-2021', grantor: '350626', office: 'party-committee', reference: '东委〔2021〕12号', revokedAt: '2021-05-10T01:00:00.000Z' },
    ]);
    // Who granted it, and from which level's store the fact came.
    expect(audit.authorisations[1]!.facts.map((fact) => [fact.type, fact.level, fact.metadata.actor.id])).toEqual([
      ['AuthorisationGranted', 'county', 'ds-inspection-office'],
      ['AuthorisationRevoked', 'county', 'ds-inspection-office'],
    ]);
    const both = ['zz-auth-cross-2021', 'ds-auth-cross-2021'];
    expect(audit.acts.map(({ fact, act, inForce, reliedOn }) => ({ type: fact.type, at: fact.metadata.occurredAt, by: fact.metadata.actor.id, act, inForce, reliedOn }))).toEqual([
      { type: 'RoundLaunched', at: '2021-04-06T01:00:00.000Z', by: 'zz-inspection-office', act: 'run-round', inForce: both, reliedOn: both },
      { type: 'TeamStationed', at: '2021-04-08T01:00:00.000Z', by: 'zz-inspection-office', act: 'station-teams', inForce: both, reliedOn: both },
      // Recorded after Dongshan revoked, dated before: both were in force when it happened.
      { type: 'TeamStationed', at: '2021-05-06T01:00:00.000Z', by: 'zz-inspection-office', act: 'station-teams', inForce: both, reliedOn: both },
      { type: 'FeedbackDelivered', at: '2021-06-15T01:00:00.000Z', by: 'zz-inspection-office', act: null, inForce: [], reliedOn: null },
    ]);
    expect(audit.acts[2]!.fact.metadata.recordedAt > audit.authorisations[1]!.facts[1]!.metadata.recordedAt).toBe(true);
  });

  it('keeps who signed an authorisation at the level that granted it: the city and the province receive it without', async () => {
    const signedBy = (audit: RoundAuthorityAudit) => audit.authorisations.find((record) => record.authorisationId === 'ds-auth-cross-2021')!.facts[0]!.data;
    expect(signedBy(await authorityAt('county'))).toMatchObject({ signedBy: 'ds-party-secretary', reference: '东委〔2021〕12号' });
    for (const level of ['city', 'province']) expect(signedBy(await authorityAt(level))).toMatchObject({ signedBy: null, reference: '东委〔2021〕12号' });
  });

  it('answers a round it does not know with 404 and refuses anyone but an auditor', async () => {
    expect((await get('/v1/audit/authority/no-such-round?level=city', PROVINCE_AUDITOR)).status).toBe(404);
    expect((await get(`/v1/audit/authority/${ROUND}?level=city`, CITY_OFFICE)).status).toBe(403);
  });
});
