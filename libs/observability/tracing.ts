/**
 * Tracing (README "Traces"): OpenTelemetry spans for a command (validate → decide → append) and
 * for what the other levels do with its facts (relay, inbox, projections), joined into one trace.
 *
 * Between levels the context travels in the data, never in this process's async context: a fact's
 * metadata keeps the W3C `traceparent` of the span that recorded it, and a relayed message carries
 * its producer span's `traceparent` in a header, so a level in another process (Kafka) joins the
 * same trace as one in this process (the in-process bus).
 *
 * Off unless configured: no provider is registered, the API stays its no-op, and every helper here
 * returns at its first line, so a process without tracing pays a boolean test per call.
 */
import type { Attributes, Context, Span, Tracer } from '@opentelemetry/api';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import type { NodeTracerProvider, Sampler, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-node';

export type { Span } from '@opentelemetry/api';

/** The samplers OTEL_TRACES_SAMPLER names (the OpenTelemetry specification's values). */
export const TRACE_SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const;
export type TraceSamplerName = (typeof TRACE_SAMPLERS)[number];

/** Validated tracing settings (loadConfig); absent in the configuration: tracing off. */
export interface TracingSettings {
  /** Where spans go: the OTLP/HTTP (JSON) traces endpoint, e.g. http://collector:4318/v1/traces. */
  readonly url: string;
  readonly serviceName: string;
  readonly sampler: TraceSamplerName;
  /** The ratio of the *traceidratio samplers, 0 to 1. */
  readonly samplerRatio: number;
}

/** Resource attributes besides the service name (the levels a process serves). */
export type TracingResource = Readonly<Record<string, string>>;

/** The metadata field and the message header that carry a span's context (W3C Trace Context). */
export const TRACEPARENT = 'traceparent';

let provider: NodeTracerProvider | undefined;
let tracer: Tracer | undefined;

export const tracingOn = (): boolean => tracer !== undefined;

type Sdk = typeof import('@opentelemetry/sdk-trace-node');

const samplerOf = (sdk: Sdk, name: TraceSamplerName, ratio: number): Sampler => {
  const { AlwaysOffSampler, AlwaysOnSampler, ParentBasedSampler, TraceIdRatioBasedSampler } = sdk;
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
  }
};

export interface TracingStart {
  readonly settings: TracingSettings;
  readonly resource?: TracingResource;
  /**
   * Where spans go instead of the OTLP endpoint, each as soon as it ends (tests: an in-memory
   * exporter). The OTLP exporter batches instead: a command never waits on the collector.
   */
  readonly exporter?: SpanExporter;
}

/**
 * Registers the process's tracer provider (W3C trace-context propagator, no async-local context:
 * a span's context is passed along explicitly). Once per process until `stopTracing`. The SDK is
 * loaded here, not with this module: a process without tracing never loads it.
 */
export const startTracing = async ({ settings, resource = {}, exporter }: TracingStart): Promise<void> => {
  if (provider) throw new Error('tracing is already started in this process');
  const sdk = await import('@opentelemetry/sdk-trace-node');
  const { resourceFromAttributes } = await import('@opentelemetry/resources');
  let processor: SpanProcessor;
  if (exporter) {
    processor = new sdk.SimpleSpanProcessor(exporter);
  } else {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    processor = new sdk.BatchSpanProcessor(new OTLPTraceExporter({ url: settings.url }));
  }
  if (provider) throw new Error('tracing is already started in this process');
  provider = new sdk.NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': settings.serviceName, ...resource }),
    sampler: samplerOf(sdk, settings.sampler, settings.samplerRatio),
    spanProcessors: [processor],
  });
  // No context manager: spans are handed along, never made active (inCommandSpan says why). The W3C
  // trace-context propagator alone: the only context that travels is a `traceparent`, and the SDK's
  // default composes it with a baggage propagator that ran for each fact and message for nothing.
  const { W3CTraceContextPropagator } = await import('@opentelemetry/core');
  provider.register({ contextManager: null, propagator: new W3CTraceContextPropagator() });
  tracer = trace.getTracer('inspection-linkage');
};

/** Sends what is still buffered, then unregisters: the API is its no-op again. */
export const stopTracing = async (): Promise<void> => {
  const stopping = provider;
  provider = undefined;
  tracer = undefined;
  if (!stopping) return;
  try {
    await stopping.shutdown();
  } finally {
    trace.disable();
    propagation.disable();
    context.disable();
  }
};

/** Sends the spans that ended so far (tests and benchmarks that read the exporter). */
export const flushTracing = async (): Promise<void> => {
  await provider?.forceFlush();
};

/** The `traceparent` of the span `where` holds, or undefined with tracing off or no span. */
const traceparentOf = (where: Context): string | undefined => {
  if (!tracer) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(where, carrier);
  return carrier[TRACEPARENT];
};

