/**
 * Identity per level over HTTP (README "Keys and rotation"): a level's key signs its own
 * jurisdictions' tokens only, so a token the county's key made for the province (or for an admin)
 * is refused like any bad token and writes nothing; the public keys are published as a JWKS that a
 * standard verifier can use.
 */
import { createLocalJWKSet, jwtVerify } from 'jose';
import type { Actor } from '#domain';
import type { EmbeddedHarness } from '#scenario';
import { startEmbeddedHarness } from '#scenario';
import { forgeToken, keyOf } from '../support/tokens.js';

const PROVINCE_OFFICE: Actor = { id: 'fj-office', jurisdiction: '350000', role: 'leading-group' };
const SYSTEM_ADMIN: Actor = { id: 'fj-admin', jurisdiction: '350000', role: 'admin' };
const GRAIN_BUREAU = { unitId: 'fj-grain-bureau', name: '福建省粮食和物资储备局', jurisdiction: '350000', kind: 'agency' };

describe('token keys per level, over HTTP', () => {
  let harness: EmbeddedHarness;
  const heads = () => harness.heads();
  const post = (path: string, body: unknown, token: string) =>
    harness.app.getHttpAdapter().getInstance().inject({ method: 'POST', url: path, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) });

  beforeAll(async () => {
    harness = await startEmbeddedHarness();
  });
  afterAll(() => harness.close());

  it('refuses a province token the county key signed (401 problem+json, nothing written), and takes the same claims from the province key', async () => {
    const before = await heads();
    const county = keyOf(harness.tokens, 'county');
    for (const [actor, path, body] of [
      [PROVINCE_OFFICE, '/v1/commands/registerUnit', GRAIN_BUREAU],
      [{ ...SYSTEM_ADMIN, jurisdiction: '350624' }, '/v1/commands/registerJurisdiction', { code: '350699', name: '测试县', level: 'county', parent: '350600' }],
    ] as const) {
      const refused = await post(path, body, await forgeToken(county, actor));
      expect(refused.statusCode).toBe(401);
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(refused.json()).toMatchObject({ title: 'Unauthenticated', status: 401, detail: expect.stringMatching(/key county-\S+ is the county level's, and (only the province level's key issues tokens for 350000|an admin token names a province jurisdiction)/) });
    }
    expect(await heads()).toBe(before);
    const accepted = await post('/v1/commands/registerUnit', GRAIN_BUREAU, await forgeToken(keyOf(harness.tokens, 'province'), PROVINCE_OFFICE));
    expect(accepted.statusCode).toBe(201);
  });

  it('refuses a token living longer than TOKEN_MAX_LIFETIME (12 h), though its key may issue it', async () => {
    const now = Math.floor(Date.now() / 1000);
    const refused = await post('/v1/commands/registerUnit', { ...GRAIN_BUREAU, unitId: 'fj-long-lived' }, await forgeToken(keyOf(harness.tokens, 'province'), PROVINCE_OFFICE, { iat: now, exp: now + 12 * 3600 + 1 }));
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toMatchObject({ detail: 'token lives longer than TOKEN_MAX_LIFETIME (12 h)' });
  });

  it('publishes every level\'s public key at /.well-known/jwks.json, without a token, cacheable, usable by a standard verifier', async () => {
    const answer = await harness.app.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/.well-known/jwks.json' });
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['cache-control']).toBe('public, max-age=300');
    const jwks = answer.json() as { keys: Record<string, unknown>[] };
    expect(jwks.keys.map((key) => key.level)).toEqual(['province', 'city', 'county']);
    for (const key of jwks.keys) {
      expect(Object.keys(key).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'level', 'use', 'x']);
      expect(key).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig', kid: expect.stringMatching(new RegExp(`^${String(key.level)}-[\\w-]{43}$`)) });
    }
    const { payload, protectedHeader } = await jwtVerify(await harness.mint(SYSTEM_ADMIN), createLocalJWKSet(jwks as never), { issuer: 'inspection-linkage' });
    expect(payload).toMatchObject({ sub: 'fj-admin', jur: '350000', role: 'admin' });
    expect(protectedHeader.kid).toBe(keyOf(harness.tokens, 'province').kid);
  });
});
