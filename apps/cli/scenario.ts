import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Scenario } from '#scenario';
import { InvalidScenario, parseScenario, runScenario, startEmbeddedHarness } from '#scenario';
import { UsageError, subcommand } from './args.js';

export const SCENARIO_USAGE = `npm run scenario -- <file.json> [more files] [--data-dir DIR]
  Runs each scenario on a fresh embedded system (SQLite files in a temporary folder, or DIR, kept).`;

/**
 * A scenario file read and checked, or the one line that says why not: a file that cannot be read
 * is a UsageError (the argument is wrong), one that is no JSON or no scenario an InvalidScenario
 * naming the field and the rule, as the loader's own checks do.
 */
const loadScenario = (file: string): Scenario => {
  let text: string;
  try {
    text = readFileSync(resolve(file), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UsageError(`${file}: no such file`);
    if (code === 'EISDIR') throw new UsageError(`${file}: is a folder, not a scenario file`);
    if (code === 'EACCES' || code === 'EPERM') throw new UsageError(`${file}: cannot be read (permission denied)`);
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidScenario(`${file}: file: must be JSON (${(error as Error).message})`);
  }
  return parseScenario(value, file);
};

/** Exit code 0 when every scenario passes; the first difference is printed and ends the run with 1. */
export const scenarioCommand = subcommand({
  name: 'scenario',
  usage: SCENARIO_USAGE,
  options: { 'data-dir': { type: 'string' } },
  positionals: true,
  run: async ({ values, positionals }) => {
    if (positionals.length === 0) throw new UsageError('name at least one scenario file');
    const keep = values['data-dir'];
    // Every file checked before the first runs: a mistake in the last one is told at once.
    const scenarios = positionals.map((file) => ({ file, scenario: loadScenario(file) }));
    for (const { file, scenario } of scenarios) {
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
