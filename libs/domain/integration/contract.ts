import type { DomainEvent } from '../events.js';
import type { JurisdictionLookup } from '../jurisdictions/registry.js';
import type { Level } from '../kernel/actor.js';
import { attributedJurisdictions } from '../audit/attribution.js';
import { levelsAbove } from '../audit/messages.js';
import { LEVELS } from '../kernel/actor.js';
import type { EventMetadata } from '../kernel/envelope.js';

/**
 * Integration contract, version 1: what one level tells another. Narrower than the domain events:
 * clue content and where team members work stay with the level that recorded them; everything a
 * report or a downstream decision needs travels. Bump the version for any change a receiver of the
 * previous version could misread.
 */
export const INTEGRATION_SCHEMA = 1 as const;

export interface IntegrationEvent {
  readonly schema: typeof INTEGRATION_SCHEMA;
  readonly type: DomainEvent['type'];
  readonly data: DomainEvent['data'];
  /** Provenance as recorded at the source, minus `origin` (a relay never forwards what it received). */
  readonly metadata: Omit<EventMetadata, 'origin'>;
  readonly source: { readonly level: Level; readonly streamId: string; readonly revision: number; readonly position: number };
  /** Levels that should record it, computed by the source from its registry. */
  readonly audience: readonly Level[];
}

/** The public part of a fact. */
export const publicData = (event: DomainEvent): DomainEvent => {
  switch (event.type) {
    case 'TeamFormed': {
      const strip = ({ personId, homeJurisdiction }: { personId: string; homeJurisdiction: string }) => ({ personId, homeJurisdiction });
      return { type: event.type, data: { ...event.data, leader: strip(event.data.leader), members: event.data.members.map(strip) } };
    }
    case 'ClueTransferred': {
      const { summary: _withheld, ...rest } = event.data;
      return { type: event.type, data: rest };
    }
    default:
      return event;
  }
};

/**
 * Jurisdictions a fact is about, besides the one that recorded it: its attribution, except that
 * jurisdictions and rounds are `all`: announced to every level so that lower levels can link their
 * rounds to them.
 */
const concerned = (event: DomainEvent): string[] | 'all' => {
  switch (event.type) {
    case 'JurisdictionRegistered':
    case 'RoundPlanned':
    case 'RoundLaunched':
    case 'RoundClosed':
      return 'all';
    default:
      return attributedJurisdictions(event);
  }
};

/**
 * Levels that must record a fact besides its source: every level above the recorder (results roll
 * up) and every level holding a jurisdiction the fact concerns or one of their ancestors (tasks,
 * rectifications and findings come down to whom they concern). A signed chain head goes to every
 * level above its signer and nowhere else.
 */
export const audienceOf = (event: DomainEvent, recordedBy: string, sourceLevel: Level, registry: JurisdictionLookup): Level[] => {
  // A signed chain head goes up only: the ancestors keep it as evidence against the signer's store.
  if (event.type === 'ChainHeadSigned') return levelsAbove(sourceLevel);
  const about = concerned(event);
  if (about === 'all') return LEVELS.filter((level) => level !== sourceLevel);
  const levels = new Set<Level>();
  for (const code of [recordedBy, ...about]) {
    for (const jurisdiction of [code, ...registry.ancestorsOf(code)]) {
      const level = registry.get(jurisdiction)?.level;
      if (level) levels.add(level);
    }
  }
  levels.delete(sourceLevel);
  return LEVELS.filter((level) => levels.has(level));
};
