import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Actor } from '#domain';
import { LEVELS } from '#domain';
import { openTokenKeys } from '#http';
import type { EmbeddedHarness } from '#scenario';
import { startEmbeddedHarness } from '#scenario';
import { folderMode, modesUnder, notOwnerOnly } from '../support/file-modes.js';

const COUNTY_OFFICE: Actor = { id: 'za-inspection-office', jurisdiction: '350624', role: 'leading-group' };

describe('the data folder of the embedded default', () => {
  let parent: string;
  let dataDir: string;
  let harness: EmbeddedHarness;
  let umask: number;

  beforeAll(async () => {
    // As a process started with the usual umask would create them; the server also narrows its
    // umask (apps/linkage/bootstrap.ts), but the libraries must not depend on it.
    umask = process.umask(0o022);
    mkdirSync(join(process.cwd(), '.tmp'), { recursive: true });
    parent = mkdtempSync(join(process.cwd(), '.tmp', 'data-folder-'));
    dataDir = join(parent, 'data');
    await openTokenKeys({ levels: LEVELS, dataDir, missing: 'generate' }); // makes the token keyrings, as `npm start` does
    harness = await startEmbeddedHarness({ dataDir, audit: { keyFolder: dataDir, snapshotEveryEvents: 1 } });
  });
  afterAll(async () => {
    await harness.close();
    process.umask(umask);
    rmSync(parent, { recursive: true, force: true });
  });

  it('is owner-only, and so is every folder and file in it, once a command is recorded', async () => {
    const registered = await harness.command(
      'county',
      '/v1/commands/registerUnit',
      { unitId: 'za-grain-depot', name: '诏安县中心粮库', jurisdiction: '350624', kind: 'soe' },
      { authorization: `Bearer ${await harness.mint(COUNTY_OFFICE)}` },
    );
    expect(registered.status).toBe(201);
    await harness.runtime.settle();
    for (const level of LEVELS) await harness.runtime.node(level)!.audit.signer!.signNow();
    await harness.runtime.settle();

    const entries = modesUnder(dataDir);
    const names = entries.map((entry) => entry.path);
    // What the folder is expected to hold, so that a file created elsewhere cannot make this vacuous.
    for (const expected of ['county.token-keys.json', 'county.events.db', 'county.events.db-wal', 'county.read.db', 'county.outbox.db', 'county.audit-key.pem', 'county.snapshots']) {
      expect(names).toContain(expected);
    }
    expect(names.some((name) => name.startsWith('county.snapshots/'))).toBe(true);
    expect(folderMode(dataDir)).toBe('700');
    expect(notOwnerOnly(entries)).toEqual([]);
  });
});
