import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Actor } from '#domain';
import { LEVELS } from '#domain';
import { ReadModel } from '#projections';
import { startEmbeddedHarness } from '#scenario';
import { InvalidToken, generateTokenKeyPem, openTokenKeys } from '#http';
import { runCli } from '../harness/cli.js';
import { tokensOfDataDir } from '../support/tokens.js';

const COUNTY_OFFICE: Actor = { id: 'za-inspection-office', jurisdiction: '350624', role: 'leading-group' };
const COMMANDS = ['token', 'keys', 'scenario', 'rebuild', 'bench', 'verify', 'export', 'backup', 'restore', 'openapi'];

/** A pid no process has any more: that of a child that has exited. */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '']).pid!;

describe('the CLI commands', () => {
  let parent: string;
  /** A data folder whose county read model is one event behind its store: a rebuild would catch it up. */
  let dataDir: string;
  const countyReadModel = () => join(dataDir, 'county.read.db');
  const countyCheckpoint = (): number => {
    const readModel = new ReadModel(countyReadModel());
    try {
      return readModel.checkpoint('upward-report');
    } finally {
      readModel.close();
    }
  };
  let behind: number;

  beforeAll(async () => {
    mkdirSync(join(process.cwd(), '.tmp'), { recursive: true });
    parent = mkdtempSync(join(process.cwd(), '.tmp', 'cli-commands-'));
    dataDir = join(parent, 'data');
    await openTokenKeys({ levels: LEVELS, dataDir, missing: 'generate' }); // the token keyrings the server makes on its first start
    const harness = await startEmbeddedHarness({ dataDir });
    const registered = await harness.command(
      'county',
      '/v1/commands/registerUnit',
      { unitId: 'za-grain-depot', name: '诏安县中心粮库', jurisdiction: '350624', kind: 'soe' },
      { authorization: `Bearer ${await harness.mint(COUNTY_OFFICE)}` },
    );
    expect(registered.status).toBe(201);
    await harness.runtime.settle();
    await harness.close();
    const db = new Database(countyReadModel());
    db.prepare('UPDATE projection_checkpoints SET position = position - 1').run();
    db.close();
    behind = countyCheckpoint();
  }, 60_000);

  afterAll(() => rmSync(parent, { recursive: true, force: true }));

  it.each(COMMANDS)('%s --help prints its usage and does nothing else', (command) => {
    const before = readdirSync(dataDir).sort();
    const help = runCli([command, '--help'], { DATA_DIR: dataDir }, 30_000);
    expect(help).toMatchObject({ code: 0, err: '' });
    expect(help.out).toContain(`${command}`);
    expect(help.out).toMatch(/--help/);
    expect(countyCheckpoint()).toBe(behind);
    expect(readdirSync(dataDir).sort()).toEqual(before);
  });

  it('takes --help among other arguments, even wrong ones, and still does nothing else', () => {
    for (const args of [['rebuild', '--level', 'county', '-h'], ['bench', 'command_throughput', '--levle', '--help']]) {
      expect(runCli(args, { DATA_DIR: dataDir }, 30_000)).toMatchObject({ code: 0, err: '' });
    }
    expect(countyCheckpoint()).toBe(behind);
  });

  it('refuses an unknown option or a missing value with a line naming it and the usage, exit code 2, doing nothing', () => {
    const mistyped = runCli(['rebuild', '--levle', 'county'], { DATA_DIR: dataDir });
    expect(mistyped.code).toBe(2);
    const [first, second, ...usage] = mistyped.err.split('\n');
    expect(first).toMatch(/^rebuild: unknown option --levle$/);
    expect(second).toBe('');
    expect(usage.join('\n')).toContain('npm run rebuild --');
    expect(mistyped.out).toBe('');

    const missing = runCli(['export', '--level'], { DATA_DIR: dataDir });
    expect(missing.code).toBe(2);
    expect(missing.err.split('\n')[0]).toMatch(/^export: .*--level.* missing/);

    expect(runCli(['verify', '--json=yes'], { DATA_DIR: dataDir })).toMatchObject({ code: 2, err: expect.stringMatching(/^verify: .*--json/) });
    expect(runCli(['rebuild', 'county'], { DATA_DIR: dataDir })).toMatchObject({ code: 2, err: expect.stringMatching(/^rebuild: .*'county'/) });
    expect(countyCheckpoint()).toBe(behind);
  });

  it('scenario refuses a missing file, one that is no JSON and one that is no scenario with one line naming it, exit code 2, running none', () => {
    const folder = join(parent, 'scenario-files');
    mkdirSync(folder);
    const missing = join(folder, 'missing.json');
    const notJson = join(folder, 'not-json.json');
    writeFileSync(notJson, '{ "name": "grain", ');
    const notScenario = join(folder, 'no-steps.json');
    writeFileSync(notScenario, JSON.stringify({ name: 'grain', steps: {}, expect: [] }));
    const good = join('test', 'scenarios', 'fujian-grain-2021.json');
    for (const [args, first] of [
      [[missing], `scenario: ${missing}: no such file`],
      [[folder], `scenario: ${folder}: is a folder, not a scenario file`],
      [[notJson], expect.stringMatching(new RegExp(`^scenario: ${notJson}: file: must be JSON \\(.+\\)$`))],
      [[notScenario], `scenario: ${notScenario}: steps: must be an array`],
      // The good file first: nothing runs when a later one is wrong.
      [[good, missing], `scenario: ${missing}: no such file`],
    ] as const) {
      const refused = runCli(['scenario', ...args], { DATA_DIR: dataDir });
      const [line, blank, ...usage] = refused.err.split('\n');
      expect({ args, code: refused.code, out: refused.out, line, blank }).toEqual({ args, code: 2, out: '', line: first, blank: '' });
      expect(usage.join('\n')).toContain('npm run scenario --');
      expect(refused.err).not.toMatch(/^\s+at /m);
    }
  });

  it('rebuild refuses while a live process holds the level, names it, and rebuilds once the lock is stale', () => {
    const lock = join(dataDir, 'county.server.lock');
    // This test's process stands for a server that serves the county from the folder.
    writeFileSync(lock, `${process.pid}\n`);
    const refused = runCli(['rebuild', '--level', 'county'], { DATA_DIR: dataDir });
    expect(refused.code).toBe(1);
    expect(refused.err).toContain(`process ${process.pid}`);
    expect(refused.err).toContain(lock);
    expect(countyCheckpoint()).toBe(behind);

    writeFileSync(lock, `${deadPid()}\n`);
    const rebuilt = runCli(['rebuild', '--level', 'county'], { DATA_DIR: dataDir });
    expect(rebuilt).toMatchObject({ code: 0, out: expect.stringMatching(/^county: rebuilt from \d+ events/) });
    expect(countyCheckpoint()).toBe(behind + 1);
    rmSync(lock);
  });

  it('rebuild --json says the CPU time of the process and, apart, of the main thread that wrote the read model while a worker planned', () => {
    const rebuilt = runCli(['rebuild', '--level', 'county', '--workers', '1', '--json'], { DATA_DIR: dataDir });
    expect(rebuilt.code).toBe(0);
    const summary = JSON.parse(rebuilt.out.trim()) as { workers: number; cpuSeconds: number; mainThreadCpuSeconds: number };
    expect(summary.workers).toBe(1);
    expect(summary.cpuSeconds).toBeGreaterThan(0);
    expect(summary.mainThreadCpuSeconds).toBeGreaterThan(0);
    // The worker's share (starting it and reading the store, at least) is not the main thread's.
    expect(summary.mainThreadCpuSeconds).toBeLessThan(summary.cpuSeconds);
  });

  it("token refuses to invent a signing key for a folder that has none, signs with the key of the actor's level, and says which", async () => {
    const admin = ['--id', 'me', '--jurisdiction', '350000', '--role', 'admin'];
    const empty = join(parent, 'no-key');
    mkdirSync(empty);
    const refused = runCli(['token', ...admin], { DATA_DIR: empty });
    expect(refused.code).toBe(2);
    expect(refused.out).toBe('');
    expect(refused.err).toMatch(/no province token key in .*no-key .*start the server once on this folder \(it makes one\), or set TOKEN_SIGNING_KEY_PROVINCE/);
    expect(readdirSync(empty)).toEqual([]);

    // The folder the harness served has the keyrings the server made on its first start.
    const tokens = await tokensOfDataDir(dataDir);
    const signed = runCli(['token', ...admin], { DATA_DIR: dataDir });
    expect(signed.code).toBe(0);
    expect(signed.out).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    expect(signed.err).toBe(`signed with the province key ${tokens.keys.signingKey('province')!.kid} (${join(dataDir, 'province.token-keys.json')})\n`);
    expect(await tokens.verify(signed.out.trim())).toEqual({ id: 'me', jurisdiction: '350000', role: 'admin' });
    const county = runCli(['token', '--id', 'me', '--jurisdiction', '350624', '--role', 'team'], { DATA_DIR: dataDir });
    expect(county.err).toContain(`the county key ${tokens.keys.signingKey('county')!.kid}`);
    const fromEnvironment = runCli(['token', ...admin], { DATA_DIR: empty, TOKEN_SIGNING_KEY_PROVINCE: generateTokenKeyPem() });
    expect(fromEnvironment).toMatchObject({ code: 0, err: expect.stringContaining('(TOKEN_SIGNING_KEY_PROVINCE)') });

    // A token longer than TOKEN_MAX_LIFETIME is refused, with one line and the usage (exit 2).
    const tooLong = runCli(['token', ...admin, '--ttl', '13h'], { DATA_DIR: dataDir });
    expect({ code: tooLong.code, out: tooLong.out, err: tooLong.err.split('\n')[0] }).toEqual({ code: 2, out: '', err: 'token: a token lives at most 12 h (TOKEN_MAX_LIFETIME)' });
  });

  it('keys rotate token: new tokens carry the new kid, the old ones still verify; keys jwks prints the public halves', async () => {
    const folder = join(parent, 'rotate-data');
    await openTokenKeys({ levels: LEVELS, dataDir: folder, missing: 'generate' });
    const actor = ['token', '--id', 'me', '--jurisdiction', '350624', '--role', 'team'];
    const before = runCli(actor, { DATA_DIR: folder }).out.trim();
    const kidOf = (token: string) => (JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;
    const rotated = runCli(['keys', 'rotate', 'token', '--level', 'county'], { DATA_DIR: folder });
    expect(rotated).toMatchObject({ code: 0, out: expect.stringMatching(new RegExp(`^county token key rotated in .*: new tokens are signed by county-\\S+; ${kidOf(before)} retired`)) });
    const after = runCli(actor, { DATA_DIR: folder }).out.trim();
    expect(kidOf(after)).not.toBe(kidOf(before));
    const tokens = await tokensOfDataDir(folder);
    expect(await tokens.verify(before)).toMatchObject({ id: 'me' });
    expect(await tokens.verify(after)).toMatchObject({ id: 'me' });
    const jwks = runCli(['keys', 'jwks', '--level', 'county'], { DATA_DIR: folder });
    const published = (JSON.parse(jwks.out) as { keys: { kid: string; level: string; retiredAt?: string; d?: string }[] }).keys;
    expect(published.map((key) => [key.kid, key.level, key.retiredAt !== undefined, key.d])).toEqual([
      [kidOf(before), 'county', true, undefined],
      [kidOf(after), 'county', false, undefined],
    ]);
  });

  it('token --link prints a sign-in link whose ticket signs in once, for 5 minutes, and is no bearer token', async () => {
    const env = { DATA_DIR: dataDir, PORT: '3456' };
    const actor = ['--id', 'me', '--jurisdiction', '350000', '--role', 'leading-group'];
    const tokens = await tokensOfDataDir(dataDir);
    const linked = runCli(['token', ...actor, '--link'], env);
    expect(linked).toMatchObject({ code: 0, err: expect.stringContaining('province.token-keys.json') });
    const match = /^http:\/\/localhost:3456\/#\/sign-in\?ticket=([\w-]+\.[\w-]+\.[\w-]+)\n$/.exec(linked.out);
    expect(match).not.toBeNull();
    const ticket = await tokens.verifyTicket(match![1]!);
    expect(ticket.actor).toEqual({ id: 'me', jurisdiction: '350000', role: 'leading-group' });
    expect(ticket.jti).toMatch(/^[\w-]{8,}$/);
    expect(ticket.expiresAt - Date.now()).toBeGreaterThan(4 * 60_000);
    expect(ticket.expiresAt - Date.now()).toBeLessThanOrEqual(5 * 60_000);
    await expect(tokens.verify(match![1]!)).rejects.toThrow(InvalidToken);

    const elsewhere = runCli(['token', ...actor, '--link', '--base-url', 'https://linkage.example.org/', '--expires', '10m'], env);
    expect(elsewhere.code).toBe(0);
    const longer = await tokens.verifyTicket(/^https:\/\/linkage\.example\.org\/#\/sign-in\?ticket=(\S+)\n$/.exec(elsewhere.out)![1]!);
    expect(longer.expiresAt - Date.now()).toBeGreaterThan(9 * 60_000);

    // Without PORT the link names the server's default port.
    expect(runCli(['token', ...actor, '--link'], { ...env, PORT: '' }).out).toMatch(/^http:\/\/localhost:3000\/#\/sign-in\?ticket=/);
    for (const wrong of [
      ['--link', '--expires', '2h'],
      ['--link', '--ttl', '1h'],
      ['--expires', '5m'],
      ['--base-url', 'https://linkage.example.org'],
      ['--link=yes'],
    ]) {
      const refused = runCli(['token', ...actor, ...wrong], env);
      expect({ wrong, code: refused.code, out: refused.out }).toEqual({ wrong, code: 2, out: '' });
    }
  });

  it('openapi prints the document the server serves, with no server and no data folder; --out writes it to a file', () => {
    const empty = join(parent, 'openapi-run');
    mkdirSync(empty);
    const printed = runCli(['openapi'], { DATA_DIR: join(empty, 'data') });
    expect(printed.code).toBe(0);
    const document = JSON.parse(printed.out) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.values(document.paths).flatMap((item) => Object.keys(item)).length).toBeGreaterThanOrEqual(38);
    const file = join(empty, 'openapi.json');
    const written = runCli(['openapi', '--out', file]);
    expect(written).toMatchObject({ code: 0, out: '' });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(document);
    // Nothing else was made: no data folder, no key.
    expect(readdirSync(empty)).toEqual(['openapi.json']);
  });
});
