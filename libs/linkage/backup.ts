/**
 * Backups of a data folder's SQLite files, taken while a server writes them, and their restore
 * (README "Backups and restore").
 *
 * The event store and its hash chain are the truth; everything else a level keeps is cut to the
 * store's head in the copy, so that a restored level stands at one point of its history:
 * - the read model is copied from a snapshot opened *before* the store's, so its checkpoint is never
 *   past the copied head (the server projects the rest on start);
 * - the relay checkpoint is the one it had when the backup began (at or before the copied head), so
 *   a restored level publishes again what it recorded since, and receivers drop what they have;
 * - idempotency records whose facts lie past the copied head are dropped (a retry then runs the
 *   command against the restored store instead of answering with facts it does not hold), and so are
 *   refusals recorded after the snapshot (decided against facts it does not hold);
 * - read-model snapshots for as-of queries are copied up to the head only.
 * Every level's snapshot is opened at once (a read transaction per file, which in WAL mode blocks no
 * writer), and taken again if a level's copy would hold a fact received from a level whose copy does
 * not: restored together, the levels agree on what crossed between them.
 */
import { createHash, randomUUID } from 'node:crypto';
import { chmodSync, copyFileSync, createReadStream, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import Database from 'better-sqlite3';
import type { Level } from '#domain';
import { LEVELS, isLevel } from '#domain';
import type { VerificationReport } from '#audit';
import { parseSigningKey, verifySqliteFile, readRetiredAuditKeys } from '#audit';
import { PRIVATE_FILE_MODE, PRIVATE_FOLDER_MODE } from '#event-store';
import { ServerLocks, serverLockFile, serverOf } from './server-lock.js';

export const BACKUP_FORMAT = 'inspection-linkage-backup/1';
export const BACKUP_MANIFEST = 'backup.json';

/** What a level keeps in a data folder, by file name. */
export const levelFiles = (level: Level) => ({
  events: `${level}.events.db`,
  readModel: `${level}.read.db`,
  outbox: `${level}.outbox.db`,
  idempotency: `${level}.idempotency.db`,
  auditKey: `${level}.audit-key.pem`,
  /** The audit keys the level signed with before its current one: heads they signed still verify. */
  retiredAuditKeys: `${level}.audit-key.retired.json`,
  /** The level's token keyring (libs/http token-keys.ts): tokens it issued still verify after a restore. */
  tokenKeys: `${level}.token-keys.json`,
  snapshots: `${level}.snapshots`,
});

const SNAPSHOT_FILE = /^v\d+-(\d{12})\.db$/;

export interface BackedUpLevel {
  readonly level: Level;
  /** The copied store's head: what a restore brings the level back to. */
  readonly head: { readonly position: number; readonly hash: string };
  /** The copied read model's checkpoints by projection (null: no read model was there). */
  readonly readModel: Readonly<Record<string, number>> | null;
  /** The relay checkpoint in the copy (null: no outbox was there). */
  readonly relayCheckpoint: number | null;
  /** Idempotency records kept, and dropped because their facts or decisions lie past the head. */
  readonly idempotency: { readonly kept: number; readonly dropped: number } | null;
  /** Positions of the read-model snapshots copied. */
  readonly snapshots: readonly number[];
  readonly auditKey: boolean;
}

export interface BackupManifest {
  readonly format: typeof BACKUP_FORMAT;
  readonly appVersion: string;
  /** When every level's snapshot was opened: the instant the backup stands at. */
  readonly createdAt: string;
  readonly finishedAt: string;
  readonly sourceDataDir: string;
  readonly levels: readonly BackedUpLevel[];
  /** Every file of the backup but this manifest, with its SHA-256. */
  readonly files: readonly { readonly path: string; readonly bytes: number; readonly sha256: string }[];
}

/** A backup that cannot be taken, or a restore that is refused: one line saying why; nothing changed. */
export class BackupRefused extends Error {
  override readonly name = 'BackupRefused';
}

export type Progress = (line: string) => void;

const sha256Of = async (file: string): Promise<string> => {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
};

const listFiles = (folder: string, prefix = ''): string[] =>
  readdirSync(join(folder, prefix), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(folder, join(prefix, entry.name)) : [join(prefix, entry.name)],
  );

const megabytes = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MB`;

/** A level's files held at one point: a read transaction on each, which WAL writers do not wait for. */
interface HeldLevel {
  readonly level: Level;
  readonly events: Database.Database;
  readonly readModel: Database.Database | undefined;
  readonly head: { readonly position: number; readonly hash: string };
  readonly checkpoints: Record<string, number> | null;
}

const openReadOnly = (file: string): Database.Database => new Database(file, { readonly: true, fileMustExist: true, timeout: 5000 });

const headOf = (db: Database.Database, file: string): { position: number; hash: string } => {
  const columns = (db.prepare('PRAGMA table_info(events)').all() as { name: string }[]).map((column) => column.name);
  if (!columns.includes('chain_hash')) throw new BackupRefused(`${file} is not an event store with a hash chain: start the server on it once first`);
  const row = db.prepare('SELECT position, chain_hash FROM events ORDER BY position DESC LIMIT 1').get() as { position: number; chain_hash: Buffer } | undefined;
  return row ? { position: row.position, hash: row.chain_hash.toString('hex') } : { position: 0, hash: Buffer.alloc(32).toString('hex') };
};

const release = (held: readonly HeldLevel[]): void => {
  for (const level of held) {
    for (const db of [level.readModel, level.events]) {
      if (!db?.open) continue;
      if (db.inTransaction) db.exec('COMMIT');
      db.close();
    }
  }
};

/**
 * Opens a read transaction on every level's read model, then on every level's store: the read
 * models' checkpoints are then at or before the heads, which stand still for as long as they are held.
 */
const holdSnapshot = (dataDir: string, levels: readonly Level[]): HeldLevel[] => {
  const readModels = new Map<Level, { db: Database.Database; checkpoints: Record<string, number> }>();
  const held: HeldLevel[] = [];
  try {
    for (const level of levels) {
      const file = join(dataDir, levelFiles(level).readModel);
      if (!existsSync(file)) continue;
      const db = openReadOnly(file);
      db.exec('BEGIN');
      // The first read starts the transaction.
      const hasCheckpoints = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'projection_checkpoints'`).get() !== undefined;
      const rows = hasCheckpoints ? (db.prepare('SELECT name, position FROM projection_checkpoints').all() as { name: string; position: number }[]) : [];
      readModels.set(level, { db, checkpoints: Object.fromEntries(rows.map((row) => [row.name, row.position])) });
    }
    for (const level of levels) {
      const file = join(dataDir, levelFiles(level).events);
      const events = openReadOnly(file);
      events.exec('BEGIN');
      const readModel = readModels.get(level);
      readModels.delete(level);
      held.push({ level, events, readModel: readModel?.db, head: headOf(events, file), checkpoints: readModel?.checkpoints ?? null });
    }
    return held;
  } catch (error) {
    release(held);
    for (const { db } of readModels.values()) db.close();
    throw error;
  }
};

