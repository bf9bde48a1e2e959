import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Level } from '#domain';
import { ReadModel } from '#projections';
import { parseScenario, runScenario, startEmbeddedHarness } from '#scenario';

const scenarioDir = join(process.cwd(), 'test', 'scenarios');
const scenarios = readdirSync(scenarioDir).filter((name) => name.endsWith('.json'));
const CLI = join(process.cwd(), 'dist', 'apps', 'cli', 'main.js');

const dumpOf = (file: string): Record<string, unknown[]> => {
  const readModel = new ReadModel(file);
  try {
    return readModel.canonicalDump();
  } finally {
    readModel.close();
  }
};

describe('a rebuilt read model equals the live one', () => {
  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does)`);
  });

  it.each(scenarios)('after %s, at every level: rebuilt in the server and by `npm run rebuild` on worker threads', async (name) => {
    const scenario = parseScenario(JSON.parse(readFileSync(join(scenarioDir, name), 'utf8')), name);
    const dataDir = mkdtempSync(join(process.cwd(), '.tmp', 'rebuild-'));
    const harness = await startEmbeddedHarness({ dataDir });
    const live = new Map<Level, Record<string, unknown[]>>();
    try {
      try {
        await runScenario(scenario, harness);
        await harness.runtime.settle();
        for (const level of harness.runtime.levels) {
          const node = harness.runtime.node(level)!;
          const liveDump = node.readModel.canonicalDump();
          live.set(level, liveDump);
          const liveCheckpoint = node.projections.checkpoint;
          const replayed = await node.projections.rebuild();
          expect(replayed).toBe(await node.service.store.headPosition());
          expect(node.projections.checkpoint).toBe(liveCheckpoint);
          expect(node.readModel.canonicalDump()).toEqual(liveDump);
          expect(Object.values(liveDump).some((rows) => rows.length > 0)).toBe(true);
        }
        // Every scenario counts something on some day at some level: the figures by day are compared, not vacuously.
        expect([...live.values()].some((dump) => dump.counter_days!.length > 0)).toBe(true);
      } finally {
        await harness.close();
      }
      // The compiled CLI reads and plans batches on worker threads (which only exist compiled); batches
      // of 7 make every scenario many batches, planned out of turn and applied in order.
      await promisify(execFile)(process.execPath, [CLI, 'rebuild', '--workers', '2', '--batch', '7'], { env: { ...process.env, DATA_DIR: dataDir } });
      for (const [level, liveDump] of live) expect(dumpOf(join(dataDir, `${level}.read.db`))).toEqual(liveDump);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
