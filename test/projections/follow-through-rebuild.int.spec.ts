import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { RECTIFICATION_STATUSES, emptyWorld, evolve } from '#domain';
import { asDomainEvent, metadataOf, openChainedSqliteStore } from '#linkage';
import { ProjectionRunner, ReadModel } from '#projections';
import { generateFollowThroughHistory } from '#scenario';
import { readModelDump } from '../support/read-model-dump.js';

const CLI = join(process.cwd(), 'dist', 'apps', 'cli', 'main.js');

/**
 * The benchmark's city store in small (every follow-through fact decided by the real deciders, in
 * domain-time order, as the city level receives them), projected fact by fact, in big batches and
 * by the rebuild command on worker threads: the rectification fold must not depend on how facts
 * are batched, and must agree with the domain's own fold.
 */
describe('the follow-through projections of a generated city store', () => {
  let dataDir: string;

  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does)`);
    dataDir = mkdtempSync(join(process.cwd(), '.tmp', 'follow-through-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('fact by fact, in batches of 5000 and on worker threads give one read model, whose rectifications are the deciders’ own', async () => {
    const store = openChainedSqliteStore(join(dataDir, 'city.events.db'));
    const history = await generateFollowThroughHistory(store, { perStatus: 150, appendsPerTransaction: 500 });
    for (const status of RECTIFICATION_STATUSES) expect(history.rectifications[status]).toBeGreaterThanOrEqual(150);

    const project = async (name: string, batch: number) => {
      const readModel = new ReadModel(join(dataDir, `${name}.read.db`));
      await new ProjectionRunner(store, readModel, batch, undefined, { workers: 0 }).rebuild();
      readModel.close();
      return readModelDump(join(dataDir, `${name}.read.db`));
    };
    const oneByOne = await project('one', 1);
    const batched = await project('batched', 5000);
    expect(batched).toEqual(oneByOne);

    // The domain's fold of the same facts, as the city level's World would hold them.
    const world = emptyWorld();
    for (let after = 0; ; ) {
      const page = await store.readAll({ after, limit: 5000 });
      if (page.length === 0) break;
      for (const recorded of page) evolve(world, asDomainEvent(recorded), metadataOf(recorded).occurredAt);
      after = page[page.length - 1]!.position;
    }
    await store.close();
    const rows = oneByOne.rows.rectifications as { rectification_id: string; status: string; attempt: number; planned_for: number; completed_at: string | null; closed_at: string | null }[];
    expect(rows).toHaveLength(world.rectifications.size);
    for (const row of rows) {
      const folded = world.rectifications.get(row.rectification_id)!;
      expect({ status: row.status, attempt: row.attempt, plannedFor: row.planned_for, completedAt: row.completed_at, closedAt: row.closed_at }).toEqual({
        status: folded.status,
        attempt: folded.attempt,
        plannedFor: folded.plannedFor,
        completedAt: 'completedAt' in folded ? folded.completedAt : null,
        closedAt: 'closedAt' in folded ? folded.closedAt : null,
      });
    }

    // Batches of 7 planned on two worker threads and applied in order, indexes made at the end.
    await promisify(execFile)(process.execPath, [CLI, 'rebuild', '--level', 'city', '--workers', '2', '--batch', '7'], { env: { ...process.env, DATA_DIR: dataDir } });
    expect(readModelDump(join(dataDir, 'city.read.db'))).toEqual(oneByOne);
  }, 180_000);
});
