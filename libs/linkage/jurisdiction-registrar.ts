import type { Jurisdiction, JurisdictionLookup, JurisdictionRegistered, JurisdictionRegistry } from '#domain';
import type { EventStore, NewEvent, RecordedEvent } from '#event-store';
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
 */
export class JurisdictionRegistrar {
  private readonly awaitingParent: Jurisdiction[] = [];

  constructor(private readonly registry: JurisdictionRegistry) {}

  /** A level's registrar, starting from the reference file (or `file`, when given). */
  static fromReference(file?: string): JurisdictionRegistrar {
    return new JurisdictionRegistrar(loadReferenceRegistry(file));
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
      this.awaitingParent.push(fact.data as JurisdictionRegistered['data']);
      registered = true;
    }
    if (!registered) return;
    for (let added = true; added; ) {
      added = false;
      for (const entry of [...this.awaitingParent]) {
        if (entry.parent !== null && !this.registry.get(entry.parent)) continue;
        this.registry.add(entry);
        this.awaitingParent.splice(this.awaitingParent.indexOf(entry), 1);
        added = true;
      }
    }
  }
}
