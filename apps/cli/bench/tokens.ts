import type { Actor, Level } from '#domain';
import { TokenService } from '#http';
import type { BenchResult } from './result.js';
import { round } from './scratch.js';

const TEAM: Actor = { id: 'za-team', jurisdiction: '350624', role: 'team' };
const LEVEL_OF: Readonly<Record<string, Level>> = { '350624': 'county' };
const TOKENS = 2_000;

/**
 * What checking a bearer token costs: the first check of a token (kid lookup, EdDSA signature,
 * claims, the key's authority over the jurisdiction) and every later one (the verified-token
 * cache). A client sends the same token with every request, so the second figure is the one a
 * command pays; best of three runs.
 */
export const benchTokenVerify = async (): Promise<BenchResult[]> => {
  const best = { first: Infinity, cached: Infinity };
  for (let run = 0; run < 3; run++) {
    const tokens = await TokenService.withNewKeys({ levelOf: (jurisdiction) => LEVEL_OF[jurisdiction] });
    const minted = await Promise.all(Array.from({ length: TOKENS }, (_, index) => tokens.mint({ ...TEAM, id: `team-${index}` })));
    let started = performance.now();
    for (const token of minted) await tokens.verify(token);
    best.first = Math.min(best.first, ((performance.now() - started) * 1000) / TOKENS);
    started = performance.now();
    for (const token of minted) await tokens.verify(token);
    best.cached = Math.min(best.cached, ((performance.now() - started) * 1000) / TOKENS);
  }
  const detail = `${TOKENS} distinct EdDSA (Ed25519) bearer tokens through TokenService.verify, best of 3 runs`;
  return [
    { name: 'token_verify_first_us', value: round(best.first, 1), unit: 'µs/token', detail: `${detail}: the first check of each` },
    { name: 'token_verify_cached_us', value: round(best.cached, 1), unit: 'µs/token', detail: `${detail}: each again (verified-token cache)` },
  ];
};
