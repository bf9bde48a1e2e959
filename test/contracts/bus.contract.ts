/**
 * The Bus contract (DESIGN.md §3.4-3.5): one suite, run against every adapter.
 *
 * Delivery is at-least-once, so wherever an adapter may legitimately redeliver (Kafka after a
 * rebalance), the assertions accept a repeat of something already seen, and nothing else: no gap, no
 * message of a key ahead of an earlier one, no message lost. Every test uses topics and groups of
 * its own, so adapters that keep state across tests (a broker) cannot leak it between them.
 */
import { randomUUID } from 'node:crypto';
import { DEAD_LETTER_HEADERS, PoisonMessage, type Bus, type BusMessage, type Consumer, type ConsumerOptions, type DeliveredMessage } from '#bus';

export interface OpenedBus {
  readonly bus: Bus;
  /** Closes the bus and whatever `open` created. */
  readonly close: () => Promise<void>;
}

/** Generous: a Kafka group's first join alone takes 3 s on the mock, a rejoin after a crash longer. */
const DELIVERY_TIMEOUT_MS = 45_000;

export const uniqueName = (prefix: string): string => `${prefix}.${randomUUID().slice(0, 8)}`;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export const waitUntil = async (condition: () => boolean, what: string, timeoutMs = DELIVERY_TIMEOUT_MS): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await sleep(20);
  }
};

export interface Deferred<T> {
  readonly promise: Promise<T>;
  readonly resolve: (value: T) => void;
  readonly reject: (error: Error) => void;
}

export const deferred = <T>(): Deferred<T> => {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

/** A test message: the n-th (`seq`) message of a source stream (`key`), like a relay sends them. */
export const streamMessage = (topic: string, key: string, seq: number): BusMessage => ({
  topic,
  key,
  value: JSON.stringify({ key, seq }),
  headers: { 'event-id': `${key}#${seq}` },
});

/** `perKey` messages of every key, interleaved across keys as several streams' events would be. */
export const streamMessages = (topic: string, keys: readonly string[], perKey: number): BusMessage[] =>
  Array.from({ length: perKey }, (_, seq) => keys.map((key) => streamMessage(topic, key, seq))).flat();

const expectStrictlyIncreasing = (values: readonly bigint[]): void => {
  values.slice(1).forEach((value, index) => expect(value > values[index]!).toBe(true));
};

export const seqOf = (message: BusMessage): number => (JSON.parse(message.value) as { seq: number }).seq;

export const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, index) => items.slice(index * size, (index + 1) * size));

/** Everything a handler was given, in the order it was given. */
export class Received {
  readonly messages: DeliveredMessage[] = [];

  readonly record = async (message: DeliveredMessage): Promise<void> => {
    this.messages.push(message);
  };

  get uniqueCount(): number {
    return new Set(this.messages.map((message) => message.headers?.['event-id'])).size;
  }

  get duplicateCount(): number {
    return this.messages.length - this.uniqueCount;
  }

  sequences(key: string): number[] {
    return this.messages.filter((message) => message.key === key).map(seqOf);
  }
}

/**
 * A consumer with a batch handler: `onMessages` gets the runs, `onMessage` only what the adapter
 * falls back to after a run's handler threw. Both record into `received` in the order handled.
 */
export class RunRecorder {
  readonly runs: DeliveredMessage[][] = [];
  readonly singles: DeliveredMessage[] = [];

  constructor(readonly received: Received = new Received()) {}

  /** Records a run once `apply` (the effect, which may throw) let it through. */
  handleRun = (apply: (run: readonly DeliveredMessage[]) => void = () => undefined) =>
    async (run: readonly DeliveredMessage[]): Promise<void> => {
      this.runs.push([...run]);
      apply(run);
      for (const message of run) await this.received.record(message);
    };

  handleOne = (apply: (message: DeliveredMessage) => void = () => undefined) =>
    async (message: DeliveredMessage): Promise<void> => {
      this.singles.push(message);
      apply(message);
      await this.received.record(message);
    };
}

/**
 * The order one key's messages arrived in was 0, 1, ... count-1, where a redelivery may repeat
 * messages already seen (a consumer resuming from its last commit) but nothing arrives ahead of its
 * predecessor and nothing is missing.
 */
