// A level whose Kafka cluster is out of reach when it starts: it starts, serves its own commands and
// reads, says on readiness that the bus is not connected, and sends and receives what it missed once
// the cluster answers (issue: degrade, don't die).
import type { Actor } from '#domain';
import { KafkaBus } from '#bus/adapters';
import { LinkageRuntime, SettableClock, chainedMemoryStore, metadataOf } from '#linkage';
import { uniqueName, waitUntil } from '../contracts/bus.contract.js';
import { kafkaBusTestConfig } from '../harness/kafka-bus-config.js';
import { ProxiedNetwork } from '../harness/tcp-proxy.js';

const COUNTY: Actor = { id: 'za-office', jurisdiction: '350624', role: 'leading-group' };

describe('a level started while its Kafka cluster is out of reach', () => {
  let network: ProxiedNetwork;
  let runtime: LinkageRuntime | undefined;

  beforeEach(() => {
    network = new ProxiedNetwork();
  });
  afterEach(async () => {
    network.resume();
    await runtime?.stop();
    await network.close();
  });

  it('starts, records its own commands, reports the bus unready, and delivers them upward once the cluster answers', async () => {
    network.pause();
    const bus = new KafkaBus(kafkaBusTestConfig('down-at-start', { socketFactory: network.socketFactory, namespace: `${uniqueName('down-at-start')}.` }));
    // The county and the city it reports to, both on the unreachable bus. Start resolves while the
    // brokers are still out of reach (the network is never resumed before it does).
    runtime = await LinkageRuntime.start({ levels: ['county', 'city'], clock: new SettableClock('2024-05-01T00:00:00.000Z'), bus, openStore: () => chainedMemoryStore() });
    expect(runtime.busConnectivity()).toEqual({ connected: false, detail: expect.stringMatching(/(is joining its group|cannot reach the cluster)/) });

    const county = runtime.node('county')!;
    const outcome = await county.service.execute({ command: { type: 'registerUnit', data: { unitId: 'za-depot', name: '诏安县中心粮库', jurisdiction: '350624' } }, actor: COUNTY });
    expect(outcome.events.map((event) => event.type)).toEqual(['UnitRegistered']);
    // Reads keep working: the county's own read model projects it.
    await county.projections.catchUp();
    expect(county.projections.checkpoint).toBe(await county.service.store.headPosition());
    const city = runtime.node('city')!;
    const cityHasIt = async (): Promise<boolean> => (await city.service.store.readAll()).some((fact) => metadataOf(fact).origin?.eventId === outcome.events[0]!.eventId);
    expect(await cityHasIt()).toBe(false);

    network.resume();
    const deadline = Date.now() + 90_000;
    while (!(await cityHasIt())) {
      if (Date.now() > deadline) throw new Error('timed out waiting until the city received the county fact recorded while the bus was down');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await waitUntil(() => runtime!.busConnectivity().connected, 'the bus reported connected', 60_000);
  }, 150_000);
});
