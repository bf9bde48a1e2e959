import type { Jurisdiction, JurisdictionLookup, JurisdictionRegistered, JurisdictionRegistry, Level } from '#domain';
import type { EventStore, NewEvent, RecordedEvent } from '#event-store';
import { operationsLog } from '#observability';
import { loadReferenceRegistry } from './reference-registry.js';

/** What the registrar needs of a fact, appended or read back: `JurisdictionRegistered` carries its entry. */
type Fact = Pick<NewEvent | RecordedEvent, 'type' | 'data'>;

/**
 * The one writer of a level's jurisdiction registry. It starts from the reference data and is fed
 * from the level's store alone: at start, what the read model already knew and the facts after its
 * checkpoint; then every `JurisdictionRegistered` that passes through the store it `watch`es, as a
 * command or the inbox appends it or as a stream is read back. Reading back is what brings to light
 * a fact that an esdb `appendMany` kept before it failed: the inbox reads that stream again before
 * it decides on the redelivered batch, and finds it there. Everyone else sees the registry through
 * `directory`, which cannot add.
 *
 * A new jurisdiction may arrive from one level before its new parent arrives from another; it waits
 * until the parent is known.
 *
 * Two levels may each register the same code, each before the other's fact reached it, with
 * another parent or at another level. Both facts happened, and each is recorded where it arrives
 * (the store is the truth, the fact was already appended when the registrar sees it), but a
 * registry holds one entry per code: the first the level learnt stays (the read model, which
 * inserts a code once, keeps the same). The other is a conflict, logged once as a warning and
 * counted (`conflicts`, linkage_jurisdiction_conflicts_total) for an operator to settle. It must
 * not throw: the registrar learns inside the store's append and read calls, so a throw would fail
 * an append that was kept, make the inbox's every redelivery of that fact (and the rest of its
 * partition) fail for ever, and stop the level's warm-up at every start.
 */
export class JurisdictionRegistrar {
  private readonly awaitingParent: Jurisdiction[] = [];
  /** Conflicting entries already reported, by code, level and parent: each is logged and counted once. */
  private readonly conflicting = new Set<string>();

  constructor(
    private readonly registry: JurisdictionRegistry,
    /** The level whose registry this is, named in the conflict warnings. */
    private readonly level?: Level,
  ) {}

  /** A level's registrar, starting from the reference file (or `file`, when given). */
  static fromReference(file?: string, level?: Level): JurisdictionRegistrar {
    return new JurisdictionRegistrar(loadReferenceRegistry(file), level);
  }

  /** Entries this level recorded that it could not take into its registry since start: another entry of their code came first. */
  get conflicts(): number {
    return this.conflicting.size;
  }

  /** The registry as everyone but this writer sees it. */
  get directory(): JurisdictionLookup {
    return this.registry;
  }

  /**
   * The level's store as its writers and readers use it: the same store, whose appends (once the
   * store has taken them) and stream reads also feed the registry. `readAll` passes straight
   * through: the followers (relay, projections, signer) page over facts already learnt that way or
   * at warm-up.
   */
  watch(store: EventStore): EventStore {
    return {
      append: async (streamId, expected, events) => {
        const result = await store.append(streamId, expected, events);
        this.learn(events);
        return result;
      },
      appendMany: async (appends) => {
        const results = await store.appendMany(appends);
        for (const { events } of appends) this.learn(events);
        return results;
      },
      readStream: async (streamId, options) => {
        const events = await store.readStream(streamId, options);
        this.learn(events);
        return events;
      },
      readAll: (options) => store.readAll(options),
      headPosition: () => store.headPosition(),
      get capabilities() {
        return store.capabilities;
      },
      close: () => store.close(),
    };
  }

  /**
   * Catches up at start-up: what the read model already holds, then the store from the read
   * model's checkpoint on (a scan of the whole store only when it is empty).
   */
  async warmUp(store: EventStore, known: { readonly jurisdictions: readonly JurisdictionRegistered['data'][]; readonly position: number } = { jurisdictions: [], position: 0 }): Promise<void> {
    this.learn(known.jurisdictions.map((data) => ({ type: 'JurisdictionRegistered', data })));
    let after = known.position;
    for (;;) {
      const batch = await store.readAll({ after, limit: 5000 });
      if (batch.length === 0) return;
      this.learn(batch);
      after = batch[batch.length - 1]!.position;
    }
  }

  private learn(facts: readonly Fact[]): void {
    let registered = false;
    for (const fact of facts) {
      if (fact.type !== 'JurisdictionRegistered') continue;
      const entry = fact.data as JurisdictionRegistered['data'];
      // Known already (a stream read back, a fact delivered again): nothing to wait for.
      if (this.settled(entry)) continue;
      if (this.awaitingParent.some((waiting) => sameEntry(waiting, entry))) continue;
      this.awaitingParent.push(entry);
      registered = true;
    }
    if (!registered) return;
    for (let progressed = true; progressed; ) {
      progressed = false;
      for (const entry of [...this.awaitingParent]) {
        if (entry.parent !== null && !this.registry.get(entry.parent)) continue;
        this.awaitingParent.splice(this.awaitingParent.indexOf(entry), 1);
        // Another entry of its code may have been added meanwhile (two waited for their parents).
        if (!this.settled(entry)) this.registry.add(entry);
        progressed = true;
      }
    }
  }

  /** Whether the registry has an entry of `entry`'s code already: the same one, or another (a conflict, reported once). */
  private settled(entry: Jurisdiction): boolean {
    const known = this.registry.get(entry.code);
    if (!known) return false;
    if (known.parent !== entry.parent || known.level !== entry.level) this.noteConflict(known, entry);
    return true;
  }

  private noteConflict(kept: Jurisdiction, ignored: Jurisdiction): void {
    const key = `${ignored.code}/${ignored.level}/${ignored.parent ?? ''}`;
    if (this.conflicting.has(key)) return;
    this.conflicting.add(key);
    const where = (entry: Jurisdiction) => `a ${entry.level} under ${entry.parent ?? 'no parent'}`;
    operationsLog().warn(
      {
        event: 'jurisdiction-conflict',
        ...(this.level !== undefined ? { atLevel: this.level } : {}),
        code: ignored.code,
        kept: { name: kept.name, level: kept.level, parent: kept.parent },
        ignored: { name: ignored.name, level: ignored.level, parent: ignored.parent },
      },
      `[registry${this.level !== undefined ? ` ${this.level}` : ''}] jurisdiction ${ignored.code} is registered as ${where(ignored)} by a fact this level recorded, ` +
        `but the level knew it first as ${where(kept)} and keeps that: the fact stays recorded, the registries of the levels disagree until an operator settles it`,
    );
  }
}

const sameEntry = (a: Jurisdiction, b: Jurisdiction): boolean => a.code === b.code && a.level === b.level && a.parent === b.parent;
