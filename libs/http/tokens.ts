import { webcrypto } from 'node:crypto';
import { SignJWT, errors, jwtVerify } from 'jose';
import type { Actor } from '#domain';
import { JURISDICTION_CODE, ROLES, isRole } from '#domain';

const ISSUER = 'inspection-linkage';
const ALGORITHM = 'HS256';
/** Tokens whose check is remembered: a client sends the same bearer token with every request. */
const VERIFIED_TOKENS = 10_000;

export class InvalidToken extends Error {
  override readonly name = 'InvalidToken';
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
    if (!JURISDICTION_CODE.test(actor.jurisdiction)) throw new InvalidToken(`jurisdiction ${actor.jurisdiction} is not a 6-digit code`);
    if (!isRole(actor.role)) throw new InvalidToken(`role ${String(actor.role)} is not one of ${ROLES.join(', ')}`);
    if (!actor.id) throw new InvalidToken('an actor needs an id');
    return new SignJWT({ jur: actor.jurisdiction, role: actor.role })
      .setProtectedHeader({ alg: ALGORITHM })
      .setSubject(actor.id)
      .setIssuer(ISSUER)
      .setIssuedAt()
      .setExpirationTime(expiresIn)
      .sign(await this.key);
  }

  async verify(token: string): Promise<Actor> {
    const known = this.verified.get(token);
    if (known !== undefined) {
      if (Date.now() < known.expiresAt) return known.actor;
      this.verified.delete(token);
    }
    try {
      const { payload } = await jwtVerify(token, await this.key, { issuer: ISSUER, algorithms: [ALGORITHM] });
      const { sub, jur, role, exp } = payload as { sub?: unknown; jur?: unknown; role?: unknown; exp?: unknown };
      if (typeof sub !== 'string' || sub === '') throw new InvalidToken('token has no subject');
      if (typeof jur !== 'string' || !JURISDICTION_CODE.test(jur)) throw new InvalidToken('token has no valid jurisdiction claim (jur)');
      if (!isRole(role)) throw new InvalidToken('token has no valid role claim');
      const actor: Actor = { id: sub, jurisdiction: jur, role };
      // A token without an expiry is checked every time rather than trusted forever.
      if (typeof exp === 'number') {
        if (this.verified.size >= VERIFIED_TOKENS) this.verified.delete(this.verified.keys().next().value!);
        this.verified.set(token, { actor, expiresAt: exp * 1000 });
      }
      return actor;
    } catch (error) {
      if (error instanceof InvalidToken) throw error;
      if (error instanceof errors.JWTExpired) throw new InvalidToken('token has expired');
      if (error instanceof errors.JOSEError) throw new InvalidToken(`token rejected: ${error.message}`);
      throw error;
    }
  }
}
