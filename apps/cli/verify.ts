import { createInterface } from 'node:readline';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { createPublicKey } from 'node:crypto';
import { basename, join, resolve } from 'node:path';
import type { Level } from '#domain';
import { LEVELS, isLevel } from '#domain';
import type { VerificationReport } from '#audit';
import { NotAChainedStore, keyIdOf, levelOfStoreFile, parseExport, parseSigningKey, verifyExport, verifySqliteFile, readRetiredAuditKeys } from '#audit';
import type { ParsedCommandLine } from './args.js';
import { UsageError, subcommand } from './args.js';

export const VERIFY_USAGE = `node dist/apps/cli/main.js verify [--data-dir DIR] [--level province|city|county] [--trust-key KEY,...] [--json]
node dist/apps/cli/main.js verify --file county.events.db [--level county] [--with city.events.db,province.events.db] [--trust-key KEY,...] [--json]
node dist/apps/cli/main.js verify --export county-350624.audit.ndjson [--trust-key KEY,...] [--json]
  Verifies hash chains and signed heads without the server, reading files only (never writing them):
  a data folder (DATA_DIR, default ./data: every level's <level>.events.db, each checked against the
  signed heads and fact copies the other levels' files hold), one store file, or an NDJSON export.
  --trust-key: key ids (64 hex) or key files (PEM, private or public) heads must be signed with; in a
  data folder each level's <level>.audit-key.pem and the keys its <level>.audit-key.retired.json lists
  are trusted when present and no key is given.
  Exit code 0 when everything verifies, 1 when something is broken.`;

const VERIFY_OPTIONS = {
  'data-dir': { type: 'string' },
  level: { type: 'string' },
  'trust-key': { type: 'string' },
  json: { type: 'boolean' },
  file: { type: 'string' },
  with: { type: 'string' },
  export: { type: 'string' },
} as const;

type VerifyArgs = ParsedCommandLine<typeof VERIFY_OPTIONS>['values'];

const listOption = (value: string | undefined): string[] => (value ?? '').split(',').map((item) => item.trim()).filter(Boolean);

/** A key id from a 64-hex id, or from a PEM file holding a private or a public key. */
const keyIdFrom = (value: string): string => {
  if (/^[0-9a-f]{64}$/.test(value)) return value;
  if (!existsSync(value)) throw new UsageError(`--trust-key ${value} is neither a key id (64 hex) nor a key file`);
  const text = readFileSync(value, 'utf8');
  if (text.includes('PRIVATE KEY')) return parseSigningKey(text).keyId;
  return keyIdOf(createPublicKey(text).export({ format: 'der', type: 'spki' }));
};

const short = (hash: string): string => `${hash.slice(0, 12)}…`;

/** One report as an operator reads it: the verdict first, then what is broken and the evidence used. */
export const describeReport = (report: VerificationReport): string => {
  const heads = report.signedHeads;
  const latest = heads.latestConfirmed
    ? `latest at ${heads.latestConfirmed.position}, signed ${heads.latestConfirmed.signedAt}, held by ${heads.latestConfirmed.heldBy.join(', ')}`
    : 'none confirmed';
  const keys = heads.keys.map((key) => `${short(key.keyId)}${key.trusted === null ? ' (not pinned)' : key.trusted ? ' (trusted)' : ' (NOT TRUSTED)'}`).join(', ') || 'none';
  const lines = [
    `${report.level ?? 'unknown level'} (${report.source}): ${report.ok ? 'OK' : `BROKEN at position ${report.firstBroken!.position}: ${report.firstBroken!.kind}`}`,
    `  ${report.events} events${report.redacted > 0 ? ` (${report.redacted} redacted)` : ''}, head ${report.head.position} ${short(report.head.hash)}; signed heads: ${heads.checked} checked, ${heads.confirmed} confirmed (${latest}); keys: ${keys}; ${report.millis} ms${report.parallel ? ' (worker threads)' : ''}`,
  ];
  if (heads.checked === 0) lines.push('  note: no signed head of this level was found: a cut tail or a rewritten and re-hashed history would go unseen');
  for (const finding of report.findings.slice(0, 20)) lines.push(`  - ${finding.position}: ${finding.kind}: ${finding.message}`);
  if (report.findings.length > 20) lines.push(`  … ${report.findings.length - 20} more findings`);
  return lines.join('\n');
};

