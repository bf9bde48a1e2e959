import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { Inject, Injectable, SetMetadata, createParamDecorator } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Actor } from '#domain';
import { InvalidToken, TokenService } from './tokens.js';

export const PUBLIC_ROUTE = 'inspection-linkage:public';
/** Marks a route that needs no token (health, documentation). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

interface AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  actor?: Actor;
}

/** No write, and no read, without a valid bearer token: the actor comes from its signed claims. */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(
    @Inject(TokenService) private readonly tokens: TokenService,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    const value = Array.isArray(header) ? header[0] : header;
    const match = value?.match(/^Bearer\s+(\S+)$/i);
    if (!match) throw new InvalidToken('missing bearer token: send Authorization: Bearer <token> (mint one with `npm run token`)');
    request.actor = await this.tokens.verify(match[1]!);
    return true;
  }
}

export const CurrentActor = createParamDecorator((_: unknown, context: ExecutionContext): Actor => {
  const actor = context.switchToHttp().getRequest<AuthenticatedRequest>().actor;
  if (!actor) throw new InvalidToken('no authenticated actor');
  return actor;
});