/**
 * The context a recorded or delivered `traceparent` names, to start a span under: the root for
 * none or a malformed one (the propagator ignores it).
 */
export const contextOf = (traceparent: string | undefined): Context => (traceparent === undefined ? ROOT_CONTEXT : propagation.extract(ROOT_CONTEXT, { [TRACEPARENT]: traceparent }));

/** A refusal's problem type, recorded as the span's outcome rather than an error (a refusal is an answer). */
export type OutcomeOf = (error: unknown) => { readonly outcome: string; readonly problem: string } | undefined;

const endWith = (span: Span, error: unknown, outcomeOf?: OutcomeOf): void => {
  const answered = outcomeOf?.(error);
  if (answered) {
    span.setAttributes({ 'linkage.outcome': answered.outcome, 'linkage.problem': answered.problem });
  } else {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  }
  span.end();
};

/**
 * Runs `work` in the span of a command (`command <type>`): the one the caller opened already (the
 * HTTP edge opens it before validating the body, and hands it down with the command), or a new one,
 * under the caller's trace context if given. Its outcome is `accepted`, or what `outcomeOf` makes
 * of the error thrown. `work` gets the span to record its steps on and to name in the facts it
 * records.
 *
 * The span is passed along, never made the active one: an active span needs an async-local
 * context, and with one Node 20 runs a hook for every promise the process makes, traced or not.
 */
export const inCommandSpan = async <T>(
  commandType: string,
  attributes: Attributes,
  outcomeOf: OutcomeOf,
  work: (span: Span | undefined) => Promise<T>,
  from: { readonly open?: Span | undefined; readonly callerTraceparent?: string | undefined } = {},
): Promise<T> => {
  if (!tracer) return work(undefined);
  if (from.open) {
    from.open.setAttributes(attributes);
    return work(from.open);
  }
  // A caller that traces its own work (a W3C traceparent header) gets the command in its trace; a
  // malformed one is ignored, as the propagator ignores it.
  const span = tracer.startSpan(`command ${commandType}`, { attributes: { 'linkage.command': commandType, ...attributes } }, contextOf(from.callerTraceparent));
  let result: T;
  try {
    result = await work(span);
  } catch (error) {
    endWith(span, error, outcomeOf);
    throw error;
  }
  span.setAttribute('linkage.outcome', 'accepted');
  span.end();
  return result;
};

/**
 * A step of a command (`validate`, `decide`, `append`), recorded on the command's span (the one
 * `inCommandSpan` gave) as an event at the step's start, with how long it took
 * (`linkage.duration_ms`) and, if it failed, its outcome (`linkage.outcome`, `linkage.problem`:
 * what `outcomeOf` makes of the error, else `error`). An event, not a child span: a span per step
 * made four spans of a command to build, batch and serialize, much of what tracing cost it.
 * Nothing for a command that is not traced, or whose trace is not sampled.
 */
export const commandStep = async <T>(command: Span | undefined, step: string, work: () => Promise<T>, outcomeOf?: OutcomeOf): Promise<T> => {
  if (!command?.isRecording()) return work();
  const started = performance.now();
  try {
    const result = await work();
    command.addEvent(step, { 'linkage.duration_ms': millisSince(started) }, started);
    return result;
  } catch (error) {
    const answered = outcomeOf?.(error);
    const outcome = answered ? { 'linkage.outcome': answered.outcome, 'linkage.problem': answered.problem } : { 'linkage.outcome': 'error' };
    command.addEvent(step, { 'linkage.duration_ms': millisSince(started), ...outcome }, started);
    throw error;
  }
};

const millisSince = (started: number): number => Math.round((performance.now() - started) * 1000) / 1000;

const KINDS = { producer: SpanKind.PRODUCER, consumer: SpanKind.CONSUMER, internal: SpanKind.INTERNAL } as const;

/**
 * A span under the context a fact or a message carries (none carried: no span, the fact was
 * recorded without tracing); the caller ends it (`endSpans`).
 */
export const startSpanUnder = (traceparent: string | undefined, name: string, kind: keyof typeof KINDS, attributes: Attributes): Span | undefined => {
  if (!tracer || traceparent === undefined) return undefined;
  return tracer.startSpan(name, { kind: KINDS[kind], attributes }, contextOf(traceparent));
};

/** The `traceparent` that makes whoever receives it a child of `span`. */
export const traceparentOfSpan = (span: Span | undefined): string | undefined => (span === undefined ? undefined : traceparentOf(trace.setSpan(ROOT_CONTEXT, span)));

/** Ends spans of work done together (a batch), with the error that stopped it if any. */
export const endSpans = (spans: readonly (Span | undefined)[], error?: unknown): void => {
  for (const span of spans) {
    if (!span) continue;
    if (error === undefined) span.end();
    else endWith(span, error);
  }
};
