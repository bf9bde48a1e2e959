import { newEventId } from '#event-store';
import type { EventMetadata, IntegrationEvent, Level } from '#domain';
import { INTEGRATION_SCHEMA, isEventType, isLevel } from '#domain';
import type { EventStore, NewEvent, StreamAppend } from '#event-store';
import { WrongExpectedRevision } from '#event-store';
import type { DeliveryGap } from '#bus';
import { PoisonMessage } from '#bus';
import { MAX_DECISION_ATTEMPTS, metadataOf } from './recorded-facts.js';
import { StreamFolds } from './stream-folds.js';
import type { Span } from '#observability';
import { endSpans, operationsLog, startSpanUnder, traceparentOfSpan } from '#observability';

export type Receipt = 'recorded' | 'duplicate' | 'not-addressed-here';

export interface InboxStats {
  readonly recorded: number;
  readonly duplicates: number;
  /** Gaps in delivery seen since this process started: messages the bus had discarded unread. */
  readonly gaps: number;
  /** Messages that were no integration event of this contract, sent to the dead-letter topic, since start. */
  readonly deadLettered: number;
  readonly recentGaps: readonly (DeliveryGap & { readonly at: string })[];
}

/** How many of the latest delivery gaps the status shows. */
const RECENT_GAPS = 20;

/** A message the inbox cannot record: the bus dead-letters it rather than retry it forever. */
export class UndeliverableMessage extends PoisonMessage {
  override readonly name = 'UndeliverableMessage';
}

/** Where in a parsed JSON value the first key or string that is not well-formed UTF-16 is, if any. */
const illFormedTextIn = (value: unknown, path: string): string | undefined => {
  if (typeof value === 'string') return value.isWellFormed() ? undefined : path;
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const found = illFormedTextIn(value[index], `${path}[${index}]`);
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    if (!key.isWellFormed()) return `a key of ${path}`;
    const found = illFormedTextIn(item, `${path}.${key}`);
    if (found) return found;
  }
  return undefined;
};

export const parseIntegrationEvent = (text: string): IntegrationEvent => {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UndeliverableMessage(`not JSON: ${(error as Error).message}`);
  }
  // A lone surrogate (a JSON escape such as \ud800 decodes to one) has no UTF-8 form. The stores
  // refuse one in a stream or event id, and the ids in a fact's data name streams here too, so such
  // a message would fail on every redelivery: it is dead-lettered instead. Every string is checked,
  // not only today's ids, so that no field added later slips through.
  const illFormed = illFormedTextIn(value, 'message');
  if (illFormed) throw new UndeliverableMessage(`text at ${illFormed} is not well-formed UTF-16 (a lone surrogate)`);
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

/** A fact of a `receiveMany` batch that is addressed here, with the inbox event that would record it. */
interface Pending {
  readonly index: number;
  readonly integration: IntegrationEvent;
  /** Made once per batch, so an attempt can tell its own earlier writes (see receiveMany) by their id. */
  readonly inboxEvent: NewEvent;
  /** Its consumer span, when the fact came with a trace context and tracing is on. */
  readonly span: Span | undefined;
}

/** What an inbox works with: the level it records for, and that level's store. */
export interface InboxPorts {
  /** Facts are recorded here when they are addressed to this level and come from another. */
  readonly level: Level;
  readonly store: EventStore;
}

/**
 * Records facts received from other levels in this level's own store, in the stream of the same
 * name as at the source, so that this level's decisions and projections see them and can be
 * rebuilt from this store alone. Deduplicated by the source event id. What it records reaches
 * the rest of the level through the store: the jurisdiction registrar watches it, the projections
 * and the relay follow it.
 */
export class Inbox {
  private readonly level: Level;
  private readonly store: EventStore;
  private recorded = 0;
  private duplicates = 0;
  private gapCount = 0;
  private deadLettered = 0;
  /** The latest RECENT_GAPS, oldest first. */
  private readonly recentGaps: (DeliveryGap & { readonly at: string })[] = [];
  /** Per stream: source event id → id of the inbox event that recorded it here. */
  private readonly origins: StreamFolds<Map<string, string>>;

