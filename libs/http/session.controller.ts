import { Body, Controller, Delete, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import type { AuthenticatedRequest } from './auth.js';
import { Public, sameOrigin } from './auth.js';
import { BODY_PROBLEMS, Documented } from './api-docs.js';
import { schemaRef } from './openapi-schemas.js';
import { CsrfCheckFailed, ValidationFailed } from './problems.js';
import { SignInLimited } from './request-guards.js';
import type { BrowserSession, SessionView } from './sessions.js';
import { BrowserSessions, SESSION_COOKIE, viewOf } from './sessions.js';
import { InvalidToken, TokenService } from './tokens.js';

/** A compact JWS: three base64url parts. */
const JWT_PATTERN = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const JWT_MAX_LENGTH = 4096;

const jwtProperty = (description: string) => ({ type: 'string' as const, minLength: 5, maxLength: JWT_MAX_LENGTH, pattern: JWT_PATTERN.source, description });

export class SignInBody {
  @ApiPropertyOptional(jwtProperty('a bearer token (`npm run token`); the session ends when it expires, at most 12 h from now. Not with ticket.'))
  @IsOptional()
  @IsString()
  @MaxLength(JWT_MAX_LENGTH)
  @Matches(JWT_PATTERN, { message: 'token must be a JWT (three base64url parts)' })
  token?: string;

  @ApiPropertyOptional(jwtProperty('a one-time sign-in ticket from a link (`npm run token -- --link`); the session lasts 12 h. Not with token.'))
  @IsOptional()
  @IsString()
  @MaxLength(JWT_MAX_LENGTH)
  @Matches(JWT_PATTERN, { message: 'ticket must be a JWT (three base64url parts)' })
  ticket?: string;
}

interface CookieOptions {
  httpOnly: boolean;
  sameSite: 'strict';
  path: string;
  secure: boolean;
  maxAge?: number;
}

/** The Fastify reply, with what @fastify/cookie adds to it. */
interface SessionReply {
  header(name: string, value: string): unknown;
  setCookie(name: string, value: string, options: CookieOptions): unknown;
  clearCookie(name: string, options: CookieOptions): unknown;
}

interface SessionRequest extends AuthenticatedRequest {
  /** 'https' when the request came over TLS to this server. */
  protocol: string;
}

const SESSION_REFUSALS = { 400: 'the body names neither token nor ticket, or both, or one is not a JWT', ...BODY_PROBLEMS } as const;

/**
 * Signing a browser in and out (README "Browsers: sign-in and the dashboard"): the page trades a
 * bearer token or a one-time sign-in ticket for an HttpOnly session cookie, and learns its CSRF token.
 */
@Controller('v1/session')
@ApiTags('session')
export class SessionController {
  constructor(
    @Inject(TokenService) private readonly tokens: TokenService,
    @Inject(BrowserSessions) private readonly sessions: BrowserSessions,
  ) {}

  @Post()
  @Public()
  // Each attempt checks a signature; guesses meet a tight limit per address.
  @SignInLimited()
  @HttpCode(201)
  @Documented({
    operationId: 'signIn',
    summary: 'sign a browser in: a bearer token or a one-time sign-in ticket for an HttpOnly session cookie',
    description:
      'Sets `il_session` (HttpOnly, SameSite=Strict, Path=/, Secure over HTTPS). A ticket signs in once; a ticket is no bearer token and a bearer token no ticket. A refused sign-in sets no cookie.',
    security: 'anyone',
    ok: {
      status: 201,
      description: 'signed in: the actor, the CSRF token to send with every change, and when the session ends',
      schema: schemaRef('Session'),
      headers: { 'Set-Cookie': { description: 'il_session=<opaque id>; HttpOnly; SameSite=Strict; Path=/; Max-Age=<seconds>[; Secure]', schema: { type: 'string', maxLength: 200, pattern: '^il_session=' } } },
    },
    problems: { ...SESSION_REFUSALS, 403: "CsrfCheckFailed: the request's Origin is another site's" },
  })
  async signIn(@Body() body: SignInBody, @Req() request: SessionRequest, @Res({ passthrough: true }) reply: SessionReply): Promise<SessionView> {
    if (body.token === undefined && body.ticket === undefined) throw new ValidationFailed([{ field: 'token', rule: 'exactlyOne', message: 'give token (a bearer token) or ticket (from a sign-in link)' }]);
    if (body.token !== undefined && body.ticket !== undefined) throw new ValidationFailed([{ field: 'ticket', rule: 'exactlyOne', message: 'give token or ticket, not both' }]);
    // Signing a browser in as someone else from another site's page is a forgery too.
    if (!sameOrigin(request)) throw new CsrfCheckFailed(`a sign-in from origin ${String(request.headers.origin)} is refused`);
    let session: BrowserSession;
    if (body.token !== undefined) {
      const { actor, expiresAt } = await this.tokens.verifyWithExpiry(body.token);
      session = this.sessions.open(actor, expiresAt);
    } else {
      const ticket = await this.tokens.verifyTicket(body.ticket!);
      if (!this.sessions.consumeTicket(ticket.jti, ticket.expiresAt)) throw new InvalidToken('this sign-in ticket was used already: a link signs in once (mint another with `npm run token -- --link`)');
      session = this.sessions.open(ticket.actor, undefined);
    }
    // The browser's earlier session, if any, ends: one browser, one session.
    const earlier = request.cookies?.[SESSION_COOKIE];
    if (earlier !== undefined) this.sessions.close(earlier);
    reply.setCookie(SESSION_COOKIE, session.id, { ...this.cookieOptions(request), maxAge: Math.max(1, Math.floor((session.expiresAt - Date.now()) / 1000)) });
    reply.header('cache-control', 'no-store');
    return viewOf(session);
  }

  @Get()
  @Documented({
    operationId: 'getSession',
    summary: "the session the cookie names: its actor, CSRF token and expiry (for a page that was reloaded)",
    security: 'session',
    ok: { status: 200, description: 'the session', schema: schemaRef('Session') },
    problems: {},
  })
  current(@Req() request: SessionRequest, @Res({ passthrough: true }) reply: SessionReply): SessionView {
    reply.header('cache-control', 'no-store');
    return viewOf(sessionOf(request));
  }

  @Delete()
  @HttpCode(204)
  @Documented({
    operationId: 'signOut',
    summary: 'sign the browser out: end the session and clear its cookie',
    description: 'Needs X-CSRF-Token like every change made with the session cookie.',
    security: 'session',
    ok: { status: 204, description: 'signed out' },
    problems: { 403: 'CsrfCheckFailed: X-CSRF-Token missing or wrong, or another Origin' },
  })
  signOut(@Req() request: SessionRequest, @Res({ passthrough: true }) reply: SessionReply): void {
    this.sessions.close(sessionOf(request).id);
    reply.clearCookie(SESSION_COOKIE, this.cookieOptions(request));
  }

  private cookieOptions(request: SessionRequest): CookieOptions {
    return { httpOnly: true, sameSite: 'strict', path: '/', secure: this.sessions.limits.secureCookie || request.protocol === 'https' };
  }
}

/** The session the guard found for the cookie; a bearer token alone has none. */
const sessionOf = (request: SessionRequest): BrowserSession => {
  if (request.browserSession === undefined) throw new InvalidToken('no session: this route answers for the il_session cookie (sign in with POST /v1/session); a bearer token has no session');
  return request.browserSession;
};
