// Starts the shared wire-level harnesses of the int and e2e tiers, once per jest run. Workers are
// started after this and inherit process.env, which is how they learn the brokers.
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

// Jest transforms this file, but Node resolves the imports of a transformed ES module natively, and
// natively a .ts file cannot be loaded; `require` still passes through jest's transform hook while
// this module loads, so sibling harness modules come in that way.
const load = createRequire(import.meta.url);
const { startKafkaMockCluster } = load('./kafka-mock-cluster.ts') as typeof import('./kafka-mock-cluster.js');

/** What global-teardown.ts stops. Setup and teardown are separate modules in one process: globalThis is what they share. */
export interface HarnessStop {
  readonly name: string;
  readonly stop: () => Promise<void>;
}
const HARNESS_STOPS = Symbol.for('inspection-linkage.test-harness.stops');

export default async function globalSetup(): Promise<void> {
  mkdirSync(join(process.cwd(), '.tmp'), { recursive: true });
  const stops: HarnessStop[] = [];
  (globalThis as { [HARNESS_STOPS]?: HarnessStop[] })[HARNESS_STOPS] = stops;

  const realBrokers = process.env.KAFKA_BROKERS?.trim();
  if (realBrokers) {
    process.env.KAFKA_BROKERS_UNDER_TEST = realBrokers;
  } else {
    const cluster = await startKafkaMockCluster();
    stops.push({ name: 'Kafka mock cluster', stop: () => cluster.stop() });
    process.env.KAFKA_BROKERS_UNDER_TEST = cluster.brokers.join(',');
  }
}