  constructor({ level, store }: InboxPorts) {
    this.level = level;
    this.store = store;
    this.origins = new StreamFolds(store, {
      initial: () => new Map(),
      step: (recordedHere, event) => {
        const origin = metadataOf(event).origin;
        if (origin) recordedHere.set(origin.eventId, event.id);
      },
    });
  }

  get stats(): InboxStats {
    return { recorded: this.recorded, duplicates: this.duplicates, gaps: this.gapCount, deadLettered: this.deadLettered, recentGaps: [...this.recentGaps] };
  }

  /**
   * A message could not be read as an integration event (the bus sends it to `deadLetterTopic`
   * and goes on): nothing of it is recorded here, so an operator has to look at it.
   */
  noteDeadLetter(message: { readonly topic: string; readonly partition: number; readonly offset: string }, deadLetterTopic: string, error: unknown): void {
    this.deadLettered += 1;
    operationsLog().error(
      { event: 'dead-letter', atLevel: this.level, topic: message.topic, partition: message.partition, offset: message.offset, deadLetterTopic, reason: error instanceof Error ? error.message : String(error) },
      `[inbox ${this.level}] a message of ${message.topic} is no integration event this level can read: sent to ${deadLetterTopic}`,
    );
  }

  /**
   * The bus no longer had messages this level was to receive (see Bus `onGap`): the facts in them
   * are missing here until their source sends them again. Said loudly, and kept for the status.
   */
  noteGap(gap: DeliveryGap): void {
    this.gapCount += 1;
    this.recentGaps.push({ ...gap, at: new Date().toISOString() });
    if (this.recentGaps.length > RECENT_GAPS) this.recentGaps.shift();
    operationsLog().error(
      { event: 'delivery-gap', atLevel: this.level, topic: gap.topic, partition: gap.partition, missing: gap.missing, fromOffset: String(gap.fromOffset), toOffset: String(gap.toOffset) },
      `[inbox ${this.level}] ${gap.missing} message(s) of ${gap.topic} partition ${gap.partition} (offsets ${gap.fromOffset} to ${BigInt(gap.toOffset) - 1n}) ` +
        `were gone from the bus before this level received them (retention): the facts in them are missing here until their source sends them again`,
    );
  }

  /** `traceparent`: the context the message came with (its header), else the fact's own is used. */
  async receive(integration: IntegrationEvent, traceparent?: string): Promise<Receipt> {
    const [receipt] = await this.receiveMany([integration], [traceparent]);
    return receipt!;
  }

  /**
   * Records a batch of received facts (a run of messages off the bus) in one `appendMany`, one
   * store transaction on SQLite, instead of one per fact. Receipts come in the batch's order.
   *
   * Facts of one source stream keep their batch order; each is checked against what the stream
   * already holds and against the facts before it in the batch, so a fact delivered twice, even
   * twice within the batch, is recorded once. When another writer got to one of the streams first
   * (WrongExpectedRevision), the streams are read again and the batch decided afresh, as `execute`
   * does. An adapter without multi-stream transactions (esdb) may have kept the appends before the
   * refused one: those events carry the ids this call gave them, so the next attempt counts them as
   * recorded by this call, not as duplicates.
   *
   * `traceparents`, by index: the trace context each message came with (the relay's producer span,
   * in a header); absent, the fact's own (its metadata). A fact with one is received in a consumer
   * span under it, and recorded here with that span's context, for this level's projections.
   */
  async receiveMany(integrations: readonly IntegrationEvent[], traceparents: readonly (string | undefined)[] = []): Promise<Receipt[]> {
    const spans: Span[] = [];
    try {
      const receipts = await this.recordMany(integrations, traceparents, spans);
      endSpans(spans);
      return receipts;
    } catch (error) {
      endSpans(spans, error);
      throw error;
    }
  }

