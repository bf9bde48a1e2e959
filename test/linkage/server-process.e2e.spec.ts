import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Actor } from '#domain';
import { LEVELS } from '#domain';
import { runCli } from '../harness/cli.js';
import type { EmbeddedServer } from '../harness/embedded-server.js';
import { startEmbeddedServer } from '../harness/embedded-server.js';
import { folderMode, modesUnder, notOwnerOnly } from '../support/file-modes.js';
import { tokensOfDataDir } from '../support/tokens.js';

const COUNTY_OFFICE: Actor = { id: 'za-inspection-office', jurisdiction: '350624', role: 'leading-group' };

describe('the embedded default started as `npm start` starts it', () => {
  let parent: string;
  let dataDir: string;
  let server: EmbeddedServer;

  beforeAll(async () => {
    mkdirSync(join(process.cwd(), '.tmp'), { recursive: true });
    parent = mkdtempSync(join(process.cwd(), '.tmp', 'server-process-'));
    dataDir = join(parent, 'data');
    // Started with the usual umask, which the server must not rely on.
    const umask = process.umask(0o022);
    try {
      server = await startEmbeddedServer({ DATA_DIR: dataDir, PORT: '0', AUDIT_SNAPSHOT_EVERY_EVENTS: '1' });
    } finally {
      process.umask(umask);
    }
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(parent, { recursive: true, force: true });
  });

  it('listens on the loopback interface by default, and its banner names the address it really listens on', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:[1-9]\d*$/);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });

  it('keeps its data folder owner-only, and every folder and file in it, once a command is recorded', async () => {
    const tokens = await tokensOfDataDir(dataDir, ['county']);
    const response = await fetch(`${server.url}/v1/commands/registerUnit`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await tokens.mint(COUNTY_OFFICE)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ unitId: 'za-grain-depot', name: '诏安县中心粮库', jurisdiction: '350624', kind: 'soe' }),
    });
    expect(response.status).toBe(201);
    const { position } = (await response.json()) as { position: number };
    // A read that waits for the projections, so that the read model and its snapshot are written.
    const read = await fetch(`${server.url}/v1/reports/350624?after=county:${position}`, { headers: { authorization: `Bearer ${await tokens.mint(COUNTY_OFFICE)}` } });
    expect(read.status).toBe(200);

    const entries = modesUnder(dataDir);
    for (const expected of ['county.token-keys.json', 'county.events.db', 'county.read.db', 'county.outbox.db', 'county.audit-key.pem', 'county.snapshots']) {
      expect(entries.map((entry) => entry.path)).toContain(expected);
    }
    expect(folderMode(dataDir)).toBe('700');
    expect(notOwnerOnly(entries)).toEqual([]);
  });

  it('holds the lock of every level it serves: a second server and a rebuild refuse, naming it', async () => {
    for (const level of LEVELS) expect(readFileSync(join(dataDir, `${level}.server.lock`), 'utf8').trim()).toBe(String(server.pid));
    await expect(startEmbeddedServer({ DATA_DIR: dataDir, PORT: '0' })).rejects.toThrow(new RegExp(`exited \\(1\\)[\\s\\S]*cannot start: .* served by process ${server.pid}`));
    const rebuild = runCli(['rebuild', '--level', 'city'], { DATA_DIR: dataDir });
    expect(rebuild.code).toBe(1);
    expect(rebuild.err).toContain(`process ${server.pid} serves the city level`);
  });

  it('removes its locks when it stops', async () => {
    expect(await server.stop()).toBe(0);
    for (const level of LEVELS) expect(existsSync(join(dataDir, `${level}.server.lock`))).toBe(false);
  });
});

