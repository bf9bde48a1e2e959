import type { EventStore, RecordedEvent } from '#event-store';

/**
 * The streams a level's decisions read most (a round, its teams, its units) are read again for
 * every issue, clue or rectification. Streams only grow and revisions are dense, so a cached
 * stream is brought up to date by reading from its next revision: one indexed lookup that
 * usually returns nothing, instead of reading and decoding the whole stream again. Correct
 * whoever else appends to the store, since every read still asks the store what is new.
 */
export class StreamCache {
  private readonly streams = new Map<string, RecordedEvent[]>();

  constructor(
    private readonly store: EventStore,
    private readonly capacity = 20_000,
  ) {}

  async read(streamId: string): Promise<RecordedEvent[]> {
    const cached = this.streams.get(streamId);
    const fresh = await this.store.readStream(streamId, { fromRevision: cached?.length ?? 0 });
    const events = cached === undefined ? fresh : fresh.length === 0 ? cached : [...cached, ...fresh];
    // Map order is recency order: re-inserting marks the stream as just used.
    this.streams.delete(streamId);
    if (events.length > 0) {
      this.streams.set(streamId, events);
      if (this.streams.size > this.capacity) this.streams.delete(this.streams.keys().next().value!);
    }
    return events;
  }
}
