import type { DomainEvent, EventMetadata } from '#domain';
import type { RecordedEvent } from '#event-store';

/** A fact of a level's store as the domain event it records. */
export const asDomainEvent = (recorded: RecordedEvent): DomainEvent => ({ type: recorded.type, data: recorded.data } as DomainEvent);

/** A fact's provenance, as every writer of a level's store records it. */
export const metadataOf = (recorded: RecordedEvent): EventMetadata => recorded.metadata as EventMetadata;

/**
 * Conflicting appends re-run the decision this many times before the caller is told to retry: the
 * same bound for every writer of a level's store (commands, the inbox, the chain signer).
 */
export const MAX_DECISION_ATTEMPTS = 5;
