import { join } from 'node:path';
import type { Level } from '#domain';
import { isLevel } from '#domain';
import { loadConfig } from '#config';
import { openConfiguredStore } from '#linkage';
import { ProjectionRunner, ReadModel } from '#projections';
import type { ParsedArgs } from './args.js';
import { UsageError } from './args.js';

export const REBUILD_USAGE = `npm run rebuild -- [--level province|city|county] [--resume] [--batch 5000] [--workers N] [--progress each-batch]
  Drops each level's read model and replays that level's store into it (DATA_DIR, LINKAGE_STORE).
  --resume continues an interrupted rebuild from the read model's checkpoint instead of starting over.
  --workers N reads and plans batches of a SQLite store on N worker threads while the main thread applies
    them in order (default: one per core, at most 4, once 50,000 or more events are to be applied; 0: none).
  Run it with the server stopped; a running server rebuilds through POST /v1/admin/projections/{level}/rebuild.`;

export const rebuildProjections = async (args: ParsedArgs): Promise<void> => {
  const config = loadConfig();
  const only = args.options.get('level');
  if (only !== undefined && !isLevel(only)) throw new UsageError('--level must be province, city or county');
  const levels: readonly Level[] = only !== undefined ? [only as Level] : config.levels;
  const batch = Number(args.options.get('batch') ?? 5000);
  if (!Number.isInteger(batch) || batch < 1) throw new UsageError('--batch must be a positive integer');
  const resume = args.options.get('resume') === true;
  const workersOption = args.options.get('workers');
  const workers = workersOption === undefined ? undefined : typeof workersOption === 'string' ? Number(workersOption) : Number.NaN;
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 0 || workers > 64)) throw new UsageError('--workers must be an integer from 0 to 64');
  // Asked for by number, threads are used however little is to be applied.
  const threads = workers === undefined ? {} : { workers, minLag: 1 };
  const everyBatch = args.options.get('progress') === 'each-batch';
  for (const level of levels) {
    const store = openConfiguredStore(config, level);
    const readModel = new ReadModel(join(config.dataDir, `${level}.read.db`));
    const runner = new ProjectionRunner(store, readModel, batch, undefined, threads);
    const started = performance.now();
    let lastReport = 0;
    const progress = ({ position, head, events: applied }: { position: number; head: number; events: number }) => {
      const now = performance.now();
      if (!everyBatch && now - lastReport < 1000) return;
      lastReport = now;
      process.stderr.write(`  ${level}: ${applied} events, position ${position}/${head}\n`);
    };
    const from = resume ? runner.checkpoint : 0;
    const events = resume ? await runner.catchUp(progress) : await runner.rebuild(progress);
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `${level}: ${resume ? `resumed at ${from}, applied` : 'rebuilt from'} ${events} events in ${seconds.toFixed(2)} s (${Math.round(events / Math.max(seconds, 1e-9))} events/s)`,
    );
    readModel.close();
    await store.close();
  }
};
