import type { AuthorisedAct, RoundAuthority, Authorisation, Level } from '#domain';
import { foldWorld, inForceAt, knownEvent, streams } from '#domain';
import type { EventStore } from '#event-store';
import type { AuditFact, FactVisibility, LevelHistory } from './history.js';
import { everything, toAuditFact } from './history.js';

/** One authorisation of a round as the level's store tells it (as decisions see it), with the facts that granted and revoked it. */
export interface AuthorisationRecord extends Omit<Authorisation, 'roundId'> {
  readonly facts: readonly AuditFact[];
}

/** An act of the round that depends on authority, with who did it, when, and on whose authority. */
export interface AuthorisedActRecord {
  readonly fact: AuditFact;
  /** What it needed: `run-round` for a launch, `station-teams` for a stationing, none for a report delivered. */
  readonly act: AuthorisedAct | null;
  /** The authorisations in force at its domain time (occurredAt) that cover one of its units. */
  readonly inForce: readonly string[];
  /** The ids the decision itself recorded relying on; null when the round needed none at the time. */
  readonly reliedOn: readonly string[] | null;
}

export interface RoundAuthorityAudit {
  readonly level: Level;
  /** The store position it was read up to. */
  readonly upTo: number;
  readonly roundId: string;
  readonly owner: string;
  /** What the round declared it needs; null: none. */
  readonly authority: RoundAuthority | null;
  readonly authorisations: readonly AuthorisationRecord[];
  readonly acts: readonly AuthorisedActRecord[];
}

export class UnknownAuthorityRound extends Error {
  override readonly name = 'UnknownAuthorityRound';
}

const ACT_OF: Partial<Record<string, AuthorisedAct>> = { RoundLaunched: 'run-round', TeamStationed: 'station-teams' };
const ACT_TYPES = new Set(['RoundLaunched', 'TeamStationed', 'FeedbackDelivered']);

/**
 * "Who was allowed to do this, and on whose authority": a round's authorisations and every act of
 * it (launch, stationings, feedback) with the authorisations in force at the act's domain time,
 * all read from one level's store (its round stream, its authorisation stream, and the stationings
 * of its teams from the log).
 */
export const roundAuthority = async (history: LevelHistory, store: EventStore, roundId: string, visible: FactVisibility = everything): Promise<RoundAuthorityAudit> => {
  const upTo = await store.headPosition();
  const roundFacts = (await store.readStream(streams.round(roundId))).map((recorded) => toAuditFact(recorded, history.level)).filter(visible);
  const planned = roundFacts.find((fact) => fact.type === 'RoundPlanned');
  if (!planned) throw new UnknownAuthorityRound(`round ${roundId} is not known at the ${history.level} level`);
  const authorisationFacts = (await store.readStream(streams.authorisations(roundId))).map((recorded) => toAuditFact(recorded, history.level)).filter(visible);
  const world = foldWorld(authorisationFacts.flatMap((fact) => {
    const event = knownEvent(fact);
    return event ? [{ event, occurredAt: fact.metadata.occurredAt }] : [];
  }));
  const known: readonly Authorisation[] = world.authorisations.get(roundId) ?? [];
  const round = knownEvent(planned);
  const owner = round?.type === 'RoundPlanned' ? round.data.owner : '';
  const authority = round?.type === 'RoundPlanned' ? (round.data.authority ?? null) : null;

  const stationings: AuditFact[] = [];
  for await (const recorded of history.scan(0, upTo)) {
    const event = knownEvent(recorded);
    if (event?.type !== 'TeamStationed' || event.data.roundId !== roundId) continue;
    const fact = toAuditFact(recorded, history.level);
    if (visible(fact)) stationings.push(fact);
  }
  const acts = [...roundFacts.filter((fact) => ACT_TYPES.has(fact.type)), ...stationings]
    .sort((a, b) => a.position - b.position)
    .map((fact): AuthorisedActRecord => {
      const act = ACT_OF[fact.type] ?? null;
      const data = fact.data as { units?: { unitId: string }[]; authorisations?: string[] };
      const units = data.units?.map((unit) => unit.unitId) ?? [];
      const inForce = act
        ? known
            .filter((authorisation) => authorisation.grantee === owner && inForceAt(authorisation, act, fact.metadata.occurredAt))
            // One that covers any unit of a stationing counts: each unit needed one from every party.
            .filter((authorisation) => authorisation.unitIds === null || units.length === 0 || units.some((unitId) => authorisation.unitIds!.includes(unitId)))
            .map((authorisation) => authorisation.authorisationId)
        : [];
      return { fact, act, inForce, reliedOn: data.authorisations ?? null };
    });
  const authorisations = known.map((authorisation) => ({
    authorisationId: authorisation.authorisationId,
    grantor: authorisation.grantor,
    office: authorisation.office,
    grantee: authorisation.grantee,
    acts: authorisation.acts,
    unitIds: authorisation.unitIds,
    validFrom: authorisation.validFrom,
    validTo: authorisation.validTo,
    reference: authorisation.reference,
    revokedAt: authorisation.revokedAt,
    facts: authorisationFacts.filter((fact) => (fact.data as { authorisationId?: string }).authorisationId === authorisation.authorisationId),
  }));
  return { level: history.level, upTo, roundId, owner, authority, authorisations, acts };
};
