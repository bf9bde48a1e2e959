import { uniqueName, waitUntil } from '../../test/contracts/bus.contract.js';
import { kafkaBusTestConfig } from '../../test/harness/kafka-bus-config.js';
import { ProxiedNetwork } from '../../test/harness/tcp-proxy.js';
import { KafkaBus } from './kafka.js';

/** What the readiness probe reads off a Kafka bus: connected while its consumers hear from the cluster. */
describe('KafkaBus connectivity', () => {
  let network: ProxiedNetwork;
  let bus: KafkaBus;

  beforeEach(() => {
    network = new ProxiedNetwork();
    // Session timeout 6 s (the test configuration's): silence beyond it is "not connected".
    bus = new KafkaBus(kafkaBusTestConfig('connectivity', { socketFactory: network.socketFactory }));
  });
  afterEach(async () => {
    network.resume();
    await bus.close();
    await network.close();
  });

  it('is connected while its consumer hears from the cluster, not once the brokers are out of reach, again when they are back, and not once closed', async () => {
    const topic = uniqueName('connectivity');
    await bus.consume({ groupId: uniqueName('connectivity'), topics: [topic], deadLetterTopic: `${topic}.dead-letter`, onMessage: async () => undefined });
    await waitUntil(() => bus.connectivity().connected, 'the consumer joined its group', 30_000);
    expect(bus.connectivity()).toEqual({ connected: true });

    network.pause();
    network.cutAll();
    await waitUntil(() => !bus.connectivity().connected, 'the bus reported not connected', 30_000);
    expect(bus.connectivity().detail).toMatch(/consumer .* (has not heard from the cluster for \d+ ms|crashed or left its group)/);

    network.resume();
    await waitUntil(() => bus.connectivity().connected, 'the bus connected again', 60_000);

    await bus.close();
    expect(bus.connectivity()).toEqual({ connected: false, detail: 'the bus is closed' });
  }, 120_000);

  it('is not connected while its consumer cannot reach the cluster, says why, and joins once the cluster answers', async () => {
    network.pause();
    const topic = uniqueName('connectivity');
    // Resolves with the brokers out of reach: the consumer keeps trying in the background.
    await bus.consume({ groupId: uniqueName('connectivity'), topics: [topic], deadLetterTopic: `${topic}.dead-letter`, onMessage: async () => undefined });
    expect(bus.connectivity()).toEqual({ connected: false, detail: expect.stringMatching(/^consumer connectivity\.\S+ (is joining its group|cannot reach the cluster)/) });

    network.resume();
    await waitUntil(() => bus.connectivity().connected, 'the consumer joined once the cluster answered', 60_000);
  }, 120_000);
});
