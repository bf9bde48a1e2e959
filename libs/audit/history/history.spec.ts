import { JurisdictionRegistry } from '#domain';
import { MemoryEventStore } from '#event-store/adapters';
import { ZHANGZHOU, ZHAOAN, ZHAOAN_DEPOT, unitRegistered } from '../../../test/support/facts.js';
import { LevelHistory, jurisdictionsOf, toAuditFact } from './history.js';

const metadata = (jurisdiction: string) => ({
  eventId: `e-${Math.random()}`,
  actor: { id: 'recorder', jurisdiction, role: 'leading-group' },
  jurisdiction,
  correlationId: 'c-1',
  causationId: 'c-1',
  occurredAt: '2021-10-01T00:00:00.000Z',
  recordedAt: '2021-10-01T00:00:00.000Z',
});

describe('a level history asks the catalogue what a fact means', () => {
  it('attributes a known fact as its entry says, and a fact of a type it does not know (a newer writer\'s) to its recorder only', async () => {
    const store = new MemoryEventStore();
    const unit = unitRegistered(ZHAOAN_DEPOT);
    await store.append('unit-zhaoan-grain-depot', 'no-stream', [
      { id: 'e-known', type: unit.type, data: unit.data, metadata: metadata(ZHANGZHOU) },
      // A later version's fact on the same stream, naming another jurisdiction in data this code cannot read.
      { id: 'e-newer', type: 'InterviewRecorded', data: { unitId: 'zhaoan-grain-depot', jurisdiction: '350626' }, metadata: metadata(ZHANGZHOU) },
    ]);
    const [known, newer] = (await store.readStream('unit-zhaoan-grain-depot')).map((recorded) => toAuditFact(recorded, 'city'));
    expect(jurisdictionsOf(known!)).toEqual([ZHAOAN, ZHANGZHOU]);
    expect(jurisdictionsOf(newer!)).toEqual([ZHANGZHOU]);

    const history = new LevelHistory('city', store, () => JurisdictionRegistry.of([]));
    const replay = await history.replay({ jurisdiction: ZHANGZHOU });
    expect(replay.facts.map((fact) => fact.eventId)).toEqual(['e-known', 'e-newer']);
    // The aggregate as of the head: the fold passes over the unknown fact.
    const aggregate = await history.aggregateAt('unit-zhaoan-grain-depot', await store.headPosition());
    expect(aggregate).toMatchObject({ kind: 'unit', facts: 2, revision: 1, state: { unitId: 'zhaoan-grain-depot', jurisdiction: ZHAOAN } });
  });
});
