import type { HarnessStop } from './global-setup.js';

const HARNESS_STOPS = Symbol.for('inspection-linkage.test-harness.stops');

/** Stops what the global setup started, last first, and reports every failure rather than the first. */
export default async function globalTeardown(): Promise<void> {
  const holder = globalThis as { [HARNESS_STOPS]?: HarnessStop[] };
  const stops = holder[HARNESS_STOPS] ?? [];
  delete holder[HARNESS_STOPS];
  const failures: string[] = [];
  for (const { name, stop } of [...stops].reverse()) {
    await stop().catch((error: unknown) => failures.push(`${name}: ${String(error)}`));
  }
  if (failures.length > 0) throw new Error(`global teardown failed: ${failures.join('; ')}`);
}
