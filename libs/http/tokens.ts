import { randomUUID } from 'node:crypto';
import { SignJWT, decodeJwt, decodeProtectedHeader, errors, jwtVerify } from 'jose';
import type { Actor, Level } from '#domain';
import { JURISDICTION_CODE, LEVELS, ROLES, isRole } from '#domain';
import type { TokenKey } from './token-keys.js';
import { TOKEN_ALGORITHM, TokenKeys, openTokenKeys } from './token-keys.js';

const ISSUER = 'inspection-linkage';
/** Tokens whose check is remembered: a client sends the same bearer token with every request. */
const VERIFIED_TOKENS = 10_000;
/** The `use` claim of a sign-in ticket: what tells it from a bearer token signed with the same key. */
const SIGN_IN_USE = 'sign-in';
/**
 * The longest a sign-in ticket may live. A ticket travels in a URL (chat, history, a screen shared),
 * so it is short-lived; and the server remembers every consumed one until it expires.
 */
export const MAX_TICKET_LIFETIME_SECONDS = 3600;
/** TOKEN_MAX_LIFETIME's default: a working day. */
export const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 12 * 3600;
/** Clocks of the processes of a deployment differ a little: an issue time this far ahead is still believed. */
const CLOCK_SKEW_SECONDS = 60;

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

export interface TokenPolicy {
  /** The level of a registered jurisdiction (the runtime's registry); undefined when it is not known. */
  readonly levelOf: (jurisdiction: string) => Level | undefined;
  /** The longest a bearer token may live (exp - iat), in seconds: TOKEN_MAX_LIFETIME. */
  readonly maxLifetimeSeconds?: number;
}

/**
 * Bearer tokens are EdDSA (Ed25519) JWTs whose claims are the actor: sub = id, jur = jurisdiction,
 * role; the header's kid names the key. A key belongs to one level and issues tokens for that
 * level's jurisdictions only; admin, which acts system-wide, only the province's key issues.
 */
export class TokenService {
  /**
   * Token → the actor it names and until when (ms). Checking a signature costs more than the rest
   * of a small command; a token checked once stays good until it expires (a key's retirement does
   * not revoke what it signed before). Only tokens that passed every check are kept.
   */
  private readonly verified = new Map<string, { readonly actor: Actor; readonly expiresAt: number }>();
  readonly maxLifetimeSeconds: number;

  constructor(
    readonly keys: TokenKeys,
    private readonly policy: TokenPolicy,
  ) {
    this.maxLifetimeSeconds = policy.maxLifetimeSeconds ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS;
  }

  /** A service with the keyrings a server made in `dataDir` (tests and benchmarks of a server started as a process). */
  static async fromDataDir(dataDir: string, policy: TokenPolicy, levels: readonly Level[] = LEVELS): Promise<TokenService> {
    return new TokenService(await openTokenKeys({ levels, dataDir, missing: 'refuse' }), policy);
  }

  /** A service with a new key per level, kept in memory (tests, scenario runs, benchmarks). */
  static async withNewKeys(policy: TokenPolicy): Promise<TokenService> {
    return new TokenService(await TokenKeys.generate(), policy);
  }

  /** The level whose key may issue a token for `actor`; why not, when none may. */
  issuingLevel(actor: Pick<Actor, 'jurisdiction' | 'role'>): Level | string {
    const level = this.policy.levelOf(actor.jurisdiction);
    if (level === undefined) return `jurisdiction ${actor.jurisdiction} is not registered here`;
    // An admin acts on every level: a lower level's key issuing one would let it act above itself.
    if (actor.role === 'admin' && level !== 'province') return `an admin token names a province jurisdiction (admin acts system-wide; only the province's key issues it), not ${actor.jurisdiction}`;
    return level;
  }

  private signingKeyFor(actor: Actor): TokenKey {
    checkActor(actor);
    const level = this.issuingLevel(actor);
    if (level !== 'province' && level !== 'city' && level !== 'county') throw new InvalidToken(level);
    const key = this.keys.signingKey(level);
    if (key === undefined) {
      throw new InvalidToken(`this process holds no ${level} signing key (it signs for ${this.keys.signingLevels.join(', ') || 'no level'}): a ${level} jurisdiction's token is signed where the ${level} level's key is kept`);
    }
    return key;
  }

  /** A bearer token for `actor`, signed with the active key of its jurisdiction's level: 12 h by default, at most TOKEN_MAX_LIFETIME. */
  async mint(actor: Actor, expiresIn: string = `${Math.min(this.maxLifetimeSeconds, DEFAULT_MAX_TOKEN_LIFETIME_SECONDS)}s`): Promise<string> {
    const key = this.signingKeyFor(actor);
    // jose reads the clock for a relative expiry itself: read it for `exp` first and for `iat` after,
    // so that crossing a second boundary between the two reads shortens the token rather than making
    // a full-length one look a second too long (it did: a 12 h token refused as longer than 12 h).
    const token = await new SignJWT({ jur: actor.jurisdiction, role: actor.role })
      .setProtectedHeader({ alg: TOKEN_ALGORITHM, kid: key.kid, typ: 'JWT' })
      .setSubject(actor.id)
      .setIssuer(ISSUER)
      .setExpirationTime(expiresIn)
      .setIssuedAt()
      .sign(key.signKey!);
    const { exp, iat: issuedAt = 0 } = decodeJwt(token);
    if (exp === undefined || exp <= issuedAt) throw new InvalidToken('a token must expire in the future');
    // Every server refuses a longer-lived one: say so here rather than hand out a token that cannot work.
    if (exp - issuedAt > this.maxLifetimeSeconds) throw new InvalidToken(`a token lives at most ${describeSeconds(this.maxLifetimeSeconds)} (TOKEN_MAX_LIFETIME)`);
    return token;
  }

