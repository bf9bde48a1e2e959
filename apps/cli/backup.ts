import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Level } from '#domain';
import { isLevel } from '#domain';
import type { BackupManifest } from '#linkage';
import { BackupRefused, restoreBackup, takeBackup, verifyBackup } from '#linkage';
import { UsageError, requiredOption, subcommand } from './args.js';

export const BACKUP_USAGE = `npm run backup -- [--data-dir DIR] [--out FOLDER] [--level province|city|county] [--json]
  Copies every level's SQLite files of the data folder (DATA_DIR, default ./data) into a new folder
  while the server runs (SQLite's online backup inside one read transaction per file: writers do not
  wait): the event store, the read model, relay checkpoints, idempotency records, read-model
  snapshots and key files, each cut to the store's head, with a manifest (backup.json: heads, SHA-256
  of every file, app version). Then verifies the copy: every store's hash chain and signed heads.
  --out defaults to ./backups/linkage-<UTC time>. Exit code 0 when the backup verifies; 1 when it
  could not be taken, or was written but does not verify (then its folder is named <out>.unverified).`;

export const RESTORE_USAGE = `npm run restore -- --from FOLDER [--data-dir DIR] [--force] [--check]
  Restores a backup into the data folder (DATA_DIR, default ./data) after verifying it (manifest,
  SHA-256 of every file, hash chains and signed heads). Refuses, changing nothing, a backup that does
  not verify, a data folder a running server serves, and a folder that is not empty unless --force
  (which replaces the backed-up levels' files and keeps the rest). --check only verifies the backup.
  Exit code 0 when restored (or, with --check, when it verifies); 1 when refused.`;

/** This build's version, from the package.json above the compiled file (or the source, in tests). */
const appVersion = (): string => {
  for (let folder = dirname(fileURLToPath(import.meta.url)); ; folder = dirname(folder)) {
    const file = join(folder, 'package.json');
    if (existsSync(file)) {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (parsed.name === 'inspection-linkage' && typeof parsed.version === 'string') return parsed.version;
    }
    if (dirname(folder) === folder) return 'unknown';
  }
};

const dataDirOf = (given: string | undefined): string => resolve(given ?? (process.env.DATA_DIR || './data'));

/** Progress goes to stderr, so that stdout holds only the result (one JSON line with --json). */
const progress = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

const stamp = (): string => new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');

const summary = (manifest: BackupManifest): string =>
  manifest.levels.map((level) => `${level.level} head ${level.head.position} (${level.head.hash.slice(0, 12)}…)`).join(', ');

export const backupCommand = subcommand({
  name: 'backup',
  usage: BACKUP_USAGE,
  options: { 'data-dir': { type: 'string' }, out: { type: 'string' }, level: { type: 'string' }, json: { type: 'boolean' } },
  run: async ({ values }) => {
    const level = values.level;
    if (level !== undefined && !isLevel(level)) throw new UsageError('--level must be province, city or county');
    if (values.out === '') throw new UsageError('--out must name a folder');
    const out = resolve(values.out ?? join('backups', `linkage-${stamp()}`));
    try {
      const result = await takeBackup({
        dataDir: dataDirOf(values['data-dir']),
        out,
        ...(level !== undefined ? { levels: [level as Level] } : {}),
        appVersion: appVersion(),
        progress,
      });
      if (values.json === true) console.log(JSON.stringify({ folder: result.folder, ok: result.problems.length === 0, problems: result.problems, ...result.manifest }));
      else if (result.problems.length === 0) console.log(`backup: ${summary(result.manifest)} → ${result.folder} (verified)`);
      if (result.problems.length > 0) {
        console.error(`backup: written to ${result.folder} but it does NOT verify, a restore will refuse it: ${result.problems.join('; ')} (npm run verify -- --data-dir ${result.manifest.sourceDataDir} checks the data folder itself)`);
        return 1;
      }
      return 0;
    } catch (error) {
      if (!(error instanceof BackupRefused)) throw error;
      console.error(`backup: refused: ${error.message}`);
      return 1;
    }
  },
});

export const restoreCommand = subcommand({
  name: 'restore',
  usage: RESTORE_USAGE,
  options: { from: { type: 'string' }, 'data-dir': { type: 'string' }, force: { type: 'boolean' }, check: { type: 'boolean' } },
  run: async ({ values }) => {
    const from = resolve(requiredOption(values.from, 'from'));
    try {
      if (values.check === true) {
        if (values.force === true) throw new UsageError('--check restores nothing: it takes no --force');
        const check = await verifyBackup(from, progress);
        if (check.problems.length > 0 || !check.manifest) {
          console.error(`restore: backup ${from} does not verify: ${check.problems.join('; ')}`);
          return 1;
        }
        console.log(`restore: backup ${from} verifies: ${summary(check.manifest)}, taken ${check.manifest.createdAt} by version ${check.manifest.appVersion}`);
        return 0;
      }
      const dataDir = dataDirOf(values['data-dir']);
      const manifest = await restoreBackup({ from, dataDir, force: values.force === true, progress });
      console.log(`restore: ${summary(manifest)} as of ${manifest.createdAt} → ${dataDir}`);
      progress(
        'restore: the read models catch up when the server starts; each relay publishes again what its level recorded since the backup began (receivers drop duplicates). ' +
          'Levels served elsewhere that sent facts to a restored level after the backup: replay them (POST /v1/admin/relay/{level}/replay) — README "Backups and restore".',
      );
      return 0;
    } catch (error) {
      if (!(error instanceof BackupRefused)) throw error;
      console.error(`restore: refused: ${error.message}`);
      return 1;
    }
  },
});