/**
 * Facts a level's snapshot holds that it received from a level whose snapshot does not hold them:
 * only those recorded after `before` (each level's head just before the snapshot was opened) can be.
 */
const receivedAhead = (held: readonly HeldLevel[], before: ReadonlyMap<Level, number>): string[] => {
  const problems: string[] = [];
  for (const holder of held) {
    for (const source of held) {
      if (source === holder) continue;
      const count = holder.events
        .prepare(`SELECT count(*) FROM events WHERE position > ? AND json_extract(metadata, '$.origin.level') = ? AND json_extract(metadata, '$.origin.position') > ?`)
        .pluck()
        .get(before.get(holder.level) ?? 0, source.level, source.head.position) as number;
      if (count > 0) problems.push(`${holder.level} holds ${count} facts of ${source.level} past its head ${source.head.position}`);
    }
  }
  return problems;
};

/** Copies a held database page by page inside its read transaction (a copy of exactly that snapshot). */
const copyHeld = async (db: Database.Database, target: string, label: string, progress: Progress): Promise<void> => {
  let lastReport = Date.now();
  await db.backup(target, {
    progress: ({ totalPages, remainingPages }) => {
      if (Date.now() - lastReport >= 1000) {
        lastReport = Date.now();
        progress(`  ${label}: ${Math.floor(((totalPages - remainingPages) / Math.max(totalPages, 1)) * 100)}% of ${totalPages} pages`);
      }
      // Large steps: the snapshot is held, so a step's size changes nothing but the speed.
      return 4096;
    },
  });
  settleCopy(target);
};

