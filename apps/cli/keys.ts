import { writeFileSync } from 'node:fs';
import type { Level } from '#domain';
import { LEVELS, isLevel } from '#domain';
import { loadConfig } from '#config';
import { InvalidTokenKeys, openTokenKeys, rotateTokenKey } from '#http';
import { serverLockFile, serverOf } from '#linkage';
import { rotateAuditKey } from '#audit';
import { UsageError, requiredOption, subcommand } from './args.js';

export const KEYS_USAGE = `npm run keys -- rotate token --level <${LEVELS.join('|')}>
npm run keys -- rotate audit --level <${LEVELS.join('|')}>
npm run keys -- jwks [--level <level>] [--out FILE]
  rotate token: a new active token key for the level in DATA_DIR/<level>.token-keys.json; the key it
    replaces is retired: tokens it signed before keep working until they expire, new tokens carry the
    new kid. A running server learns the new key from the file when it first sees its kid; other
    levels' processes need the new JWKS (copy it to their TOKEN_TRUSTED_JWKS file).
  rotate audit: a new DATA_DIR/<level>.audit-key.pem; the old key's public half is listed in
    <level>.audit-key.retired.json, so heads signed before still verify. Refused while a server serves
    the level (it reads its audit key at start).
  jwks: prints (or writes to --out) the public halves of the token keys of DATA_DIR's levels (or of
    --level), what GET /.well-known/jwks.json serves: the file other levels' processes trust.`;

const levelOption = (value: string | undefined): Level => {
  const level = requiredOption(value, 'level');
  if (!isLevel(level)) throw new UsageError(`--level must be one of ${LEVELS.join(', ')}`);
  return level;
};

/** Key rotation and publication (README "Keys and rotation"). */
export const keysCommand = subcommand({
  name: 'keys',
  usage: KEYS_USAGE,
  positionals: true,
  options: {
    level: { type: 'string' },
    out: { type: 'string' },
  },
  run: async ({ values, positionals }) => {
    const [action, kind, ...extra] = positionals;
    const config = loadConfig(process.env);
    if (action === 'rotate') {
      if (extra.length > 0 || (kind !== 'token' && kind !== 'audit')) throw new UsageError('rotate takes one of: token, audit');
      if (values.out !== undefined) throw new UsageError('--out is for jwks');
      const level = levelOption(values.level);
      if (kind === 'token') {
        if (config.tokens.signingKeys[level] !== undefined) throw new UsageError(`the ${level} token key is given in TOKEN_SIGNING_KEY_${level.toUpperCase()}: rotate it where it is kept`);
        try {
          const rotation = rotateTokenKey(config.dataDir, level, config.tokens.maxLifetimeSeconds);
          process.stdout.write(
            `${level} token key rotated in ${rotation.file}: new tokens are signed by ${rotation.active}; ${rotation.retired ?? 'no key'} retired (its tokens work until they expire)` +
              `${rotation.dropped.length > 0 ? `; dropped ${rotation.dropped.join(', ')} (retired longer than TOKEN_MAX_LIFETIME ago)` : ''}\n`,
          );
        } catch (error) {
          if (error instanceof InvalidTokenKeys) throw new UsageError(error.message);
          throw error;
        }
        return 0;
      }
      if (config.audit.signingKeys[level] !== undefined) throw new UsageError(`the ${level} audit key is given in AUDIT_SIGNING_KEY_${level.toUpperCase()}: rotate it where it is kept, and list the old key id in AUDIT_RETIRED_KEY_IDS_${level.toUpperCase()}`);
      const pid = serverOf(config.dataDir, level);
      if (pid !== undefined) throw new UsageError(`refused: process ${pid} serves the ${level} level from ${config.dataDir} (${serverLockFile(config.dataDir, level)}); stop it first (it reads its audit key at start)`);
      let rotation: ReturnType<typeof rotateAuditKey>;
      try {
        rotation = rotateAuditKey(config.dataDir, level);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      process.stdout.write(`${level} audit key rotated in ${rotation.file}: heads are signed by ${rotation.active} from the next start; ${rotation.retired} retired (heads it signed still verify)\n`);
      return 0;
    }
    if (action === 'jwks') {
      if (kind !== undefined) throw new UsageError('jwks takes no further argument');
      const levels = values.level === undefined ? config.levels : [levelOption(values.level)];
      let text: string;
      try {
        const keys = await openTokenKeys({ levels, given: config.tokens.signingKeys, dataDir: config.dataDir, missing: 'refuse' });
        text = `${JSON.stringify(keys.jwks(), null, 2)}\n`;
      } catch (error) {
        if (error instanceof InvalidTokenKeys) throw new UsageError(error.message);
        throw error;
      }
      if (values.out !== undefined) writeFileSync(values.out, text);
      else process.stdout.write(text);
      return 0;
    }
    throw new UsageError(action === undefined ? 'say what to do: rotate or jwks' : `unknown action ${action}: rotate or jwks`);
  },
});
