import type { ReadStreamOptions, RecordedEvent } from '#event-store';
import { MemoryEventStore } from '#event-store';
import { StreamCache } from './stream-cache.js';

const fact = (id: string) => ({ id, type: 'UnitRegistered', data: { id }, metadata: {} });

/** A store that records which revisions were asked for: the cache's whole point. */
class RecordingStore extends MemoryEventStore {
  readonly asked: { streamId: string; fromRevision: number }[] = [];
  override readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.asked.push({ streamId, fromRevision: options.fromRevision ?? 0 });
    return super.readStream(streamId, options);
  }
}

describe('StreamCache', () => {
  it('reads a cached stream only from its next revision and returns the whole stream', async () => {
    const store = new RecordingStore();
    const cache = new StreamCache(store);
    await store.append('round-r1', 'no-stream', [fact('a'), fact('b')]);
    expect((await cache.read('round-r1')).map((event) => event.id)).toEqual(['a', 'b']);
    // Another writer (here: the store directly) appends; the cache must see it.
    await store.append('round-r1', 1, [fact('c')]);
    expect((await cache.read('round-r1')).map((event) => event.id)).toEqual(['a', 'b', 'c']);
    expect(await cache.read('round-r1')).toHaveLength(3);
    expect(store.asked).toEqual([
      { streamId: 'round-r1', fromRevision: 0 },
      { streamId: 'round-r1', fromRevision: 2 },
      { streamId: 'round-r1', fromRevision: 3 },
    ]);
  });

  it('does not keep streams that do not exist yet, and forgets the least recently used beyond capacity', async () => {
    const store = new RecordingStore();
    const cache = new StreamCache(store, 2);
    expect(await cache.read('issue-new')).toEqual([]);
    await store.append('issue-new', 'no-stream', [fact('n')]);
    expect(await cache.read('issue-new')).toHaveLength(1);
    for (const id of ['x', 'y']) {
      await store.append(`unit-${id}`, 'no-stream', [fact(id)]);
      await cache.read(`unit-${id}`);
    }
    store.asked.length = 0;
    await cache.read('issue-new'); // evicted by x and y: read from the start again
    await cache.read('unit-y'); // still cached
    expect(store.asked).toEqual([
      { streamId: 'issue-new', fromRevision: 0 },
      { streamId: 'unit-y', fromRevision: 1 },
    ]);
  });
});
