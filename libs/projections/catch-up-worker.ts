/**
 * A worker thread of a parallel catch-up (parallel-catch-up.ts): reads ranges of positions from a
 * level's SQLite store file, read-only, and answers each with its projection plan. It writes
 * nothing; the thread that owns the read model applies the plans in position order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteFactReader } from '#event-store';
import type { ProjectedFact } from './projector.js';
import { PROVENANCE_FIELDS, PROVENANCE_READERS, planProjection } from './projector.js';
import type { CatchUpRange, CatchUpWorkerData, PlannedRange } from './parallel-catch-up.js';
import { planToWire, transferablesOf } from './plan-wire.js';

const { file } = workerData as CatchUpWorkerData;
const port = parentPort!;
const reader = SqliteFactReader.open(file, { provenanceFor: PROVENANCE_READERS, provenanceFields: PROVENANCE_FIELDS });

port.on('message', ({ after, upTo }: CatchUpRange) => {
  let answer: PlannedRange;
  try {
    // The reader decodes metadata exactly for the PROVENANCE_READERS, the only facts whose plan reads it,
    // and of it only the PROVENANCE_FIELDS.
    const facts = reader.readRange(after, upTo) as unknown as ProjectedFact[];
    answer = { after, upTo, count: facts.length, plan: planToWire(planProjection(facts)) };
  } catch (error) {
    answer = { after, upTo, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
  port.postMessage(answer, answer.error === undefined ? transferablesOf(answer.plan) : []);
});