/** A copy as one self-contained, owner-only file: rollback journal, no -wal beside it. */
const settleCopy = (file: string): void => {
  chmodSync(file, PRIVATE_FILE_MODE);
  const db = new Database(file);
  try {
    db.pragma('journal_mode = DELETE');
  } finally {
    db.close();
  }
};

/** A small database (relay checkpoints, idempotency records) copied in one step of the backup API. */
const copySmall = async (file: string, target: string): Promise<void> => {
  const db = openReadOnly(file);
  try {
    await db.backup(target, { progress: () => 0x7fffffff });
  } finally {
    db.close();
  }
  settleCopy(target);
};

export interface BackupOptions {
  readonly dataDir: string;
  /** The backup's folder: must not exist yet. */
  readonly out: string;
  /** Only these levels (default: every level whose store is in the folder). */
  readonly levels?: readonly Level[];
  readonly appVersion: string;
  readonly progress?: Progress;
  /** How often to take the snapshot again when levels moved between them (default 10). */
  readonly attempts?: number;
}

export interface BackupResult {
  readonly manifest: BackupManifest;
  readonly folder: string;
  /** Empty when the copy verifies; else what is wrong with it (the folder is kept, marked unverified). */
  readonly problems: readonly string[];
}

/** Takes a backup of a data folder's levels while a server may write them; verifies it after writing. */
export const takeBackup = async (options: BackupOptions): Promise<BackupResult> => {
  const progress = options.progress ?? (() => undefined);
  const dataDir = resolve(options.dataDir);
  const out = resolve(options.out);
  if (!existsSync(dataDir) || !statSync(dataDir).isDirectory()) throw new BackupRefused(`${dataDir} is not a folder`);
  if (existsSync(out)) throw new BackupRefused(`${out} exists already: a backup is written into a new folder`);
  if (out === dataDir || out.startsWith(`${dataDir}${sep}`)) throw new BackupRefused(`${out} lies inside the data folder ${dataDir}: write backups elsewhere`);
  const present = LEVELS.filter((level) => existsSync(join(dataDir, levelFiles(level).events)));
  const levels = options.levels ?? present;
  const missing = levels.filter((level) => !present.includes(level));
  if (levels.length === 0 || missing.length > 0) {
    throw new BackupRefused(`${dataDir} holds no ${(missing.length > 0 ? missing : ['<level>']).map((level) => `${level}.events.db`).join(', ')} (backups cover SQLite stores; an EventStoreDB store is backed up with its own tools)`);
  }
  const partial = `${out}.partial-${process.pid}`;
  mkdirSync(dirname(out), { recursive: true, mode: PRIVATE_FOLDER_MODE });
  mkdirSync(partial, { mode: PRIVATE_FOLDER_MODE });
  try {
    return await writeBackup({ ...options, dataDir, out, levels }, partial, progress);
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    throw error;
  }
};