export const expectKeyOrder = (arrived: readonly number[], count: number): void => {
  let highest = -1;
  for (const [position, seq] of arrived.entries()) {
    if (seq > highest) {
      if (seq !== highest + 1) throw new Error(`message ${seq} arrived before ${highest + 1} (arrival ${position} of ${arrived.join(',')})`);
      highest = seq;
    }
  }
  expect(highest).toBe(count - 1);
};

export const describeBusContract = (name: string, open: () => Promise<OpenedBus>): void => {
  describe(`Bus contract: ${name}`, () => {
    let opened: OpenedBus;
    const consumers: Consumer[] = [];

    beforeEach(async () => {
      opened = await open();
    });

    afterEach(async () => {
      // Closing twice is allowed: tests close some consumers themselves.
      await Promise.all(consumers.splice(0).map((consumer) => consumer.close()));
      await opened.close();
    });

    const consume = async (options: ConsumerOptions): Promise<Consumer> => {
      const consumer = await opened.bus.consume(options);
      consumers.push(consumer);
      return consumer;
    };

    const recording = (topic: string, groupId: string, received: Received): ConsumerOptions => ({
      groupId,
      topics: [topic],
      deadLetterTopic: `${topic}.dead-letter`,
      onMessage: received.record,
    });

    it('keeps the order of each key and hands over where each message sat', async () => {
      const topic = uniqueName('contract.order');
      const keys = ['stream-a', 'stream-b', 'stream-c', 'stream-d'];
      const messages = streamMessages(topic, keys, 15);
      const received = new Received();
      await consume(recording(topic, uniqueName('order'), received));

      // Batch after batch, each awaited, as the relay publishes.
      for (const batch of chunks(messages, 12)) await opened.bus.publish(batch);

      await waitUntil(() => received.uniqueCount === messages.length, `all ${messages.length} messages arrived`);
      for (const key of keys) expectKeyOrder(received.sequences(key), 15);
      for (const message of received.messages) {
        expect(message.topic).toBe(topic);
        expect(Number.isInteger(message.partition) && message.partition >= 0).toBe(true);
        expect(message.offset).toMatch(/^\d+$/);
        expect(message.headers?.['event-id']).toBe(`${message.key}#${seqOf(message)}`);
      }
      for (const key of keys) {
        const partitions = new Set(received.messages.filter((message) => message.key === key).map((message) => message.partition));
        expect(partitions.size).toBe(1);
      }
    });

    it('delivers every message to each consumer group, a group created later starting from the earliest', async () => {
      const topic = uniqueName('contract.groups');
      const messages = streamMessages(topic, ['stream-a', 'stream-b', 'stream-c'], 8);
      const early = new Received();
      const late = new Received();
      await consume(recording(topic, uniqueName('early'), early));

      await opened.bus.publish(messages);
      await waitUntil(() => early.uniqueCount === messages.length, 'the first group has every message');

      await consume(recording(topic, uniqueName('late'), late));
      await waitUntil(() => late.uniqueCount === messages.length, 'the later group has every message too');

      const everyId = messages.map((message) => message.headers!['event-id']).sort();
      for (const group of [early, late]) {
        expect([...new Set(group.messages.map((message) => message.headers!['event-id']))].sort()).toEqual(everyId);
      }
    });

    it('commits past a message only once its handler resolved: one that dies mid-handler goes to the next consumer', async () => {
      const topic = uniqueName('contract.commit');
      const groupId = uniqueName('commit');
      const crash = deferred<void>();
      const entered = deferred<DeliveredMessage>();
      const firstSaw: number[] = [];
      const first = await consume({
        groupId,
        topics: [topic],
        deadLetterTopic: `${topic}.dead-letter`,
        onMessage: async (message) => {
          firstSaw.push(seqOf(message));
          entered.resolve(message);
          await crash.promise;
        },
      });

      // Not awaited yet: the in-process bus resolves a publish only once every group has handled it.
      const published = opened.bus.publish(streamMessages(topic, ['stream-a'], 3));
      expect(seqOf(await entered.promise)).toBe(0);

      // The consumer goes away while its handler is running, which then fails: the process died
      // before the effect was durable, so the message must neither be committed nor dead-lettered.
      const closing = first.close();
      crash.reject(new Error('consumer process died mid-handler'));
      await closing;
      expect(firstSaw).toEqual([0]);

      const second = new Received();
      const secondConsumer = await consume(recording(topic, groupId, second));
      await waitUntil(() => second.uniqueCount === 3, 'the next consumer of the group has all three');
      expectKeyOrder(second.sequences('stream-a'), 3);
      expect(second.sequences('stream-a')[0]).toBe(0);
      await published;

      // Resolved handlers were committed: a third consumer starts past them. Only the very last one
      // may come again, its commit possibly cut short by the close (at-least-once).
      await secondConsumer.close();
      const publishedLater = opened.bus.publish([streamMessage(topic, 'stream-a', 3)]);
      const third = new Received();
      await consume(recording(topic, groupId, third));
      await waitUntil(() => third.sequences('stream-a').includes(3), 'the third consumer has the new message');
      expect(third.sequences('stream-a').filter((seq) => seq < 2)).toEqual([]);
      await publishedLater;
    });

    it('dead-letters a poison message with its error and where it sat, and moves on', async () => {
      const topic = uniqueName('contract.poison');
      const deadLetterTopic = `${topic}.dead-letter`;
      const groupId = uniqueName('poison');
      const handled = new Received();
      const deadLetters = new Received();
      const poisoned: DeliveredMessage[] = [];
      await Promise.all([
        consume(recording(deadLetterTopic, uniqueName('dead-letters'), deadLetters)),
        consume({
          groupId,
          topics: [topic],
          deadLetterTopic,
          onMessage: async (message) => {
            if (seqOf(message) === 2) {
              poisoned.push(message);
              throw new PoisonMessage('cannot apply stream-a #2');
            }
            await handled.record(message);
          },
        }),
      ]);

      const messages = streamMessages(topic, ['stream-a'], 5);
      await opened.bus.publish(messages);

      await waitUntil(() => handled.uniqueCount === 4 && deadLetters.messages.length > 0, 'the rest is handled and the poison dead-lettered');
      expect([...new Set(handled.sequences('stream-a'))]).toEqual([0, 1, 3, 4]);
      const [poison] = poisoned;
      for (const deadLetter of deadLetters.messages) {
        expect(deadLetter.key).toBe('stream-a');
        expect(deadLetter.value).toBe(messages[2]!.value);
        expect(deadLetter.headers).toMatchObject({
          'event-id': 'stream-a#2',
          [DEAD_LETTER_HEADERS.groupId]: groupId,
          [DEAD_LETTER_HEADERS.topic]: topic,
          [DEAD_LETTER_HEADERS.partition]: String(poison!.partition),
          [DEAD_LETTER_HEADERS.offset]: poison!.offset,
        });
        expect(deadLetter.headers?.[DEAD_LETTER_HEADERS.error]).toContain('cannot apply stream-a #2');
      }
    });

    describe('with a batch handler (onMessages)', () => {
      it('hands over runs of one partition in offset order, every message once, each key in order', async () => {
        const topic = uniqueName('contract.runs');
        const keys = ['stream-a', 'stream-b', 'stream-c', 'stream-d'];
        const messages = streamMessages(topic, keys, 15);
        const recorder = new RunRecorder();
        await consume({ groupId: uniqueName('runs'), topics: [topic], deadLetterTopic: `${topic}.dead-letter`, onMessages: recorder.handleRun(), onMessage: recorder.handleOne() });

        await opened.bus.publish(messages);

        const { received } = recorder;
        await waitUntil(() => received.uniqueCount === messages.length, `all ${messages.length} messages arrived`);
        for (const key of keys) expectKeyOrder(received.sequences(key), 15);
        expect(recorder.singles).toEqual([]);
        // One publish puts many messages in each partition at once: they must come as runs, not one by one.
        expect(Math.max(...recorder.runs.map((run) => run.length))).toBeGreaterThan(1);
        for (const run of recorder.runs) {
          expect(new Set(run.map((message) => `${message.topic}/${message.partition}`)).size).toBe(1);
          expectStrictlyIncreasing(run.map((message) => BigInt(message.offset)));
        }
      });

      it('singles out a poison message of a run: dead-lettered alone, the others of the run still handled', async () => {
        const topic = uniqueName('contract.run-poison');
        const deadLetterTopic = `${topic}.dead-letter`;
        const groupId = uniqueName('run-poison');
        const deadLetters = new Received();
        const recorder = new RunRecorder();
        const poison = (message: DeliveredMessage) => message.key === 'stream-a' && seqOf(message) === 2;
        await Promise.all([
          consume(recording(deadLetterTopic, uniqueName('dead-letters'), deadLetters)),
          consume({
            groupId,
            topics: [topic],
            deadLetterTopic,
            // As the inbox does: a run that holds an undecodable message is refused before anything is written.
            onMessages: recorder.handleRun((run) => {
              if (run.some(poison)) throw new PoisonMessage('cannot apply stream-a #2');
            }),
            onMessage: recorder.handleOne((message) => {
              if (poison(message)) throw new PoisonMessage('cannot apply stream-a #2');
            }),
          }),
        ]);

        const messages = streamMessages(topic, ['stream-a', 'stream-b'], 5);
        await opened.bus.publish(messages);

        const { received } = recorder;
        await waitUntil(() => received.uniqueCount === 9 && deadLetters.messages.length > 0, 'the rest is handled and the poison dead-lettered');
        expect(recorder.runs.some((run) => run.some(poison))).toBe(true);
        expect([...new Set(received.sequences('stream-a'))]).toEqual([0, 1, 3, 4]);
        expectKeyOrder(received.sequences('stream-b'), 5);
        expect(new Set(deadLetters.messages.map((deadLetter) => deadLetter.headers?.['event-id']))).toEqual(new Set(['stream-a#2']));
        const poisoned = recorder.singles.find(poison)!;
        for (const deadLetter of deadLetters.messages) {
          expect(deadLetter.value).toBe(poisoned.value);
          expect(deadLetter.headers).toMatchObject({
            [DEAD_LETTER_HEADERS.groupId]: groupId,
            [DEAD_LETTER_HEADERS.topic]: topic,
            [DEAD_LETTER_HEADERS.partition]: String(poisoned.partition),
            [DEAD_LETTER_HEADERS.offset]: poisoned.offset,
          });
        }
      });

      it('retries a transiently failing run without loss or reordering, nothing dead-lettered', async () => {
        const topic = uniqueName('contract.run-transient');
        const deadLetterTopic = `${topic}.dead-letter`;
        const deadLetters = new Received();
        const recorder = new RunRecorder();
        let runFailures = 0;
        let messageFailuresLeft = 2;
        const troubled = (message: DeliveredMessage) => message.key === 'stream-a' && seqOf(message) === 1;
        await Promise.all([
          consume(recording(deadLetterTopic, uniqueName('dead-letters'), deadLetters)),
          consume({
            groupId: uniqueName('run-transient'),
            topics: [topic],
            deadLetterTopic,
            // The store is away whenever stream-a #1 is in the run: nothing of such a run takes effect.
            onMessages: recorder.handleRun((run) => {
              if (run.some(troubled)) {
                runFailures++;
                throw new Error('store briefly unavailable');
              }
            }),
            onMessage: recorder.handleOne((message) => {
              if (troubled(message) && messageFailuresLeft > 0) {
                messageFailuresLeft--;
                throw new Error('store still briefly unavailable');
              }
            }),
          }),
        ]);

        const keys = ['stream-a', 'stream-b', 'stream-c'];
        await opened.bus.publish(streamMessages(topic, keys, 4));

        const { received } = recorder;
        await waitUntil(() => received.uniqueCount === 12, 'every message handled once the store is back');
        expect(runFailures).toBeGreaterThan(0);
        expect(messageFailuresLeft).toBe(0);
        for (const key of keys) expectKeyOrder(received.sequences(key), 4);
        expect(deadLetters.messages).toEqual([]);
      });
    });

    it('retries a transiently failing message in place: nothing dead-lettered, nothing overtakes it', async () => {
      const topic = uniqueName('contract.transient');
      const deadLetterTopic = `${topic}.dead-letter`;
      const handled = new Received();
      const deadLetters = new Received();
      let failuresLeft = 3;
      await Promise.all([
        consume(recording(deadLetterTopic, uniqueName('dead-letters'), deadLetters)),
        consume({
          groupId: uniqueName('transient'),
          topics: [topic],
          deadLetterTopic,
          onMessage: async (message) => {
            if (seqOf(message) === 1 && failuresLeft > 0) {
              failuresLeft--;
              throw new Error('store briefly unavailable');
            }
            await handled.record(message);
          },
        }),
      ]);
      await opened.bus.publish(streamMessages(topic, ['stream-a'], 4));
      await waitUntil(() => handled.uniqueCount === 4, 'every message handled once the store is back');
      expect(failuresLeft).toBe(0);
      expect([...new Set(handled.sequences('stream-a'))]).toEqual([0, 1, 2, 3]);
      expect(deadLetters.messages).toEqual([]);
    });
  });
};
