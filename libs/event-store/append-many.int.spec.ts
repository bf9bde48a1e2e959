// The adapters whose appendMany is all or nothing (see the port), each against the stricter
// contract; every adapter also runs the appendMany part of the main contract from its own spec.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeAllOrNothingAppendMany } from '../../test/contracts/event-store.contract.js';
import { testSeal } from '../../test/support/seals.js';
import { MemoryEventStore } from './memory.js';
import { SqliteEventStore } from './sqlite.js';

const folder = mkdtempSync(join(tmpdir(), 'append-many-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describeAllOrNothingAppendMany('memory', async () => {
  const store = new MemoryEventStore();
  return { store, close: () => store.close() };
});

describeAllOrNothingAppendMany('sqlite', async () => {
  const store = SqliteEventStore.open(join(folder, `${randomUUID()}.db`), { seal: testSeal });
  return { store, close: () => store.close() };
});
