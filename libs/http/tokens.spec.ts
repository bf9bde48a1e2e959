import { jest } from '@jest/globals';
import type { Actor } from '#domain';
import { InvalidToken, TokenService } from './tokens.js';

const KEY = new Uint8Array(32).fill(7);
const TEAM: Actor = { id: 'za-team', jurisdiction: '350624', role: 'team' };

describe('TokenService', () => {
  afterEach(() => jest.useRealTimers());

  it('names the actor of a token it signed, on every check', async () => {
    const tokens = new TokenService(KEY);
    const token = await tokens.mint(TEAM);
    expect(await tokens.verify(token)).toEqual(TEAM);
    expect(await tokens.verify(token)).toEqual(TEAM);
  });

  it('refuses a token once it has expired, though it was accepted before', async () => {
    jest.useFakeTimers({ now: Date.parse('2026-11-22T08:00:00Z'), doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const tokens = new TokenService(KEY);
    const token = await tokens.mint(TEAM, '60s');
    expect(await tokens.verify(token)).toEqual(TEAM);
    jest.setSystemTime(Date.parse('2026-11-22T08:01:01Z'));
    await expect(tokens.verify(token)).rejects.toThrow(new InvalidToken('token has expired'));
  });

  it('refuses a token signed with another key and a token altered after signing', async () => {
    const tokens = new TokenService(KEY);
    const genuine = await tokens.mint(TEAM);
    expect(await tokens.verify(genuine)).toEqual(TEAM);
    const foreign = await new TokenService(new Uint8Array(32).fill(9)).mint({ ...TEAM, role: 'admin' });
    await expect(tokens.verify(foreign)).rejects.toThrow(InvalidToken);
    const [header, payload, signature] = genuine.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
    const altered = [header, Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url'), signature].join('.');
    await expect(tokens.verify(altered)).rejects.toThrow(InvalidToken);
  });
});
