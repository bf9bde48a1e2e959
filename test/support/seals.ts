import { createHash } from 'node:crypto';
import type { EventSeal, SealedEvent } from '#event-store';

/**
 * A seal for the store's own tests, deliberately not the audit chain (the store must not care
 * which seal it keeps): SHA-256 of the previous seal and the stored fields as JSON.
 */
export const testSeal: EventSeal = (previous, event) =>
  createHash('sha256')
    .update(previous ?? new Uint8Array(0))
    .update(JSON.stringify([event.position, event.streamId, event.revision, event.eventId, event.type, event.data, event.metadata]))
    .digest();

/** The seals `seal` gives the events read back, in order, from the first event of a store. */
export const resealed = (events: readonly SealedEvent[], seal: EventSeal = testSeal): Uint8Array[] => {
  let previous: Uint8Array | undefined;
  return events.map(({ seal: _stored, ...stored }) => (previous = seal(previous, stored)));
};
