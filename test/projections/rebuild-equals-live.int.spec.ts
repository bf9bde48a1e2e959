import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseScenario, runScenario, startEmbeddedHarness } from '#scenario';

const scenarioDir = join(process.cwd(), 'test', 'scenarios');
const scenarios = readdirSync(scenarioDir).filter((name) => name.endsWith('.json'));

describe('a rebuilt read model equals the live one', () => {
  it.each(scenarios)('after %s, at every level', async (name) => {
    const scenario = parseScenario(JSON.parse(readFileSync(join(scenarioDir, name), 'utf8')), name);
    const dataDir = mkdtempSync(join(process.cwd(), '.tmp', 'rebuild-'));
    const harness = await startEmbeddedHarness({ dataDir });
    try {
      await runScenario(scenario, harness);
      await harness.runtime.settle();
      for (const level of harness.runtime.levels) {
        const node = harness.runtime.node(level)!;
        const live = node.readModel.canonicalDump();
        const liveCheckpoint = node.projections.checkpoint;
        const replayed = await node.projections.rebuild();
        expect(replayed).toBe(await node.service.store.headPosition());
        expect(node.projections.checkpoint).toBe(liveCheckpoint);
        expect(node.readModel.canonicalDump()).toEqual(live);
        expect(Object.values(live).some((rows) => rows.length > 0)).toBe(true);
      }
    } finally {
      await harness.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
