import type { Actor } from '#domain';
import { ROLES, isRole } from '#domain';
import { loadConfig, tokenKeyFileOf } from '#config';
import { TokenService } from '#http';
import { UsageError, requiredOption, subcommand } from './args.js';

export const TOKEN_USAGE = `npm run token -- --id <actor id> --jurisdiction <6-digit code> --role <${ROLES.join('|')}> [--ttl 12h]
  Signs with TOKEN_SIGNING_KEY, or the key the server generated in DATA_DIR (default ./data) on its
  first start; refuses when there is neither (it never makes a key of its own: no server would know it).
  Says on stderr which key it used.`;

/** Mints a bearer token for local use with the same key the server verifies with. */
export const tokenCommand = subcommand({
  name: 'token',
  usage: TOKEN_USAGE,
  options: { id: { type: 'string' }, jurisdiction: { type: 'string' }, role: { type: 'string' }, ttl: { type: 'string' } },
  run: async ({ values }) => {
    const role = requiredOption(values.role, 'role');
    if (!isRole(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
    const actor: Actor = { id: requiredOption(values.id, 'id'), jurisdiction: requiredOption(values.jurisdiction, 'jurisdiction'), role };
    const config = loadConfig(process.env, { missingTokenKey: 'refuse' });
    const token = await new TokenService(config.tokenSigningKey).mint(actor, values.ttl ?? '12h');
    process.stderr.write(`signed with ${config.tokenSigningKeySource === 'environment' ? 'TOKEN_SIGNING_KEY' : `the key in ${tokenKeyFileOf(config.dataDir)}`}\n`);
    process.stdout.write(`${token}\n`);
  },
});
