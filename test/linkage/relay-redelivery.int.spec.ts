import type { Actor, Command } from '#domain';
import { topicFor } from '#bus';
import { InprocBus } from '#bus/adapters';
import { MemoryEventStore } from '#event-store/adapters';
import type { Checkpoints } from '#linkage';
import { Inbox, LevelService, MemoryCheckpoints, Relay, SettableClock, loadReferenceRegistry, metadataOf, parseIntegrationEvent } from '#linkage';

/** Checkpoints whose saves fail for a while: the relay "crashes" after the bus took its batch. */
class CheckpointsThatFailToSave extends MemoryCheckpoints {
  failuresLeft: number;
  constructor(failures: number) {
    super();
    this.failuresLeft = failures;
  }
  override save(name: string, position: number): void {
    if (this.failuresLeft > 0) {
      this.failuresLeft--;
      throw new Error('disk full');
    }
    super.save(name, position);
  }
}

const COUNTY: Actor = { id: 'za-office', jurisdiction: '350624', role: 'leading-group' };

describe('a relay that fails after publishing', () => {
  it('publishes the batch again on restart, and the receiving inbox records each fact once', async () => {
    const clock = new SettableClock('2024-05-01T00:00:00.000Z');
    const county = new LevelService('county', new MemoryEventStore(), loadReferenceRegistry(), clock);
    const provinceStore = new MemoryEventStore();
    const bus = new InprocBus();
    const inbox = new Inbox({ level: 'province', store: provinceStore });
    await bus.consume({
      groupId: 'linkage-inbox-province',
      topics: [topicFor('county', 1)],
      deadLetterTopic: 'linkage.inbox-province.v1.dead-letter',
      onMessage: async (message) => void (await inbox.receive(parseIntegrationEvent(message.value))),
    });
    const commands: Command[] = [
      { type: 'registerUnit', data: { unitId: 'za-depot', name: '诏安县中心粮库', jurisdiction: '350624' } },
      { type: 'planRound', data: { roundId: 'za-r', title: '巡察', kind: 'regular', targets: ['za-depot'] } },
      { type: 'launchRound', data: { roundId: 'za-r' } },
    ];
    for (const command of commands) await county.execute({ command, actor: COUNTY });

    const checkpoints: Checkpoints = new CheckpointsThatFailToSave(1);
    const countyPorts = { level: county.level, store: county.store, jurisdictions: county.registry };
    await expect(new Relay({ ...countyPorts, bus, checkpoints }).drain()).rejects.toThrow('disk full');
    expect(inbox.stats).toMatchObject({ recorded: 3, duplicates: 0 });
    expect(checkpoints.load('relay-county')).toBe(0);

    const published = await new Relay({ ...countyPorts, bus, checkpoints }).drain();
    expect(published).toBe(3);
    expect(inbox.stats).toMatchObject({ recorded: 3, duplicates: 3 });
    expect(checkpoints.load('relay-county')).toBe(await county.store.headPosition());

    const received = await provinceStore.readAll();
    expect(received).toHaveLength(3);
    expect(new Set(received.map((event) => metadataOf(event).origin?.eventId)).size).toBe(3);
    expect(received.map((event) => event.type)).toEqual(['UnitRegistered', 'RoundPlanned', 'RoundLaunched']);
    await bus.close();
  });
});