const writeBackup = async (options: BackupOptions & { readonly levels: readonly Level[] }, folder: string, progress: Progress): Promise<BackupResult> => {
  const { dataDir, levels } = options;
  // Relay checkpoints as the backup begins: everything at or before them is held by its receivers
  // (the in-process bus hands a batch over before the relay moves on) when their snapshots open.
  const relayAtStart = new Map<Level, Map<string, number>>();
  for (const level of levels) {
    const file = join(dataDir, levelFiles(level).outbox);
    if (!existsSync(file)) continue;
    const db = openReadOnly(file);
    try {
      relayAtStart.set(level, new Map((db.prepare('SELECT name, position FROM worker_checkpoints').all() as { name: string; position: number }[]).map((row) => [row.name, row.position])));
    } finally {
      db.close();
    }
  }

  let held: HeldLevel[] | undefined;
  let createdAt = '';
  const attempts = options.attempts ?? 10;
  for (let attempt = 1; held === undefined; attempt++) {
    const before = new Map<Level, number>();
    for (const level of levels) {
      const db = openReadOnly(join(dataDir, levelFiles(level).events));
      try {
        before.set(level, headOf(db, join(dataDir, levelFiles(level).events)).position);
      } finally {
        db.close();
      }
    }
    createdAt = new Date().toISOString();
    const candidate = holdSnapshot(dataDir, levels);
    const ahead = receivedAhead(candidate, before);
    if (ahead.length === 0) held = candidate;
    else {
      release(candidate);
      if (attempt >= attempts) throw new BackupRefused(`the levels kept moving apart while their snapshots were opened (${ahead.join('; ')}); try again`);
      progress(`levels moved while the snapshot was opened (${ahead.join('; ')}): opening it again`);
    }
  }
  const createdAtMillis = Date.parse(createdAt);
  progress(`snapshot at ${createdAt}: ${held.map((level) => `${level.level} head ${level.head.position}`).join(', ')}`);

  try {
    for (const level of held) {
      const files = levelFiles(level.level);
      if (level.readModel) {
        progress(`copying ${files.readModel} (${megabytes(statSync(join(dataDir, files.readModel)).size)})`);
        await copyHeld(level.readModel, join(folder, files.readModel), files.readModel, progress);
      }
      progress(`copying ${files.events} (${megabytes(statSync(join(dataDir, files.events)).size)})`);
      await copyHeld(level.events, join(folder, files.events), files.events, progress);
    }
  } finally {
    release(held);
  }

  const backedUp: BackedUpLevel[] = [];
  for (const level of held) {
    const files = levelFiles(level.level);
    const head = level.head.position;

    let relayCheckpoint: number | null = null;
    if (existsSync(join(dataDir, files.outbox))) {
      const copy = join(folder, files.outbox);
      await copySmall(join(dataDir, files.outbox), copy);
      const db = new Database(copy);
      try {
        const atStart = relayAtStart.get(level.level) ?? new Map<string, number>();
        const rows = db.prepare('SELECT name, position FROM worker_checkpoints').all() as { name: string; position: number }[];
        const update = db.prepare('UPDATE worker_checkpoints SET position = ? WHERE name = ?');
        for (const row of rows) update.run(Math.min(row.position, atStart.get(row.name) ?? 0, head), row.name);
        relayCheckpoint = (db.prepare('SELECT position FROM worker_checkpoints WHERE name = ?').pluck().get(`relay-${level.level}`) as number | undefined) ?? 0;
      } finally {
        db.close();
      }
    }

    let idempotency: BackedUpLevel['idempotency'] = null;
    if (existsSync(join(dataDir, files.idempotency))) {
      const copy = join(folder, files.idempotency);
      await copySmall(join(dataDir, files.idempotency), copy);
      const db = new Database(copy);
      try {
        const dropped =
          db.prepare(`DELETE FROM idempotency WHERE json_extract(outcome, '$.kind') = 'recorded' AND json_extract(outcome, '$.outcome.position') > ?`).run(head).changes +
          db.prepare(`DELETE FROM idempotency WHERE json_extract(outcome, '$.kind') = 'refused' AND created_at >= ?`).run(createdAtMillis).changes;
        idempotency = { kept: db.prepare('SELECT count(*) FROM idempotency').pluck().get() as number, dropped };
        if (dropped > 0) db.exec('VACUUM');
      } finally {
        db.close();
      }
    }

    const snapshots: number[] = [];
    const snapshotFolder = join(dataDir, files.snapshots);
    if (existsSync(snapshotFolder)) {
      // Snapshots are written once under their final name and never changed; one may be thinned away meanwhile.
      const wanted = readdirSync(snapshotFolder).filter((name) => Number(SNAPSHOT_FILE.exec(name)?.[1] ?? Number.POSITIVE_INFINITY) <= head);
      if (wanted.length > 0) mkdirSync(join(folder, files.snapshots), { mode: PRIVATE_FOLDER_MODE });
      for (const name of wanted) {
        try {
          copyFileSync(join(snapshotFolder, name), join(folder, files.snapshots, name));
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
          throw error;
        }
        chmodSync(join(folder, files.snapshots, name), PRIVATE_FILE_MODE);
        snapshots.push(Number(SNAPSHOT_FILE.exec(name)![1]));
      }
      if (snapshots.length > 0) progress(`copied ${snapshots.length} read-model snapshots of ${level.level}`);
    }

    const auditKey = existsSync(join(dataDir, files.auditKey));
    for (const keyFile of [files.auditKey, files.retiredAuditKeys, files.tokenKeys]) {
      if (!existsSync(join(dataDir, keyFile))) continue;
      copyFileSync(join(dataDir, keyFile), join(folder, keyFile));
      chmodSync(join(folder, keyFile), PRIVATE_FILE_MODE);
    }
    backedUp.push({ level: level.level, head: level.head, readModel: level.checkpoints, relayCheckpoint, idempotency, snapshots: snapshots.sort((a, b) => a - b), auditKey });
  }

  const files = [];
  for (const path of listFiles(folder).sort()) {
    files.push({ path: path.split(sep).join('/'), bytes: statSync(join(folder, path)).size, sha256: await sha256Of(join(folder, path)) });
  }
  const manifest: BackupManifest = {
    format: BACKUP_FORMAT,
    appVersion: options.appVersion,
    createdAt,
    finishedAt: new Date().toISOString(),
    sourceDataDir: dataDir,
    levels: backedUp,
    files,
  };
  writeFileSync(join(folder, BACKUP_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`, { mode: PRIVATE_FILE_MODE, flag: 'wx' });
  progress('verifying the copy');
  const problems = (await verifyBackup(folder, progress)).problems;
  const final = problems.length === 0 ? options.out : `${options.out}.unverified`;
  renameSync(folder, final);
  return { manifest, folder: final, problems };
};

export interface BackupCheck {
  readonly manifest: BackupManifest | undefined;
  /** Empty when the backup verifies. */
  readonly problems: readonly string[];
  readonly reports: readonly VerificationReport[];
}

const asManifest = (value: unknown): BackupManifest | string => {
  const manifest = value as Partial<BackupManifest> | null;
  if (typeof manifest !== 'object' || manifest === null) return 'is not a JSON object';
  if (manifest.format !== BACKUP_FORMAT) return `format is ${JSON.stringify(manifest.format)}, this code reads ${BACKUP_FORMAT}`;
  if (!Array.isArray(manifest.files) || !manifest.files.every((file) => typeof file?.path === 'string' && typeof file.sha256 === 'string' && typeof file.bytes === 'number')) return 'files must list path, bytes and sha256';
  if (!Array.isArray(manifest.levels) || manifest.levels.length === 0 || !manifest.levels.every((level) => isLevel(level?.level) && Number.isSafeInteger(level.head?.position) && typeof level.head?.hash === 'string')) {
    return 'levels must name each level and its head';
  }
  for (const file of manifest.files) {
    // A restore copies these paths into a data folder: nothing may point out of it.
    if (file.path.startsWith('/') || file.path.split('/').some((part: string) => part === '..' || part === '')) return `file path ${JSON.stringify(file.path)} is not a plain relative path`;
  }
  return manifest as BackupManifest;
};

/**
 * Whether a backup folder can be restored: its manifest reads, every file it lists is there with
 * its size and SHA-256, and every level's store copy verifies (hash chain and signed heads, with
 * the other levels' copies as evidence and the copied audit key pinned) up to the manifest's head.
 */
export const verifyBackup = async (folder: string, progress: Progress = () => undefined): Promise<BackupCheck> => {
  const manifestFile = join(folder, BACKUP_MANIFEST);
  if (!existsSync(manifestFile)) return { manifest: undefined, problems: [`${manifestFile} is missing: not a backup, or one that did not finish`], reports: [] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(manifestFile, 'utf8'));
  } catch (error) {
    return { manifest: undefined, problems: [`${manifestFile} is not JSON: ${(error as Error).message}`], reports: [] };
  }
  const manifest = asManifest(parsed);
  if (typeof manifest === 'string') return { manifest: undefined, problems: [`${manifestFile}: ${manifest}`], reports: [] };

  const problems: string[] = [];
  for (const file of manifest.files) {
    const path = join(folder, file.path);
    if (!existsSync(path)) {
      problems.push(`${file.path} is missing`);
      continue;
    }
    const bytes = statSync(path).size;
    if (bytes !== file.bytes) problems.push(`${file.path} has ${bytes} bytes, the manifest says ${file.bytes}`);
    else if ((await sha256Of(path)) !== file.sha256) problems.push(`${file.path} does not match its SHA-256 in the manifest`);
  }
  const listed = new Set(manifest.files.map((file) => file.path));
  const reports: VerificationReport[] = [];
  for (const entry of manifest.levels) {
    const files = levelFiles(entry.level);
    if (!listed.has(files.events)) {
      problems.push(`the manifest lists no ${files.events} for the ${entry.level} level`);
      continue;
    }
    if (problems.length > 0) continue;
    const keyFile = join(folder, files.auditKey);
    // The copied key and the keys it replaced (a rotation): heads signed with either verify.
    const trustedKeyIds = listed.has(files.auditKey)
      ? [parseSigningKey(readFileSync(keyFile, 'utf8')).keyId, ...(listed.has(files.retiredAuditKeys) ? readRetiredAuditKeys(folder, entry.level).map((key) => key.keyId) : [])]
      : undefined;
    const others = manifest.levels.filter((other) => other.level !== entry.level).map((other) => ({ level: other.level, file: join(folder, levelFiles(other.level).events) }));
    progress(`  verifying the ${entry.level} chain`);
    let report: VerificationReport;
    try {
      report = await verifySqliteFile({ file: join(folder, files.events), level: entry.level, others, ...(trustedKeyIds ? { trustedKeyIds } : {}) });
    } catch (error) {
      problems.push(`${files.events} cannot be read as a chained store: ${(error as Error).message}`);
      continue;
    }
    reports.push(report);
    if (!report.ok) problems.push(`the ${entry.level} chain does not verify: ${report.firstBroken!.kind} at position ${report.firstBroken!.position} (${report.firstBroken!.message})`);
    else if (report.head.position !== entry.head.position || report.head.hash !== entry.head.hash) {
      problems.push(`the ${entry.level} store ends at ${report.head.position}, the manifest says ${entry.head.position} (${entry.head.hash.slice(0, 12)}…)`);
    }
    if (listed.has(files.readModel)) {
      // A read model ahead of its store would count facts the restored store does not hold.
      const db = openReadOnly(join(folder, files.readModel));
      try {
        const hasCheckpoints = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'projection_checkpoints'`).get() !== undefined;
        const rows = hasCheckpoints ? (db.prepare('SELECT name, position FROM projection_checkpoints').all() as { name: string; position: number }[]) : [];
        for (const row of rows) {
          if (row.position > report.head.position) problems.push(`the ${entry.level} read model (${row.name} at ${row.position}) is past the store's head ${report.head.position}`);
        }
      } finally {
        db.close();
      }
    }
  }
  return { manifest, problems, reports };
};

