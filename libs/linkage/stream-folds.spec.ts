import type { ReadStreamOptions, RecordedEvent } from '#event-store';
import { MemoryEventStore } from '#event-store/adapters';
import type { FoldedRevision } from './stream-folds.js';
import { StreamFolds } from './stream-folds.js';

const fact = (id: string) => ({ id, type: 'UnitRegistered', data: { id }, metadata: {} });

/** A store that records which revisions were asked for, and can hold a read back until told. */
class RecordingStore extends MemoryEventStore {
  readonly asked: { streamId: string; fromRevision: number }[] = [];
  held: Promise<void> | undefined;
  private nextHeld: Promise<void> | undefined;

  /** The next read takes its events at once but answers only when the returned function is called. */
  holdNextRead(): () => void {
    let release!: () => void;
    this.nextHeld = new Promise((resolve) => (release = resolve));
    return release;
  }

  override async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.asked.push({ streamId, fromRevision: options.fromRevision ?? 0 });
    const heldAlone = this.nextHeld;
    this.nextHeld = undefined;
    const events = await super.readStream(streamId, options);
    await this.held;
    await heldAlone;
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

  it('does not let a read that started before an eviction put back a fold behind a newer read', async () => {
    const store = new RecordingStore();
    const folds = idsFolded(store, 1);
    const evictTeam = async () => folds.read('unit-x');
    await store.append('unit-x', 'no-stream', [fact('x')]);
    await store.append('team-t1', 'no-stream', [fact('a')]);
    expect(await folds.read('team-t1')).toEqual([['a'], 0]);
    await store.append('team-t1', 0, [fact('b')]);
    // An older read takes b from the store and waits, holding the fold of a alone.
    const releaseOlder = store.holdNextRead();
    const older = folds.read('team-t1');
    await evictTeam();
    // Meanwhile the stream is folded again from its start, then read on from there and held.
    await store.append('team-t1', 1, [fact('c')]);
    expect(await folds.read('team-t1')).toEqual([['a', 'b', 'c'], 2]);
    await store.append('team-t1', 2, [fact('d')]);
    const releaseNewer = store.holdNextRead();
    const newer = folds.read('team-t1');
    await evictTeam();
    // The older read ends first and keeps its fold (a, b); the newer one read on from d.
    releaseOlder();
    expect(await older).toEqual([['a', 'b'], 1]);
    releaseNewer();
    expect(await newer).toEqual([['a', 'b', 'c', 'd'], 3]);
    expect(await folds.read('team-t1')).toEqual([['a', 'b', 'c', 'd'], 3]);
  });
});

