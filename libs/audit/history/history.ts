import type { EventMetadata, JurisdictionLookup, Level, World } from '#domain';
import { JurisdictionRegistry, attributedJurisdictions, emptyWorld, evolve, knownEvent, metadataOf, roundOfFact } from '#domain';
import type { EventStore, RecordedEvent } from '#event-store';
import { PROJECTIONS, ReadModel, asProjectedFacts } from '#projections';
import type { ReadModelSnapshots } from './snapshots.js';

/** One stored fact as an auditor sees it: what, who, when, and where it came from. */
export interface AuditFact {
  readonly position: number;
  readonly streamId: string;
  readonly revision: number;
  readonly eventId: string;
  readonly type: string;
  /** The level whose store first recorded the fact (the origin of a received fact, else this one). */
  readonly level: Level;
  readonly data: unknown;
  /** Full provenance: actor, owning jurisdiction, correlation, causation, times, origin. */
  readonly metadata: EventMetadata;
}

/** Decides which facts an actor may see (its subtree); the HTTP edge supplies it. */
export type FactVisibility = (fact: AuditFact) => boolean;

export const everything: FactVisibility = () => true;

export type ReplaySubject =
  | { readonly stream: string }
  | { readonly roundId: string }
  | { readonly jurisdiction: string }
  | { readonly correlationId: string };

export interface ReplayPage {
  readonly level: Level;
  readonly subject: ReplaySubject;
  /** The store position the replay looked up to. */
  readonly upTo: number;
  readonly facts: readonly AuditFact[];
  /** Pass as `after` for the next page; null when this was the last. */
  readonly next: number | null;
}

export interface ReplayOptions {
  /** Exclusive cursor: facts after this position. */
  readonly after?: number;
  readonly limit?: number;
  /** Inclusive: replay as known at this position (default: the head). */
  readonly upTo?: number;
  readonly visible?: FactVisibility;
}

export interface AsOfReplay {
  /** The snapshot the read model started from (0: none, replayed from the first event). */
  readonly snapshotPosition: number;
  readonly replayedEvents: number;
  readonly millis: number;
}

export interface AggregateAsOf {
  readonly streamId: string;
  readonly position: number;
  /** The stream's last revision at that position; null when the stream did not exist yet. */
  readonly revision: number | null;
  readonly kind: string | null;
  readonly state: unknown;
  readonly facts: number;
}

const SCAN_PAGE = 5000;
export const MAX_REPLAY_LIMIT = 5000;

/** The round a stored fact belongs to, as its catalogue entry says (null: none, or a type unknown here). */
const roundOfStored = (recorded: RecordedEvent): string | null => {
  const event = knownEvent(recorded);
  return event ? roundOfFact(event) : null;
};

export const toAuditFact = (recorded: RecordedEvent, level: Level): AuditFact => {
  const metadata = metadataOf(recorded);
  return {
    position: recorded.position,
    streamId: recorded.streamId,
    revision: recorded.revision,
    eventId: recorded.id,
    type: recorded.type,
    level: metadata.origin?.level ?? level,
    data: recorded.data,
    metadata,
  };
};

/**
 * The jurisdictions a fact is owned by or attributed to, as its catalogue entry says, its recorder
 * included. A fact of a type this code does not know (a newer writer's) counts at its recorder only.
 */
export const jurisdictionsOf = (fact: { type: string; data: unknown; metadata: EventMetadata }): string[] => {
  const event = knownEvent(fact);
  return [...(event ? attributedJurisdictions(event) : []), fact.metadata.jurisdiction];
};

/** The aggregate a folded stream describes: the one entity its World holds. */
const entityOf = (world: World): { kind: string | null; state: unknown } => {
  const maps: [string, Map<string, unknown>][] = [
    ['jurisdiction', world.jurisdictions],
    ['unit', world.units],
    ['round', world.rounds],
    ['team', world.teams],
    ['issue', world.issues],
    ['clue', world.clues],
    ['rectification', world.rectifications],
    ['task', world.tasks],
    ['authorisations', world.authorisations],
    ['inspector', world.inspectors],
    ['pool', world.pools],
  ];
  for (const [kind, map] of maps) {
    const first = map.values().next();
    if (!first.done) return { kind, state: first.value };
  }
  const report = world.specialReports.values().next();
  if (!report.done) return { kind: 'special-report', state: { reportId: report.value } };
  return { kind: null, state: null };
};

/**
 * A level's history as an auditor asks about it: replays (a stream, a round, a jurisdiction, a
 * correlation), the store position known at a moment, read models and aggregates as of a position.
 * Everything is read from the level's own store, which holds what other levels sent it.
 */
export class LevelHistory {
  constructor(
    readonly level: Level,
    private readonly store: EventStore,
    /** The reference registry a level starts from; jurisdictions registered later come from the log. */
    private readonly referenceRegistry: () => JurisdictionRegistry,
    private readonly snapshots?: ReadModelSnapshots,
  ) {}

  /** Walks the log from `after` (exclusive) to `upTo` (inclusive), a page at a time. */
  async *scan(after = 0, upTo = Number.MAX_SAFE_INTEGER): AsyncGenerator<RecordedEvent> {
    for (let cursor = after; cursor < upTo; ) {
      const page = await this.store.readAll({ after: cursor, limit: SCAN_PAGE });
      if (page.length === 0) return;
      for (const recorded of page) {
        if (recorded.position > upTo) return;
        yield recorded;
      }
      cursor = page[page.length - 1]!.position;
    }
  }

