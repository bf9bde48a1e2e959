/**
 * Tracing (README "Tracing"): OpenTelemetry spans for a command (validate → decide → append) and
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
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, createContextKey, propagation, trace } from '@opentelemetry/api';
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
 * Registers the process's tracer provider (W3C trace-context propagator, async-local context
 * within the process). Once per process until `stopTracing`. The SDK is loaded here, not with this
 * module: a process without tracing never loads it.
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
  provider.register();
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

/** The `traceparent` of `where` (default: the active span), or undefined with tracing off or no span. */
export const traceparentOf = (where: Context = context.active()): string | undefined => {
  if (!tracer) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(where, carrier);
  return carrier[TRACEPARENT];
};

/** The context a recorded or delivered `traceparent` names, to start a span under. */
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

/** Marks the context of a command's span, so the layers under it add steps instead of a second command span. */
const COMMAND_SPAN = createContextKey('inspection-linkage command span');

/**
 * Runs `work` in the span of a command (`command <type>`): the one already open (the HTTP edge
 * opens it before validating the body) or a new one, under the caller's trace context if given. Its outcome is `accepted`, or what `outcomeOf`
 * makes of the error thrown.
 */
export const inCommandSpan = async <T>(commandType: string, attributes: Attributes, outcomeOf: OutcomeOf, work: () => Promise<T>, callerTraceparent?: string): Promise<T> => {
  if (!tracer) return work();
  const open = context.active().getValue(COMMAND_SPAN) as Span | undefined;
  if (open) {
    open.setAttributes(attributes);
    return work();
  }
  // A caller that traces its own work (a W3C traceparent header) gets the command in its trace; a
  // malformed one is ignored, as the propagator ignores it.
  const active = callerTraceparent === undefined ? context.active() : propagation.extract(context.active(), { [TRACEPARENT]: callerTraceparent });
  const span = tracer.startSpan(`command ${commandType}`, { attributes: { 'linkage.command': commandType, ...attributes } }, active);
  let result: T;
  try {
    result = await context.with(trace.setSpan(active, span).setValue(COMMAND_SPAN, span), work);
  } catch (error) {
    endWith(span, error, outcomeOf);
    throw error;
  }
  span.setAttribute('linkage.outcome', 'accepted');
  span.end();
  return result;
};

/**
 * A step of the active command (`validate`, `decide`, `append`) as a child span. Nothing under a
 * step starts spans of its own, so the step's span is not made the active one: that would cost
 * every step a context switch for nothing.
 */
export const commandStep = async <T>(step: string, work: () => Promise<T>, outcomeOf?: OutcomeOf): Promise<T> => {
  if (!tracer) return work();
  const span = tracer.startSpan(step, undefined, context.active());
  try {
    const result = await work();
    span.end();
    return result;
  } catch (error) {
    endWith(span, error, outcomeOf);
    throw error;
  }
};

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
export const traceparentOfSpan = (span: Span): string | undefined => traceparentOf(trace.setSpan(ROOT_CONTEXT, span));

/** Ends spans of work done together (a batch), with the error that stopped it if any. */
export const endSpans = (spans: readonly (Span | undefined)[], error?: unknown): void => {
  for (const span of spans) {
    if (!span) continue;
    if (error === undefined) span.end();
    else endWith(span, error);
  }
};
