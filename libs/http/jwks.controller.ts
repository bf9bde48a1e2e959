/**
 * The public halves of the token keys this process signs with (README "Keys and rotation"): what
 * the other levels' processes trust (TOKEN_TRUSTED_JWKS) to verify this level's tokens. Public, as
 * a JWKS is meant to be; retired keys stay in it while tokens they signed may still be good.
 */
import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Documented } from './api-docs.js';
import { Public } from './auth.js';
import { schemaRef } from './openapi-schemas.js';
import { Unlimited } from './request-guards.js';
import type { JsonWebKeySet } from './token-keys.js';
import { TokenService } from './tokens.js';

@Controller('.well-known')
export class JwksController {
  constructor(@Inject(TokenService) private readonly tokens: TokenService) {}

  @Public()
  @Unlimited()
  @Get('jwks.json')
  @ApiTags('health')
  // Keys change only by rotation, and a rotated key is picked up here at once: five minutes of caching
  // delays only when another process learns a new kid, which it also learns on first sight.
  @Header('cache-control', 'public, max-age=300')
  @Documented({
    operationId: 'getTokenKeys',
    summary: "the public keys of this process's levels' bearer tokens, as a JWKS (RFC 7517)",
    description:
      'Needs no token and is not rate limited. One Ed25519 key (RFC 8037, `alg` EdDSA) per entry, named by `kid` (`<level>-<RFC 7638 thumbprint>`), with the `level` whose jurisdictions it issues tokens for; a retired key carries `retiredAt` and verifies only tokens issued before it. Another level\'s process trusts this document through TOKEN_TRUSTED_JWKS.',
    public: true,
    ok: { status: 200, description: 'the key set', schema: schemaRef('JsonWebKeySet') },
    problems: {},
  })
  async keys(): Promise<JsonWebKeySet> {
    // A rotation since the last read shows at once (the keyring files are re-read, at most once a second).
    await this.tokens.keys.refresh();
    return this.tokens.keys.jwks();
  }
}
