/**
 * Tokens this code's mint refuses to make, signed by hand: what a holder of a level's key could
 * make whatever TokenService allows (a province token signed with the county key, an expired one).
 */
import { SignJWT } from 'jose';
import type { Actor, Level } from '#domain';
import { LEVELS } from '#domain';
import type { TokenKey } from '#http';
import { TokenService } from '#http';
import { loadReferenceRegistry } from '#linkage';

export const forgeToken = (key: TokenKey, actor: Pick<Actor, 'id' | 'jurisdiction' | 'role'>, times: { readonly iat?: number; readonly exp?: number } = {}): Promise<string> => {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ jur: actor.jurisdiction, role: actor.role })
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: 'JWT' })
    .setSubject(actor.id)
    .setIssuer('inspection-linkage')
    .setIssuedAt(times.iat ?? now)
    .setExpirationTime(times.exp ?? now + 600)
    .sign(key.signKey!);
};

/** The key `tokens` signs `level`'s tokens with (it must hold it). */
export const keyOf = (tokens: TokenService, level: Level): TokenKey => {
  const key = tokens.keys.signingKey(level);
  if (key === undefined) throw new Error(`this token service holds no ${level} key`);
  return key;
};

/** A token for `actor` that expired a minute ago, signed with the right key (the province's when no level may issue it). */
export const expiredToken = (tokens: TokenService, actor: Actor): Promise<string> => {
  const level = tokens.issuingLevel(actor);
  const now = Math.floor(Date.now() / 1000);
  return forgeToken(keyOf(tokens, level === 'city' || level === 'county' ? level : 'province'), actor, { iat: now - 600, exp: now - 60 });
};

/**
 * A bearer token for any actor: minted when some level may issue it, else signed with the province's
 * key (which the server refuses: an unknown jurisdiction, an admin below the province).
 */
export const anyToken = async (tokens: TokenService, actor: Actor): Promise<string> => {
  const level = tokens.issuingLevel(actor);
  return level === 'province' || level === 'city' || level === 'county' ? tokens.mint(actor) : forgeToken(keyOf(tokens, 'province'), actor);
};

/** The token keys a server started as a process made in its data folder, with the reference registry's levels. */
export const tokensOfDataDir = (dataDir: string, levels: readonly Level[] = LEVELS): Promise<TokenService> => {
  const registry = loadReferenceRegistry();
  return TokenService.fromDataDir(dataDir, { levelOf: (jurisdiction) => registry.get(jurisdiction)?.level }, levels);
};
