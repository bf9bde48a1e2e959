/** The jurisdiction registry: additions between reference data releases. */
import type { CommandCatalogue, EventCatalogue } from '../kernel/catalogue.js';
import { noRound, travelsWhole } from '../kernel/catalogue.js';
import { LEVELS } from '../kernel/actor.js';
import { field, inputOf } from '../kernel/schema.js';
import { streams } from '../streams.js';
import { decideRegisterJurisdiction } from './decide.js';
import type { JurisdictionRegistered, RegisterJurisdiction } from './messages.js';

export const jurisdictionCommands: CommandCatalogue<RegisterJurisdiction['type']> = {
  registerJurisdiction: {
    summary: 'admin: add a jurisdiction to the registry (recorded by the level it joins)',
    roles: ['admin'],
    input: inputOf<RegisterJurisdiction['data']>()({
      code: field.code('GB/T 2260 code of the new jurisdiction'),
      name: field.text(100),
      level: field.oneOf(LEVELS),
      parent: field.optional(field.code('the jurisdiction it reports to; none for a province')),
    }),
    example: { code: '350629', name: '华安县', level: 'county', parent: '350600' },
    target: (data) => streams.jurisdiction(data.code),
    reads: () => [],
    decide: decideRegisterJurisdiction,
  },
};

export const jurisdictionEvents: EventCatalogue<JurisdictionRegistered['type']> = {
  JurisdictionRegistered: {
    stream: (data) => streams.jurisdiction(data.code),
    evolve: (world, data) => {
      world.jurisdictions.set(data.code, { code: data.code, level: data.level, parent: data.parent });
    },
    concerns: (data) => (data.parent === null ? [data.code] : [data.code, data.parent]),
    announce: 'everyone',
    publicView: travelsWhole,
    provenance: 'unread',
    round: noRound,
    lineage: 'continues',
  },
};
