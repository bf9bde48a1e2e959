import type { ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-node';
import { endSpans, startSpanUnder, startTracing, stopTracing, traceparentOfSpan } from './tracing.js';

// The trace context crosses levels as a W3C `traceparent` string, written and read by the W3C
// trace-context propagator registered alone: these are the rules of that string it must keep.
describe('the traceparent a fact and a message carry', () => {
  const exporter = new InMemorySpanExporter();
  const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
  const PARENT = '00f067aa0ba902b7';

  beforeAll(() => startTracing({ settings: { url: 'http://127.0.0.1:4318/v1/traces', serviceName: 'tracing-spec', sampler: 'parentbased_always_on', samplerRatio: 1 }, exporter }));
  afterAll(() => stopTracing());
  beforeEach(() => exporter.reset());

  /** The finished span started under `traceparent`: its trace, its parent, whether it was kept. */
  const spanUnder = (traceparent: string): ReadableSpan => {
    const span = startSpanUnder(traceparent, 'receive UnitRegistered', 'consumer', {});
    endSpans([span]);
    const [finished] = exporter.getFinishedSpans();
    return finished!;
  };

  it('names the span as its child: version 00, its trace and span ids, the sampled flag', () => {
    const span = startSpanUnder(`00-${TRACE}-${PARENT}-01`, 'publish UnitRegistered', 'producer', {})!;
    const { traceId, spanId } = span.spanContext();
    expect(traceparentOfSpan(span)).toBe(`00-${traceId}-${spanId}-01`);
    const child = spanUnder(traceparentOfSpan(span)!);
    expect([child.spanContext().traceId, child.parentSpanContext?.spanId, child.parentSpanContext?.isRemote]).toEqual([TRACE, spanId, true]);
    endSpans([span]);
  });

  it('joins a well-formed one, and a later version with more fields', () => {
    for (const traceparent of [`00-${TRACE}-${PARENT}-01`, `01-${TRACE}-${PARENT}-01-what-comes-later`, ` 00-${TRACE}-${PARENT}-01`]) {
      exporter.reset();
      const span = spanUnder(traceparent);
      expect([span.spanContext().traceId, span.parentSpanContext?.spanId]).toEqual([TRACE, PARENT]);
    }
  });

  it('keeps a trace its caller did not sample unsampled, and says so to the next level', () => {
    const span = startSpanUnder(`00-${TRACE}-${PARENT}-00`, 'receive UnitRegistered', 'consumer', {})!;
    expect(span.isRecording()).toBe(false);
    expect(traceparentOfSpan(span)).toMatch(new RegExp(`^00-${TRACE}-[0-9a-f]{16}-00$`));
    endSpans([span]);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it('ignores a malformed one (a trace of its own instead): version ff, fields after version 00, ids of zeros, capitals, wrong lengths', () => {
    for (const traceparent of [
      `ff-${TRACE}-${PARENT}-01`,
      `00-${TRACE}-${PARENT}-01-more`,
      `00-${'0'.repeat(32)}-${PARENT}-01`,
      `00-${TRACE}-${'0'.repeat(16)}-01`,
      `00-${TRACE.toUpperCase()}-${PARENT}-01`,
      `00-${TRACE.slice(1)}-${PARENT}-01`,
      `00-${TRACE}-${PARENT}-1`,
      'not-a-trace',
      '',
    ]) {
      exporter.reset();
      const span = spanUnder(traceparent);
      expect([traceparent, span.parentSpanContext]).toEqual([traceparent, undefined]);
      expect(span.spanContext().traceId).not.toBe(TRACE);
    }
  });
});