  /**
   * A sign-in ticket for a link (`npm run token -- --link`): signed with the same key as a bearer
   * token, but marked `use: "sign-in"`, short-lived and with a unique `jti`. It is good for one
   * POST /v1/session only; verify() refuses it as a bearer token.
   */
  async mintTicket(actor: Actor, expiresIn: string = '5m'): Promise<string> {
    const key = this.signingKeyFor(actor);
    // `exp` before `iat`, as in mint().
    const signed = await new SignJWT({ jur: actor.jurisdiction, role: actor.role, use: SIGN_IN_USE })
      .setProtectedHeader({ alg: TOKEN_ALGORITHM, kid: key.kid, typ: 'JWT' })
      .setSubject(actor.id)
      .setIssuer(ISSUER)
      .setJti(randomUUID())
      .setExpirationTime(expiresIn)
      .setIssuedAt()
      .sign(key.signKey!);
    const { exp, iat: issuedAt = 0 } = decodeJwt(signed);
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
    if (claims.exp - claims.iat > this.maxLifetimeSeconds) throw new InvalidToken(`token lives longer than TOKEN_MAX_LIFETIME (${describeSeconds(this.maxLifetimeSeconds)})`);
    if (this.verified.size >= VERIFIED_TOKENS) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, { actor: claims.actor, expiresAt: claims.exp * 1000 });
    return claims.actor;
  }

  /** The bearer token's actor and its expiry (ms since the epoch). */
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
    if (claims.exp - claims.iat > MAX_TICKET_LIFETIME_SECONDS) throw new InvalidToken(`ticket lives longer than ${MAX_TICKET_LIFETIME_SECONDS / 60} minutes`);
    return { actor: claims.actor, jti: claims.jti, expiresAt: claims.exp * 1000 };
  }

  private async claimsOf(token: string, what: 'token' | 'ticket'): Promise<{ actor: Actor; exp: number; iat: number; jti: string | undefined; use: unknown }> {
    try {
      let header: ReturnType<typeof decodeProtectedHeader>;
      try {
        header = decodeProtectedHeader(token);
      } catch {
        throw new InvalidToken(`${what} rejected: not a signed JWT`);
      }
      const { kid, alg } = header;
      if (alg !== TOKEN_ALGORITHM) throw new InvalidToken(`${what} rejected: signed with ${String(alg)}, not ${TOKEN_ALGORITHM}`);
      if (typeof kid !== 'string' || kid === '') throw new InvalidToken(`${what} rejected: its header names no key (kid)`);
      const key = await this.keys.find(kid);
      if (key === undefined) throw new InvalidToken(`${what} rejected: signed with key ${kid.slice(0, 80)}, which this process does not know (TOKEN_TRUSTED_JWKS lists the other levels' keys)`);
      const { payload } = await jwtVerify(token, key.verifyKey, { issuer: ISSUER, algorithms: [TOKEN_ALGORITHM], requiredClaims: ['exp', 'iat'] });
      const { sub, jur, role, exp, iat, jti, use } = payload as { sub?: unknown; jur?: unknown; role?: unknown; exp?: unknown; iat?: unknown; jti?: unknown; use?: unknown };
      if (typeof sub !== 'string' || sub === '') throw new InvalidToken(`${what} has no subject`);
      if (typeof jur !== 'string' || !JURISDICTION_CODE.test(jur)) throw new InvalidToken(`${what} has no valid jurisdiction claim (jur)`);
      if (!isRole(role)) throw new InvalidToken(`${what} has no valid role claim`);
      if (typeof exp !== 'number' || typeof iat !== 'number') throw new InvalidToken(`${what} has no issue time or expiry`);
      // The signature holds; now whether this key may speak for this jurisdiction at all.
      const issuer = this.issuingLevel({ jurisdiction: jur, role });
      if (issuer !== key.level) {
        throw new InvalidToken(`${what} rejected: key ${kid} is the ${key.level} level's, and ${issuer === 'province' || issuer === 'city' || issuer === 'county' ? `only the ${issuer} level's key issues tokens for ${jur}${role === 'admin' ? ' as admin' : ''}` : issuer}`);
      }
      if (iat > Date.now() / 1000 + CLOCK_SKEW_SECONDS) throw new InvalidToken(`${what} rejected: issued in the future`);
      // A retired key's private half may still lie on a disk: what it signs after its retirement is not believed.
      if (key.retiredAt !== undefined && iat * 1000 > key.retiredAt) throw new InvalidToken(`${what} rejected: signed by key ${kid} after it was retired`);
      return { actor: { id: sub, jurisdiction: jur, role }, exp, iat, jti: typeof jti === 'string' && jti !== '' ? jti : undefined, use };
    } catch (error) {
      if (error instanceof InvalidToken) throw error;
      if (error instanceof errors.JWTExpired) throw new InvalidToken(`${what} has expired`);
      if (error instanceof errors.JOSEError) throw new InvalidToken(`${what} rejected: ${error.message}`);
      throw error;
    }
  }
}

const describeSeconds = (seconds: number): string =>
  seconds % 3600 === 0 ? `${seconds / 3600} h` : seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`;

const checkActor = (actor: Actor): void => {
  if (!JURISDICTION_CODE.test(actor.jurisdiction)) throw new InvalidToken(`jurisdiction ${actor.jurisdiction} is not a 6-digit code`);
  if (!isRole(actor.role)) throw new InvalidToken(`role ${String(actor.role)} is not one of ${ROLES.join(', ')}`);
  if (!actor.id) throw new InvalidToken('an actor needs an id');
};