export interface RestoreOptions {
  readonly from: string;
  readonly dataDir: string;
  /** Replace the files of the backed-up levels in a data folder that is not empty. */
  readonly force?: boolean;
  readonly progress?: Progress;
}

/** The files a restore replaces for a level (the database files with their -wal and -shm). */
const replacedBy = (level: Level, inBackup: ReadonlySet<string>): string[] => {
  const files = levelFiles(level);
  return [
    ...[files.events, files.readModel, files.outbox, files.idempotency].flatMap((file) => [file, `${file}-wal`, `${file}-shm`]),
    files.snapshots,
    ...[files.auditKey, files.retiredAuditKeys, files.tokenKeys].filter((keyFile) => inBackup.has(keyFile)),
  ];
};

/** A restore copies into `.restore-<uuid>` inside the data folder, then moves the files to their places. */
const RESTORE_STAGING_PREFIX = '.restore-';
const RESTORE_STAGING = /^\.restore-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const isRestoreStaging = (name: string): boolean => RESTORE_STAGING.test(name);

/**
 * Removes the staging folders of restores that were killed before they cleaned up (those of a
 * restore, named as it names them; nothing else). Called with the folder's server locks held, which
 * a running restore holds from before it makes its staging folder until it has removed it: any one
 * found then is stale.
 */
