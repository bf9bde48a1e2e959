import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Actor, Level } from '#domain';
import { LEVELS } from '#domain';
import { InprocBus } from '#bus/adapters';
import { ensureTokenKeyring } from '#http';
import type { BackupManifest } from '#linkage';
import { LinkageRuntime, SettableClock, openChainedSqliteStore, restoreBackup, verifyBackup } from '#linkage';
import type { EmbeddedHarness } from '#scenario';
import { startEmbeddedHarness } from '#scenario';
import { runCliAsync } from '../harness/cli.js';

const ADMIN: Actor = { id: 'ops', jurisdiction: '350000', role: 'admin' };
/** An office at each level, registering units in its own jurisdiction: facts of all three stores that roll up. */
const OFFICES: Record<Level, Actor> = {
  province: { id: 'fj-office', jurisdiction: '350000', role: 'leading-group' },
  city: { id: 'zz-office', jurisdiction: '350600', role: 'leading-group' },
  county: { id: 'za-office', jurisdiction: '350624', role: 'leading-group' },
};
/** Overdue is measured against this instant in every report compared. */
const AT = '2026-06-29T16:00:00.000Z';

/** Every file of a folder with its SHA-256: what "untouched" is checked against. */
const fingerprint = (folder: string): Record<string, string> => {
  const result: Record<string, string> = {};
  const walk = (prefix: string) => {
    for (const entry of readdirSync(join(folder, prefix), { withFileTypes: true })) {
      const path = join(prefix, entry.name);
      if (entry.isDirectory()) walk(path);
      else result[path] = createHash('sha256').update(readFileSync(join(folder, path))).digest('hex');
    }
  };
  walk('');
  return result;
};

