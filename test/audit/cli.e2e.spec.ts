import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { LEVELS } from '#domain';
import { openChainedSqliteStore } from '#linkage';
import { generateProvinceHistory, parseScenario, runScenario, startEmbeddedHarness } from '#scenario';
import { CLI, runCli } from '../harness/cli.js';

const SCENARIO = join(process.cwd(), 'test', 'scenarios', 'fujian-grain-2021.json');

const cli = (...args: string[]) => runCli(args, { DATA_DIR: '' });

describe('the verify and export commands, without the server', () => {
  let dataDir: string;

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does)`);
    dataDir = mkdtempSync(join(process.cwd(), '.tmp', 'audit-cli-'));
    const harness = await startEmbeddedHarness({ dataDir });
    await runScenario(parseScenario(JSON.parse(readFileSync(SCENARIO, 'utf8')), SCENARIO), harness);
    for (const level of LEVELS) await harness.runtime.node(level)!.audit.signer!.signNow();
    await harness.runtime.settle();
    await harness.close();
  }, 60_000);

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('verifies a data folder, exports a jurisdiction, verifies the export offline, and fails on a tampered file', () => {
    const clean = cli('verify', '--data-dir', dataDir);
    expect(clean.err).toBe('');
    expect(clean.code).toBe(0);
    expect(clean.out.match(/: OK\n/g)).toHaveLength(3);
    expect(clean.out).toContain('1 confirmed');

    const exported = join(dataDir, 'county-350624.audit.ndjson');
    const exportRun = cli('export', '--level', 'county', '--jurisdiction', '350624', '--data-dir', dataDir, '--out', exported);
    expect(exportRun.code).toBe(0);
    const offline = cli('verify', '--export', exported, '--json');
    expect(offline.code).toBe(0);
    expect(JSON.parse(offline.out)).toMatchObject({ ok: true, level: 'county', signedHeads: { confirmed: 1 } });

    // A forged export: one fact's actor changed in the NDJSON.
    const lines = readFileSync(exported, 'utf8').split('\n');
    const index = lines.findIndex((line) => line.includes('za-grain-depot-party-branch'));
    const forgedPosition = (JSON.parse(lines[index]!) as { position: number }).position;
    lines[index] = lines[index]!.replace('za-grain-depot-party-branch', 'za-grain-depot-party-brancx');
    writeFileSync(exported, lines.join('\n'));
    const forged = cli('verify', '--export', exported);
    expect(forged.code).toBe(1);
    expect(forged.out).toContain(`BROKEN at position ${forgedPosition}: payload-changed`);

    const db = new Database(join(dataDir, 'city.events.db'));
    db.prepare('DELETE FROM events WHERE position = 40').run();
    db.close();
    const tampered = cli('verify', '--data-dir', dataDir, '--level', 'city');
    expect(tampered.code).toBe(1);
    expect(tampered.out).toContain('BROKEN at position 40: event-missing');
  });

  it('checks a large store on worker threads, and still locates a break in it', async () => {
    const file = join(dataDir, 'large', 'province.events.db');
    const store = openChainedSqliteStore(file);
    const events = await generateProvinceHistory(store, 30_000, undefined, { appendsPerTransaction: 500 });
    await store.close();
    const clean = cli('verify', '--file', file, '--json');
    expect(clean.code).toBe(0);
    expect(JSON.parse(clean.out)).toMatchObject({ ok: true, events, parallel: true });

    const db = new Database(file);
    db.prepare(`UPDATE events SET metadata = replace(metadata, '"leading-group"', '"team"') WHERE position = 21234`).run();
    db.close();
    const broken = cli('verify', '--file', file, '--json');
    expect(broken.code).toBe(1);
    expect(JSON.parse(broken.out)).toMatchObject({ ok: false, parallel: false, firstBroken: { position: 21234, kind: 'payload-changed' } });
  });

  it('refuses bad usage with exit code 2', () => {
    expect(cli('verify', '--file', join(dataDir, 'nothing.db')).code).toBe(2);
    expect(cli('export', '--level', 'state').code).toBe(2);
  });
});
