/**
 * What Prometheus scrapes from a process (README "Metrics"). Each HTTP app has a registry of its
 * own, never prom-client's global one, so that several apps in one process (tests, benchmarks)
 * count apart.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What /v1/status already knows about a level; read at scrape time, never counted twice. */
export interface LevelFigures {
  readonly level: string;
  readonly head: number;
  /** Whether the level's store answered its last call (while it does not, `head` is the last one read). */
  readonly store: { readonly status: 'reachable' | 'unreachable' };
  readonly relay: { readonly checkpoint: number };
  readonly inbox: { readonly recorded: number; readonly duplicates: number; readonly gaps: number; readonly deadLettered: number };
  readonly registry: { readonly conflicts: number };
  readonly projections: readonly { readonly projection: string; readonly lag: number }[];
}

export interface MetricSources {
  readonly levels: () => Promise<readonly LevelFigures[]>;
  readonly liveViewsOpen: () => number;
}

/** Commands take milliseconds to a few seconds (a conflict retried, a large store). */
const COMMAND_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const APPEND_SECONDS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

export class LinkageMetrics {
  readonly registry = new Registry();
  private sources: MetricSources | undefined;

  readonly commands = new Counter({
    name: 'linkage_commands_total',
    help: 'Commands answered, by command type and outcome (accepted, refused); refusals by problem type',
    labelNames: ['command', 'outcome', 'problem'] as const,
    registers: [this.registry],
  });
  readonly commandDuration = new Histogram({
    name: 'linkage_command_duration_seconds',
    help: 'Time from a command request arriving to its answer, by command type and outcome',
    labelNames: ['command', 'outcome'] as const,
    buckets: COMMAND_SECONDS,
    registers: [this.registry],
  });
  readonly appendDuration = new Histogram({
    name: 'linkage_store_append_duration_seconds',
    help: "Time a command's append to its level's store took (successful appends)",
    labelNames: ['level'] as const,
    buckets: APPEND_SECONDS,
    registers: [this.registry],
  });
  readonly httpRequests = new Counter({
    name: 'linkage_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'linkage_http_request_duration_seconds',
    help: 'HTTP request duration, by method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: COMMAND_SECONDS,
    registers: [this.registry],
  });
  private readonly projectionLag = new Gauge({
    name: 'linkage_projection_lag_events',
    help: "Facts in a level's store not yet in its read model, by projection",
    labelNames: ['level', 'projection'] as const,
    registers: [this.registry],
  });
  private readonly relayLag = new Gauge({
    name: 'linkage_relay_lag_events',
    help: "Facts in a level's store not yet published to the bus",
    labelNames: ['level'] as const,
    registers: [this.registry],
  });
  private readonly storeReachable = new Gauge({
    name: 'linkage_store_reachable',
    help: "1 while a level's store answers, 0 while it is out of reach (the level refuses commands and retries it)",
    labelNames: ['level'] as const,
    registers: [this.registry],
  });
  private readonly storeHead = new Gauge({
    name: 'linkage_store_head_position',
    help: "Position of the last fact in a level's store",
    labelNames: ['level'] as const,
    registers: [this.registry],
  });
  // Counters the inbox (and the registrar) keep since start, moved at scrape time by what they grew since the last
  // scrape: the inbox needs no hook of ours, and Prometheus sees real counters.
  private readonly inboxReceived = this.inboxCounter('linkage_inbox_received_total', 'Facts delivered from other levels since start, recorded or duplicate');
  private readonly inboxDuplicates = this.inboxCounter('linkage_inbox_duplicates_total', 'Facts delivered again and skipped since start');
  private readonly inboxGaps = this.inboxCounter('linkage_inbox_gaps_total', 'Delivery gaps since start: messages the bus had discarded unread');
  private readonly inboxDeadLettered = this.inboxCounter('linkage_inbox_dead_lettered_total', 'Messages that were no integration event of this contract, sent to the dead-letter topic, since start');
  private readonly jurisdictionConflicts = this.inboxCounter(
    'linkage_jurisdiction_conflicts_total',
    "Jurisdictions recorded at a level with another parent or level than the level's registry already held for their code (the first is kept), since start",
  );
  private readonly liveViews = new Gauge({
    name: 'linkage_live_views_open',
    help: 'Live views (Server-Sent Events streams) open now',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Where the scrape-time figures come from (the runtime's status, the live views). */
  observe(sources: MetricSources): void {
    this.sources = sources;
  }

  /** The text Prometheus reads, with the scrape-time figures read now. */
  async scrape(): Promise<string> {
    if (this.sources) {
      const levels = await this.sources.levels();
      for (const figures of levels) {
        const level = figures.level;
        this.storeReachable.set({ level }, figures.store.status === 'reachable' ? 1 : 0);
        this.storeHead.set({ level }, figures.head);
        this.relayLag.set({ level }, Math.max(0, figures.head - figures.relay.checkpoint));
        for (const { projection, lag } of figures.projections) this.projectionLag.set({ level, projection }, lag);
        this.catchUp(this.inboxReceived, level, figures.inbox.recorded + figures.inbox.duplicates);
        this.catchUp(this.inboxDuplicates, level, figures.inbox.duplicates);
        this.catchUp(this.inboxGaps, level, figures.inbox.gaps);
        this.catchUp(this.inboxDeadLettered, level, figures.inbox.deadLettered);
        this.catchUp(this.jurisdictionConflicts, level, figures.registry.conflicts);
      }
      this.liveViews.set(this.sources.liveViewsOpen());
    }
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private readonly seen = new Map<Counter<'level'>, Map<string, number>>();

  private catchUp(counter: Counter<'level'>, level: string, total: number): void {
    const seen = this.seen.get(counter) ?? new Map<string, number>();
    this.seen.set(counter, seen);
    const grown = total - (seen.get(level) ?? 0);
    // A level's inbox counts from zero again only in a new process, which has a new registry too.
    if (grown > 0) counter.inc({ level }, grown);
    else if (!seen.has(level)) counter.inc({ level }, 0);
    seen.set(level, Math.max(total, seen.get(level) ?? 0));
  }

  private inboxCounter(name: string, help: string): Counter<'level'> {
    return new Counter({ name, help, labelNames: ['level'] as const, registers: [this.registry] });
  }
}
