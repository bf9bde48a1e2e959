import type { EventStore, RecordedEvent } from '#event-store';

/** How a state is built from the events of one stream, one event at a time, in revision order. */
export interface StreamFold<S> {
  readonly initial: () => S;
  readonly step: (state: S, event: RecordedEvent) => void;
}

/** The last revision folded into a state; `undefined` while the stream does not exist. */
export type FoldedRevision = number | undefined;

interface Folded<S> {
  readonly state: S;
  /** Revision of the next event to fold: the number of events folded so far (revisions are dense from 0). */
  next: number;
}

/**
 * A state folded from each recently used stream, brought up to date by reading only what was
 * appended since: one indexed lookup that usually returns nothing. Without it, a decision on a
 * stream that keeps growing (a team receiving petitions all through a round, a round collecting
 * received facts) reads, decodes and folds the whole stream again every time, and its cost grows
 * with the stream. Correct whoever else appends to the store, since every read still asks the
 * store what is new.
 */
export class StreamFolds<S> {
  private readonly folds = new Map<string, Folded<S>>();

  constructor(
    private readonly store: EventStore,
    private readonly fold: StreamFold<S>,
    private readonly capacity = 20_000,
  ) {}

  /**
   * Brings the state of `streamId` up to date and hands it to `use` at once, before any other read
   * can move it on. The state is shared: `use` must not change it, and must copy what it keeps.
   */
  async read<T>(streamId: string, use: (state: S, revision: FoldedRevision) => T): Promise<T> {
    const cached = this.folds.get(streamId);
    const fresh = await this.store.readStream(streamId, { fromRevision: cached?.next ?? 0 });
    // Another read of this stream may have folded some of these while this one waited for the store:
    // go on from whichever fold is furthest. The one cached now can also be behind this read's own:
    // when the stream was forgotten meanwhile, a read that started earlier, from an older fold, may
    // have put that fold back, and `fresh` starts past its end.
    const current = this.folds.get(streamId);
    const folded = (current && (!cached || current.next >= cached.next) ? current : cached) ?? { state: this.fold.initial(), next: 0 };
    for (const event of fresh) {
      if (event.revision < folded.next) continue;
      if (event.revision !== folded.next) {
        throw new Error(`${streamId}: the store returned revision ${event.revision} where ${folded.next} was next; revisions must be dense`);
      }
      this.fold.step(folded.state, event);
      folded.next++;
    }
    // Map order is recency order: re-inserting marks the stream as just used.
    this.folds.delete(streamId);
    if (folded.next > 0) {
      this.folds.set(streamId, folded);
      if (this.folds.size > this.capacity) this.folds.delete(this.folds.keys().next().value!);
    }
    return use(folded.state, folded.next === 0 ? undefined : folded.next - 1);
  }
}
