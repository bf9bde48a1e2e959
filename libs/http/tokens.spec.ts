import { jest } from '@jest/globals';
import { SignJWT, calculateJwkThumbprint } from 'jose';
import type { Actor, Level } from '#domain';
import type { TokenKey } from './token-keys.js';
import { TokenKeys, generateTokenKeyPem, parseJwks, signingTokenKey } from './token-keys.js';
import type { TokenPolicy } from './tokens.js';
import { InvalidToken, TokenService } from './tokens.js';

const TEAM: Actor = { id: 'za-team', jurisdiction: '350624', role: 'team' };
const PROVINCE_OFFICE: Actor = { id: 'fj-office', jurisdiction: '350000', role: 'leading-group' };
const LEVEL_OF: Readonly<Record<string, Level>> = { '350000': 'province', '350600': 'city', '350624': 'county' };
const POLICY: TokenPolicy = { levelOf: (jurisdiction) => LEVEL_OF[jurisdiction] };

/** A token signed by `key` with any claims: what a process holding that key could make, whatever this code's mint allows. */
const forge = (key: TokenKey, claims: { sub: string; jur: string; role: string }, times: { iat?: number; exp?: number } = {}): Promise<string> => {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ jur: claims.jur, role: claims.role })
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid })
    .setSubject(claims.sub)
    .setIssuer('inspection-linkage')
    .setIssuedAt(times.iat ?? now)
    .setExpirationTime(times.exp ?? now + 600)
    .sign(key.signKey!);
};

