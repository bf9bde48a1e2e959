import { join } from 'node:path';
import type { JurisdictionLookup, Level } from '#domain';
import { INTEGRATION_SCHEMA, LEVELS } from '#domain';
import type { Bus, BusConnectivity, Consumer } from '#bus';
import { PoisonMessage, topicFor } from '#bus';
import type { EventStore } from '#event-store';
import { StoreUnreachable } from '#event-store';
import type { ProjectionLag } from '#projections';
import { PROJECTIONS, ProjectionRunner, ReadModel } from '#projections';
import type { RuntimeAuditOptions } from '#audit';
import { LevelAudit } from '#audit';
import type { Checkpoints } from './checkpoints.js';
import { MemoryCheckpoints, SqliteCheckpoints } from './checkpoints.js';
import type { Clock } from './clock.js';
import type { InboxStats } from './inbox.js';
import type { IdempotencyRecords } from './idempotency.js';
import { IdempotentCommands, MemoryIdempotencyRecords, SqliteIdempotencyRecords } from './idempotency.js';
import { Inbox, parseIntegrationEvent } from './inbox.js';
import { JurisdictionRegistrar } from './jurisdiction-registrar.js';
import { loadReferenceRegistry, referenceRegistrySource } from './reference-registry.js';
import { LevelService } from './level-service.js';
import { Relay } from './relay.js';
import { TRACEPARENT } from '#observability';
import type { StoreCondition, StoreRetry } from './store-link.js';
import { DEFAULT_STORE_RETRY, StoreLink } from './store-link.js';

/** Everything one level runs: its store, its service, its read model, and its two ends of the bus. */
export interface LevelNode {
  readonly level: Level;
  /**
   * The level's store, as its registrar watches it and its link lets calls through: every part of
   * the node reads and writes this one.
   */
  readonly store: EventStore;
  /** Whether the store is reachable; retries it while it is not (store-link.ts). */
  readonly storeLink: StoreLink;
  /** The jurisdictions this level knows (the reference data and what its store records), read-only. */
  readonly jurisdictions: JurisdictionLookup;
  /** The registry's writer, for its figures: entries recorded here that it could not take (conflicts). */
  readonly registrar: Pick<JurisdictionRegistrar, 'conflicts'>;
  /** Where the level's registry started from (before the store's registerJurisdiction facts). */
  readonly registrySource: LevelRegistrySource;
  readonly service: LevelService;
  readonly readModel: ReadModel;
  readonly projections: ProjectionRunner;
  readonly relay: Relay;
  readonly inbox: Inbox;
  readonly consumer: Consumer;
  readonly checkpoints: Checkpoints;
  /** Commands sent with an Idempotency-Key: first outcomes kept beside the store. */
  readonly idempotency: IdempotentCommands;
  readonly idempotencyRecords: IdempotencyRecords;
  /** Chain signing, read-model snapshots, replay, as-of and lineage of this level. */
  readonly audit: LevelAudit;
}

/** Where a level's registry started from: the division dataset and our overrides, or a registry file. */
export interface LevelRegistrySource {
  /** The dataset's package name, or the registry file given instead. */
  readonly dataset: string;
  /** The dataset's version (from its package.json); null for a registry file. */
  readonly version: string | null;
  /** Our overrides file; null for a registry file. */
  readonly overrides: string | null;
  /** Entries it started with, before any registerJurisdiction. */
  readonly entries: number;
}

const registrySourceOf = (registryFile: string | undefined, entries: number): LevelRegistrySource =>
  registryFile === undefined ? referenceRegistrySource() : { dataset: registryFile, version: null, overrides: null, entries };

/** What an operator (or a test across processes) needs to tell whether a level has caught up. */
export interface LevelStatus {
  readonly level: Level;
  /** The store head; while the store is out of reach, the last head read from it. */
  readonly head: number;
  readonly store: StoreCondition;
  readonly relay: { readonly checkpoint: number; readonly published: number };
  readonly inbox: InboxStats;
  /** Jurisdictions recorded here with another parent or level than this level's registry holds for their code, since start. */
  readonly registry: { readonly conflicts: number; readonly source: LevelRegistrySource };
  readonly projections: readonly ProjectionLag[];
}

