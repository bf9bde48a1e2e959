import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { Inject, Injectable, SetMetadata, createParamDecorator } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Actor } from '#domain';
import { CsrfCheckFailed } from './problems.js';
import type { BrowserSession } from './sessions.js';
import { BrowserSessions, CSRF_HEADER, SESSION_COOKIE, csrfTokenMatches } from './sessions.js';
import { InvalidToken, TokenService } from './tokens.js';

export const PUBLIC_ROUTE = 'inspection-linkage:public';
/** Marks a route that needs no token (health, documentation, signing in). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

export interface AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  method: string;
  /** Parsed by @fastify/cookie. */
  cookies?: Record<string, string | undefined>;
  actor?: Actor;
  /** Set when the actor comes from the session cookie rather than a bearer token. */
  browserSession?: BrowserSession;
}

/** Methods that change nothing: a cookie alone authenticates them (a cross-site page may cause them but never reads the answer). */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const single = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

/**
 * Whether the request's Origin, when it sends one, is this server's own. Only the host and port are
 * compared: behind a proxy that terminates TLS the server sees http while the page is https.
 */
export const sameOrigin = (request: Pick<AuthenticatedRequest, 'headers'>): boolean => {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  const host = single(request.headers.host);
  if (typeof origin !== 'string' || host === undefined) return false;
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.host === new URL(`http://${host}`).host;
  } catch {
    // "null" (a sandboxed frame, a redirect across sites) or anything else that is not an origin.
    return false;
  }
};

/**
 * No write, and no read, without an authenticated actor: from a bearer token's signed claims (API
 * clients, unchanged), or else from the session the il_session cookie names (browsers). The bearer
 * header wins when both come. A cookie travels with every request the browser makes to this
 * server, whoever's page caused it; so a cookie-authenticated request that changes anything must
 * also carry the session's CSRF token (which only this server's page can read) and must not come
 * from another origin.
 */
@Injectable()
export class ActorAuthGuard implements CanActivate {
  constructor(
    @Inject(TokenService) private readonly tokens: TokenService,
    @Inject(BrowserSessions) private readonly sessions: BrowserSessions,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const value = single(request.headers.authorization);
    if (value !== undefined) {
      const match = value.match(/^Bearer\s+(\S+)$/i);
      if (!match) throw new InvalidToken('missing bearer token: send Authorization: Bearer <token> (mint one with `npm run token`)');
      request.actor = await this.tokens.verify(match[1]!);
      return true;
    }
    const sessionId = request.cookies?.[SESSION_COOKIE];
    if (sessionId === undefined) throw new InvalidToken('missing bearer token: send Authorization: Bearer <token> (mint one with `npm run token`)');
    const session = this.sessions.find(sessionId);
    if (session === undefined) throw new InvalidToken('the session has ended or is unknown (sessions end at their expiry and when the server restarts): sign in again');
    if (!SAFE_METHODS.has(request.method.toUpperCase())) {
      if (!sameOrigin(request)) throw new CsrfCheckFailed(`a request from origin ${String(request.headers.origin)} may not act with this server's session cookie`);
      if (!csrfTokenMatches(session, request.headers[CSRF_HEADER])) {
        throw new CsrfCheckFailed(`a request authenticated by the session cookie that changes anything must send ${CSRF_HEADER} equal to the session's csrfToken (GET /v1/session)`);
      }
    }
    request.actor = session.actor;
    request.browserSession = session;
    return true;
  }
}

export const CurrentActor = createParamDecorator((_: unknown, context: ExecutionContext): Actor => {
  const actor = context.switchToHttp().getRequest<AuthenticatedRequest>().actor;
  if (!actor) throw new InvalidToken('no authenticated actor');
  return actor;
});
