// One county command, traced with an in-memory exporter: the command's span (its steps as events) at the
// county, the county relay's producer span, and the inboxes and projections of the city and the
// province under it, all in one trace (issue 15: tracing). The levels share this process but not
// their context: it travels in the facts' metadata and the messages' headers.
import type { Actor } from '#domain';
import type { EmbeddedHarness } from '#scenario';
import { startEmbeddedHarness } from '#scenario';
import { metadataOf } from '#linkage';
import { startTracing, stopTracing } from '#observability';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-node';
import { ROOT_CONTEXT, context, createContextKey } from '@opentelemetry/api';

const COUNTY_OFFICE: Actor = { id: 'za-office', jurisdiction: '350624', role: 'leading-group' };
const SETTINGS = { url: 'http://127.0.0.1:9/v1/traces', serviceName: 'inspection-linkage', sampler: 'parentbased_always_on', samplerRatio: 1 } as const;

describe('a trace of one county command', () => {
  let exporter: InMemorySpanExporter;
  let harness: EmbeddedHarness;

  beforeEach(async () => {
    exporter = new InMemorySpanExporter();
    await startTracing({ settings: SETTINGS, exporter });
    harness = await startEmbeddedHarness();
  });
  afterEach(async () => {
    await harness.close();
    await stopTracing();
  });

  const registerUnit = async (body: unknown, headers: Record<string, string> = {}) =>
    harness.app
      .getHttpAdapter()
      .getInstance()
      .inject({
        method: 'POST',
        url: '/v1/commands/registerUnit',
        headers: { authorization: `Bearer ${await harness.tokens.mint(COUNTY_OFFICE)}`, 'content-type': 'application/json', ...headers },
        payload: JSON.stringify(body),
      });

  const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;
  const idOf = (span: ReadableSpan): string => span.spanContext().spanId;
  const nanosOf = ([seconds, nanos]: readonly [number, number]): bigint => BigInt(seconds) * 1_000_000_000n + BigInt(nanos);

  it('shows spans at county, city and province under one trace id, each level under the one that handed it the fact', async () => {
    const response = await registerUnit({ unitId: 'za-grain-depot', name: '诏安县中心粮库', jurisdiction: '350624', kind: 'soe' });
    expect(response.statusCode).toBe(201);
    await harness.runtime.settle();

    // A copy: the exporter hands out the array it keeps adding to.
    const spans = [...exporter.getFinishedSpans()];
    const one = (name: string, level: string): ReadableSpan => {
      const found = spans.filter((span) => span.name === name && span.attributes['linkage.level'] === level);
      expect(found.map((span) => `${span.name} at ${String(span.attributes['linkage.level'])}`)).toEqual([`${name} at ${level}`]);
      return found[0]!;
    };
    const command = one('command registerUnit', 'county');
    expect(command.attributes).toEqual(expect.objectContaining({ 'linkage.command': 'registerUnit', 'linkage.jurisdiction': '350624', 'linkage.outcome': 'accepted' }));
    expect(parentOf(command)).toBeUndefined();
    // It covers its steps: events on it in the order they ran, each at its start and with how long it took.
    expect(command.events.map((event) => event.name)).toEqual(['validate', 'decide', 'append']);
    for (const event of command.events) expect(event.attributes).toEqual({ 'linkage.duration_ms': expect.any(Number) });
    const instants = [command.startTime, ...command.events.map((event) => event.time), command.endTime].map(nanosOf);
    expect(instants).toEqual([...instants].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    // Its children: the county's own work on the fact it recorded.
    const children = spans.filter((span) => parentOf(span) === idOf(command)).map((span) => span.name);
    expect(children.sort()).toEqual(['project UnitRegistered', 'publish UnitRegistered']);

    const traceId = command.spanContext().traceId;
    const published = one('publish UnitRegistered', 'county');
    expect(parentOf(published)).toBe(idOf(command));
    for (const level of ['city', 'province']) {
      const received = one('receive UnitRegistered', level);
      const projected = one('project UnitRegistered', level);
      expect(parentOf(received)).toBe(idOf(published));
      expect(parentOf(projected)).toBe(idOf(received));
      expect([received, projected].map((span) => span.spanContext().traceId)).toEqual([traceId, traceId]);
    }
    expect(parentOf(one('project UnitRegistered', 'county'))).toBe(idOf(command));
    expect(new Set(spans.map((span) => span.spanContext().traceId))).toEqual(new Set([traceId]));

    // What carried it: the fact's metadata at the county names the command's span; the city's copy,
    // its own receiving span.
    const countyFact = (await harness.runtime.node('county')!.store.readAll()).find((fact) => fact.type === 'UnitRegistered')!;
    expect(metadataOf(countyFact).traceparent).toBe(`00-${traceId}-${idOf(command)}-01`);
    const cityFact = (await harness.runtime.node('city')!.store.readAll()).find((fact) => fact.type === 'UnitRegistered')!;
    expect(metadataOf(cityFact).traceparent).toBe(`00-${traceId}-${idOf(one('receive UnitRegistered', 'city'))}-01`);
    // A rebuild replays the fact without adding to a trace that ended long ago.
    await harness.runtime.node('city')!.projections.rebuild();
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(spans.map((span) => span.name));
  });

  it('records a refused command as its outcome, and an invalid body as the validate step\'s', async () => {
    expect((await registerUnit({ unitId: 'za-coal-yard', name: '诏安县煤场', jurisdiction: '350624', kind: 'soe' })).statusCode).toBe(201);
    expect((await registerUnit({ unitId: 'za-coal-yard', name: '诏安县煤场', jurisdiction: '350624', kind: 'soe' })).statusCode).toBe(409);
    expect((await registerUnit({ unitId: 'not an id', name: '诏安县煤场', jurisdiction: '350624', kind: 'soe' })).statusCode).toBe(400);
    const commands = exporter.getFinishedSpans().filter((span) => span.name === 'command registerUnit');
    expect(commands.map((span) => [span.attributes['linkage.outcome'], span.attributes['linkage.problem']])).toEqual([
      ['accepted', undefined],
      ['refused', 'AlreadyRegistered'],
      ['invalid', 'ValidationFailed'],
    ]);
    // The step that answered says so; the steps after it never ran.
    expect(commands.map((span) => span.events.map((event) => [event.name, event.attributes?.['linkage.problem']]))).toEqual([
      [['validate', undefined], ['decide', undefined], ['append', undefined]],
      [['validate', undefined], ['decide', 'AlreadyRegistered']],
      [['validate', 'ValidationFailed']],
    ]);
  });

  it('joins the trace of a caller that sends a W3C traceparent, and ignores a malformed one', async () => {
    const caller = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    expect((await registerUnit({ unitId: 'za-depot-1', name: '诏安县一号库', jurisdiction: '350624', kind: 'soe' }, { traceparent: caller })).statusCode).toBe(201);
    expect((await registerUnit({ unitId: 'za-depot-2', name: '诏安县二号库', jurisdiction: '350624', kind: 'soe' }, { traceparent: 'not-a-trace' })).statusCode).toBe(201);
    const [joined, own] = exporter.getFinishedSpans().filter((span) => span.name === 'command registerUnit');
    expect([joined!.spanContext().traceId, joined!.parentSpanContext?.spanId]).toEqual(['4bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b7']);
    expect(own!.parentSpanContext).toBeUndefined();
  });

  it('keeps no async-local context: a command\'s span goes along with the command', async () => {
    // With an async-local context (the SDK's default), Node 20 runs a hook for every promise the
    // process makes, traced or not (README "Traces").
    const marked = ROOT_CONTEXT.setValue(createContextKey('probe'), 'marked');
    const seen = await context.with(marked, async () => {
      await Promise.resolve();
      return context.active();
    });
    expect(seen).toBe(ROOT_CONTEXT);
  });
});

describe('a county command with tracing off', () => {
  it('records no trace context in its fact', async () => {
    const harness = await startEmbeddedHarness();
    try {
      const outcome = await harness.runtime.node('county')!.service.execute({
        command: { type: 'registerUnit', data: { unitId: 'za-depot', name: '诏安县中心粮库', jurisdiction: '350624', kind: 'soe' } },
        actor: COUNTY_OFFICE,
      });
      const fact = (await harness.runtime.node('county')!.store.readAll()).find((recorded) => recorded.id === outcome.events[0]!.eventId)!;
      expect(metadataOf(fact)).not.toHaveProperty('traceparent');
    } finally {
      await harness.close();
    }
  });
});
