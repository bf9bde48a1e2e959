import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { IntegrationEvent, Level } from '#domain';
import { LEVELS } from '#domain';
import { MemoryEventStore } from '#event-store/adapters';
import { Inbox, LevelService, SettableClock, loadReferenceRegistry, metadataOf, toIntegrationEvent } from '#linkage';
import { ProjectionRunner, ReadModel } from '#projections';
import type { EmbeddedHarness } from '#scenario';
import { parseScenario, runScenario, startEmbeddedHarness } from '#scenario';

/** A deterministic generator, so a failure can be replayed. */
const seeded = (seed: number) => () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};

const views = (readModel: ReadModel, harness: EmbeddedHarness, level: Level, position: number) => {
  const registry = harness.runtime.node(level)!.service.registry;
  const now = harness.clock.now();
  const jurisdictions = registry.all().map((entry) => entry.code);
  const roundIds = (readModel.db.prepare('SELECT round_id FROM rounds ORDER BY round_id').all() as { round_id: string }[]).map((row) => row.round_id);
  const reports = jurisdictions.flatMap((code) => [
    readModel.report(code, {}, registry, now, position),
    ...roundIds.map((roundId) => readModel.report(code, { roundId }, registry, now, position)),
    readModel.report(code, { theme: 'grain' }, registry, now, position),
  ]);
  const tasks = jurisdictions.map((code) => readModel.taskStream(code, now, position));
  const strip = <T extends { position: number }>({ position: _ignored, ...rest }: T) => rest;
  return { reports: reports.map(strip), tasks: tasks.map(strip) };
};

describe('inbound facts delivered 1 to 3 times, shuffled within each source stream', () => {
  it.each([
    ['fujian-grain-2021.json', 1],
    ['fujian-grain-2021.json', 7],
    ['cross-inspection-and-escalation.json', 3],
    ['linked-tasks-across-cities.json', 11],
  ])('%s (seed %i): every report and task stream of every level equals single delivery', async (file, seed) => {
    const scenario = parseScenario(JSON.parse(readFileSync(join(process.cwd(), 'test', 'scenarios', file), 'utf8')), file);
    const dataDir = mkdtempSync(join(process.cwd(), '.tmp', 'duplicates-'));
    const harness = await startEmbeddedHarness({ dataDir });
    const random = seeded(seed);
    try {
      await runScenario(scenario, harness);
      await harness.runtime.settle();
      for (const receiver of LEVELS) {
        const original = harness.runtime.node(receiver)!;
        const expected = views(original.readModel, harness, receiver, 0);

        // A fresh store for the receiving level: its own facts as recorded, then what the other
        // levels published to it, each delivered 1-3 times and shuffled within its source stream.
        const store = new MemoryEventStore();
        const service = new LevelService(receiver, store, loadReferenceRegistry(), new SettableClock(harness.clock.now()));
        for (const recorded of await original.service.store.readAll()) {
          if (metadataOf(recorded).origin) continue;
          const existing = (await store.readStream(recorded.streamId)).length;
          await store.append(recorded.streamId, existing === 0 ? 'no-stream' : existing - 1, [
            { id: recorded.id, type: recorded.type, data: recorded.data, metadata: recorded.metadata },
          ]);
        }
        const bySource = new Map<string, IntegrationEvent[]>();
        for (const source of LEVELS.filter((level) => level !== receiver)) {
          const sourceNode = harness.runtime.node(source)!;
          for (const recorded of await sourceNode.service.store.readAll()) {
            const integration = toIntegrationEvent(recorded, source, sourceNode.service);
            if (!integration?.audience.includes(receiver)) continue;
            const key = `${source}/${recorded.streamId}`;
            const copies = 1 + Math.floor(random() * 3);
            bySource.set(key, [...(bySource.get(key) ?? []), ...Array.from({ length: copies }, () => integration)]);
          }
        }
        const inbox = new Inbox(service);
        let deliveries = 0;
        for (const deliveriesOfStream of bySource.values()) {
          const shuffled = deliveriesOfStream.map((event) => ({ event, order: random() })).sort((a, b) => a.order - b.order);
          for (const { event } of shuffled) {
            await inbox.receive(event);
            deliveries++;
          }
        }
        expect(inbox.stats.recorded + inbox.stats.duplicates).toBe(deliveries);
        expect(inbox.stats.duplicates).toBeGreaterThan(0);

        const readModel = new ReadModel(':memory:');
        await new ProjectionRunner(store, readModel).catchUp();
        expect(views(readModel, harness, receiver, 0)).toEqual(expected);
        readModel.close();
      }
    } finally {
      await harness.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
