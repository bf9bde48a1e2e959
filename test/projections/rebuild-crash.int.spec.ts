import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openChainedSqliteStore } from '#linkage';
import { ProjectionRunner, ReadModel } from '#projections';
import { generateProvinceHistory } from '../../apps/cli/bench/generated-store.js';
import { readModelDump } from '../support/read-model-dump.js';

const CLI = join(process.cwd(), 'dist', 'apps', 'cli', 'main.js');
const EVENTS = 20_000;
const BATCH = 200;

/** Runs the rebuild CLI; with `killAfterBatches`, SIGKILLs it once that many batches have committed. */
const runRebuild = (dataDir: string, args: string[], killAfterBatches?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; batches: number }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'rebuild', '--level', 'province', '--batch', String(BATCH), '--progress', 'each-batch', ...args], {
      env: { ...process.env, DATA_DIR: dataDir },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let batches = 0;
    let buffered = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      batches += lines.filter((line) => line.includes('events, position')).length;
      if (killAfterBatches !== undefined && batches >= killAfterBatches) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, batches }));
  });

describe('a rebuild killed at random points resumes to the same read model', () => {
  let dataDir: string;
  let reference: ReturnType<typeof readModelDump>;

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does)`);
    dataDir = mkdtempSync(join(process.cwd(), '.tmp', 'rebuild-crash-'));
    const store = openChainedSqliteStore(join(dataDir, 'province.events.db'));
    await generateProvinceHistory(store, EVENTS);
    const referenceFile = join(dataDir, 'reference.read.db');
    const readModel = new ReadModel(referenceFile);
    await new ProjectionRunner(store, readModel, 5000).rebuild();
    readModel.close();
    await store.close();
    reference = readModelDump(referenceFile);
  });

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('ten SIGKILLs mid-rebuild, each resumed from its checkpoint, each equal to a clean rebuild, on worker threads or not', async () => {
    const batches = Math.ceil(reference.checkpoint / BATCH);
    let seed = 20_261_122;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let trial = 1; trial <= 10; trial++) {
      // Within the first half: the kill must land while batches remain (a rebuild is fast enough to
      // commit its last few batches between the progress line and the signal).
      const killAfter = 1 + Math.floor(random() * Math.floor(batches / 2));
      // Killed while worker threads plan batches and resumed on the main thread, then the other way round.
      const [killedThreads, resumedThreads] = trial % 2 === 1 ? ['2', '0'] : ['0', '2'];
      const killed = await runRebuild(dataDir, ['--workers', killedThreads], killAfter);
      expect(killed.signal).toBe('SIGKILL');
      const interrupted = readModelDump(join(dataDir, 'province.read.db'));
      expect(interrupted.checkpoint).toBeGreaterThanOrEqual(killAfter * BATCH);
      expect(interrupted.checkpoint).toBeLessThan(reference.checkpoint);

      const resumed = await runRebuild(dataDir, ['--resume', '--workers', resumedThreads]);
      expect(resumed.code).toBe(0);
      expect(readModelDump(join(dataDir, 'province.read.db'))).toEqual(reference);
    }
    // Twenty CLI starts (ten killed, ten resumed): well past jest's default under a loaded CI.
  }, 240_000);
});
