// Starts shared wire-level harnesses for the int and e2e tiers. The Kafka mock cluster is added
// by the Kafka harness; until then this only prepares the scratch folder.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export default async function globalSetup(): Promise<void> {
  mkdirSync(join(process.cwd(), '.tmp'), { recursive: true });
}