const verifyDataDir = async (dataDir: string, only: Level | undefined, trusted: string[]): Promise<VerificationReport[]> => {
  const files = new Map(LEVELS.map((level) => [level, join(dataDir, `${level}.events.db`)] as const).filter(([, file]) => existsSync(file)));
  if (files.size === 0) throw new UsageError(`${dataDir} holds no <level>.events.db file`);
  const reports: VerificationReport[] = [];
  for (const [level, file] of files) {
    if (only !== undefined && level !== only) continue;
    const keyFile = join(dataDir, `${level}.audit-key.pem`);
    // The level's key and the keys it retired (heads signed before a rotation still verify).
    const trustedKeyIds =
      trusted.length > 0
        ? trusted
        : existsSync(keyFile)
          ? [parseSigningKey(readFileSync(keyFile, 'utf8')).keyId, ...readRetiredAuditKeys(dataDir, level).map((key) => key.keyId)]
          : undefined;
    const others = [...files].filter(([other]) => other !== level).map(([other, otherFile]) => ({ level: other, file: otherFile }));
    reports.push(await verifySqliteFile({ file, level, others, ...(trustedKeyIds ? { trustedKeyIds } : {}) }));
  }
  return reports;
};

/** `verify`: exit code 0 when everything verifies, 1 when anything is broken. */
export const verifyCommand = subcommand({
  name: 'verify',
  usage: VERIFY_USAGE,
  options: VERIFY_OPTIONS,
  run: async ({ values }) => {
    try {
      return await verifyAll(values);
    } catch (error) {
      // A file that is no chained store is a usage problem, not a broken chain.
      if (error instanceof NotAChainedStore) throw new UsageError(error.message);
      throw error;
    }
  },
});

const verifyAll = async (args: VerifyArgs): Promise<number> => {
  const trusted = listOption(args['trust-key']).map(keyIdFrom);
  const levelOption = args.level;
  if (levelOption !== undefined && !isLevel(levelOption)) throw new UsageError('--level must be province, city or county');
  const level = levelOption as Level | undefined;
  const exportFile = args.export;
  const storeFile = args.file;
  let reports: VerificationReport[];
  for (const given of [exportFile, storeFile]) if (typeof given === 'string' && !existsSync(resolve(given))) throw new UsageError(`${given} does not exist`);
  if (typeof exportFile === 'string') {
    const lines = createInterface({ input: createReadStream(resolve(exportFile), 'utf8'), crlfDelay: Number.POSITIVE_INFINITY });
    const parsed = await parseExport(lines);
    reports = [await verifyExport(parsed, { description: `ndjson:${resolve(exportFile)}`, ...(trusted.length > 0 ? { trustedKeyIds: trusted } : {}) })];
  } else if (typeof storeFile === 'string') {
    const file = resolve(storeFile);
    const fileLevel = level ?? levelOfStoreFile(file);
    if (!fileLevel) throw new UsageError(`cannot tell the level of ${basename(file)} from its name: give --level`);
    const others = listOption(args.with).map((other) => {
      const otherLevel = levelOfStoreFile(other);
      if (!otherLevel) throw new UsageError(`--with ${other}: name it <level>.events.db so that its level is known`);
      return { level: otherLevel, file: resolve(other) };
    });
    reports = [await verifySqliteFile({ file, level: fileLevel, others, ...(trusted.length > 0 ? { trustedKeyIds: trusted } : {}) })];
  } else {
    const dataDir = resolve(args['data-dir'] ?? (process.env.DATA_DIR || './data'));
    reports = await verifyDataDir(dataDir, level, trusted);
  }
  for (const report of reports) console.log(args.json === true ? JSON.stringify(report) : describeReport(report));
  return reports.every((report) => report.ok) ? 0 : 1;
};
