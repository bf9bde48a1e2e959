/**
 * Kill -9 in the middle of a burst of appends, then check the file: every acknowledged append is
 * there and intact, no append is there in part, positions and revisions are dense.
 *
 * The writers are child processes running the compiled store (test/fixtures/event-store/
 * append-burst.mjs), because a process crash is the point: the parent SIGKILLs them at a random
 * moment after a random number of acknowledgements, six times over on the same file, alternating
 * synchronous NORMAL and FULL, some rounds with two writers contending for the same streams.
 */
import { spawn } from 'node:child_process';
import { createHash, randomInt } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { testSeal } from '../../test/support/seals.js';
import type { RecordedEvent } from './port.js';
import { SqliteEventStore, type SqliteSynchronous } from './sqlite.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURE = join(ROOT, 'test/fixtures/event-store/append-burst.mjs');
/** The compiled store the children run, and the sources it must not be older than. */
const COMPILED = ['port', 'encoding', 'sqlite', 'index', 'adapters'].map((module) => ({
  source: join(ROOT, `libs/event-store/${module}.ts`),
  compiled: join(ROOT, `dist/libs/event-store/${module}.js`),
}));
/** Stops a writer the parent failed to kill; far more than any round waits for. */
const MAX_BATCHES = 20_000;

interface Ack {
  readonly batchId: string;
  readonly streamId: string;
  readonly size: number;
  readonly nextExpectedRevision: number;
  readonly position: number;
}

interface BurstMetadata {
  readonly batchId: string;
  readonly index: number;
  readonly size: number;
}

interface BurstData {
  readonly body: string;
  readonly sha256: string;
}

const assertCompiled = (): void => {
  for (const { source, compiled } of COMPILED) {
    if (!existsSync(compiled)) {
      throw new Error(`${compiled} is missing: this test runs the compiled store in child processes. Run \`npm run build\` first (npm test does).`);
    }
    if (statSync(source).mtimeMs > statSync(compiled).mtimeMs) {
      throw new Error(`${compiled} is older than ${source}: run \`npm run build\` so the child processes run the current code.`);
    }
  }
};

