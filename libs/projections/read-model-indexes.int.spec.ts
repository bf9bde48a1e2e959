import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DomainEvent } from '#domain';
import { ZHANGZHOU, ZHAOAN_DEPOT, issueFound, rectificationRequired } from '../../test/support/facts.js';
import type { ProjectedFact } from './projector.js';
import { ReadModel } from './read-model.js';
import { RETIRED_INDEXES, SECONDARY_INDEXES } from './read-model/schema.js';

// The rebuild command drops the secondary indexes and makes them at the end; a rebuild stopped in
// between must not leave a read model without them once it is opened again.

const PROJECTIONS = ['upward-report', 'task-stream'];

/** `events` as stored facts from position `after` + 1, a minute apart. */
const asFacts = (events: readonly DomainEvent[], after: number): ProjectedFact[] =>
  events.map((event, index) => {
    const position = after + index + 1;
    const at = new Date(Date.UTC(2025, 2, 1, 8, position)).toISOString();
    return { ...event, position, metadata: { eventId: `e-${position}`, actor: { id: 'leader@350600' }, occurredAt: at, recordedAt: at } } as unknown as ProjectedFact;
  });

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

  it('hold back no row of a rebuild: a rectification whose facts span batches is folded as when the indexes stay', () => {
    const ref = rectificationRequired('r-1', 'i-1', 'zz-grain', ZHANGZHOU, ZHAOAN_DEPOT);
    const batches: DomainEvent[][] = [
      [issueFound('i-1', 'zz-grain', 'zz-team', ZHANGZHOU, ZHAOAN_DEPOT), ref, rectificationRequired('r-2', 'i-1', 'zz-grain', ZHANGZHOU, ZHAOAN_DEPOT)],
      [{ type: 'RectificationCompleted', data: { ...ref.data, attempt: 1, evidence: [] } } as unknown as DomainEvent],
      [{ type: 'RectificationVerified', data: { ...ref.data, attempt: 1, completedAt: '2025-03-01T08:04:00.000Z', planned: false, verdict: 'accepted', reason: null } } as unknown as DomainEvent],
    ];
    const replay = (readModel: ReadModel) => {
      let position = 0;
      for (const events of batches) {
        readModel.applyBatch(PROJECTIONS, asFacts(events, position));
        position += events.length;
      }
    };
    const kept = new ReadModel(join(dir, 'kept.read.db'));
    const rebuilt = new ReadModel(join(dir, 'rebuilt.read.db'));
    try {
      replay(kept);
      replay(rebuilt);
      // A rebuild: emptied with its indexes dropped, replayed, its indexes made again; and then live.
      rebuilt.reset(PROJECTIONS, { dropIndexes: true });
      replay(rebuilt);
      rebuilt.ensureIndexes();
      expect(rebuilt.canonicalDump()).toEqual(kept.canonicalDump());
      expect(rebuilt.canonicalDump().rectifications).toEqual([
        expect.objectContaining({ rectification_id: 'r-1', status: 'closed' }),
        expect.objectContaining({ rectification_id: 'r-2', status: 'required' }),
      ]);
    } finally {
      kept.close();
      rebuilt.close();
    }
  });
});
