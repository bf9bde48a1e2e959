import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A throw-away data folder for one benchmark, removed afterwards whatever happens. */
export const withScratchDir = async <T>(name: string, work: (dir: string) => Promise<T>): Promise<T> => {
  const dir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), `linkage-bench-${name}-`));
  try {
    return await work(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

export const percentile = (sorted: readonly number[], p: number): number => {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
};

export const round = (value: number, digits = 1): number => Number(value.toFixed(digits));
