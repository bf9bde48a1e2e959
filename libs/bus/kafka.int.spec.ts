import { chunks, describeBusContract, expectKeyOrder, Received, streamMessages, uniqueName, waitUntil } from '../../test/contracts/bus.contract.js';
import { kafkaBusTestConfig } from '../../test/harness/kafka-bus-config.js';
import { ProxiedNetwork } from '../../test/harness/tcp-proxy.js';
import type { BusMessage } from './port.js';
import { KafkaBus, type KafkaBusConfig } from './kafka.js';

const testConfig = (overrides: Partial<KafkaBusConfig> = {}): KafkaBusConfig => kafkaBusTestConfig('bus-test', overrides);

describeBusContract('kafka', async () => {
  const bus = new KafkaBus(testConfig());
  return { bus, close: () => bus.close() };
});

describe('KafkaBus under broken connections', () => {
  let network: ProxiedNetwork;
  let bus: KafkaBus;

  beforeEach(() => {
    network = new ProxiedNetwork();
    bus = new KafkaBus(testConfig({ socketFactory: network.socketFactory }));
  });

  afterEach(async () => {
    network.resume();
    await bus.close();
    await network.close();
  });

  /** Publishes until the bus takes the batch, as the relay does from its checkpoint; returns the failed attempts. */
  const publishLikeTheRelay = async (batch: readonly BusMessage[]): Promise<number> => {
    for (let failed = 0; ; failed += 1) {
      try {
        await bus.publish(batch);
        return failed;
      } catch {
        if (failed >= 20) throw new Error('the bus refused the batch 20 times in a row');
      }
    }
  };

  it('delivers everything after broker connections are cut mid-handler and mid-publish, repeats allowed, nothing lost', async () => {
    const topic = uniqueName('chaos.cut');
    const keys = ['stream-a', 'stream-b', 'stream-c', 'stream-d', 'stream-e'];
    const perKey = 30;
    const messages = streamMessages(topic, keys, perKey);
    const received = new Received();
    const cuts: number[] = [];
    // Inside the handler, before the adapter commits: the commit then meets a dead connection.
    const cutInHandlerAt = new Set([20, 70, 120]);
    await bus.consume({
      groupId: uniqueName('chaos'),
      topics: [topic],
      deadLetterTopic: `${topic}.dead-letter`,
      onMessage: async (message) => {
        await received.record(message);
        if (cutInHandlerAt.delete(received.messages.length)) cuts.push(network.cutAll());
      },
    });

    let failedPublishes = 0;
    for (const [index, batch] of chunks(messages, 10).entries()) {
      if (index % 5 === 2) {
        // Clients reconnect in their own time after the last cut; a cut with nothing live proves nothing.
        await waitUntil(() => network.liveConnections > 0, 'a live broker connection before the next cut');
        // While the produce request is on its way: the producer must retry it on a new connection.
        const publishing = publishLikeTheRelay(batch);
        await new Promise((resolve) => setImmediate(resolve));
        cuts.push(network.cutAll());
        failedPublishes += await publishing;
      } else {
        failedPublishes += await publishLikeTheRelay(batch);
      }
    }
    await waitUntil(() => received.uniqueCount === messages.length, `all ${messages.length} messages arrived despite the cuts`, 90_000);

    // The cuts met live connections of the clients under test, and they came back through the proxies.
    // A cut can land right after another (a handler cut on a message fetched before the last cut) while
    // the clients are still reconnecting and find nothing; most must hit.
    expect(cuts).toHaveLength(6);
    expect(cuts.filter((cut) => cut > 0).length).toBeGreaterThanOrEqual(4);
    expect(network.acceptedConnections).toBeGreaterThan(cuts[0]!);
    for (const key of keys) expectKeyOrder(received.sequences(key), perKey);
    // At-least-once: a cut between a handler and its commit, or between a produce and its ack, may
    // repeat messages; they are counted, not forbidden. Receivers dedupe by event id.
    console.info(
      `chaos.cut: ${messages.length} messages, ${received.messages.length} deliveries, ${received.duplicateCount} duplicates, ` +
        `${failedPublishes} failed publishes retried, connections cut: ${cuts.join('/')}`,
    );
    expect(received.messages.length).toBeGreaterThanOrEqual(messages.length);
  }, 150_000);

  it('resumes after a spell of refused connections on top of a cut, over slow links', async () => {
    const topic = uniqueName('chaos.refuse');
    const messages = streamMessages(topic, ['stream-a', 'stream-b'], 20);
    const received = new Received();
    await bus.consume({ groupId: uniqueName('chaos'), topics: [topic], deadLetterTopic: `${topic}.dead-letter`, onMessage: received.record });
    const [firstHalf, secondHalf] = chunks(messages, messages.length / 2);
    await bus.publish(firstHalf!);
    await waitUntil(() => received.uniqueCount === firstHalf!.length, 'the first half arrived');

    network.pause();
    const cut = network.cutAll();
    // Publishing while no broker can be reached: it may fail (the relay would retry) or get through
    // once the network is back; either way nothing may be lost.
    const publishing = publishLikeTheRelay(secondHalf!);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    // Back, but slow: every chunk held 20 ms each way.
    network.setDelay(20);
    network.resume();
    const failedPublishes = await publishing;

    await waitUntil(() => received.uniqueCount === messages.length, 'the second half arrived after the network came back', 90_000);
    expect(cut).toBeGreaterThan(0);
    for (const key of ['stream-a', 'stream-b']) expectKeyOrder(received.sequences(key), 20);
    console.info(
      `chaos.refuse: ${messages.length} messages, ${received.messages.length} deliveries, ${received.duplicateCount} duplicates, ` +
        `${failedPublishes} failed publishes retried, connections cut: ${cut}`,
    );
  }, 150_000);
});
