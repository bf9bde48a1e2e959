import type { Actor } from '#domain';
import { ROLES, isRole } from '#domain';
import { loadConfig, tokenKeyFileOf } from '#config';
import { InvalidToken, MAX_TICKET_LIFETIME_SECONDS, TokenService } from '#http';
import { UsageError, requiredOption, subcommand } from './args.js';

export const TOKEN_USAGE = `npm run token -- --id <actor id> --jurisdiction <6-digit code> --role <${ROLES.join('|')}> [--ttl 12h]
npm run token -- --id <actor id> --jurisdiction <6-digit code> --role <role> --link [--expires 5m] [--base-url http://localhost:3000]
  Signs with TOKEN_SIGNING_KEY, or the key the server generated in DATA_DIR (default ./data) on its
  first start; refuses when there is neither (it never makes a key of its own: no server would know it).
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
    const config = loadConfig(process.env, { missingTokenKey: 'refuse' });
    const tokens = new TokenService(config.tokenSigningKey);
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
      output = await tokens.mint(actor, values.ttl ?? '12h');
    }
    process.stderr.write(`signed with ${config.tokenSigningKeySource === 'environment' ? 'TOKEN_SIGNING_KEY' : `the key in ${tokenKeyFileOf(config.dataDir)}`}\n`);
    process.stdout.write(`${output}\n`);
  },
});
