import { jest } from '@jest/globals';
import type { Actor } from '#domain';
import { operationsLog } from '#observability';
import type { EmbeddedHarness } from '#scenario';
import { startEmbeddedHarness } from '#scenario';

const COUNTY_OFFICE: Actor = { id: 'za-office', jurisdiction: '350624', role: 'leading-group' };

describe('a projection rebuild in the process log', () => {
  let harness: EmbeddedHarness;
  beforeEach(async () => {
    harness = await startEmbeddedHarness();
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await harness.close();
  });

  it('says when it started and when it finished, with the facts replayed', async () => {
    const county = harness.runtime.node('county')!;
    for (const unitId of ['za-grain-depot', 'za-coal-yard', 'za-water-works']) {
      await county.service.execute({ actor: COUNTY_OFFICE, command: { type: 'registerUnit', data: { unitId, name: `单位 ${unitId}`, jurisdiction: '350624' } } });
    }
    await harness.runtime.settle();
    const lines: unknown[][] = [];
    jest.spyOn(operationsLog(), 'info').mockImplementation(((...parts: unknown[]) => void lines.push(parts)) as never);

    const replayed = await county.projections.rebuild();

    const rebuild = lines.filter(([fields]) => (fields as { event?: string }).event === 'projection-rebuild');
    expect(rebuild).toEqual([
      [expect.objectContaining({ phase: 'started' }), 'projection rebuild started'],
      [expect.objectContaining({ phase: 'finished', events: replayed, elapsedMs: expect.any(Number) }), 'projection rebuild finished'],
    ]);
    expect(replayed).toBe(await county.service.store.headPosition());
  });
});
