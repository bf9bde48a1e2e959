import type { KeyObject } from 'node:crypto';
import { createSecretKey } from 'node:crypto';
import { SignJWT, errors, jwtVerify } from 'jose';
import type { Actor } from '#domain';
import { JURISDICTION_CODE, ROLES, isRole } from '#domain';

const ISSUER = 'inspection-linkage';
const ALGORITHM = 'HS256';

export class InvalidToken extends Error {
  override readonly name = 'InvalidToken';
}

/** Bearer tokens are HS256 JWTs whose claims are the actor: sub = id, jur = jurisdiction, role. */
export class TokenService {
  /** Imported once: given raw bytes, jose would import the key again for every token it checks. */
  private readonly key: KeyObject;

  constructor(key: Uint8Array) {
    this.key = createSecretKey(key);
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
      .sign(this.key);
  }

  async verify(token: string): Promise<Actor> {
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: ISSUER, algorithms: [ALGORITHM] });
      const { sub, jur, role } = payload as { sub?: unknown; jur?: unknown; role?: unknown };
      if (typeof sub !== 'string' || sub === '') throw new InvalidToken('token has no subject');
      if (typeof jur !== 'string' || !JURISDICTION_CODE.test(jur)) throw new InvalidToken('token has no valid jurisdiction claim (jur)');
      if (!isRole(role)) throw new InvalidToken('token has no valid role claim');
      return { id: sub, jurisdiction: jur, role };
    } catch (error) {
      if (error instanceof InvalidToken) throw error;
      if (error instanceof errors.JWTExpired) throw new InvalidToken('token has expired');
      if (error instanceof errors.JOSEError) throw new InvalidToken(`token rejected: ${error.message}`);
      throw error;
    }
  }
}
