import type { Actor, Level } from '#domain';
import { LEVELS, ROLES, isLevel, isRole } from '#domain';
import { loadConfig } from '#config';
import { InvalidToken, InvalidTokenKeys, MAX_TICKET_LIFETIME_SECONDS, TokenService, openTokenKeys } from '#http';
import { loadReferenceRegistry } from '#linkage';
import { UsageError, requiredOption, subcommand } from './args.js';

export const TOKEN_USAGE = `npm run token -- --id <actor id> --jurisdiction <6-digit code> --role <${ROLES.join('|')}> [--ttl 12h] [--level <${LEVELS.join('|')}>]
npm run token -- --id <actor id> --jurisdiction <6-digit code> --role <role> --link [--expires 5m] [--base-url http://localhost:3000]
  Signs with the active key of the jurisdiction's level: TOKEN_SIGNING_KEY_<LEVEL>, or that level's
  keyring the server made in DATA_DIR (default ./data) on its first start; refuses when there is
  neither (it never makes a key of its own: no server would know it). An admin token names a
  province jurisdiction (only the province's key issues one). --ttl is at most TOKEN_MAX_LIFETIME
  (default 12h). --level gives the level of a jurisdiction registered after the reference data.
  Says on stderr which key it used.
  --link prints a browser sign-in link instead of a bearer token: <base-url>/#/sign-in?ticket=<ticket>,
  the ticket good for one sign-in within --expires (default 5m, at most ${MAX_TICKET_LIFETIME_SECONDS / 60}m; 90s, 10m, 1h).
  The base URL defaults to http://localhost:<PORT or 3000>.`;

/** `5m`, `90s`, `1h`: what jose reads as a lifetime, kept to the simple forms a person types. */
const LIFETIME = /^[1-9]\d{0,5}(s|m|h)$/;

/** The origin a link points at: http(s) with a host, nothing after it. */
const baseUrlOf = (given: string | undefined, port: number): string => {
  if (given === undefined) return `http://localhost:${port}`;
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw new UsageError(`--base-url ${given} is not a URL (e.g. https://linkage.example.org)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError('--base-url must be http:// or https://');
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') throw new UsageError('--base-url takes an origin (and a path), no query, fragment or user');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
};

/** Mints a bearer token (or a sign-in link) for local use with the same key the server verifies with. */
export const tokenCommand = subcommand({
  name: 'token',
  usage: TOKEN_USAGE,
  options: {
    id: { type: 'string' },
    jurisdiction: { type: 'string' },
    role: { type: 'string' },
    ttl: { type: 'string' },
    link: { type: 'boolean' },
    expires: { type: 'string' },
    'base-url': { type: 'string' },
    level: { type: 'string' },
  },
  run: async ({ values }) => {
    const role = requiredOption(values.role, 'role');
    if (!isRole(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
    const actor: Actor = { id: requiredOption(values.id, 'id'), jurisdiction: requiredOption(values.jurisdiction, 'jurisdiction'), role };
    const link = values.link === true;
    // Each option belongs to one of the two outputs: given to the other, it would be silently ignored.
    if (link && values.ttl !== undefined) throw new UsageError('--ttl is the lifetime of a bearer token; a link takes --expires');
    if (!link && values.expires !== undefined) throw new UsageError('--expires is the lifetime of a sign-in link: add --link (a bearer token takes --ttl)');
    if (!link && values['base-url'] !== undefined) throw new UsageError('--base-url is for a sign-in link: add --link');
    if (values.expires !== undefined && !LIFETIME.test(values.expires)) throw new UsageError(`--expires ${values.expires} is not a lifetime such as 90s, 5m or 1h`);
    if (values.ttl !== undefined && !LIFETIME.test(values.ttl)) throw new UsageError(`--ttl ${values.ttl} is not a lifetime such as 30m or 12h`);
    if (values.level !== undefined && !isLevel(values.level)) throw new UsageError(`--level must be one of ${LEVELS.join(', ')}`);
    const config = loadConfig(process.env);
    const registry = loadReferenceRegistry();
    const stated = values.level as Level | undefined;
    const levelOf = (jurisdiction: string): Level | undefined => registry.get(jurisdiction)?.level ?? stated;
    // Only the key of the level that signs is read: a folder (or an environment) may hold that one alone.
    const signer = levelOf(actor.jurisdiction);
    let tokens: TokenService;
    try {
      const levels = signer !== undefined && config.levels.includes(signer) ? [signer] : [];
      const keys = await openTokenKeys({ levels, given: config.tokens.signingKeys, dataDir: config.dataDir, missing: 'refuse' });
      tokens = new TokenService(keys, { levelOf, maxLifetimeSeconds: config.tokens.maxLifetimeSeconds });
    } catch (error) {
      if (error instanceof InvalidTokenKeys) throw new UsageError(error.message);
      throw error;
    }
    let output: string;
    if (link) {
      const base = baseUrlOf(values['base-url'], config.port);
      let ticket: string;
      try {
        ticket = await tokens.mintTicket(actor, values.expires ?? '5m');
      } catch (error) {
        if (error instanceof InvalidToken) throw new UsageError(error.message);
        throw error;
      }
      output = `${base}/#/sign-in?ticket=${ticket}`;
    } else {
      try {
        output = await tokens.mint(actor, values.ttl);
      } catch (error) {
        if (error instanceof InvalidToken) throw new UsageError(error.message);
        throw error;
      }
    }
    const level = tokens.issuingLevel(actor) as Level;
    const kid = tokens.keys.signingKey(level)?.kid;
    process.stderr.write(
      `signed with the ${level} key ${kid} (${config.tokens.signingKeys[level] !== undefined ? `TOKEN_SIGNING_KEY_${level.toUpperCase()}` : `${config.dataDir}/${level}.token-keys.json`})\n`,
    );
    process.stdout.write(`${output}\n`);
  },
});
