import { randomUUID, webcrypto } from 'node:crypto';
import { SignJWT, decodeJwt, errors, jwtVerify } from 'jose';
import type { Actor } from '#domain';
import { JURISDICTION_CODE, ROLES, isRole } from '#domain';

const ISSUER = 'inspection-linkage';
const ALGORITHM = 'HS256';
/** Tokens whose check is remembered: a client sends the same bearer token with every request. */
const VERIFIED_TOKENS = 10_000;
/** The `use` claim of a sign-in ticket: what tells it from a bearer token signed with the same key. */
const SIGN_IN_USE = 'sign-in';
/**
 * The longest a sign-in ticket may live. A ticket travels in a URL (chat, history, a screen shared),
 * so it is short-lived; and the server remembers every consumed one until it expires.
 */
export const MAX_TICKET_LIFETIME_SECONDS = 3600;

export class InvalidToken extends Error {
  override readonly name = 'InvalidToken';
}

/** A verified sign-in ticket: whom it signs in, and what makes it single-use. */
export interface SignInTicket {
  readonly actor: Actor;
  /** Its unique id: remembered once consumed, so that the link signs in once. */
  readonly jti: string;
  /** When it expires (ms since the epoch). */
  readonly expiresAt: number;
}

/** Bearer tokens are HS256 JWTs whose claims are the actor: sub = id, jur = jurisdiction, role. */
export class TokenService {
  /** Imported once: given raw bytes (or a Node KeyObject), jose imports the key again for every token. */
  private readonly key: Promise<webcrypto.CryptoKey>;
  /**
   * Token → the actor it names and until when (ms). Checking a signature through WebCrypto costs
   * more than the rest of a small command; a token checked once stays good until it expires, since
   * the key does not change while this process runs. Only tokens that passed every check are kept.
   */
  private readonly verified = new Map<string, { readonly actor: Actor; readonly expiresAt: number }>();

  constructor(key: Uint8Array) {
    this.key = webcrypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
  }

  async mint(actor: Actor, expiresIn: string | number = '12h'): Promise<string> {
    checkActor(actor);
    return new SignJWT({ jur: actor.jurisdiction, role: actor.role })
      .setProtectedHeader({ alg: ALGORITHM })
      .setSubject(actor.id)
      .setIssuer(ISSUER)
      .setIssuedAt()
      .setExpirationTime(expiresIn)
      .sign(await this.key);
  }

  /**
   * A sign-in ticket for a link (`npm run token -- --link`): signed with the same key as a bearer
   * token, but marked `use: "sign-in"`, short-lived and with a unique `jti`. It is good for one
   * POST /v1/session only; verify() refuses it as a bearer token.
   */
  async mintTicket(actor: Actor, expiresIn: string | number = '5m'): Promise<string> {
    checkActor(actor);
    const issuedAt = Math.floor(Date.now() / 1000);
    const ticket = new SignJWT({ jur: actor.jurisdiction, role: actor.role, use: SIGN_IN_USE })
      .setProtectedHeader({ alg: ALGORITHM })
      .setSubject(actor.id)
      .setIssuer(ISSUER)
      .setIssuedAt(issuedAt)
      .setJti(randomUUID())
      .setExpirationTime(expiresIn);
    const signed = await ticket.sign(await this.key);
    const { exp } = decodeJwt(signed);
    if (exp === undefined || exp <= issuedAt) throw new InvalidToken('a sign-in ticket must expire in the future');
    // The server refuses a longer-lived one: say so here rather than print a link that cannot work.
    if (exp - issuedAt > MAX_TICKET_LIFETIME_SECONDS) throw new InvalidToken(`a sign-in ticket lives at most ${MAX_TICKET_LIFETIME_SECONDS / 60} minutes`);
    return signed;
  }