  private async recordMany(integrations: readonly IntegrationEvent[], traceparents: readonly (string | undefined)[], spans: Span[]): Promise<Receipt[]> {
    const { level, store } = this;
    const receipts: Receipt[] = integrations.map(() => 'not-addressed-here');
    const byStream = new Map<string, Pending[]>();
    // The batch is recorded at once: one record time for all of it.
    const recordedAt = new Date().toISOString();
    integrations.forEach((integration, index) => {
      if (!integration.audience.includes(level) || integration.source.level === level) return;
      const streamId = integration.source.streamId;
      const pending = byStream.get(streamId) ?? [];
      byStream.set(streamId, pending);
      const span = startSpanUnder(traceparents[index] ?? integration.metadata.traceparent, `receive ${integration.type}`, 'consumer', {
        'linkage.level': level,
        'linkage.source_level': integration.source.level,
        'linkage.event_id': integration.metadata.eventId,
      });
      if (span) spans.push(span);
      pending.push({ index, integration, span, inboxEvent: inboxEventOf(integration, recordedAt, span && traceparentOfSpan(span)) });
    });
    if (byStream.size === 0) return receipts;

    for (let attempt = 1; attempt <= MAX_DECISION_ATTEMPTS; attempt++) {
      /** Facts this call records, written now or by an earlier attempt; every other addressed one is a duplicate. */
      const recordedHere: Pending[] = [];
      // In the order the streams first appear in the batch, however the reads resolve.
      const appendsOfStreams = await Promise.all(
        [...byStream].map(([streamId, pending]) =>
          this.origins.read(streamId, (stored, revision): StreamAppend[] => {
            // Source event id → inbox event id, for this batch on top of what the stream holds.
            const inBatch = new Map<string, string>();
            const events: NewEvent[] = [];
            for (const fact of pending) {
              const sourceId = fact.integration.metadata.eventId;
              const recordedAs = stored.get(sourceId) ?? inBatch.get(sourceId);
              if (recordedAs === undefined) {
                inBatch.set(sourceId, fact.inboxEvent.id);
                events.push(fact.inboxEvent);
                recordedHere.push(fact);
              } else if (recordedAs === fact.inboxEvent.id) {
                recordedHere.push(fact);
              }
            }
            return events.length === 0 ? [] : [{ streamId, expected: revision === undefined ? 'no-stream' : revision, events }];
          }),
        ),
      );
      const appends: StreamAppend[] = appendsOfStreams.flat();
      try {
        if (appends.length > 0) await store.appendMany(appends);
      } catch (error) {
        if (error instanceof WrongExpectedRevision) continue;
        throw error;
      }
      const recordedIndexes = new Set(recordedHere.map(({ index }) => index));
      for (const pending of byStream.values()) {
        for (const { index, span } of pending) {
          receipts[index] = recordedIndexes.has(index) ? 'recorded' : 'duplicate';
          span?.setAttribute('linkage.receipt', receipts[index]);
        }
      }
      this.recorded += recordedHere.length;
      this.duplicates += receipts.filter((receipt) => receipt === 'duplicate').length;
      return receipts;
    }
    const facts = [...byStream.values()].flat();
    const [firstStream] = byStream.keys();
    throw new Error(
      facts.length === 1
        ? `inbox of ${level}: ${firstStream} kept changing; the bus will redeliver ${facts[0]!.integration.metadata.eventId}`
        : `inbox of ${level}: ${byStream.size} streams (${firstStream}, ...) kept changing; the bus will redeliver these ${facts.length} facts`,
    );
  }
}

/**
 * The event that records a received fact here: its provenance, a new id and record time, where it
 * came from, and the context of the span that received it (tracing on) instead of the source's.
 */
const inboxEventOf = (integration: IntegrationEvent, recordedAt: string, traceparent: string | undefined): NewEvent => {
  const metadata: EventMetadata = {
    ...integration.metadata,
    ...(traceparent !== undefined ? { traceparent } : {}),
    eventId: newEventId(),
    recordedAt,
    origin: {
      level: integration.source.level,
      eventId: integration.metadata.eventId,
      streamId: integration.source.streamId,
      revision: integration.source.revision,
      position: integration.source.position,
      schema: integration.schema,
    },
  };
  return { id: metadata.eventId, type: integration.type, data: integration.data, metadata };
};
