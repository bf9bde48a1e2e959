import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openChainedSqliteStore } from '#linkage';
import { ProjectionRunner, ReadModel, PARALLEL_CATCH_UP_MIN_EVENTS } from '#projections';
import { generateProvinceHistory } from '#scenario';
import { readModelDump } from '../support/read-model-dump.js';
import { LevelProcess, freePort } from '../harness/level-processes.js';

describe('a level service that starts far behind its store', () => {
  let dataDir: string;
  beforeAll(() => (dataDir = mkdtempSync(join(process.cwd(), '.tmp', 'startup-catch-up-'))));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('catches up on worker threads to the read model a clean rebuild on one thread makes', async () => {
    // A province store with no read model beside it (lost, or a new server on an old store).
    const store = openChainedSqliteStore(join(dataDir, 'province.events.db'));
    await generateProvinceHistory(store, PARALLEL_CATCH_UP_MIN_EVENTS + 10_000, undefined, { appendsPerTransaction: 1000 });
    const referenceFile = join(dataDir, 'reference.read.db');
    const reference = new ReadModel(referenceFile);
    await new ProjectionRunner(store, reference, 5000, undefined, { workers: 0 }).rebuild();
    reference.close();
    await store.close();

    const province = await LevelProcess.start({
      level: 'province',
      port: await freePort(),
      env: { DATA_DIR: dataDir, LINKAGE_STORE: 'sqlite', LINKAGE_BUS: 'inproc', AUDIT_SIGN_EVERY_EVENTS: '0', AUDIT_SIGN_INTERVAL_MS: '0' },
    });
    try {
      const deadline = Date.now() + 60_000;
      while (!/caught up \d+ facts on [1-9]\d* worker threads/.test(province.recentOutput())) {
        if (Date.now() > deadline) throw new Error(`no threaded catch-up reported within 60 s:\n${province.recentOutput()}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await province.stop();
    }
    expect(readModelDump(join(dataDir, 'province.read.db'))).toEqual(readModelDump(referenceFile));
  }, 180_000);
});
