// Tracing across processes: a level joins the trace of a fact it receives over Kafka through the
// message's traceparent header (the relay's producer span), not through anything this process shares
// between its levels (issue 15: tracing). Both levels run here, on the librdkafka mock cluster.
import type { Actor } from '#domain';
import { INTEGRATION_SCHEMA } from '#domain';
import type { DeliveredMessage } from '#bus';
import { topicFor } from '#bus';
import { KafkaBus } from '#bus/adapters';
import { LinkageRuntime, SettableClock, chainedMemoryStore } from '#linkage';
import { flushTracing, startTracing, stopTracing } from '#observability';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-node';
import { uniqueName, waitUntil } from '../contracts/bus.contract.js';
import { kafkaBusTestConfig } from '../harness/kafka-bus-config.js';

const COUNTY: Actor = { id: 'za-office', jurisdiction: '350624', role: 'leading-group' };
const SETTINGS = { url: 'http://127.0.0.1:9/v1/traces', serviceName: 'inspection-linkage', sampler: 'parentbased_always_on', samplerRatio: 1 } as const;

describe('a trace crossing Kafka', () => {
  let exporter: InMemorySpanExporter;
  let runtime: LinkageRuntime | undefined;
  let watcher: KafkaBus | undefined;

  beforeEach(async () => {
    exporter = new InMemorySpanExporter();
    await startTracing({ settings: SETTINGS, exporter });
  });
  afterEach(async () => {
    await runtime?.stop();
    await watcher?.close();
    await stopTracing();
  });

  it("puts the producer span's context in the message header, and the receiving level's span is its child", async () => {
    const namespace = `${uniqueName('trace')}.`;
    const bus = new KafkaBus(kafkaBusTestConfig('trace', { namespace }));
    runtime = await LinkageRuntime.start({ levels: ['county', 'city'], clock: new SettableClock('2024-05-01T00:00:00.000Z'), bus, openStore: () => chainedMemoryStore() });
    const outcome = await runtime.node('county')!.service.execute({ command: { type: 'registerUnit', data: { unitId: 'za-depot', name: '诏安县中心粮库', jurisdiction: '350624' } }, actor: COUNTY });

    // The county's topic as another consumer group sees it: the message as it went over the wire.
    const seen: DeliveredMessage[] = [];
    watcher = new KafkaBus(kafkaBusTestConfig('trace-watcher', { namespace }));
    await watcher.consume({ groupId: uniqueName('trace-watcher'), topics: [topicFor('county', INTEGRATION_SCHEMA)], deadLetterTopic: uniqueName('trace-watcher.dlq'), onMessage: async (message) => void seen.push(message) });

    // The inbox's span ends once the city's store holds the fact.
    const city = runtime.node('city')!;
    await waitUntil(() => city.inbox.stats.recorded > 0, 'the city recorded the county fact', 60_000);
    await waitUntil(() => seen.length > 0, 'the watcher read the county message', 60_000);
    await flushTracing();

    const spans = exporter.getFinishedSpans();
    const command = spans.find((span) => span.name === 'command registerUnit')!;
    const published = spans.find((span) => span.name === 'publish UnitRegistered')!;
    const received = spans.find((span) => span.name === 'receive UnitRegistered' && span.attributes['linkage.level'] === 'city')!;
    expect(published.parentSpanContext?.spanId).toBe(command.spanContext().spanId);
    const traceId = command.spanContext().traceId;
    // The header names the producer span; the value still carries the fact's own context (the
    // command's), which the receiver would fall back on: its span's parent shows which it took.
    expect(seen[0]!.headers?.traceparent).toBe(`00-${traceId}-${published.spanContext().spanId}-01`);
    expect((JSON.parse(seen[0]!.value) as { metadata: { traceparent?: string } }).metadata.traceparent).toBe(`00-${traceId}-${command.spanContext().spanId}-01`);
    expect(received.parentSpanContext?.spanId).toBe(published.spanContext().spanId);
    expect(received.spanContext().traceId).toBe(traceId);
    expect(received.attributes['linkage.source_level']).toBe('county');
  }, 120_000);
});
