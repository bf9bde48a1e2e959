import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReadModel } from './read-model.js';
import { SECONDARY_INDEXES } from './read-model/schema.js';

// The rebuild command drops the secondary indexes and makes them at the end; a rebuild stopped in
// between must not leave a read model without them once it is opened again.

const PROJECTIONS = ['upward-report', 'task-stream'];

const indexesOf = (readModel: ReadModel): string[] =>
  (readModel.db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name`).pluck().all() as string[]).sort();

describe('secondary indexes of a read model', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'read-model-indexes-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('are dropped by a reset for a rebuild and made again by ensureIndexes, or by opening the file again', () => {
    const file = join(dir, 'city.read.db');
    const all = [...SECONDARY_INDEXES].sort();
    expect(all).toContain('rectifications_in_ledger');

    const readModel = new ReadModel(file);
    expect(indexesOf(readModel)).toEqual(all);
    readModel.reset(PROJECTIONS, { dropIndexes: true });
    expect(indexesOf(readModel)).toEqual([]);
    readModel.ensureIndexes();
    expect(indexesOf(readModel)).toEqual(all);

    // A rebuild that stops before its end.
    readModel.reset(PROJECTIONS, { dropIndexes: true });
    readModel.close();
    const reopened = new ReadModel(file);
    try {
      expect(reopened.resetForNewVersion).toBe(false);
      expect(indexesOf(reopened)).toEqual(all);
    } finally {
      reopened.close();
    }
  });
});
