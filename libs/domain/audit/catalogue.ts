/** Attestations about a level's store. */
import type { EventCatalogue } from '../kernel/catalogue.js';
import { noRound, travelsWhole } from '../kernel/catalogue.js';
import type { AuditEvent } from './messages.js';
import { auditChainStream } from './messages.js';

export const auditEvents: EventCatalogue<AuditEvent['type']> = {
  ChainHeadSigned: {
    stream: (data) => auditChainStream(data.level),
    // An attestation about the store, not a change of any aggregate.
    evolve: () => {},
    // About a store, not a jurisdiction: who may see it is decided by level (audit routes).
    concerns: () => [],
    announce: 'above',
    publicView: travelsWhole,
    provenance: 'unread',
    round: noRound,
    lineage: 'continues',
  },
};
