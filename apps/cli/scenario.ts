import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseScenario, runScenario, startEmbeddedHarness } from '#scenario';
import { UsageError, subcommand } from './args.js';

export const SCENARIO_USAGE = `npm run scenario -- <file.json> [more files] [--data-dir DIR]
  Runs each scenario on a fresh embedded system (SQLite files in a temporary folder, or DIR, kept).`;

/** Exit code 0 when every scenario passes; the first difference is printed and ends the run with 1. */
export const scenarioCommand = subcommand({
  name: 'scenario',
  usage: SCENARIO_USAGE,
  options: { 'data-dir': { type: 'string' } },
  positionals: true,
  run: async ({ values, positionals }) => {
    if (positionals.length === 0) throw new UsageError('name at least one scenario file');
    const keep = values['data-dir'];
    for (const file of positionals) {
      const scenario = parseScenario(JSON.parse(readFileSync(resolve(file), 'utf8')), file);
      const dataDir = keep !== undefined ? resolve(keep) : mkdtempSync(join(tmpdir(), 'linkage-scenario-'));
      console.log(`scenario ${scenario.name} (${file}) on ${dataDir}`);
      const harness = await startEmbeddedHarness({ dataDir });
      try {
        const result = await runScenario(scenario, harness, (line) => console.log(line));
        console.log(`✓ ${scenario.name}: ${result.steps} steps, ${result.checked.length} expectations hold`);
      } catch (error) {
        console.error(`✗ ${scenario.name}: ${(error as Error).message}`);
        return 1;
      } finally {
        await harness.close();
        if (keep === undefined) rmSync(dataDir, { recursive: true, force: true });
      }
    }
    return 0;
  },
});
