import type { EventMetadata } from '#domain';
import type { RecordedEvent } from '#event-store';

/*
 * How the audit reads a stored fact's provenance: the same cast as the linkage's recorded-facts.ts,
 * said again here because the linkage starts the audit (it imports this lib) and the audit may not
 * import it back. What a fact's data means the audit asks the catalogue (knownEvent), never a cast.
 */

/** A fact's provenance, as every writer of a level's store records it. */
export const metadataOf = (recorded: RecordedEvent): EventMetadata => recorded.metadata as EventMetadata;
