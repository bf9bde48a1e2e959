import { newEventId } from './event-ids.js';
import type { DomainEvent, EventMetadata, IntegrationEvent } from '#domain';
import { INTEGRATION_SCHEMA, isEventType, isLevel } from '#domain';
import { WrongExpectedRevision } from '#event-store';
import { PoisonMessage } from '#bus';
import type { LevelService } from './level-service.js';
import { MAX_DECISION_ATTEMPTS, metadataOf } from './level-service.js';

export type Receipt = 'recorded' | 'duplicate' | 'not-addressed-here';

/** A message the inbox cannot record: the bus dead-letters it rather than retry it forever. */
export class UndeliverableMessage extends PoisonMessage {
  override readonly name = 'UndeliverableMessage';
}

export const parseIntegrationEvent = (text: string): IntegrationEvent => {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UndeliverableMessage(`not JSON: ${(error as Error).message}`);
  }
  const candidate = value as Partial<IntegrationEvent> | null;
  if (typeof candidate !== 'object' || candidate === null) throw new UndeliverableMessage('not an object');
  if (candidate.schema !== INTEGRATION_SCHEMA) throw new UndeliverableMessage(`unsupported integration schema ${String(candidate.schema)}`);
  if (typeof candidate.type !== 'string' || !isEventType(candidate.type)) throw new UndeliverableMessage(`unknown event type ${String(candidate.type)}`);
  const source = candidate.source;
  if (!source || !isLevel(source.level) || typeof source.streamId !== 'string') throw new UndeliverableMessage('missing or malformed source');
  if (!candidate.metadata || typeof candidate.metadata.eventId !== 'string') throw new UndeliverableMessage('missing metadata.eventId');
  if (!Array.isArray(candidate.audience) || !candidate.audience.every(isLevel)) throw new UndeliverableMessage('missing or malformed audience');
  if (typeof candidate.data !== 'object' || candidate.data === null) throw new UndeliverableMessage('missing data');
  return candidate as IntegrationEvent;
};

/**
 * Records facts received from other levels in this level's own store, in the stream of the same
 * name as at the source, so that this level's decisions and projections see them and can be
 * rebuilt from this store alone. Deduplicated by the source event id.
 */
export class Inbox {
  private recorded = 0;
  private duplicates = 0;

  constructor(private readonly service: LevelService) {}

  get stats(): { recorded: number; duplicates: number } {
    return { recorded: this.recorded, duplicates: this.duplicates };
  }

  async receive(integration: IntegrationEvent): Promise<Receipt> {
    const { level, store } = this.service;
    if (!integration.audience.includes(level) || integration.source.level === level) return 'not-addressed-here';
    const streamId = integration.source.streamId;
    for (let attempt = 1; attempt <= MAX_DECISION_ATTEMPTS; attempt++) {
      const existing = await this.service.readStream(streamId);
      if (existing.some((recorded) => metadataOf(recorded).origin?.eventId === integration.metadata.eventId)) {
        this.duplicates++;
        return 'duplicate';
      }
      const metadata: EventMetadata = {
        ...integration.metadata,
        eventId: newEventId(),
        recordedAt: new Date().toISOString(),
        origin: {
          level: integration.source.level,
          eventId: integration.metadata.eventId,
          streamId,
          revision: integration.source.revision,
          position: integration.source.position,
          schema: integration.schema,
        },
      };
      const expected = existing.length === 0 ? 'no-stream' : existing[existing.length - 1]!.revision;
      try {
        await store.append(streamId, expected, [{ id: metadata.eventId, type: integration.type, data: integration.data, metadata }]);
        this.service.learn({ type: integration.type, data: integration.data } as DomainEvent);
        this.recorded++;
        return 'recorded';
      } catch (error) {
        if (error instanceof WrongExpectedRevision) continue;
        throw error;
      }
    }
    throw new Error(`inbox of ${level}: ${streamId} kept changing; the bus will redeliver ${integration.metadata.eventId}`);
  }
}
