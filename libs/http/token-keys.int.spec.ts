import { jest } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Actor, Level } from '#domain';
import { InvalidTokenKeys, TokenKeys, openTokenKeys, rotateTokenKey, tokenKeyringFileOf } from './token-keys.js';
import type { TokenPolicy } from './tokens.js';
import { TokenService } from './tokens.js';

const TEAM: Actor = { id: 'za-team', jurisdiction: '350624', role: 'team' };
const LEVEL_OF: Readonly<Record<string, Level>> = { '350000': 'province', '350600': 'city', '350624': 'county' };
const POLICY: TokenPolicy = { levelOf: (jurisdiction) => LEVEL_OF[jurisdiction], maxLifetimeSeconds: 3600 };
const kidOf = (token: string): string => (JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;

describe('token keyrings in a data folder', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'token-keys-'));
  });
  afterEach(() => {
    jest.useRealTimers();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('makes one owner-only keyring per served level on the first start, reads the same one after, and refuses to make one for the token command', async () => {
    await expect(openTokenKeys({ levels: ['county'], dataDir, missing: 'refuse' })).rejects.toThrow(
      new InvalidTokenKeys(`no county token key in ${dataDir} (${tokenKeyringFileOf(dataDir, 'county')} does not exist): start the server once on this folder (it makes one), or set TOKEN_SIGNING_KEY_COUNTY`),
    );
    const first = await openTokenKeys({ levels: ['county', 'city'], dataDir, missing: 'generate' });
    const file = tokenKeyringFileOf(dataDir, 'county');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(first.signingLevels).toEqual(['city', 'county']);
    const again = await openTokenKeys({ levels: ['county'], dataDir, missing: 'refuse' });
    expect(again.signingKey('county')!.kid).toBe(first.signingKey('county')!.kid);
    expect(again.signingKey('city')).toBeUndefined();
    // A keyring whose stated kid is not its key's: refused, naming the file.
    const keyring = JSON.parse(readFileSync(file, 'utf8')) as { keys: { kid: string }[] };
    keyring.keys[0]!.kid = 'county-forged';
    writeFileSync(file, JSON.stringify(keyring));
    await expect(openTokenKeys({ levels: ['county'], dataDir, missing: 'refuse' })).rejects.toThrow(/is named county-forged but its key's id is county-/);
  });

  it('rotates: tokens of the retired key work until they expire, new tokens carry the new kid, and a running server learns the new key from the file', async () => {
    jest.useFakeTimers({ now: Date.parse('2026-11-22T08:00:00Z'), doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    // The server: it makes the keyring on its first start.
    const running = new TokenService(await openTokenKeys({ levels: ['county'], dataDir, missing: 'generate' }), POLICY);
    const before = await running.mint(TEAM, '30m');
    const oldKid = kidOf(before);

    jest.setSystemTime(Date.parse('2026-11-22T08:10:00Z'));
    const rotation = rotateTokenKey(dataDir, 'county', POLICY.maxLifetimeSeconds!);
    expect(rotation).toMatchObject({ retired: oldKid, dropped: [] });
    const cli = await TokenService.fromDataDir(dataDir, POLICY, ['county']);
    const after = await cli.mint(TEAM);
    expect(kidOf(after)).toBe(rotation.active);
    expect(rotation.active).not.toBe(oldKid);

    // The server that started before the rotation: the new kid is unknown to it until it reads the file again.
    jest.setSystemTime(Date.parse('2026-11-22T08:10:02Z'));
    expect(await running.verify(after)).toEqual(TEAM);
    expect(await running.verify(before)).toEqual(TEAM);
    expect(await cli.verify(before)).toEqual(TEAM);
    expect(running.keys.jwks().keys.map((key) => [key.kid, key.retiredAt])).toEqual([
      [oldKid, '2026-11-22T08:10:00.000Z'],
      [rotation.active, undefined],
    ]);

    // Until it expires (08:30): then refused, like any expired token.
    jest.setSystemTime(Date.parse('2026-11-22T08:30:01Z'));
    await expect(cli.verify(before)).rejects.toThrow(/token has expired/);

    // A rotation after the longest lifetime has passed since the retirement drops the old key.
    jest.setSystemTime(Date.parse('2026-11-22T09:10:01Z'));
    const later = rotateTokenKey(dataDir, 'county', POLICY.maxLifetimeSeconds!);
    expect(later).toMatchObject({ retired: rotation.active, dropped: [oldKid] });
  });
});

describe("another level's keys from its JWKS URL", () => {
  it('starts while the peer is down, and fetches its keys when a token names a kid not known yet', async () => {
    const province = new TokenService(await TokenKeys.generate(['province']), POLICY);
    let up = false;
    const peer = createServer((_request, response) => {
      if (!up) return void response.writeHead(503).end();
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(province.keys.jwks()));
    });
    await new Promise<void>((resolve) => peer.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(peer.address() as AddressInfo).port}/.well-known/jwks.json`;
      const dataDir = mkdtempSync(join(tmpdir(), 'token-keys-url-'));
      try {
        const county = new TokenService(await openTokenKeys({ levels: ['county'], dataDir, trustedJwks: [url], missing: 'generate' }), POLICY);
        const token = await province.mint({ id: 'fj-office', jurisdiction: '350000', role: 'leading-group' });
        await new Promise((resolve) => setTimeout(resolve, 1_100));
        await expect(county.verify(token)).rejects.toThrow(/which this process does not know/);
        up = true;
        await new Promise((resolve) => setTimeout(resolve, 1_100));
        expect(await county.verify(token)).toMatchObject({ jurisdiction: '350000' });
        // Trusted, not held: the county process still cannot sign for the province.
        await expect(county.mint({ id: 'x', jurisdiction: '350000', role: 'admin' })).rejects.toThrow(/holds no province signing key/);
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    } finally {
      peer.close();
    }
  });
});
