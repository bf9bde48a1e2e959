import type { MessageEvent } from '@nestjs/common';
import { liveView } from './queries.controller.js';

interface View {
  position: number;
  issuesFound: number;
}

/** Reads that stay pending until the test answers them, in the order they were started. */
class ReadsAnsweredByHand {
  private readonly waiting: { resolve: (view: View) => void; reject: (error: Error) => void }[] = [];
  started = 0;

  readonly read = (): Promise<View> => {
    this.started++;
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  };

  async answer(view: View): Promise<void> {
    await settled();
    this.next().resolve(view);
    await settled();
  }

  async fail(error: Error): Promise<void> {
    await settled();
    this.next().reject(error);
    await settled();
  }

  private next() {
    const reader = this.waiting.shift();
    if (!reader) throw new Error('no read is waiting for an answer');
    return reader;
  }
}

/** The projection runner's change notifications, sent by the test. */
class ProjectionChanges {
  private readonly listeners = new Set<(position: number) => void>();

  readonly subscribe = (listener: (position: number) => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  get subscribed(): number {
    return this.listeners.size;
  }

  notify(position: number): void {
    for (const listener of this.listeners) listener(position);
  }
}

/** Lets every promise continuation that is ready run. */
const settled = () => new Promise<void>((resolve) => setImmediate(resolve));

const watch = () => {
  const reads = new ReadsAnsweredByHand();
  const changes = new ProjectionChanges();
  const pushed: MessageEvent[] = [];
  const errors: unknown[] = [];
  const subscription = liveView(changes.subscribe, reads.read, 'report').subscribe({
    next: (event) => pushed.push(event),
    error: (error: unknown) => errors.push(error),
  });
  return { reads, changes, pushed, errors, subscription };
};

describe('a live view', () => {
  it('reads and pushes the current view on subscribe', async () => {
    const { reads, pushed } = watch();
    await settled();
    expect(reads.started).toBe(1);
    await reads.answer({ position: 3, issuesFound: 1 });
    expect(pushed).toEqual([{ type: 'report', id: '3', data: { position: 3, issuesFound: 1 } }]);
  });

  it('answers any number of changes during a read with exactly one more read, whose newest view it pushes', async () => {
    const { reads, changes, pushed } = watch();
    for (let position = 4; position <= 9; position++) changes.notify(position);
    await settled();
    expect(reads.started).toBe(1);

    await reads.answer({ position: 3, issuesFound: 1 });
    expect(reads.started).toBe(2);
    changes.notify(10);
    changes.notify(11);
    await reads.answer({ position: 9, issuesFound: 6 });
    expect(reads.started).toBe(3);
    await reads.answer({ position: 11, issuesFound: 8 });

    expect(reads.started).toBe(3);
    expect(pushed.map((event) => event.data)).toEqual([
      { position: 3, issuesFound: 1 },
      { position: 9, issuesFound: 6 },
      { position: 11, issuesFound: 8 },
    ]);
    // Idle again: the next change is read at once.
    changes.notify(12);
    await settled();
    expect(reads.started).toBe(4);
  });

  it('does not push a view again when only its position moved', async () => {
    const { reads, changes, pushed } = watch();
    await reads.answer({ position: 3, issuesFound: 1 });
    changes.notify(4);
    await reads.answer({ position: 4, issuesFound: 1 });
    changes.notify(5);
    await reads.answer({ position: 5, issuesFound: 2 });
    expect(pushed.map((event) => event.id)).toEqual(['3', '5']);
  });

  it('ends the stream with a failed read’s error, and reads no more', async () => {
    const { reads, changes, pushed, errors } = watch();
    changes.notify(4);
    const failure = new Error('read model is closed');
    await reads.fail(failure);
    expect(errors).toEqual([failure]);
    expect(changes.subscribed).toBe(0);
    changes.notify(5);
    await settled();
    expect(reads.started).toBe(1);
    expect(pushed).toEqual([]);
  });

  it('stops reading when the client goes away, a read under way included', async () => {
    const { reads, changes, pushed, subscription } = watch();
    changes.notify(4);
    subscription.unsubscribe();
    expect(changes.subscribed).toBe(0);
    await reads.answer({ position: 4, issuesFound: 2 });
    expect(reads.started).toBe(1);
    expect(pushed).toEqual([]);
  });
});
