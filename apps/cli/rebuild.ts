import { join } from 'node:path';
import type { Level } from '#domain';
import { isLevel } from '#domain';
import { loadConfig } from '#config';
import { openConfiguredStore, serverLockFile, serverOf } from '#linkage';
import { ProjectionRunner, ReadModel } from '#projections';
import { AnonymousMemoryPeak } from './anonymous-memory.js';
import { UsageError, subcommand } from './args.js';
import { threadCpuSeconds } from './thread-cpu.js';

export const REBUILD_USAGE = `npm run rebuild -- [--level province|city|county] [--resume] [--batch 5000] [--workers N] [--progress each-batch] [--json]
  Drops each level's read model and replays that level's store into it (DATA_DIR, LINKAGE_STORE).
  --resume continues an interrupted rebuild from the read model's checkpoint instead of starting over.
  --workers N reads and plans batches of a SQLite store on N worker threads while the main thread applies
    them in order (default: one per core, at most 4, once 50,000 or more events are to be applied; 0: none).
  --json prints one JSON line per level (events, seconds, events/s, worker threads, CPU seconds of the process and of
    its main thread, which writes the read model, and peak RSS) instead of a sentence.
  Refuses while a server serves the level from DATA_DIR (its <level>.server.lock names a live process);
  a running server rebuilds through POST /v1/admin/projections/{level}/rebuild.`;

export const rebuildCommand = subcommand({
  name: 'rebuild',
  usage: REBUILD_USAGE,
  options: {
    level: { type: 'string' },
    resume: { type: 'boolean' },
    batch: { type: 'string' },
    workers: { type: 'string' },
    progress: { type: 'string' },
    json: { type: 'boolean' },
  },
  run: async ({ values }) => {
    const config = loadConfig();
    const only = values.level;
    if (only !== undefined && !isLevel(only)) throw new UsageError('--level must be province, city or county');
    const levels: readonly Level[] = only !== undefined ? [only as Level] : config.levels;
    const batch = Number(values.batch ?? 5000);
    if (!Number.isInteger(batch) || batch < 1) throw new UsageError('--batch must be a positive integer');
    const workers = values.workers === undefined ? undefined : Number(values.workers);
    if (workers !== undefined && (values.workers === '' || !Number.isInteger(workers) || workers < 0 || workers > 64)) throw new UsageError('--workers must be an integer from 0 to 64');
    if (values.progress !== undefined && values.progress !== 'each-batch') throw new UsageError('--progress takes only each-batch');
    // A server holds the read model open and projects into it: dropping it under the server would
    // leave the server's view and the file disagreeing. Checked for every level before any is touched.
    for (const level of levels) {
      const pid = serverOf(config.dataDir, level);
      if (pid !== undefined) {
        console.error(
          `rebuild: refused: process ${pid} serves the ${level} level from ${config.dataDir} (${serverLockFile(config.dataDir, level)}). ` +
            `Stop it first, or rebuild through its POST /v1/admin/projections/${level}/rebuild.`,
        );
        return 1;
      }
    }
    // Asked for by number, threads are used however little is to be applied.
    const threads = workers === undefined ? {} : { workers, minLag: 1 };
    const everyBatch = values.progress === 'each-batch';
    const json = values.json === true;
    const resume = values.resume === true;
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
      const anonymous = new AnonymousMemoryPeak();
      const cpuBefore = process.cpuUsage();
      const mainBefore = threadCpuSeconds();
      const from = resume ? runner.checkpoint : 0;
      // No server reads this read model meanwhile (checked above): its indexes are made once, at the end.
      const events = resume ? await runner.catchUp(progress) : await runner.rebuild(progress, { deferIndexes: true });
      const seconds = (performance.now() - started) / 1000;
      const eventsPerSecond = Math.round(events / Math.max(seconds, 1e-9));
      // Worker threads included (they have stopped by now); the main thread's share apart, where /proc tells.
      const cpu = process.cpuUsage(cpuBefore);
      const cpuSeconds = Math.round((cpu.user + cpu.system) / 1e4) / 100;
      const mainAfter = threadCpuSeconds();
      const mainThreadCpuSeconds = mainBefore === undefined || mainAfter === undefined ? undefined : Math.round((mainAfter - mainBefore) * 100) / 100;
      // The whole process's high-water mark (worker threads included), in kilobytes.
      const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
      const peakAnonymousMb = anonymous.stop();
      const threadsNote = runner.lastCatchUpWorkers > 0 ? `${runner.lastCatchUpWorkers} worker threads` : 'main thread only';
      console.log(
        json
          ? JSON.stringify({
              level,
              resumedAt: resume ? from : undefined,
              events,
              seconds,
              eventsPerSecond,
              workers: runner.lastCatchUpWorkers,
              cpuSeconds,
              mainThreadCpuSeconds,
              peakRssMb,
              peakAnonymousMb,
            })
          : `${level}: ${resume ? `resumed at ${from}, applied` : 'rebuilt from'} ${events} events in ${seconds.toFixed(2)} s (${eventsPerSecond} events/s, ${threadsNote}, ` +
              `CPU ${cpuSeconds} s${mainThreadCpuSeconds === undefined ? '' : ` of which ${mainThreadCpuSeconds} s on the main thread`}, ` +
              `peak RSS ${peakRssMb} MB${peakAnonymousMb === undefined ? '' : `, of which ${peakAnonymousMb} MB not file-backed`})`,
      );
      readModel.close();
      await store.close();
    }
  },
});
