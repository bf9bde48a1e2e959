import type { DomainEvent } from '../events.js';
import type { JurisdictionLookup } from '../jurisdictions/registry.js';
import type { Level } from '../kernel/actor.js';
import { announcementOf, attributedJurisdictions } from '../catalogue.js';
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

/**
 * Levels that must record a fact besides its source: every level above the recorder (results roll
 * up) and every level holding a jurisdiction the fact concerns or one of their ancestors (tasks,
 * rectifications and findings come down to whom they concern). A signed chain head goes to every
 * level above its signer and nowhere else.
 */
export const audienceOf = (event: DomainEvent, recordedBy: string, sourceLevel: Level, registry: JurisdictionLookup): Level[] => {
  const announcement = announcementOf(event.type);
  // A signed chain head goes up only: the ancestors keep it as evidence against the signer's store.
  if (announcement === 'above') return levelsAbove(sourceLevel);
  if (announcement === 'everyone') return LEVELS.filter((level) => level !== sourceLevel);
  const levels = new Set<Level>();
  for (const code of [recordedBy, ...attributedJurisdictions(event)]) {
    for (const jurisdiction of [code, ...registry.ancestorsOf(code)]) {
      const level = registry.get(jurisdiction)?.level;
      if (level) levels.add(level);
    }
  }
  levels.delete(sourceLevel);
  return LEVELS.filter((level) => levels.has(level));
};
