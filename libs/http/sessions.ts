/**
 * Browser sessions (README "Browsers: sign-in and the dashboard"). A browser cannot keep a bearer
 * token out of reach of the page's scripts, and EventSource sends no Authorization header; so a
 * browser trades a token or a one-time sign-in ticket for a session, and then sends only an opaque
 * HttpOnly cookie that names it. What the session means (its actor, its CSRF token, its expiry) stays
 * here, in this process's memory: a restart signs every browser out.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Actor } from '#domain';

/** The cookie naming a session: an id, nothing a script or an eavesdropper could use but as itself. */
export const SESSION_COOKIE = 'il_session';
/** The header a cookie-authenticated state-changing request must carry, equal to its session's token. */
export const CSRF_HEADER = 'x-csrf-token';

export interface SessionLimits {
  /** Sessions kept at most; beyond, the oldest is dropped (its browser must sign in again). */
  readonly maxSessions: number;
  /** A session ends at its token's expiry, and never later than this after it began. */
  readonly maxLifetimeMs: number;
  /** Mark the cookie Secure even on a plain-HTTP request (behind a proxy that terminates TLS). */
  readonly secureCookie: boolean;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = { maxSessions: 10_000, maxLifetimeMs: 12 * 3600_000, secureCookie: false };

export interface BrowserSession {
  /** What the cookie holds: 256 random bits. */
  readonly id: string;
  readonly actor: Actor;
  /** What the page sends back in X-CSRF-Token: a cross-site form or script cannot read it. */
  readonly csrfToken: string;
  /** When it ends (ms since the epoch). */
  readonly expiresAt: number;
}

/** A random value of 256 bits, URL-safe. */
const randomId = (): string => randomBytes(32).toString('base64url');

/** Consumed sign-in tickets kept before their expired ids are swept out. */
const SWEEP_TICKETS_ABOVE = 1_000;

export class BrowserSessions {
  /** By id, oldest first (a Map keeps insertion order): the first is the one dropped at the cap. */
  private readonly sessions = new Map<string, BrowserSession>();
  /** The jti of every consumed sign-in ticket, until the ticket expires and could not be used anyway. */
  private readonly consumedTickets = new Map<string, number>();

  constructor(
    readonly limits: SessionLimits = DEFAULT_SESSION_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new session for `actor`, ending at `until` (its token's expiry) or at the lifetime cap, whichever is sooner. */
  open(actor: Actor, until: number | undefined): BrowserSession {
    const now = this.now();
    const capped = now + this.limits.maxLifetimeMs;
    const session: BrowserSession = { id: randomId(), actor, csrfToken: randomId(), expiresAt: until === undefined ? capped : Math.min(until, capped) };
    while (this.sessions.size >= this.limits.maxSessions) this.sessions.delete(this.sessions.keys().next().value!);
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session `id` names; undefined when there is none or it has ended (then it is forgotten). */
  find(id: string | undefined): BrowserSession | undefined {
    if (id === undefined) return undefined;
    const session = this.sessions.get(id);
    if (session === undefined) return undefined;
    if (this.now() >= session.expiresAt) {
      this.sessions.delete(id);
      return undefined;
    }
    return session;
  }

  close(id: string): void {
    this.sessions.delete(id);
  }

  get size(): number {
    return this.sessions.size;
  }

  /**
   * Marks a sign-in ticket used; false when it was used already. The id is kept until the ticket
   * expires: after that the signature check refuses it anyway.
   */
  consumeTicket(jti: string, expiresAt: number): boolean {
    const now = this.now();
    if (this.consumedTickets.size > SWEEP_TICKETS_ABOVE) {
      for (const [id, until] of this.consumedTickets) if (until <= now) this.consumedTickets.delete(id);
    }
    const until = this.consumedTickets.get(jti);
    if (until !== undefined && until > now) return false;
    this.consumedTickets.set(jti, expiresAt);
    return true;
  }
}

/** Whether the header sent equals the session's CSRF token, compared in constant time. */
export const csrfTokenMatches = (session: BrowserSession, sent: string | string[] | undefined): boolean => {
  if (typeof sent !== 'string') return false;
  const expected = Buffer.from(session.csrfToken);
  const given = Buffer.from(sent);
  return given.length === expected.length && timingSafeEqual(given, expected);
};

/** What the page learns of its session: who it is, the CSRF token to send, when to sign in again. */
export interface SessionView {
  readonly actor: Actor;
  readonly csrfToken: string;
  readonly expiresAt: string;
}

export const viewOf = (session: BrowserSession): SessionView => ({
  actor: { id: session.actor.id, jurisdiction: session.actor.jurisdiction, role: session.actor.role },
  csrfToken: session.csrfToken,
  expiresAt: new Date(session.expiresAt).toISOString(),
});
