import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { EventStore, RecordedEvent } from '#event-store';
import { MemoryEventStore } from '#event-store/adapters';
import { openChainedSqliteStore } from '#linkage';
import { ProjectionRunner, ReadModel } from '#projections';
import { generateProvinceHistory, parseScenario, runScenario, startEmbeddedHarness } from '#scenario';
import { readModelDump } from '../support/read-model-dump.js';

const CLI = join(process.cwd(), 'dist', 'apps', 'cli', 'main.js');
const EVENTS = 20_000;
const BATCH = 200;
/**
 * Follow-through facts (plans, completions, verdicts, look-backs reopening, handovers, supervision)
 * to mix into the history: the follow-through scenarios, and the team's shared example when the
 * checkout sits beside shared/. Their ids do not meet the generated history's.
 */
const SHARED_EXAMPLE = join(process.cwd(), '..', 'shared', 'scenarios', 'follow-through', 'followthrough-example.json');
const FOLLOW_THROUGH = [
  join(process.cwd(), 'test', 'scenarios', 'follow-through-zhangzhou-grain.json'),
  join(process.cwd(), 'test', 'scenarios', 'follow-through-coal-two-cities.json'),
  ...(existsSync(SHARED_EXAMPLE) ? [SHARED_EXAMPLE] : []),
];

/** The province's store after each follow-through scenario (its own facts and what the other levels sent it), one after another. */
const followThroughFacts = async (): Promise<RecordedEvent[]> => {
  const facts: RecordedEvent[] = [];
  for (const file of FOLLOW_THROUGH) {
    const harness = await startEmbeddedHarness();
    try {
      await runScenario(parseScenario(JSON.parse(readFileSync(file, 'utf8')), file), harness);
      await harness.runtime.settle();
      facts.push(...(await harness.runtime.node('province')!.service.store.readAll()));
    } finally {
      await harness.close();
    }
  }
  return facts;
};

/**
 * Writes `history` with `mixedIn` spread evenly through it (each keeping its own order and its
 * events' ids, data and metadata), so that a kill at any batch lands among follow-through facts.
 */
const writeMixed = async (store: EventStore, history: readonly RecordedEvent[], mixedIn: readonly RecordedEvent[]): Promise<void> => {
  const revisions = new Map<string, number>();
  const write = async (event: RecordedEvent) => {
    const current = revisions.get(event.streamId);
    await store.append(event.streamId, current === undefined ? 'no-stream' : current, [{ id: event.id, type: event.type, data: event.data, metadata: event.metadata }]);
    revisions.set(event.streamId, (current ?? -1) + 1);
  };
  let next = 0;
  for (const [index, event] of history.entries()) {
    while (next < mixedIn.length && next * history.length <= index * mixedIn.length) await write(mixedIn[next++]!);
    await write(event);
  }
  while (next < mixedIn.length) await write(mixedIn[next++]!);
};

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

describe('a rebuild killed at random points resumes to the same read model, ledgers included', () => {
  let dataDir: string;
  let reference: ReturnType<typeof readModelDump>;

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does)`);
    dataDir = mkdtempSync(join(process.cwd(), '.tmp', 'rebuild-crash-'));
    const generated = new MemoryEventStore();
    await generateProvinceHistory(generated, EVENTS);
    const history = await generated.readAll();
    const mixedIn = await followThroughFacts();
    const store = openChainedSqliteStore(join(dataDir, 'province.events.db'));
    await writeMixed(store, history, mixedIn);
    expect(await store.headPosition()).toBe(history.length + mixedIn.length);
    const referenceFile = join(dataDir, 'reference.read.db');
    const readModel = new ReadModel(referenceFile);
    await new ProjectionRunner(store, readModel, 5000).rebuild();
    readModel.close();
    await store.close();
    reference = readModelDump(referenceFile);
    // The follow-through facts made it into the ledger rows: reopenings by look-backs and the claims after
    // them, rejections, a plan replaced, answered handovers, issues supervised by two levels.
    const rowOf = (table: string, column: string, id: string) => (reference.rows[table] as Record<string, unknown>[]).find((row) => row[column] === id);
    expect(rowOf('rectifications', 'rectification_id', 'zz-f-za-1')).toMatchObject({ status: 'closed', attempt: 2, reopened: 1 });
    expect(rowOf('rectifications', 'rectification_id', 'zz-f-zz-1')).toMatchObject({ status: 'closed', rejections: 1 });
    expect(rowOf('rectifications', 'rectification_id', 'ly-f-zpm-1')).toMatchObject({ status: 'reopened', reopened: 1 });
    expect(rowOf('rectifications', 'rectification_id', 'ly-f-xl-1')).toMatchObject({ status: 'closed', lead_department: '龙岩市新罗区发展和改革局' });
    for (const handoverId of ['zz-yj-1', 'zz-yj-4', 'za-yj-1', 'ly-yj-1']) expect(rowOf('handovers', 'handover_id', handoverId)).toHaveProperty('answered_at', expect.any(String));
    expect(rowOf('handovers', 'handover_id', 'zz-yj-3')).toHaveProperty('answered_at', null);
    expect(rowOf('issues', 'issue_id', 'ly-i-zpm-1')).toMatchObject({ supervised: 1, typical: 1 });
  }, 120_000);

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('ten SIGKILLs mid-rebuild, each resumed from its checkpoint, each equal to a clean rebuild, on worker threads or not', async () => {
    const batches = Math.ceil(reference.checkpoint / BATCH);
    const followThroughRows = (dump: typeof reference) => (dump.rows.rectifications as { rectification_id: string }[]).filter((row) => !row.rectification_id.startsWith('fix-')).length;
    /** Follow-through rectification rows each killed rebuild had written. */
    const interruptedAmongFollowThrough: number[] = [];
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
      interruptedAmongFollowThrough.push(followThroughRows(interrupted));

      const resumed = await runRebuild(dataDir, ['--resume', '--workers', resumedThreads]);
      expect(resumed.code).toBe(0);
      expect(readModelDump(join(dataDir, 'province.read.db'))).toEqual(reference);
    }
    // Kills landed among the follow-through facts: some of their rows written, not all yet.
    expect(interruptedAmongFollowThrough.some((rows) => rows > 0 && rows < followThroughRows(reference))).toBe(true);
    // Twenty CLI starts (ten killed, ten resumed): well past jest's default under a loaded CI.
  }, 360_000);
});
