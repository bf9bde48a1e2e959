import type { ReadStreamOptions, RecordedEvent } from '#event-store';
import { MemoryEventStore } from '#event-store';
import type { FoldedRevision } from './stream-folds.js';
import { StreamFolds } from './stream-folds.js';

const fact = (id: string) => ({ id, type: 'UnitRegistered', data: { id }, metadata: {} });

/** A store that records which revisions were asked for, and can hold a read back until told. */
class RecordingStore extends MemoryEventStore {
  readonly asked: { streamId: string; fromRevision: number }[] = [];
  held: Promise<void> | undefined;
  override async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.asked.push({ streamId, fromRevision: options.fromRevision ?? 0 });
    const events = await super.readStream(streamId, options);
    await this.held;
    return events;
  }
}

/** The ids of a stream's events, in the order folded. */
const idsFolded = (store: RecordingStore, capacity?: number) => {
  let steps = 0;
  const folds = new StreamFolds<string[]>(
    store,
    {
      initial: () => [],
      step: (ids, event) => {
        steps++;
        ids.push(event.id);
      },
    },
    capacity,
  );
  const read = (streamId: string) => folds.read(streamId, (ids, revision): [string[], FoldedRevision] => [[...ids], revision]);
  return { read, steps: () => steps };
};

describe('StreamFolds', () => {
  it('reads a folded stream only from its next revision and folds each event once', async () => {
    const store = new RecordingStore();
    const folds = idsFolded(store);
    await store.append('round-r1', 'no-stream', [fact('a'), fact('b')]);
    expect(await folds.read('round-r1')).toEqual([['a', 'b'], 1]);
    // Another writer (here: the store directly) appends; the fold must see it.
    await store.append('round-r1', 1, [fact('c')]);
    expect(await folds.read('round-r1')).toEqual([['a', 'b', 'c'], 2]);
    expect(await folds.read('round-r1')).toEqual([['a', 'b', 'c'], 2]);
    expect(folds.steps()).toBe(3);
    expect(store.asked).toEqual([
      { streamId: 'round-r1', fromRevision: 0 },
      { streamId: 'round-r1', fromRevision: 2 },
      { streamId: 'round-r1', fromRevision: 3 },
    ]);
  });

  it('folds an event once when two reads of one stream overlap', async () => {
    const store = new RecordingStore();
    const folds = idsFolded(store);
    await store.append('team-t1', 'no-stream', [fact('a')]);
    expect(await folds.read('team-t1')).toEqual([['a'], 0]);
    await store.append('team-t1', 0, [fact('b'), fact('c')]);
    let release!: () => void;
    store.held = new Promise((resolve) => (release = resolve));
    // Both ask the store for revisions 1 and 2 before either folds them.
    const first = folds.read('team-t1');
    const second = folds.read('team-t1');
    store.held = undefined;
    release();
    expect(await first).toEqual([['a', 'b', 'c'], 2]);
    expect(await second).toEqual([['a', 'b', 'c'], 2]);
    expect(folds.steps()).toBe(3);
  });

  it('does not keep streams that do not exist yet, and forgets the least recently used beyond capacity', async () => {
    const store = new RecordingStore();
    const folds = idsFolded(store, 2);
    expect(await folds.read('issue-new')).toEqual([[], undefined]);
    await store.append('issue-new', 'no-stream', [fact('n')]);
    expect(await folds.read('issue-new')).toEqual([['n'], 0]);
    for (const id of ['x', 'y']) {
      await store.append(`unit-${id}`, 'no-stream', [fact(id)]);
      await folds.read(`unit-${id}`);
    }
    store.asked.length = 0;
    expect(await folds.read('issue-new')).toEqual([['n'], 0]); // forgotten for x and y: folded from the start again
    await folds.read('unit-y'); // still folded
    expect(store.asked).toEqual([
      { streamId: 'issue-new', fromRevision: 0 },
      { streamId: 'unit-y', fromRevision: 1 },
    ]);
  });
});
