import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ScenarioFailure, parseScenario, runScenario, startEmbeddedHarness } from '#scenario';

const here = join(process.cwd(), 'test', 'scenarios');
const shared = join(process.cwd(), '..', 'shared', 'scenarios');
/** Every scenario file in a folder and its subfolders (follow-through/ and the like). */
const scenariosIn = (folder: string): string[] =>
  (readdirSync(folder, { recursive: true }) as string[])
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => join(folder, name));
const files = [
  ...scenariosIn(here),
  // The team's shared examples, when the checkout sits beside shared/ (as in CI).
  ...(existsSync(shared) ? scenariosIn(shared) : []),
];

describe('scenarios through the embedded default on SQLite files', () => {
  it.each(files)('%s: every step behaves as declared and every expectation holds', async (file) => {
    const scenario = parseScenario(JSON.parse(readFileSync(file, 'utf8')), file);
    const dataDir = mkdtempSync(join(process.cwd(), '.tmp', 'scenario-'));
    const harness = await startEmbeddedHarness({ dataDir });
    try {
      const result = await runScenario(scenario, harness);
      expect(result.steps).toBeGreaterThan(0);
      expect(result.checked).toHaveLength(scenario.expect.length);
      expect(result.refused).toBe(scenario.steps.filter((step) => step.fails).reduce((sum, step) => sum + (step.repeat ?? 1), 0));
    } finally {
      await harness.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('a step that names the refusal it expects', () => {
  const OFFICE = { id: 'zz-office', jurisdiction: '350600', role: 'leading-group' };
  const launchOfUnplannedRound = (fails: string) =>
    parseScenario({ name: 'refusal named', steps: [{ as: OFFICE, do: 'launchRound', with: { roundId: 'zz-never-planned' }, fails }], expect: [] });

  it('passes when the step is refused for that reason, and fails naming both when it is refused for another', async () => {
    const dataDir = mkdtempSync(join(process.cwd(), '.tmp', 'scenario-'));
    const harness = await startEmbeddedHarness({ dataDir });
    try {
      await expect(runScenario(launchOfUnplannedRound('UnknownRound'), harness)).resolves.toMatchObject({ refused: 1 });
      const refusedForAnotherReason = runScenario(launchOfUnplannedRound('AuthorisationMissing'), harness);
      await expect(refusedForAnotherReason).rejects.toThrow(ScenarioFailure);
      await expect(refusedForAnotherReason).rejects.toThrow(/step 1 launchRound .*expected the refusal AuthorisationMissing, got 404 UnknownRound/);
    } finally {
      await harness.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
