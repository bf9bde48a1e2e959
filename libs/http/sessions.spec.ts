import type { Actor } from '#domain';
import { BrowserSessions, DEFAULT_SESSION_LIMITS, csrfTokenMatches } from './sessions.js';

const VIEWER: Actor = { id: 'zz-viewer', jurisdiction: '350600', role: 'viewer' };
const HOUR = 3600_000;

describe('BrowserSessions', () => {
  let now = Date.parse('2026-11-27T08:00:00Z');
  const clock = () => now;

  it('ends a session at its token expiry, or 12 h after it began if that is sooner, and forgets it then', () => {
    const sessions = new BrowserSessions(DEFAULT_SESSION_LIMITS, clock);
    const short = sessions.open(VIEWER, now + HOUR);
    const long = sessions.open(VIEWER, now + 48 * HOUR);
    const unbounded = sessions.open(VIEWER, undefined);
    expect(short.expiresAt).toBe(now + HOUR);
    expect(long.expiresAt).toBe(now + 12 * HOUR);
    expect(unbounded.expiresAt).toBe(now + 12 * HOUR);
    expect(short.id).not.toBe(long.id);
    expect(short.csrfToken).not.toBe(short.id);
    now += HOUR;
    expect(sessions.find(short.id)).toBeUndefined();
    expect(sessions.find(long.id)).toBe(long);
    expect(sessions.size).toBe(2);
  });

  it('drops the oldest session when it holds as many as it may', () => {
    const sessions = new BrowserSessions({ ...DEFAULT_SESSION_LIMITS, maxSessions: 2 }, clock);
    const [first, second, third] = [sessions.open(VIEWER, undefined), sessions.open(VIEWER, undefined), sessions.open(VIEWER, undefined)];
    expect([first, second, third].map((session) => sessions.find(session.id) !== undefined)).toEqual([false, true, true]);
  });

  it('consumes a ticket once, and remembers it only until it expires', () => {
    const sessions = new BrowserSessions(DEFAULT_SESSION_LIMITS, clock);
    expect(sessions.consumeTicket('t-1', now + 300_000)).toBe(true);
    expect(sessions.consumeTicket('t-1', now + 300_000)).toBe(false);
    expect(sessions.consumeTicket('t-2', now + 300_000)).toBe(true);
    // Once expired, the signature check refuses the ticket; its id need not be kept.
    now += 300_001;
    expect(sessions.consumeTicket('t-1', now + 300_000)).toBe(true);
  });

  it('matches the CSRF token exactly', () => {
    const session = new BrowserSessions(DEFAULT_SESSION_LIMITS, clock).open(VIEWER, undefined);
    expect(csrfTokenMatches(session, session.csrfToken)).toBe(true);
    expect(csrfTokenMatches(session, undefined)).toBe(false);
    expect(csrfTokenMatches(session, [session.csrfToken, session.csrfToken])).toBe(false);
    expect(csrfTokenMatches(session, session.csrfToken.slice(1))).toBe(false);
    expect(csrfTokenMatches(session, `${session.csrfToken}x`)).toBe(false);
  });
});
