import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReadModel } from '#projections';
import { ReadModelSnapshots } from './snapshots.js';

describe('read-model snapshots', () => {
  let folder: string;
  beforeEach(() => (folder = mkdtempSync(join(tmpdir(), 'snapshots-'))));
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it('finds the newest copy at or before a position, and keeps a bounded, evenly thinned set', () => {
    const readModel = new ReadModel(':memory:');
    const snapshots = new ReadModelSnapshots(folder, 10, 4);
    for (const position of [10, 20, 30, 40, 50, 60]) snapshots.take(readModel, position);
    readModel.close();
    const kept = snapshots.list().map((snapshot) => snapshot.position);
    expect(kept).toHaveLength(4);
    expect(kept[0]).toBe(10);
    expect(kept.at(-1)).toBe(60);
    expect(readdirSync(folder)).toHaveLength(4);
    expect(snapshots.atOrBefore(5)).toBeUndefined();
    expect(snapshots.atOrBefore(59)!.position).toBe(kept.filter((position) => position <= 59).at(-1));
    // A restart finds the same copies; leftovers of interrupted copies are removed.
    expect(new ReadModelSnapshots(folder, 10, 4).list()).toEqual(snapshots.list());
  });
});