/** Runs one writer until it has acknowledged `killAfter` appends (plus a few ms), then SIGKILLs it. */
const burstUntilKilled = (file: string, synchronous: SqliteSynchronous, writer: string, killAfter: number): Promise<Ack[]> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [FIXTURE, file, synchronous, writer, String(MAX_BATCHES)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // Jest's NODE_OPTIONS (vm modules) are not the child's business.
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    const acks: Ack[] = [];
    let pending = '';
    let stderr = '';
    let killScheduled = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      // A line cut off by the kill has no newline yet: it was never fully acknowledged.
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) acks.push(JSON.parse(line) as Ack);
      if (!killScheduled && acks.length >= killAfter) {
        killScheduled = true;
        setTimeout(() => child.kill('SIGKILL'), randomInt(0, 4));
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acks);
      else reject(new Error(`writer ${writer} ended by itself (code ${code}, signal ${signal}) before the kill:\n${stderr}`));
    });
  });

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Everything wrong with the file, as sentences; empty when the file is as it must be. */
const problemsIn = async (file: string, acked: readonly Ack[], writers: readonly string[]): Promise<string[]> => {
  const problems: string[] = [];
  // Opening runs SQLite's recovery of the WAL the killed writers left behind.
  const store = SqliteEventStore.open(file, { seal: testSeal });
  let all: RecordedEvent[];
  try {
    all = store.readAllSync();
  } finally {
    await store.close();
  }
  const inspector = new Database(file);
  try {
    const integrity = inspector.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') problems.push(`integrity_check: ${String(integrity)}`);
  } finally {
    inspector.close();
  }

  all.forEach((event, index) => {
    if (event.position !== index + 1) problems.push(`position ${event.position} found where ${index + 1} belongs`);
  });
  const nextRevision = new Map<string, number>();
  for (const event of all) {
    const expected = nextRevision.get(event.streamId) ?? 0;
    if (event.revision !== expected) problems.push(`${event.streamId}: revision ${event.revision} where ${expected} belongs`);
    nextRevision.set(event.streamId, event.revision + 1);
  }

  // Batches: each one complete, in one piece, in order, with intact payloads.
  const batches = new Map<string, RecordedEvent[]>();
  for (let index = 0; index < all.length; ) {
    const first = all[index]!;
    const { batchId, size } = first.metadata as BurstMetadata;
    const batch = all.slice(index, index + size);
    if (batches.has(batchId)) problems.push(`batch ${batchId} appears twice`);
    batches.set(batchId, batch);
    batch.forEach((event, offset) => {
      const metadata = event.metadata as BurstMetadata;
      const data = event.data as BurstData;
      if (metadata.batchId !== batchId || metadata.index !== offset || event.id !== `${batchId}-${offset}`) {
        problems.push(`batch ${batchId} (size ${size}) is incomplete or interleaved at position ${event.position}`);
      }
      if (event.streamId !== first.streamId) problems.push(`batch ${batchId} spans streams`);
      if (sha256(data.body) !== data.sha256) problems.push(`event ${event.id} has a damaged payload`);
    });
    if (batch.length !== size) problems.push(`batch ${batchId} has ${batch.length} of its ${size} events`);
    index += Number.isSafeInteger(size) && size > 0 ? size : 1;
  }

  for (const ack of acked) {
    const batch = batches.get(ack.batchId);
    const last = batch?.at(-1);
    if (!batch || !last) {
      problems.push(`acknowledged batch ${ack.batchId} (position ${ack.position}) is missing`);
    } else if (last.position !== ack.position || last.revision !== ack.nextExpectedRevision || last.streamId !== ack.streamId) {
      problems.push(`acknowledged batch ${ack.batchId} moved: acked ${JSON.stringify(ack)}, stored ending at position ${last.position}, revision ${last.revision}`);
    }
  }
  // A writer appends one batch at a time: at most its last one can be stored but unacknowledged.
  const ackedIds = new Set(acked.map(({ batchId }) => batchId));
  for (const writer of writers) {
    const unacked = [...batches.keys()].filter((batchId) => batchId.startsWith(`${writer}-`) && !ackedIds.has(batchId));
    if (unacked.length > 1) problems.push(`writer ${writer} has ${unacked.length} stored batches it never acknowledged: ${unacked.join(', ')}`);
  }
  return problems;
};

describe('SqliteEventStore after kill -9 mid-burst', () => {
  const folder = mkdtempSync(join(tmpdir(), 'sqlite-crash-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('keeps every acknowledged append, intact, and no partial one', async () => {
    assertCompiled();
    const file = join(folder, 'events.db');
    const acked: Ack[] = [];
    const writers: string[] = [];
    const rounds = [
      { synchronous: 'NORMAL', writers: 1 },
      { synchronous: 'FULL', writers: 1 },
      { synchronous: 'NORMAL', writers: 2 },
      { synchronous: 'FULL', writers: 2 },
      { synchronous: 'NORMAL', writers: 1 },
      { synchronous: 'NORMAL', writers: 2 },
    ] as const;

    for (const [round, { synchronous, writers: count }] of rounds.entries()) {
      const roundWriters = Array.from({ length: count }, (_, index) => `round${round}-writer${index}`);
      writers.push(...roundWriters);
      const results = await Promise.all(
        roundWriters.map((writer) => burstUntilKilled(file, synchronous, writer, randomInt(5, 60))),
      );
      for (const writerAcks of results) {
        expect(writerAcks.length).toBeGreaterThanOrEqual(5);
        acked.push(...writerAcks);
      }

      expect({ round, synchronous, problems: await problemsIn(file, acked, writers) }).toEqual({ round, synchronous, problems: [] });
    }
  });
});
