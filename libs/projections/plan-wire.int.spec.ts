import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteFactReader } from '#event-store';
import { openChainedSqliteStore } from '#linkage';
import { generateFollowThroughHistory, generateProvinceHistory } from '#scenario';
import type { ProjectedFact } from './projector.js';
import { PROVENANCE_FIELDS, PROVENANCE_READERS, planProjection } from './projector.js';
import { planFromWire, planToWire } from './plan-wire.js';

// The plans a rebuild's planning workers send, made as they make them (from the store file, read
// as they read it), arrive on the writing thread exactly as planned.
describe('plans of generated stores on the wire', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'plan-wire-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const plansOf = (file: string, batch: number): ReturnType<typeof planProjection>[] => {
    const reader = SqliteFactReader.open(file, { provenanceFor: PROVENANCE_READERS, provenanceFields: PROVENANCE_FIELDS });
    const plans = [];
    for (let after = 0; ; after += batch) {
      const facts = reader.readRange(after, after + batch) as unknown as ProjectedFact[];
      if (facts.length === 0) break;
      plans.push(planProjection(facts));
    }
    reader.close();
    return plans;
  };

  it('a province history and a follow-through history (every rectification status) arrive as planned', async () => {
    const province = openChainedSqliteStore(join(dir, 'province.events.db'));
    await generateProvinceHistory(province, 3000, undefined, { appendsPerTransaction: 500 });
    await province.close();
    const city = openChainedSqliteStore(join(dir, 'city.events.db'));
    await generateFollowThroughHistory(city, { perStatus: 10, appendsPerTransaction: 500 });
    await city.close();

    const plans = [...plansOf(join(dir, 'province.events.db'), 1000), ...plansOf(join(dir, 'city.events.db'), 1000)];
    const ops = new Set(plans.flatMap((plan) => plan.rows.map((row) => row[0])));
    for (const op of ['issue', 'rectification', 'assignTask', 'history', 'stationedOn', 'target']) expect(ops).toContain(op);
    for (const plan of plans) expect(planFromWire(planToWire(plan))).toStrictEqual(plan);
  });
});