export interface RuntimeOptions {
  readonly levels: readonly Level[];
  readonly clock: Clock;
  readonly bus: Bus;
  /** Opens the event store of a level (the caller owns the choice of adapter). */
  readonly openStore: (level: Level) => Promise<EventStore> | EventStore;
  /** Folder for read models and relay checkpoints; omitted: kept in memory (tests). */
  readonly dataDir?: string;
  readonly registryFile?: string;
  /** Start relays, consumers and projections in the background (default true). */
  readonly live?: boolean;
  /** Audit signing keys, periodic head signing, as-of snapshots; absent: on-demand signing with a key per run. */
  readonly audit?: RuntimeAuditOptions;
  /** How long an idempotency key's first outcome answers retries (default 48 h). */
  readonly idempotencyRetentionMillis?: number;
  /** Pauses between attempts to reach a level's store while it is out of reach (default DEFAULT_STORE_RETRY). */
  readonly storeRetry?: StoreRetry;
}

export const inboxGroupFor = (level: Level): string => `linkage-inbox-${level}`;
export const inboxDeadLetterTopicFor = (level: Level): string => `linkage.inbox-${level}.v${INTEGRATION_SCHEMA}.dead-letter`;

/**
 * The levels a process runs, wired together: each level's store feeds its relay (to the bus) and
 * its projections; each level's inbox consumes the other levels' topics.
 */
export class LinkageRuntime {
  /** Set by `stop`: a store that comes back meanwhile starts no work. */
  private stopping = false;

  private constructor(
    readonly nodes: ReadonlyMap<Level, LevelNode>,
    private readonly bus: Bus,
    readonly clock: Clock,
  ) {}

  static async start(options: RuntimeOptions): Promise<LinkageRuntime> {
    const nodes = new Map<Level, LevelNode>();
    for (const level of options.levels) {
      const registrar = JurisdictionRegistrar.fromReference(options.registryFile, level);
      const watched = registrar.watch(await options.openStore(level));
      const jurisdictions = registrar.directory;
      const registrySource = registrySourceOf(options.registryFile, jurisdictions.all().length);
      const readModel = new ReadModel(options.dataDir ? join(options.dataDir, `${level}.read.db`) : ':memory:');
      // Until the warm-up has read the store (at start, or later when it was out of reach then), the
      // level serves reads from its read model and refuses commands; the link retries meanwhile.
      const storeLink = new StoreLink(
        level,
        watched,
        () => registrar.warmUp(watched, { jurisdictions: readModel.registeredJurisdictions(), position: readModel.checkpoint(PROJECTIONS[0]) }),
        options.storeRetry ?? DEFAULT_STORE_RETRY,
      );
      const store = storeLink.store;
      const service = new LevelService(level, store, jurisdictions, options.clock, { admit: () => storeLink.assertWritable() });
      await storeLink.open();
      const checkpoints = options.dataDir ? new SqliteCheckpoints(join(options.dataDir, `${level}.outbox.db`)) : new MemoryCheckpoints();
      const projections = new ProjectionRunner(store, readModel);
      projections.level = level;
      const relay = new Relay({ level, store, jurisdictions, bus: options.bus, checkpoints });
      service.onAppended(() => relay.nudge());
      const inbox = new Inbox({ level, store });
      const idempotencyRecords = options.dataDir ? new SqliteIdempotencyRecords(join(options.dataDir, `${level}.idempotency.db`)) : new MemoryIdempotencyRecords();
      const idempotency = new IdempotentCommands(service, idempotencyRecords, options.idempotencyRetentionMillis);
      service.onAppended(() => projections.nudge());
      const consumer = await options.bus.consume({
        groupId: inboxGroupFor(level),
        topics: LEVELS.filter((other) => other !== level).map((other) => topicFor(other, INTEGRATION_SCHEMA)),
        deadLetterTopic: inboxDeadLetterTopicFor(level),
        onGap: (gap) => inbox.noteGap(gap),
        onMessage: async (message) => {
          let integration;
          try {
            integration = parseIntegrationEvent(message.value);
          } catch (error) {
            // The bus dead-letters what throws a PoisonMessage; the inbox counts and logs it.
            if (error instanceof PoisonMessage) inbox.noteDeadLetter(message, inboxDeadLetterTopicFor(level), error);
            throw error;
          }
          const receipt = await inbox.receive(integration, message.headers?.[TRACEPARENT]);
          if (receipt === 'recorded') projections.nudge();
        },
        // A run in one store transaction. A message that does not parse throws UndeliverableMessage
        // before anything is written, and the bus then takes the run one message at a time, so
        // that only that message is dead-lettered.
        onMessages: async (messages) => {
          const receipts = await inbox.receiveMany(
            messages.map((message) => parseIntegrationEvent(message.value)),
            messages.map((message) => message.headers?.[TRACEPARENT]),
          );
          if (receipts.includes('recorded')) projections.nudge();
        },
      });
      const audit = LevelAudit.create({ audited: { level, store, jurisdictions, onAppended: (listener) => service.onAppended(listener) }, readModel, projections, dataDir: options.dataDir, referenceRegistry: () => loadReferenceRegistry(options.registryFile), options: options.audit });
      nodes.set(level, { level, store, storeLink, jurisdictions, registrar, registrySource, service, readModel, projections, relay, inbox, consumer, checkpoints, idempotency, idempotencyRecords, audit });
    }
    const runtime = new LinkageRuntime(nodes, options.bus, options.clock);
    if (options.live ?? true) {
      for (const node of nodes.values()) {
        const startWork = (): void => {
          node.projections.start();
          node.relay.start();
          node.audit.start();
        };
        // The relay needs the jurisdictions the warm-up reads (who hears of a fact); the projections
        // and the signer would only fail on a store out of reach.
        if (node.storeLink.warmedUp) startWork();
        node.storeLink.onReachable(() => {
          if (runtime.stopping) return;
          startWork();
          // Back from an outage: catch up now rather than after the loops' next pause.
          node.projections.nudge();
          node.relay.nudge();
          node.audit.signer?.nudge();
        });
      }
    }
    return runtime;
  }

