import type { Actor } from '#domain';
import { ROLES, isRole } from '#domain';
import { loadConfig } from '#config';
import { TokenService } from '#http';
import type { ParsedArgs } from './args.js';
import { UsageError, requiredOption } from './args.js';

export const TOKEN_USAGE = `npm run token -- --id <actor id> --jurisdiction <6-digit code> --role <${ROLES.join('|')}> [--ttl 12h]
  Signs with TOKEN_SIGNING_KEY, or the key the embedded default keeps in DATA_DIR (default ./data).`;

/** Mints a bearer token for local use with the same key the server verifies with. */
export const mintToken = async (args: ParsedArgs): Promise<void> => {
  const role = requiredOption(args, 'role');
  if (!isRole(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
  const actor: Actor = { id: requiredOption(args, 'id'), jurisdiction: requiredOption(args, 'jurisdiction'), role };
  const ttl = args.options.get('ttl');
  const config = loadConfig();
  process.stdout.write(`${await new TokenService(config.tokenSigningKey).mint(actor, typeof ttl === 'string' ? ttl : '12h')}\n`);
};
