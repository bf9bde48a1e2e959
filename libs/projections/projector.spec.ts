import type { EventType } from '#domain';
import { EVENT_TYPES } from '#domain';
import type { ProjectedFact } from './projector.js';
import { PROVENANCE_FIELDS, PROVENANCE_READERS, planProjection } from './projector.js';

/**
 * Data that answers every field a plan may read with a value of the right kind, so that one fact
 * of each type can be planned without a hand-written sample of each.
 */
const anyData = new Proxy(
  {},
  {
    get: (_, field) => {
      switch (field) {
        case 'targets':
        case 'units':
          return [{ unitId: 'unit-1', jurisdiction: '350602' }];
        case 'recipient':
          return 'discipline';
        case 'outcome':
          return 'case-filed';
        case 'count':
        case 'persons':
        case 'percent':
          return 2;
        case 'immediate':
          return true;
        default:
          return `${String(field)}-1`;
      }
    },
  },
);

/** The provenance fields (dotted paths) a plan of one fact of `type` read: none when it read no metadata. */
const provenanceReadBy = (type: EventType): Set<string> => {
  const read = new Set<string>();
  const fields = (prefix: string): object =>
    new Proxy(
      {},
      {
        get: (_, field) => {
          const path = `${prefix}${String(field)}`;
          read.add(path);
          // The nested parts of provenance (actor, origin) answer their own fields in turn.
          if (path === 'actor' || path === 'origin') return fields(`${path}.`);
          return path === 'origin.position' ? 3 : `${path}-1`;
        },
      },
    );
  planProjection([{ type, data: anyData, position: 1, metadata: fields('') } as unknown as ProjectedFact]);
  return read;
};

describe('projection plans', () => {
  it('read the provenance of exactly the PROVENANCE_READERS, so a reader may skip every other fact’s metadata', () => {
    const readers = EVENT_TYPES.filter((type) => provenanceReadBy(type).size > 0);
    expect(new Set(readers)).toEqual(PROVENANCE_READERS);
  });

  it('read only the PROVENANCE_FIELDS of it, so a reader may hand them just those', () => {
    for (const type of PROVENANCE_READERS) {
      const read = provenanceReadBy(type);
      // A nested part (actor) is read for a field of it: only then may the metadata hold that field alone.
      const leaves = [...read].filter((path) => ![...read].some((other) => other.startsWith(`${path}.`)));
      expect({ type, fields: leaves.filter((path) => !PROVENANCE_FIELDS.includes(path)) }).toEqual({ type, fields: [] });
    }
  });

  it('sum the counter increments of a batch per jurisdiction, round and metric', () => {
    const issue = (n: number, immediate: boolean): ProjectedFact =>
      ({
        type: 'IssueFound',
        position: n,
        data: { issueId: `i-${n}`, roundId: 'r-1', teamId: 't', owner: '350600', unitId: 'u', unitJurisdiction: '350602', category: 'grain', summary: 's', immediate },
        metadata: { occurredAt: `2024-06-0${n}T00:00:00.000Z` },
      }) as unknown as ProjectedFact;
    const plan = planProjection([issue(1, true), issue(2, false), issue(3, true)]);
    expect(plan.counters).toEqual(['350602', 'r-1', 'issuesFound', 3, '350602', 'r-1', 'issuesByCategory.grain', 3, '350602', 'r-1', 'immediateRectifications', 2]);
    // One issues ledger row each, in fact order.
    expect(plan.rows.map((row) => row.slice(0, 2))).toEqual([['issue', 'i-1'], ['issue', 'i-2'], ['issue', 'i-3']]);
  });

  it('sum the same increments by the day (Asia/Shanghai) of each fact’s domain time', () => {
    const clue = (n: number, occurredAt: string, subjectRank: string | null): ProjectedFact =>
      ({
        type: 'ClueTransferred',
        position: n,
        data: { clueId: `c-${n}`, roundId: 'r-1', teamId: 't', owner: '350600', issueId: null, attributedTo: '350600', recipient: 'discipline', subjectRank },
        metadata: { occurredAt },
      }) as unknown as ProjectedFact;
    // 15:59:59Z is 23:59:59 in Shanghai, 16:00Z already the next day there; a +08:00 time names its own day.
    const plan = planProjection([
      clue(1, '2021-03-01T15:59:59.999Z', 'county-managed'),
      clue(2, '2021-03-01T16:00:00.000Z', 'county-managed'),
      clue(3, '2021-03-02T09:00:00+08:00', null),
    ]);
    const byDay = new Map<string, number>();
    for (let index = 0; index < plan.dayCounters.length; index += 5) {
      const [, , metric, day, value] = plan.dayCounters.slice(index, index + 5) as [string, string, string, string, number];
      byDay.set(`${day} ${metric}`, value);
    }
    expect(Object.fromEntries(byDay)).toEqual({
      '2021-03-01 clues.transferred': 1,
      '2021-03-01 clues.byRecipient.discipline': 1,
      '2021-03-01 cluesBySubjectRank.county-managed': 1,
      '2021-03-02 clues.transferred': 2,
      '2021-03-02 clues.byRecipient.discipline': 2,
      '2021-03-02 cluesBySubjectRank.county-managed': 1,
      '2021-03-02 cluesBySubjectRank.unspecified': 1,
    });
    expect(plan.counters).toContain('cluesBySubjectRank.unspecified');
  });

  it('keep row writes in fact order, a continuation first creating the task it continues', () => {
    const task = { taskId: 'task-1', from: '350000', toJurisdiction: '350600', roundId: null, dueBy: '2024-12-31T00:00:00.000Z' };
    const metadata = { occurredAt: '2024-06-01T00:00:00.000Z', actor: { id: 'city-office' } };
    const accepted = { type: 'TaskAccepted', position: 7, data: { ...task, note: '收到' }, metadata } as unknown as ProjectedFact;
    const assigned = { type: 'TaskAssigned', position: 9, data: { ...task, kind: 'follow-up', title: '督办' }, metadata } as unknown as ProjectedFact;
    expect(planProjection([accepted, assigned]).rows.map((row) => row[0])).toEqual(['touchTask', 'acceptTask', 'history', 'assignTask', 'history']);
  });
});

