import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseScenario, runScenario, startEmbeddedHarness, type ScenarioResult } from '#scenario';
import { startDistributedDeployment, type DistributedDeployment } from '../harness/distributed-deployment.js';

const SCENARIO = join(process.cwd(), 'test', 'scenarios', 'fujian-grain-2021.json');

/** A view without the read model position it was read at: positions differ between stores. */
const content = (view: unknown): unknown => {
  const { position: _position, ...rest } = view as Record<string, unknown>;
  return rest;
};

describe('province, city and county as three processes (EventStoreDB fake, Kafka)', () => {
  let deployment: DistributedDeployment | undefined;

  beforeAll(async () => {
    deployment = await startDistributedDeployment({
      // A refused step must leave every store as it was: a chain head signed on a timer meanwhile
      // would be a change the step did not make.
      env: { AUDIT_SIGN_EVERY_EVENTS: '0', AUDIT_SIGN_INTERVAL_MS: '0' },
    });
  }, 120_000);

  afterAll(async () => {
    await deployment?.close();
  }, 60_000);

  it('runs fujian-grain-2021 over HTTP with the expectations and the views of the embedded run', async () => {
    const scenario = parseScenario(JSON.parse(readFileSync(SCENARIO, 'utf8')), SCENARIO);
    const { target } = deployment!;

    let distributed: ScenarioResult;
    try {
      distributed = await runScenario(scenario, target);
    } catch (error) {
      const output = [...deployment!.processes.values()].map((level) => level.recentOutput()).join('\n');
      throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- service output ---\n${output}`);
    }
    expect(distributed.checked).toHaveLength(scenario.expect.length);
    expect(distributed.refused).toBe(scenario.steps.filter((step) => step.fails).reduce((sum, step) => sum + (step.repeat ?? 1), 0));

    // Each level wrote only under its own prefix of the one EventStoreDB, and every level holds facts.
    const heads = await target.heads();
    expect(heads).toMatch(/^province:[1-9]\d* city:[1-9]\d* county:[1-9]\d*$/);

    const embedded = await startEmbeddedHarness();
    try {
      const reference = await runScenario(scenario, embedded);
      expect(distributed.checked.map((checked) => content(checked.view))).toEqual(reference.checked.map((checked) => content(checked.view)));
    } finally {
      await embedded.close();
    }
  }, 240_000);
});
