import type { DomainEvent } from '#domain';
import type { RecordedEvent } from '#event-store';

/** A fact of a level's store as the domain event it records. */
export const asDomainEvent = (recorded: RecordedEvent): DomainEvent => ({ type: recorded.type, data: recorded.data } as DomainEvent);

export { MAX_DECISION_ATTEMPTS, metadataOf } from '#domain';
