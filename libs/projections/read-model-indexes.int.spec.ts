import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReadModel } from './read-model.js';
import { RETIRED_INDEXES, SECONDARY_INDEXES } from './read-model/schema.js';

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

  it('that no query uses any more are dropped when a read model made by an earlier build is opened', () => {
    const file = join(dir, 'county.read.db');
    const earlier = new ReadModel(file);
    earlier.db.exec('CREATE INDEX issues_by_place ON issues (unit_jurisdiction, found_at)');
    earlier.db.exec('CREATE INDEX rectifications_by_place ON rectifications (unit_jurisdiction, required_at)');
    earlier.close();
    const reopened = new ReadModel(file);
    try {
      expect(RETIRED_INDEXES).toEqual(expect.arrayContaining(['issues_by_place', 'rectifications_by_place']));
      expect(indexesOf(reopened)).toEqual([...SECONDARY_INDEXES].sort());
    } finally {
      reopened.close();
    }
  });
});
