import { randomUUID } from 'node:crypto';
import type { DomainEvent, EventMetadata, Level } from '#domain';
import { streamOf } from '#domain';
import type { EventStore, ExpectedRevision, NewEvent } from '#event-store';
import { loadReferenceRegistry } from '#linkage';
import { newEventId } from '#event-store';

/**
 * Fills a store with a province's history as it would look after years of linked inspection:
 * rounds of every city and county, teams, units, and per issue its rectification, every fourth a
 * clue with disposals, every tenth a task through its life. Two thirds arrive as received facts.
 * The facts are written straight to the store (deciding each would time the deciders, not the rebuild).
 * With `appendsPerTransaction` > 1 the store takes that many appends (to as many streams) in one
 * appendMany (on SQLite one transaction): the same history, an order of magnitude faster to generate.
 */
export const generateProvinceHistory = async (
  store: EventStore,
  targetEvents: number,
  onProgress?: (events: number) => void,
  options: { readonly appendsPerTransaction?: number } = {},
): Promise<number> => {
  const perTransaction = options.appendsPerTransaction ?? 1;
  const pending: { streamId: string; expected: ExpectedRevision; events: NewEvent[] }[] = [];
  const flush = async (): Promise<void> => {
    if (pending.length > 0) await store.appendMany(pending.splice(0));
  };
  const append = async (streamId: string, expected: ExpectedRevision, events: NewEvent[]): Promise<void> => {
    if (perTransaction <= 1) {
      await store.append(streamId, expected, events);
      return;
    }
    pending.push({ streamId, expected, events });
    if (pending.length >= perTransaction) await flush();
  };
  const registry = loadReferenceRegistry();
  // Fujian's counties: the registry holds the whole country, the generated history one province.
  const counties = registry.all().filter((entry) => entry.level === 'county' && registry.isSelfOrAncestor('350000', entry.code));
  let written = 0;
  let day = Date.parse('2019-01-01T00:00:00Z');
  const revisions = new Map<string, number>();
  const write = async (events: DomainEvent[], recordedBy: string, sourceLevel: Level): Promise<void> => {
    const streamId = streamOf(events[0]!);
    const occurredAt = new Date((day += 60_000)).toISOString();
    const received = sourceLevel !== 'province';
    const current = revisions.get(streamId);
    let revision = current ?? -1;
    await append(
      streamId,
      current === undefined ? 'no-stream' : current,
      events.map((event) => {
        revision++;
        const metadata: EventMetadata = {
          eventId: newEventId(),
          actor: { id: `${recordedBy}-office`, jurisdiction: recordedBy, role: 'leading-group' },
          jurisdiction: recordedBy,
          correlationId: randomUUID(),
          causationId: randomUUID(),
          occurredAt,
          recordedAt: occurredAt,
          ...(received
            ? { origin: { level: sourceLevel, eventId: newEventId(), streamId, revision, position: written + 1, schema: 1 } }
            : {}),
        };
        return { id: metadata.eventId, type: event.type, data: event.data, metadata };
      }),
    );
    revisions.set(streamId, revision);
    written += events.length;
    if (onProgress && written % 50_000 < events.length) onProgress(written);
  };

  const rounds: { roundId: string; owner: string; level: Level; units: { unitId: string; jurisdiction: string }[]; teamId: string }[] = [];
  for (const [index, county] of counties.entries()) {
    const units = Array.from({ length: 20 }, (_, u) => ({ unitId: `unit-${county.code}-${u}`, jurisdiction: county.code }));
    for (const unit of units) await write([{ type: 'UnitRegistered', data: { unitId: unit.unitId, name: unit.unitId, jurisdiction: unit.jurisdiction, kind: 'soe' } }], county.code, 'county');
    const roundId = `round-${county.code}`;
    const owner = index % 3 === 0 ? county.parent! : county.code;
    const level: Level = owner === county.code ? 'county' : 'city';
    await write(
      [
        {
          type: 'RoundPlanned',
          data: { roundId, owner, title: '专项巡察', kind: 'special', theme: index % 2 === 0 ? 'grain' : 'poverty', linkage: 'linked', parentRoundId: 'round-province', targets: units },
        },
        { type: 'RoundLaunched', data: { roundId, owner } },
      ],
      owner,
      level,
    );
    const teamId = `team-${county.code}`;
    await write(
      [
        { type: 'TeamFormed', data: { teamId, roundId, owner, leader: { personId: `leader-${county.code}`, homeJurisdiction: owner }, members: [] } },
        { type: 'TeamStationed', data: { teamId, roundId, owner, units } },
      ],
      owner,
      level,
    );
    rounds.push({ roundId, owner, level, units, teamId });
  }

  for (let n = 0; written < targetEvents; n++) {
    const round = rounds[n % rounds.length]!;
    const unit = round.units[n % round.units.length]!;
    const issueId = `issue-${n}`;
    await write(
      [{ type: 'IssueFound', data: { issueId, roundId: round.roundId, teamId: round.teamId, owner: round.owner, unitId: unit.unitId, unitJurisdiction: unit.jurisdiction, category: 'grain', summary: `问题 ${n}：账实不符`, immediate: n % 5 === 0 } }],
      round.owner,
      round.level,
    );
    const rectification = { rectificationId: `fix-${n}`, issueId, roundId: round.roundId, owner: round.owner, unitId: unit.unitId, unitJurisdiction: unit.jurisdiction, dueBy: '2025-06-30T00:00:00.000Z' };
    await write([{ type: 'RectificationRequired', data: rectification }], round.owner, round.level);
    if (n % 3 !== 0) await write([{ type: 'RectificationCompleted', data: rectification }], unit.jurisdiction, 'county');
    if (n % 4 === 0) {
      const clue = { clueId: `clue-${n}`, roundId: round.roundId, owner: round.owner, attributedTo: unit.jurisdiction };
      await write(
        [
          { type: 'ClueTransferred', data: { ...clue, teamId: round.teamId, issueId, recipient: 'discipline', subjectRank: 'county-managed' } },
          { type: 'ClueDisposed', data: { ...clue, outcome: 'case-filed', persons: 1 } },
          { type: 'ClueDisposed', data: { ...clue, outcome: 'disciplined', persons: 1 } },
          { type: 'ClueConcluded', data: clue },
        ],
        round.owner,
        round.level,
      );
    }
    if (n % 10 === 0) {
      const task = { taskId: `task-${n}`, from: '350000', toJurisdiction: unit.jurisdiction, roundId: 'round-province', dueBy: '2024-12-31T00:00:00.000Z' };
      await write([{ type: 'TaskAssigned', data: { ...task, kind: 'follow-up', title: '督办' } }], '350000', 'province');
      await write([{ type: 'TaskAccepted', data: { ...task, note: null } }], unit.jurisdiction, 'county');
      if (n % 20 === 0) await write([{ type: 'TaskCompleted', data: { ...task, result: '已完成' } }], unit.jurisdiction, 'county');
    }
  }
  await flush();
  return written;
};