describe('TokenService', () => {
  afterEach(() => jest.useRealTimers());

  it('names the actor of a token it signed, on every check', async () => {
    const tokens = await TokenService.withNewKeys(POLICY);
    const token = await tokens.mint(TEAM);
    expect(await tokens.verify(token)).toEqual(TEAM);
    expect(await tokens.verify(token)).toEqual(TEAM);
  });

  it('refuses a token once it has expired, though it was accepted before', async () => {
    jest.useFakeTimers({ now: Date.parse('2026-11-22T08:00:00Z'), doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const tokens = await TokenService.withNewKeys(POLICY);
    const token = await tokens.mint(TEAM, '60s');
    expect(await tokens.verify(token)).toEqual(TEAM);
    jest.setSystemTime(Date.parse('2026-11-22T08:01:01Z'));
    await expect(tokens.verify(token)).rejects.toThrow(new InvalidToken('token has expired'));
  });

  it('refuses a token signed with another key and a token altered after signing', async () => {
    const tokens = await TokenService.withNewKeys(POLICY);
    const genuine = await tokens.mint(TEAM);
    expect(await tokens.verify(genuine)).toEqual(TEAM);
    const foreign = await (await TokenService.withNewKeys(POLICY)).mint(TEAM);
    await expect(tokens.verify(foreign)).rejects.toThrow(/which this process does not know/);
    const [header, payload, signature] = genuine.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
    const altered = [header, Buffer.from(JSON.stringify({ ...claims, role: 'auditor' })).toString('base64url'), signature].join('.');
    await expect(tokens.verify(altered)).rejects.toThrow(InvalidToken);
    // A foreign signature under the header of a known key: the header is signed too.
    const foreignParts = foreign.split('.');
    await expect(tokens.verify([header, foreignParts[1], foreignParts[2]].join('.'))).rejects.toThrow(/signature verification failed/);
    await expect(tokens.verify('not.a.token')).rejects.toThrow(InvalidToken);
  });

  it('names the signing key in the header: kid <level>-<RFC 7638 thumbprint>, algorithm EdDSA', async () => {
    const tokens = await TokenService.withNewKeys(POLICY);
    const header = JSON.parse(Buffer.from((await tokens.mint(TEAM)).split('.')[0]!, 'base64url').toString()) as { alg: string; kid: string };
    const county = tokens.keys.signingKey('county')!;
    expect(header).toMatchObject({ alg: 'EdDSA', kid: county.kid });
    expect(county.kid).toBe(`county-${await calculateJwkThumbprint({ ...county.publicJwk })}`);
  });

  it('signs a jurisdiction only with its own level\'s key: a county key cannot make a province or an admin token', async () => {
    const tokens = await TokenService.withNewKeys(POLICY);
    const county = tokens.keys.signingKey('county')!;
    // What the county level's key holder could make by hand is refused, though the signature holds.
    await expect(tokens.verify(await forge(county, { sub: 'x', jur: '350000', role: 'leading-group' }))).rejects.toThrow(
      /key county-\S+ is the county level's, and only the province level's key issues tokens for 350000/,
    );
    await expect(tokens.verify(await forge(county, { sub: 'x', jur: '350624', role: 'admin' }))).rejects.toThrow(/only the province's key issues it/);
    await expect(tokens.verify(await forge(tokens.keys.signingKey('city')!, { sub: 'x', jur: '350624', role: 'team' }))).rejects.toThrow(/only the county level's key/);
    // The same claims with the right key are good.
    expect(await tokens.verify(await forge(county, { sub: 'x', jur: '350624', role: 'team' }))).toEqual({ id: 'x', jurisdiction: '350624', role: 'team' });
    expect(await tokens.verify(await forge(tokens.keys.signingKey('province')!, { sub: 'x', jur: '350000', role: 'admin' }))).toMatchObject({ role: 'admin' });
    await expect(tokens.mint({ id: 'x', jurisdiction: '999999', role: 'team' })).rejects.toThrow(/not registered/);
  });

  it("verifies every level's tokens with the others' public keys, and signs only its own level's", async () => {
    const [countyKey, provinceKey] = await Promise.all([signingTokenKey('county', generateTokenKeyPem(), 'county'), signingTokenKey('province', generateTokenKeyPem(), 'province')]);
    const countyProcess = new TokenService(await TokenKeys.of([countyKey]), POLICY);
    // The province's process: its own key, and the county's public half from the JWKS the county publishes.
    const trusted = await parseJwks(JSON.stringify(countyProcess.keys.jwks()), 'county JWKS');
    expect(trusted.every((key) => key.signKey === undefined)).toBe(true);
    const provinceProcess = new TokenService(await TokenKeys.of([provinceKey, ...trusted]), POLICY);
    expect(await provinceProcess.verify(await countyProcess.mint(TEAM))).toEqual(TEAM);
    await expect(provinceProcess.verify(await forge(countyKey, { sub: 'x', jur: '350000', role: 'admin' }))).rejects.toThrow(/is the county level's/);
    await expect(provinceProcess.mint(TEAM)).rejects.toThrow(/holds no county signing key \(it signs for province\)/);
    await expect(countyProcess.mint(PROVINCE_OFFICE)).rejects.toThrow(/holds no province signing key/);
  });

  it('refuses tokens living longer than TOKEN_MAX_LIFETIME, and will not mint one', async () => {
    const tokens = await TokenService.withNewKeys({ ...POLICY, maxLifetimeSeconds: 3600 });
    await expect(tokens.mint(TEAM, '61m')).rejects.toThrow(/at most 1 h \(TOKEN_MAX_LIFETIME\)/);
    const county = tokens.keys.signingKey('county')!;
    const now = Math.floor(Date.now() / 1000);
    await expect(tokens.verify(await forge(county, { sub: 'x', jur: '350624', role: 'team' }, { iat: now, exp: now + 3601 }))).rejects.toThrow(/longer than TOKEN_MAX_LIFETIME/);
    expect(await tokens.verify(await forge(county, { sub: 'x', jur: '350624', role: 'team' }, { iat: now, exp: now + 3600 }))).toMatchObject({ id: 'x' });
    // The default mint lives exactly the maximum.
    const { exp, iat } = JSON.parse(Buffer.from((await tokens.mint(TEAM)).split('.')[1]!, 'base64url').toString()) as { exp: number; iat: number };
    expect(exp - iat).toBe(3600);
  });

  it('mints a full-length token and ticket even when the clock crosses a second between its reads', async () => {
    // A clock that moves 0.6 s at every read, as a loaded machine's may between two lines: the
    // expiry and the issue time then come from different seconds. Minting used to refuse its own
    // 12 h token as longer than 12 h (CI, stop 18).
    const RealDate = Date;
    let reads = 0;
    const start = RealDate.parse('2026-11-22T08:00:00.700Z');
    class TickingDate extends RealDate {
      constructor(...args: unknown[]) {
        if (args.length === 0) super(start + 600 * reads++);
        else super(...(args as [number]));
      }
      static override now(): number {
        return start + 600 * reads++;
      }
    }
    globalThis.Date = TickingDate as DateConstructor;
    try {
      const tokens = await TokenService.withNewKeys({ ...POLICY, maxLifetimeSeconds: 3600 });
      const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as { exp: number; iat: number };
      for (let attempt = 0; attempt < 5; attempt++) {
        const token = claimsOf(await tokens.mint(TEAM));
        expect(token.exp - token.iat).toBeLessThanOrEqual(3600);
        expect(token.exp - token.iat).toBeGreaterThanOrEqual(3599);
        const ticket = claimsOf(await tokens.mintTicket(TEAM));
        expect(ticket.exp - ticket.iat).toBeLessThanOrEqual(300);
      }
      expect(reads).toBeGreaterThan(0);
    } finally {
      globalThis.Date = RealDate;
    }
  });

  it('refuses what a retired key signs after its retirement, and keeps what it signed before', async () => {
    const pem = generateTokenKeyPem();
    const retiredAt = Date.now() - 60_000;
    const retired = await signingTokenKey('county', pem, 'old county key', retiredAt);
    const tokens = new TokenService(await TokenKeys.of([retired, await signingTokenKey('county', generateTokenKeyPem(), 'new county key')]), POLICY);
    const before = Math.floor(retiredAt / 1000) - 10;
    expect(await tokens.verify(await forge(retired, { sub: 'x', jur: '350624', role: 'team' }, { iat: before, exp: before + 600 }))).toMatchObject({ id: 'x' });
    await expect(tokens.verify(await forge(retired, { sub: 'x', jur: '350624', role: 'team' }))).rejects.toThrow(/after it was retired/);
    expect(tokens.keys.signingKey('county')!.kid).not.toBe(retired.kid);
  });

  it('tells a sign-in ticket from a bearer token: each is refused as the other', async () => {
    const tokens = await TokenService.withNewKeys(POLICY);
    const ticket = await tokens.mintTicket(TEAM);
    const bearer = await tokens.mint(TEAM);
    expect(await tokens.verifyTicket(ticket)).toMatchObject({ actor: TEAM, jti: expect.any(String) });
    await expect(tokens.verify(ticket)).rejects.toThrow(/sign-in ticket is not a bearer token/);
    await expect(tokens.verifyTicket(bearer)).rejects.toThrow(/bearer token is not a sign-in ticket/);
    // Refused as a bearer token even after the bearer token beside it was checked (and remembered).
    expect(await tokens.verify(bearer)).toEqual(TEAM);
    await expect(tokens.verify(ticket)).rejects.toThrow(InvalidToken);
  });

  it('mints tickets of 5 minutes by default, each with its own id, and none longer than an hour', async () => {
    const tokens = await TokenService.withNewKeys(POLICY);
    const first = await tokens.verifyTicket(await tokens.mintTicket(TEAM));
    const second = await tokens.verifyTicket(await tokens.mintTicket(TEAM));
    expect(first.jti).not.toBe(second.jti);
    expect(first.expiresAt - Date.now()).toBeGreaterThan(290_000);
    expect(first.expiresAt - Date.now()).toBeLessThanOrEqual(300_000);
    await expect(tokens.mintTicket(TEAM, '61m')).rejects.toThrow(/at most 60 minutes/);
  });
});

describe('parseJwks', () => {
  it('takes only Ed25519 public keys that name their level and whose kid is their thumbprint', async () => {
    const jwks = (await TokenKeys.generate(['city'])).jwks();
    const [key] = jwks.keys;
    expect(key).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig', level: 'city', kid: expect.stringMatching(/^city-/) });
    expect(await parseJwks(JSON.stringify(jwks), 'f')).toHaveLength(1);
    await expect(parseJwks(JSON.stringify({ keys: [{ ...key, level: 'province' }] }), 'f')).rejects.toThrow(/is named city-\S+ but its key's id is province-/);
    await expect(parseJwks(JSON.stringify({ keys: [{ ...key, level: undefined }] }), 'f')).rejects.toThrow(/names no level/);
    await expect(parseJwks(JSON.stringify({ keys: [{ ...key, d: 'secret' }] }), 'f')).rejects.toThrow(/holds a private key/);
    await expect(parseJwks('{"keys": 1}', 'f')).rejects.toThrow(/not a JWKS/);
  });
});