const removeStaleStaging = (dataDir: string, progress: Progress): void => {
  const stale = readdirSync(dataDir, { withFileTypes: true }).filter((entry) => entry.isDirectory() && isRestoreStaging(entry.name));
  if (stale.length === 0) return;
  for (const entry of stale) rmSync(join(dataDir, entry.name), { recursive: true, force: true });
  progress(`removed ${stale.map((entry) => join(dataDir, entry.name)).join(', ')}: left by a restore that did not finish`);
};

/**
 * Restores a verified backup into a data folder that is empty (or missing), or, with `force`,
 * replaces the backed-up levels' files in it. Refuses, changing nothing, a backup that does not
 * verify and a folder a running server serves; holds the folder's server locks while it works, so
 * that no server starts on it halfway.
 */
export const restoreBackup = async (options: RestoreOptions): Promise<BackupManifest> => {
  const progress = options.progress ?? (() => undefined);
  const from = resolve(options.from);
  const dataDir = resolve(options.dataDir);
  if (!existsSync(from) || !statSync(from).isDirectory()) throw new BackupRefused(`${from} is not a backup folder`);
  if (dataDir === from || dataDir.startsWith(`${from}${sep}`) || from.startsWith(`${dataDir}${sep}`)) throw new BackupRefused(`restore into ${dataDir} from ${from}: the backup and the data folder must be apart`);
  progress(`verifying ${from}`);
  const check = await verifyBackup(from, progress);
  if (check.problems.length > 0 || !check.manifest) throw new BackupRefused(`backup ${from} does not verify, nothing was restored: ${check.problems.join('; ')}`);
  const manifest = check.manifest;

  for (const level of LEVELS) {
    const pid = serverOf(dataDir, level);
    if (pid !== undefined) throw new BackupRefused(`process ${pid} serves the ${level} level from ${dataDir} (${serverLockFile(dataDir, level)}): stop it first`);
  }
  // What a killed restore leaves, its staging folder and its locks (stale: no live process holds
  // them, checked just above), does not make the folder one that a restore would overwrite.
  const staleLocks = new Set(LEVELS.map((level) => basename(serverLockFile(dataDir, level))));
  const existing = existsSync(dataDir) ? readdirSync(dataDir).filter((name) => !isRestoreStaging(name) && !staleLocks.has(name)) : [];
  if (existing.length > 0 && options.force !== true) {
    throw new BackupRefused(`${dataDir} is not empty (${existing.length} entries): restore into an empty folder, or give --force to replace the ${manifest.levels.map((level) => level.level).join(', ')} files in it`);
  }

  const locks = ServerLocks.acquire(dataDir, LEVELS);
  const staging = join(dataDir, `${RESTORE_STAGING_PREFIX}${randomUUID()}`);
  try {
    removeStaleStaging(dataDir, progress);
    mkdirSync(staging, { mode: PRIVATE_FOLDER_MODE });
    // Copied beside their places first, and checked again there: a disk that fails the copy
    // leaves the folder as it was.
    for (const file of manifest.files) {
      const target = join(staging, file.path);
      mkdirSync(dirname(target), { recursive: true, mode: PRIVATE_FOLDER_MODE });
      progress(`copying ${file.path} (${megabytes(file.bytes)})`);
      copyFileSync(join(from, file.path), target);
      chmodSync(target, PRIVATE_FILE_MODE);
      if ((await sha256Of(target)) !== file.sha256) throw new BackupRefused(`${file.path} changed while it was copied into ${dataDir}: nothing was restored`);
    }
    const listed = new Set(manifest.files.map((file) => file.path));
    // Nothing of a restored level's former files stays beside the restored ones: a read model or a
    // -wal file ahead of the restored store would be taken for its own.
    for (const entry of manifest.levels) for (const name of replacedBy(entry.level, listed)) rmSync(join(dataDir, name), { recursive: true, force: true });
    for (const name of readdirSync(staging)) renameSync(join(staging, name), join(dataDir, name));
  } finally {
    rmSync(staging, { recursive: true, force: true });
    locks.release();
  }
  return manifest;
};
