import type { DomainEvent } from '../events.js';
import { assertNever } from '../kernel/envelope.js';

/**
 * The jurisdictions a fact is owned by or attributed to (DESIGN.md §5 attribution): what an auditor's
 * subtree, a jurisdiction's replay and a jurisdiction's export go by. Unlike the integration
 * audience, rounds are not "everyone's": a round belongs to its owner. A fact's recorder
 * (metadata.jurisdiction) counts as well; callers add it, since it is provenance, not data.
 */
export const attributedJurisdictions = (event: DomainEvent): string[] => {
  switch (event.type) {
    case 'JurisdictionRegistered':
      return event.data.parent === null ? [event.data.code] : [event.data.code, event.data.parent];
    case 'UnitRegistered':
      return [event.data.jurisdiction];
    case 'RoundPlanned':
    case 'RoundLaunched':
    case 'RoundClosed':
    case 'TeamFormed':
    case 'PetitionsReceived':
    case 'SpecialReportSubmitted':
      return [event.data.owner];
    case 'TeamStationed':
      return [event.data.owner, ...event.data.units.map((unit) => unit.jurisdiction)];
    case 'IssueFound':
    case 'FeedbackDelivered':
    case 'RectificationRequired':
    case 'RectificationCompleted':
      return [event.data.owner, event.data.unitJurisdiction];
    case 'ClueTransferred':
    case 'ClueDisposed':
    case 'ClueConcluded':
      return [event.data.owner, event.data.attributedTo];
    case 'TaskAssigned':
    case 'TaskAccepted':
    case 'TaskProgressReported':
    case 'TaskCompleted':
      return [event.data.from, event.data.toJurisdiction];
    case 'FindingEscalated':
      return [event.data.from, event.data.toJurisdiction, event.data.unitJurisdiction];
    case 'FindingAdopted':
      return [event.data.from, event.data.by];
    case 'ChainHeadSigned':
      // About a store, not a jurisdiction: who may see it is decided by level (libs/http audit).
      return [];
    default:
      return assertNever(event, 'event');
  }
};
