import type { DomainEvent, EventMetadata } from '#domain';
import type { RecordedEvent } from '#event-store';

/*
 * How the audit reads a level's stored facts. The same two casts as the linkage's recorded-facts.ts,
 * said again here because the linkage starts the audit (it imports this lib) and the audit may not
 * import it back.
 */

/** A fact of a level's store as the domain event it records. */
export const asDomainEvent = (recorded: RecordedEvent): DomainEvent => ({ type: recorded.type, data: recorded.data } as DomainEvent);

/** A fact's provenance, as every writer of a level's store records it. */
export const metadataOf = (recorded: RecordedEvent): EventMetadata => recorded.metadata as EventMetadata;