  /**
   * The last position recorded at or before `instant` ("as known at T"). Record time grows with
   * position (each store stamps recordedAt under its write order), so this is a binary search.
   */
  async positionKnownAt(instant: string): Promise<number> {
    const target = Date.parse(instant);
    let low = 0;
    let high = await this.store.headPosition();
    // Invariant: everything at or before `low` was recorded by T; the event after `high` was not.
    while (low < high) {
      const middle = Math.floor((low + high + 1) / 2);
      const [first] = await this.store.readAll({ after: middle - 1, limit: 1 });
      if (!first) {
        high = middle - 1;
        continue;
      }
      const recordedAt = Date.parse(metadataOf(first).recordedAt);
      if (recordedAt <= target) low = Math.max(middle, Math.min(first.position, high));
      else high = middle - 1;
    }
    return low;
  }

  async replay(subject: ReplaySubject, options: ReplayOptions = {}): Promise<ReplayPage> {
    const after = options.after ?? 0;
    const limit = Math.min(options.limit ?? 500, MAX_REPLAY_LIMIT);
    const upTo = options.upTo ?? (await this.store.headPosition());
    const visible = options.visible ?? everything;
    const facts: AuditFact[] = [];
    const take = (fact: AuditFact): boolean => {
      if (!visible(fact)) return true;
      facts.push(fact);
      return facts.length <= limit;
    };
    if ('stream' in subject) {
      for (const recorded of await this.store.readStream(subject.stream)) {
        if (recorded.position <= after || recorded.position > upTo) continue;
        if (!take(toAuditFact(recorded, this.level))) break;
      }
    } else if ('roundId' in subject) {
      // A round is every stream that carries its id: its own, its teams', issues', clues',
      // rectifications', tasks' and special reports' streams.
      const streamIds = new Set<string>();
      for await (const recorded of this.scan(0, upTo)) {
        if (roundOfStored(recorded) === subject.roundId) streamIds.add(recorded.streamId);
      }
      const merged = (await Promise.all([...streamIds].map((streamId) => this.store.readStream(streamId))))
        .flat()
        .filter((recorded) => recorded.position > after && recorded.position <= upTo)
        .sort((a, b) => a.position - b.position);
      for (const recorded of merged) if (!take(toAuditFact(recorded, this.level))) break;
    } else if ('jurisdiction' in subject) {
      for await (const recorded of this.scan(after, upTo)) {
        const fact = toAuditFact(recorded, this.level);
        if (jurisdictionsOf(fact).includes(subject.jurisdiction) && !take(fact)) break;
      }
    } else {
      for await (const recorded of this.scan(after, upTo)) {
        if (metadataOf(recorded).correlationId === subject.correlationId && !take(toAuditFact(recorded, this.level))) break;
      }
    }
    // One fact past the limit was read to know whether another page exists.
    const more = facts.length > limit;
    const page = more ? facts.slice(0, limit) : facts;
    return { level: this.level, subject, upTo, facts: page, next: more ? page[page.length - 1]!.position : null };
  }

  /**
   * A read model holding exactly the first `position` events, for `work` to query: the newest
   * snapshot at or before `position` plus the events after it, or a replay from the first event.
   * The model is private to the call and dropped afterwards.
   */
  async withReadModelAt<T>(
    position: number,
    work: (readModel: ReadModel, registry: JurisdictionLookup) => T,
    options: { readonly snapshots?: boolean } = {},
  ): Promise<{ value: T; replay: AsOfReplay }> {
    const started = performance.now();
    // Snapshots are derived data: an auditor who trusts only the log replays it from the first event.
    const snapshot = options.snapshots === false ? undefined : this.snapshots?.atOrBefore(position);
    const readModel = new ReadModel(':memory:');
    try {
      if (snapshot) this.snapshots!.loadInto(readModel, snapshot);
      let after = readModel.checkpoint(PROJECTIONS[0]);
      let replayedEvents = 0;
      while (after < position) {
        const batch = (await this.store.readAll({ after, limit: SCAN_PAGE })).filter((recorded) => recorded.position <= position);
        if (batch.length === 0) break;
        readModel.applyBatch(PROJECTIONS, asProjectedFacts(batch));
        replayedEvents += batch.length;
        after = batch[batch.length - 1]!.position;
      }
      // The jurisdictions known then: the reference data and those registered by that position.
      const registry = this.referenceRegistry();
      for (const registered of readModel.registeredJurisdictions()) {
        if (!registry.get(registered.code) && (registered.parent === null || registry.get(registered.parent))) registry.add(registered);
      }
      const value = work(readModel, registry);
      return { value, replay: { snapshotPosition: snapshot?.position ?? 0, replayedEvents, millis: Math.round(performance.now() - started) } };
    } finally {
      readModel.close();
    }
  }

  /** The state of one aggregate as of `position`: its stream's prefix folded with the domain's evolve. */
  async aggregateAt(streamId: string, position: number, visible: FactVisibility = everything): Promise<AggregateAsOf & { visible: boolean }> {
    const prefix = (await this.store.readStream(streamId)).filter((recorded) => recorded.position <= position);
    const world = emptyWorld();
    for (const recorded of prefix) {
      // A fact of a type this code does not know changes nothing it could show.
      const event = knownEvent(recorded);
      if (event) evolve(world, event, metadataOf(recorded).occurredAt);
    }
    const { kind, state } = entityOf(world);
    return {
      streamId,
      position,
      revision: prefix.length === 0 ? null : prefix[prefix.length - 1]!.revision,
      kind,
      state,
      facts: prefix.length,
      // Nothing recorded reads as nothing visible: a missing stream and another branch's look alike.
      visible: prefix.some((recorded) => visible(toAuditFact(recorded, this.level))),
    };
  }
}
