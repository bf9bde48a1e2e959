// Doubles for the live views' two inputs: the reads of a view and the projection runner's change
// notifications, each driven by the test so that it decides what happens during a read.

export interface View {
  position: number;
  issuesFound: number;
}

/** Lets every promise continuation that is ready run. */
export const settled = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/** Reads that stay pending until the test answers them, in the order they were started. */
export class ReadsAnsweredByHand {
  private readonly waiting: { resolve: (view: View) => void; reject: (error: Error) => void }[] = [];
  started = 0;

  readonly read = (): Promise<View> => {
    this.started++;
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  };

  get pending(): number {
    return this.waiting.length;
  }

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
export class ProjectionChanges {
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
