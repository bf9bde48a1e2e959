import { readFileSync } from 'node:fs';

/**
 * The peak of the process's anonymous memory (heap, stacks: what it really holds), sampled every
 * 50 ms from /proc on Linux. The RSS high-water mark alone misleads here: worker threads read the
 * store through a memory map, and the mapped file's pages count as resident though the kernel may
 * drop them at any time.
 */
export class AnonymousMemoryPeak {
  private peakKb: number | undefined;
  private readonly timer: NodeJS.Timeout | undefined;

  constructor() {
    if (this.sample()) this.timer = setInterval(() => this.sample(), 50);
  }

  /** The peak in MB, or undefined where /proc does not tell. */
  stop(): number | undefined {
    clearInterval(this.timer);
    this.sample();
    return this.peakKb === undefined ? undefined : Math.round(this.peakKb / 1024);
  }

  private sample(): boolean {
    try {
      const match = /^RssAnon:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
      if (!match) return false;
      this.peakKb = Math.max(this.peakKb ?? 0, Number(match[1]));
      return true;
    } catch {
      return false;
    }
  }
}
