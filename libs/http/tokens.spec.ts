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

  it('tells a sign-in ticket from a bearer token: each is refused as the other', async () => {
    const tokens = new TokenService(KEY);
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
    const tokens = new TokenService(KEY);
    const first = await tokens.verifyTicket(await tokens.mintTicket(TEAM));
    const second = await tokens.verifyTicket(await tokens.mintTicket(TEAM));
    expect(first.jti).not.toBe(second.jti);
    expect(first.expiresAt - Date.now()).toBeGreaterThan(290_000);
    expect(first.expiresAt - Date.now()).toBeLessThanOrEqual(300_000);
    await expect(tokens.mintTicket(TEAM, '61m')).rejects.toThrow(/at most 60 minutes/);
  });
});