  async verify(token: string): Promise<Actor> {
    const known = this.verified.get(token);
    if (known !== undefined) {
      if (Date.now() < known.expiresAt) return known.actor;
      this.verified.delete(token);
    }
    const claims = await this.claimsOf(token, 'token');
    // A ticket in a URL must not become a 5-minute bearer token for whoever sees the link.
    if (claims.use !== undefined) throw new InvalidToken('a sign-in ticket is not a bearer token: exchange it once at POST /v1/session as {"ticket": ...}');
    // A token without an expiry is checked every time rather than trusted forever.
    if (claims.exp !== undefined) {
      if (this.verified.size >= VERIFIED_TOKENS) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, { actor: claims.actor, expiresAt: claims.exp * 1000 });
    }
    return claims.actor;
  }

  /** The bearer token's actor and its expiry (ms since the epoch; undefined when it has none). */
  async verifyWithExpiry(token: string): Promise<{ actor: Actor; expiresAt: number | undefined }> {
    const actor = await this.verify(token);
    // Verified just now (or before, and still good): its claims can be read without checking again.
    const { exp } = decodeJwt(token);
    return { actor, expiresAt: exp === undefined ? undefined : exp * 1000 };
  }

  /** A sign-in ticket's actor, id and expiry; a bearer token (or anything else) is refused. It is not consumed here. */
  async verifyTicket(ticket: string): Promise<SignInTicket> {
    const claims = await this.claimsOf(ticket, 'ticket');
    if (claims.use !== SIGN_IN_USE) throw new InvalidToken('a bearer token is not a sign-in ticket: send it as {"token": ...}');
    if (claims.jti === undefined) throw new InvalidToken('ticket has no id (jti)');
    if (claims.exp === undefined || claims.iat === undefined) throw new InvalidToken('ticket has no issue time or expiry');
    if (claims.exp - claims.iat > MAX_TICKET_LIFETIME_SECONDS) throw new InvalidToken(`ticket lives longer than ${MAX_TICKET_LIFETIME_SECONDS / 60} minutes`);
    return { actor: claims.actor, jti: claims.jti, expiresAt: claims.exp * 1000 };
  }

  private async claimsOf(
    token: string,
    what: 'token' | 'ticket',
  ): Promise<{ actor: Actor; exp: number | undefined; iat: number | undefined; jti: string | undefined; use: unknown }> {
    try {
      const { payload } = await jwtVerify(token, await this.key, { issuer: ISSUER, algorithms: [ALGORITHM] });
      const { sub, jur, role, exp, iat, jti, use } = payload as { sub?: unknown; jur?: unknown; role?: unknown; exp?: unknown; iat?: unknown; jti?: unknown; use?: unknown };
      if (typeof sub !== 'string' || sub === '') throw new InvalidToken(`${what} has no subject`);
      if (typeof jur !== 'string' || !JURISDICTION_CODE.test(jur)) throw new InvalidToken(`${what} has no valid jurisdiction claim (jur)`);
      if (!isRole(role)) throw new InvalidToken(`${what} has no valid role claim`);
      return {
        actor: { id: sub, jurisdiction: jur, role },
        exp: typeof exp === 'number' ? exp : undefined,
        iat: typeof iat === 'number' ? iat : undefined,
        jti: typeof jti === 'string' && jti !== '' ? jti : undefined,
        use,
      };
    } catch (error) {
      if (error instanceof InvalidToken) throw error;
      if (error instanceof errors.JWTExpired) throw new InvalidToken(`${what} has expired`);
      if (error instanceof errors.JOSEError) throw new InvalidToken(`${what} rejected: ${error.message}`);
      throw error;
    }
  }
}

const checkActor = (actor: Actor): void => {
  if (!JURISDICTION_CODE.test(actor.jurisdiction)) throw new InvalidToken(`jurisdiction ${actor.jurisdiction} is not a 6-digit code`);
  if (!isRole(actor.role)) throw new InvalidToken(`role ${String(actor.role)} is not one of ${ROLES.join(', ')}`);
  if (!actor.id) throw new InvalidToken('an actor needs an id');
};
