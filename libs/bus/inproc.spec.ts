import { deferred, describeBusContract, Received, seqOf, streamMessages } from '../../test/contracts/bus.contract.js';
import { INPROC_PARTITIONS, InprocBus, partitionForKey } from './inproc.js';
import type { DeliveredMessage } from './port.js';
import { PoisonMessage } from './port.js';

describeBusContract('inproc', async () => {
  const bus = new InprocBus();
  return { bus, close: () => bus.close() };
});

/** Lets every queued microtask and I/O callback run, so "not yet" means "not at all so far". */
const drainEventLoop = async (): Promise<void> => {
  for (let round = 0; round < 5; round += 1) await new Promise((resolve) => setImmediate(resolve));
};

describe('InprocBus', () => {
  let bus: InprocBus;

  beforeEach(() => {
    bus = new InprocBus();
  });

  afterEach(async () => {
    await bus.close();
  });

  it('resolves a publish only once every consumer group of the topic has handled the messages', async () => {
    const gate = deferred<void>();
    const slowEntered = deferred<void>();
    const fast = new Received();
    let slowFinished = false;
    await bus.consume({ groupId: 'fast', topics: ['t'], deadLetterTopic: 't.dead-letter', onMessage: fast.record });
    await bus.consume({
      groupId: 'slow',
      topics: ['t'],
      deadLetterTopic: 't.dead-letter',
      onMessage: async () => {
        slowEntered.resolve();
        await gate.promise;
        slowFinished = true;
      },
    });

    let published = false;
    const publishing = bus.publish(streamMessages('t', ['stream-a'], 1)).then(() => {
      published = true;
    });
    await slowEntered.promise;
    await drainEventLoop();
    expect(fast.uniqueCount).toBe(1);
    expect(published).toBe(false);

    gate.resolve();
    await publishing;
    expect(slowFinished).toBe(true);
  });

  it('counts a dead-lettered message as handled', async () => {
    await bus.consume({
      groupId: 'g',
      topics: ['t'],
      deadLetterTopic: 't.dead-letter',
      onMessage: async () => {
        throw new PoisonMessage('poison');
      },
    });
    await expect(bus.publish(streamMessages('t', ['stream-a'], 2))).resolves.toBeUndefined();
  });

  it('does not wait on groups that do not consume the topic', async () => {
    await bus.consume({ groupId: 'elsewhere', topics: ['other'], deadLetterTopic: 'other.dead-letter', onMessage: () => new Promise<void>(() => undefined) });
    await expect(bus.publish(streamMessages('t', ['stream-a'], 3))).resolves.toBeUndefined();
  });

  it('holds a publish for a group whose last member left until a member rejoins', async () => {
    const consumer = await bus.consume({ groupId: 'g', topics: ['t'], deadLetterTopic: 't.dead-letter', onMessage: async () => undefined });
    await consumer.close();
    let published = false;
    const publishing = bus.publish(streamMessages('t', ['stream-a'], 1)).then(() => {
      published = true;
    });
    await drainEventLoop();
    expect(published).toBe(false);

    const rejoined = new Received();
    await bus.consume({ groupId: 'g', topics: ['t'], deadLetterTopic: 't.dead-letter', onMessage: rejoined.record });
    await publishing;
    expect(rejoined.sequences('stream-a')).toEqual([0]);
  });

  it('rejects publishes still waiting when the bus closes, so the relay keeps its checkpoint', async () => {
    const gate = deferred<void>();
    const entered = deferred<void>();
    await bus.consume({
      groupId: 'g',
      topics: ['t'],
      deadLetterTopic: 't.dead-letter',
      onMessage: async () => {
        entered.resolve();
        await gate.promise;
      },
    });
    const publishing = bus.publish(streamMessages('t', ['stream-a'], 1));
    await entered.promise;

    const closing = bus.close();
    gate.resolve();
    await closing;
    await expect(publishing).rejects.toThrow(/closed/);
    await expect(bus.publish(streamMessages('t', ['stream-a'], 1))).rejects.toThrow(/closed/);
  });

  it('shares the partitions of a topic among the members of a group, each message once', async () => {
    const keys = Array.from({ length: 12 }, (_, index) => `stream-${index}`);
    const messages = streamMessages('t', keys, 3);
    const members = [new Received(), new Received()];
    for (const member of members) await bus.consume({ groupId: 'g', topics: ['t'], deadLetterTopic: 't.dead-letter', onMessage: member.record });

    await bus.publish(messages);

    const all: DeliveredMessage[] = members.flatMap((member) => member.messages);
    expect(all).toHaveLength(messages.length);
    expect(new Set(all.map((message) => message.headers?.['event-id'])).size).toBe(messages.length);
    for (const member of members) expect(member.messages.length).toBeGreaterThan(0);
    const partitionsOf = (member: Received) => new Set(member.messages.map((message) => message.partition));
    const [first, second] = members.map(partitionsOf);
    expect([...first!].filter((partition) => second!.has(partition))).toEqual([]);
  });

  it('hands a partition over to the remaining member when one leaves, without losing its place', async () => {
    const keys = Array.from({ length: 8 }, (_, index) => `stream-${index}`);
    const stay = new Received();
    const leave = new Received();
    await bus.consume({ groupId: 'g', topics: ['t'], deadLetterTopic: 't.dead-letter', onMessage: stay.record });
    const leaving = await bus.consume({ groupId: 'g', topics: ['t'], deadLetterTopic: 't.dead-letter', onMessage: leave.record });
    await bus.publish(streamMessages('t', keys, 2));
    await leaving.close();

    await bus.publish(streamMessages('t', keys, 4).filter((message) => seqOf(message) >= 2));

    for (const key of keys) {
      const arrived = [...leave.sequences(key), ...stay.sequences(key)].sort((a, b) => a - b);
      expect(arrived).toEqual([0, 1, 2, 3]);
    }
    expect(leave.messages.every((message) => seqOf(message) < 2)).toBe(true);
  });

  it('refuses a consumer that would read its own dead-letter topic', async () => {
    await expect(bus.consume({ groupId: 'g', topics: ['t', 't.dead-letter'], deadLetterTopic: 't.dead-letter', onMessage: async () => undefined })).rejects.toThrow(
      /loop/,
    );
  });

  it('puts a key always in the same partition, within range', async () => {
    for (const key of ['stream-a', 'jurisdiction-350624', '', '巡察-1']) {
      const partition = partitionForKey(key);
      expect(partition).toBe(partitionForKey(key));
      expect(partition).toBeGreaterThanOrEqual(0);
      expect(partition).toBeLessThan(INPROC_PARTITIONS);
    }
  });

  it('never runs a handler inside publish itself, so a caller is not re-entered', async () => {
    const received = new Received();
    await bus.consume({ groupId: 'g', topics: ['t'], deadLetterTopic: 't.dead-letter', onMessage: received.record });
    const publishing = bus.publish(streamMessages('t', ['stream-a'], 1));
    expect(received.messages).toHaveLength(0);
    await publishing;
    expect(received.messages).toHaveLength(1);
  });
});