describe('backup under load, restore, and the reports as of the backup', () => {
  let parent: string;
  let dataDir: string;
  let backup: string;
  let manifest: BackupManifest;
  /** The county's commands, sent with an Idempotency-Key, and their answers. */
  const countyCommands: { key: string; body: object; answer: string; position: number }[] = [];
  /** What the original level showed at the backup's head, per jurisdiction. */
  const reportsThen = new Map<string, unknown>();

  const audit = (folder: string) => ({ keyFolder: folder, signing: { everyEvents: 40 }, snapshotEveryEvents: 60 });

  beforeAll(async () => {
    mkdirSync(join(process.cwd(), '.tmp'), { recursive: true });
    parent = mkdtempSync(join(process.cwd(), '.tmp', 'backup-'));
    dataDir = join(parent, 'data');
    backup = join(parent, 'backups', 'first');
    for (const level of LEVELS) ensureTokenKeyring(dataDir, level); // the token keys a server makes on its first start
    const harness = await startEmbeddedHarness({ dataDir, audit: audit(dataDir) });
    try {
      const tokens = Object.fromEntries(await Promise.all(LEVELS.map(async (level) => [level, `Bearer ${await harness.mint(OFFICES[level])}`] as const))) as Record<Level, string>;
      let counter = 0;
      const register = async (level: Level) => {
        const n = ++counter;
        const office = OFFICES[level];
        const body = { unitId: `unit-${level}-${n}`, name: `单位${n}`, jurisdiction: office.jurisdiction, kind: 'soe' };
        const answer = await harness.command(level, '/v1/commands/registerUnit', body, { authorization: tokens[level], 'idempotency-key': `register-${n}` });
        expect(answer.status).toBe(201);
        if (level === 'county') countyCommands.push({ key: `register-${n}`, body, answer: answer.body, position: (JSON.parse(answer.body) as { position: number }).position });
      };
      for (let round = 0; round < 40; round++) await Promise.all(LEVELS.map(register));
      await harness.runtime.settle();

      // Load: each level's office registers units one after another until told to stop.
      let loading = true;
      let accepted = 0;
      const load = Promise.all(
        LEVELS.map(async (level) => {
          while (loading) {
            await register(level);
            accepted++;
          }
        }),
      );
      while (accepted < 30) await new Promise((resolve) => setTimeout(resolve, 5));
      const atStart = accepted;
      const run = await runCliAsync(['backup', '--data-dir', dataDir, '--out', backup, '--json'], {}, 60_000);
      const duringBackup = accepted - atStart;
      const afterBackup = accepted;
      while (accepted < afterBackup + 30) await new Promise((resolve) => setTimeout(resolve, 5));
      loading = false;
      await load;
      await harness.runtime.settle();

      expect(run.code === 0 ? 'verified' : run.err).toBe('verified');
      manifest = JSON.parse(run.out) as BackupManifest;
      // It ran under load: commands were answered while it ran, and the stores went on after its heads.
      expect(duringBackup).toBeGreaterThan(0);
      for (const level of LEVELS) {
        const head = manifest.levels.find((entry) => entry.level === level)!.head.position;
        expect(head).toBeGreaterThan(0);
        expect(await harness.runtime.node(level)!.service.store.headPosition()).toBeGreaterThan(head);
      }

      const admin = `Bearer ${await harness.mint(ADMIN)}`;
      for (const entry of manifest.levels) {
        const jurisdiction = OFFICES[entry.level].jurisdiction;
        const answer = await harness.read(entry.level, `/v1/audit/as-of/reports/${jurisdiction}?position=${entry.head.position}&at=${encodeURIComponent(AT)}`, { authorization: admin });
        expect(answer.status).toBe(200);
        reportsThen.set(jurisdiction, (JSON.parse(answer.body) as { view: unknown }).view);
      }
    } finally {
      await harness.close();
    }
  }, 120_000);

  afterAll(() => (process.env.KEEP_BACKUP_TEST ? undefined : rmSync(parent, { recursive: true, force: true })));

  it('writes every level with its head, the files cut to it, and a manifest of their digests', () => {
    expect(manifest.format).toBe('inspection-linkage-backup/1');
    expect(manifest.appVersion).toBe((JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version);
    expect(manifest.levels.map((entry) => entry.level)).toEqual(['province', 'city', 'county']);
    for (const entry of manifest.levels) {
      for (const checkpoint of Object.values(entry.readModel ?? { none: -1 })) expect(checkpoint).toBeLessThanOrEqual(entry.head.position);
      expect(entry.relayCheckpoint).not.toBeNull();
      expect(entry.relayCheckpoint!).toBeLessThanOrEqual(entry.head.position);
      expect(entry.snapshots.every((position) => position <= entry.head.position)).toBe(true);
      expect(entry.auditKey).toBe(true);
    }
    const paths = manifest.files.map((file) => file.path);
    expect(paths).toEqual(expect.arrayContaining(['county.token-keys.json', 'county.events.db', 'county.read.db', 'county.outbox.db', 'county.audit-key.pem']));
    for (const file of manifest.files) {
      expect(createHash('sha256').update(readFileSync(join(backup, file.path))).digest('hex')).toBe(file.sha256);
      expect(statSync(join(backup, file.path)).mode & 0o077).toBe(0);
    }
    // Single self-contained files: no -wal left beside a copy.
    expect(readdirSync(backup).filter((name) => name.endsWith('-wal') || name.endsWith('-shm'))).toEqual([]);
  });

  it('restores into a fresh folder whose read models, caught up to the heads, give the reports the original gave then', async () => {
    const restored = join(parent, 'restored');
    const run = await runCliAsync(['restore', '--from', backup, '--data-dir', restored]);
    expect(run.err).not.toContain('refused');
    expect(run.code).toBe(0);

    // The restored files alone, without relays or inboxes: the copied read model caught up to the copied store.
    const runtime = await LinkageRuntime.start({
      levels: LEVELS,
      clock: new SettableClock(AT),
      bus: new InprocBus(),
      openStore: (level) => openChainedSqliteStore(join(restored, `${level}.events.db`)),
      dataDir: restored,
      live: false,
    });
    try {
      for (const entry of manifest.levels) {
        const node = runtime.node(entry.level)!;
        expect(await node.service.store.headPosition()).toBe(entry.head.position);
        await node.projections.catchUp();
        expect(node.projections.checkpoint).toBe(entry.head.position);
        const jurisdiction = OFFICES[entry.level].jurisdiction;
        const report = node.readModel.report(jurisdiction, {}, node.service.registry, AT, node.projections.checkpoint);
        expect(report).toEqual(reportsThen.get(jurisdiction));
      }
    } finally {
      await runtime.stop();
    }

    // A server started on it answers the same as-of reports, and takes commands.
    const harness: EmbeddedHarness = await startEmbeddedHarness({ dataDir: restored, audit: audit(restored) });
    try {
      const admin = `Bearer ${await harness.mint(ADMIN)}`;
      for (const entry of manifest.levels) {
        const jurisdiction = OFFICES[entry.level].jurisdiction;
        const answer = await harness.read(entry.level, `/v1/audit/as-of/reports/${jurisdiction}?position=${entry.head.position}&at=${encodeURIComponent(AT)}`, { authorization: admin });
        expect((JSON.parse(answer.body) as { view: unknown }).view).toEqual(reportsThen.get(jurisdiction));
      }
      const county = `Bearer ${await harness.mint(OFFICES.county)}`;
      // Retried after the restore: a command whose facts the backup holds is answered as before and
      // writes nothing; one whose facts came after the backup's head runs again (else it would be lost).
      const head = manifest.levels.find((entry) => entry.level === 'county')!.head.position;
      const kept = countyCommands.filter((command) => command.position <= head).at(-1)!;
      const lost = countyCommands.find((command) => command.position > head)!;
      const retry = (command: (typeof countyCommands)[number]) => harness.command('county', '/v1/commands/registerUnit', command.body, { authorization: county, 'idempotency-key': command.key });
      // Counted in the unit's own stream: the restored levels' relays and signers write beside it meanwhile.
      const factsOf = (command: (typeof countyCommands)[number]) => harness.runtime.node('county')!.service.store.readStream(`unit-${(command.body as { unitId: string }).unitId}`);
      expect(await retry(kept)).toEqual({ status: 201, body: kept.answer });
      expect(await factsOf(kept)).toHaveLength(1);
      expect(await factsOf(lost)).toHaveLength(0);
      const again = await retry(lost);
      expect(again.status).toBe(201);
      const rerun = await factsOf(lost);
      expect(rerun).toHaveLength(1);
      expect(rerun[0]!.position).toBeGreaterThan(head);
      expect(JSON.parse(again.body)).toMatchObject({ position: rerun[0]!.position, events: [{ eventId: rerun[0]!.id, type: 'UnitRegistered' }] });
      expect(JSON.parse(again.body)).not.toEqual(JSON.parse(lost.answer));
      const after = await harness.command('county', '/v1/commands/registerUnit', { unitId: 'unit-after-restore', name: '恢复后登记', jurisdiction: '350624', kind: 'soe' }, { authorization: county });
      expect(after.status).toBe(201);
      await harness.runtime.settle();
    } finally {
      await harness.close();
    }
  }, 120_000);

  it('restores into a folder a killed restore left behind, removing its staging folder and saying so, and nothing else of its kind', async () => {
    const target = join(parent, 'after-a-killed-restore');
    // What a restore killed while it copied leaves: its staging folder with a part of a copy, and its locks.
    const stale = join(target, '.restore-3f1c2a9e-8b7d-4e21-9c4f-0a6b5d2e7f18');
    mkdirSync(stale, { recursive: true });
    writeFileSync(join(stale, 'county.events.db'), 'the first bytes of a copy');
    const dead = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => dead.once('exit', resolve));
    for (const level of LEVELS) writeFileSync(join(target, `${level}.server.lock`), `${dead.pid}\n`);

    const run = await runCliAsync(['restore', '--from', backup, '--data-dir', target]);
    expect(run.err).not.toContain('refused');
    expect(run.code).toBe(0);
    expect(run.err.split('\n').filter((line) => line.includes('.restore-'))).toEqual([`removed ${stale}: left by a restore that did not finish`]);
    expect(readdirSync(target).filter((name) => name.startsWith('.restore-') || name.endsWith('.lock'))).toEqual([]);
    expect(fingerprint(target)['county.events.db']).toBe(manifest.files.find((file) => file.path === 'county.events.db')!.sha256);

    // Only its own kind: a folder that a restore does not name so is kept (--force, the folder is not empty now).
    const again = join(target, '.restore-3f1c2a9e-8b7d-4e21-9c4f-0a6b5d2e7f19');
    mkdirSync(again);
    mkdirSync(join(target, '.restore-notes'));
    const lines: string[] = [];
    await restoreBackup({ from: backup, dataDir: target, force: true, progress: (line) => lines.push(line) });
    expect(lines.filter((line) => line.includes('.restore-'))).toEqual([`removed ${again}: left by a restore that did not finish`]);
    expect(readdirSync(target).filter((name) => name.startsWith('.restore-'))).toEqual(['.restore-notes']);
  }, 120_000);

  it('refuses a tampered backup, a folder a server serves and one not empty, changing nothing', async () => {
    const target = join(parent, 'in-use');
    await restoreBackup({ from: backup, dataDir: target });
    const before = fingerprint(target);
    const refusal = (options: { from: string; force?: boolean }) => restoreBackup({ dataDir: target, ...options }).then(() => 'restored', (error: Error) => `${error.name}: ${error.message}`);

    // One fact changed in the county store, its digest in the manifest made to match: only the chain tells.
    const forged = join(parent, 'backups', 'forged');
    cpSync(backup, forged, { recursive: true });
    const db = new Database(join(forged, 'county.events.db'));
    expect(db.prepare(`UPDATE events SET data = replace(data, '单位', '单住') WHERE position = (SELECT min(position) FROM events WHERE type = 'UnitRegistered')`).run().changes).toBe(1);
    db.close();
    const forgedManifest = JSON.parse(readFileSync(join(forged, 'backup.json'), 'utf8')) as BackupManifest;
    const file = forgedManifest.files.find((entry) => entry.path === 'county.events.db')!;
    const bytes = readFileSync(join(forged, file.path));
    writeFileSync(
      join(forged, 'backup.json'),
      JSON.stringify({ ...forgedManifest, files: forgedManifest.files.map((entry) => (entry === file ? { ...entry, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') } : entry)) }),
    );
    // Through the command: exit code 1 and one line saying why.
    const chainRefused = await runCliAsync(['restore', '--from', forged, '--data-dir', target, '--force']);
    expect(chainRefused.code).toBe(1);
    expect(chainRefused.err).toMatch(/^restore: refused: backup .* does not verify, nothing was restored: the county chain does not verify: payload-changed at position \d+ .*$/m);
    expect(fingerprint(target)).toEqual(before);
    expect((await verifyBackup(forged)).problems).toEqual([expect.stringMatching(/^the county chain does not verify: payload-changed/)]);

    // The same change without a matching digest: the manifest tells.
    cpSync(join(backup, 'backup.json'), join(forged, 'backup.json'));
    expect(await refusal({ from: forged, force: true })).toMatch(/^BackupRefused: .*county\.events\.db does not match its SHA-256 in the manifest/);
    expect(fingerprint(target)).toEqual(before);

    // A good backup over a folder that is not empty, without --force.
    expect(await refusal({ from: backup })).toMatch(/^BackupRefused: .* is not empty .* give --force/);
    expect(fingerprint(target)).toEqual(before);

    // A server serving the folder: a live process (this test's) holds the county lock.
    const served = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      writeFileSync(join(target, 'county.server.lock'), `${served.pid}\n`);
      expect(await refusal({ from: backup, force: true })).toBe(`BackupRefused: process ${served.pid} serves the county level from ${target} (${join(target, 'county.server.lock')}): stop it first`);
    } finally {
      served.kill();
    }
    rmSync(join(target, 'county.server.lock'));
    expect(fingerprint(target)).toEqual(before);

    // With --force and no server, a good backup replaces the levels' files, and leaves no lock behind.
    writeFileSync(join(target, 'county.events.db-wal'), 'what a killed server leaves beside its store');
    expect(await refusal({ from: backup, force: true })).toBe('restored');
    expect(fingerprint(target)).toEqual(before);
    expect(readdirSync(target).filter((name) => name.endsWith('.lock') || name.startsWith('.restore-'))).toEqual([]);
  }, 120_000);
});