  get levels(): Level[] {
    return [...this.nodes.keys()];
  }

  /** Any served level's jurisdictions: they all start from the reference data and learn the same additions. */
  get registry(): JurisdictionLookup {
    return this.nodes.values().next().value!.jurisdictions;
  }

  node(level: Level): LevelNode | undefined {
    return this.nodes.get(level);
  }

  levelOf(jurisdiction: string): Level | undefined {
    for (const node of this.nodes.values()) {
      const level = node.jurisdictions.get(jurisdiction)?.level;
      if (level) return level;
    }
    return undefined;
  }

  /** Each level's figures; a level whose store is out of reach says so and shows the last head read. */
  async status(): Promise<LevelStatus[]> {
    return Promise.all(
      [...this.nodes.values()].map(async (node) => {
        const head = await node.store.headPosition().catch((error: unknown) => {
          if (error instanceof StoreUnreachable) return node.storeLink.lastHead;
          throw error;
        });
        return {
          level: node.level,
          head,
          store: node.storeLink.condition,
          relay: { checkpoint: node.relay.checkpoint, published: node.relay.publishedCount },
          inbox: node.inbox.stats,
          registry: { conflicts: node.registrar.conflicts, source: node.registrySource },
          projections: node.projections.lagBehind(head),
        };
      }),
    );
  }

  /** Whether the bus is reachable, as far as its adapter can tell (the readiness probe asks). */
  busConnectivity(): BusConnectivity {
    return this.bus.connectivity?.() ?? { connected: true };
  }

  /**
   * Waits until every served level has relayed what it recorded and projected everything it
   * holds, and nothing more arrives (facts may bounce down and up again).
   */
  async settle(timeoutMillis = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMillis;
    let previous = '';
    for (;;) {
      for (const node of this.nodes.values()) {
        await node.audit.drain();
        await node.relay.drain();
        await node.projections.catchUp();
      }
      const heads = await Promise.all([...this.nodes.values()].map((node) => node.store.headPosition()));
      const marks = [...this.nodes.values()].map((node, index) => `${heads[index]}/${node.relay.checkpoint}/${node.projections.checkpoint}`).join(',');
      const quiet = [...this.nodes.values()].every((node, index) => node.relay.checkpoint >= heads[index]! && node.projections.checkpoint >= heads[index]!);
      if (quiet && marks === previous) return;
      previous = marks;
      if (Date.now() > deadline) throw new Error(`levels did not settle within ${timeoutMillis} ms (${marks})`);
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const node of this.nodes.values()) {
      // No more attempts to reach the store, and none in flight when it closes.
      node.storeLink.close();
      await node.storeLink.settled();
    }
    // Receivers and the bus before the relays: a publish on the in-process bus resolves only once
    // every receiving level has recorded the batch, which a level whose store is out of reach never
    // does. Closing the bus ends that wait; the relay keeps its checkpoint, so the batch is published
    // again at the next start (receivers dedupe).
    for (const node of this.nodes.values()) await node.consumer.close();
    await this.bus.close();
    for (const node of this.nodes.values()) {
      await node.relay.stop();
      await node.projections.stop();
      await node.audit.stop();
    }
    for (const node of this.nodes.values()) {
      await node.store.close();
      node.readModel.close();
      node.checkpoints.close();
      node.idempotencyRecords.close();
    }
  }
}
