import { BackgroundLoop } from '#background';
import type { EventMetadata, IntegrationEvent, JurisdictionLookup, Level } from '#domain';
import { INTEGRATION_SCHEMA, audienceOf, publicData } from '#domain';
import type { Bus, BusMessage } from '#bus';
import { topicFor } from '#bus';
import type { EventStore, RecordedEvent } from '#event-store';
import type { Checkpoints } from './checkpoints.js';
import { asDomainEvent, metadataOf } from './recorded-facts.js';
import type { Span } from '#observability';
import { TRACEPARENT, endSpans, operationsLog, startSpanUnder, traceparentOfSpan } from '#observability';

export const RELAY_BATCH = 500;
/** Bytes of keys and values per publish: half a broker's default message.max.bytes, so any partition's share fits. */
export const PUBLISH_BYTES = 512 * 1024;

/** The integration event for a locally recorded fact, or undefined for a fact received from elsewhere. */
export const toIntegrationEvent = (recorded: RecordedEvent, level: Level, jurisdictions: JurisdictionLookup): IntegrationEvent | undefined => {
  const metadata = metadataOf(recorded);
  if (metadata.origin) return undefined;
  const event = asDomainEvent(recorded);
  const audience = audienceOf(event, metadata.jurisdiction, level, jurisdictions);
  if (audience.length === 0) return undefined;
  const { origin: _none, ...provenance } = metadata satisfies EventMetadata;
  const published = publicData(event);
  return {
    schema: INTEGRATION_SCHEMA,
    type: published.type,
    data: published.data,
    metadata: provenance,
    source: { level, streamId: recorded.streamId, revision: recorded.revision, position: recorded.position },
    audience,
  };
};

/** What a relay works with: its level's store, where the jurisdictions sit, and the bus. */
export interface RelayPorts {
  /** The level whose facts it publishes: its topic, and the source of every message. */
  readonly level: Level;
  readonly store: EventStore;
  /** Which levels hear of a fact (its audience) depends on where its jurisdictions sit. */
  readonly jurisdictions: JurisdictionLookup;
  readonly bus: Bus;
  /** Where its position in the store is kept. */
  readonly checkpoints: Checkpoints;
  /** How long it sleeps when nothing woke it (`nudge`) and nothing was left. */
  readonly idleMillis?: number;
}

/**
 * The store is the outbox: the relay reads what this level recorded, from a durable checkpoint,
 * and publishes it. The checkpoint moves only after the bus holds the batch, so a crash repeats a
 * batch (receivers dedupe) and never skips one. Whoever appends to the store nudges it.
 */
export class Relay {
  private readonly level: Level;
  private readonly store: EventStore;
  private readonly jurisdictions: JurisdictionLookup;
  private readonly bus: Bus;
  private readonly checkpoints: Checkpoints;
  private readonly checkpointName: string;
  private published = 0;
  /** Publishes in the background; batches from it and from `drain`, and replays, run one at a time. */
  private readonly loop: BackgroundLoop;

  constructor({ level, store, jurisdictions, bus, checkpoints, idleMillis = 25 }: RelayPorts) {
    this.level = level;
    this.store = store;
    this.jurisdictions = jurisdictions;
    this.bus = bus;
    this.checkpoints = checkpoints;
    this.checkpointName = `relay-${level}`;
    this.loop = new BackgroundLoop({
      pass: async () => {
        const sent = await this.relayOneBatch();
        return sent !== undefined && sent > 0;
      },
      idleMillis,
      failure: `[relay ${level}] publishing failed`,
    });
  }

  get checkpoint(): number {
    return this.checkpoints.load(this.checkpointName);
  }

  get publishedCount(): number {
    return this.published;
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  nudge(): void {
    this.loop.wake();
  }

  /** Publishes everything up to the store head; resolves when nothing is left. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const sent = await this.loop.serialized(() => this.relayOneBatch());
      if (sent === undefined) return total;
      total += sent;
    }
  }

  /**
   * Publishes again every fact recorded after `position`, from the next batch on: the repair for
   * facts a receiver never got (a delivery gap its status reports). Receivers dedupe, so facts they
   * already have count as duplicates. Only moves the checkpoint back; returns where it was.
   */
  replayAfter(position: number): Promise<{ previousCheckpoint: number; checkpoint: number }> {
    if (!Number.isSafeInteger(position) || position < 0) throw new RangeError(`replay: position must be an integer >= 0, got ${String(position)}`);
    // In line with the batches: one in flight would otherwise save its checkpoint over this one.
    const next = this.loop.serialized(async () => {
      const previousCheckpoint = this.checkpoints.load(this.checkpointName);
      const checkpoint = Math.min(previousCheckpoint, position);
      this.checkpoints.save(this.checkpointName, checkpoint);
      return { previousCheckpoint, checkpoint };
    });
    void next.then(() => this.nudge(), () => undefined);
    return next;
  }

  /** One batch; undefined when the checkpoint is at the head. */
  private async relayOneBatch(): Promise<number | undefined> {
    const after = this.checkpoints.load(this.checkpointName);
    const prepared = await this.prepare(after);
    if (prepared === undefined) return undefined;
    const started = performance.now();
    try {
      await this.publishInParts(prepared.messages);
    } catch (error) {
      endSpans(prepared.spans, error);
      throw error;
    }
    endSpans(prepared.spans);
    this.checkpoints.save(this.checkpointName, prepared.last);
    this.published += prepared.messages.length;
    if (prepared.messages.length > 0) {
      operationsLog().info(
        { event: 'relay-batch-published', atLevel: this.level, messages: prepared.messages.length, fromPosition: after + 1, toPosition: prepared.last, durationMs: Math.round((performance.now() - started) * 100) / 100 },
        'relay batch published',
      );
    }
    return prepared.messages.length;
  }

  /**
   * Publishes a batch in parts of at most PUBLISH_BYTES, one after the other: a broker refuses a
   * record batch over its message.max.bytes (1 MB by default) for good, so a batch of large facts
   * sent whole would be retried forever. Parts keep store order, since each waits for the last.
   */
  private async publishInParts(messages: readonly BusMessage[]): Promise<void> {
    let part: BusMessage[] = [];
    let bytes = 0;
    for (const message of messages) {
      const size = Buffer.byteLength(message.value) + Buffer.byteLength(message.key);
      if (part.length > 0 && bytes + size > PUBLISH_BYTES) {
        await this.bus.publish(part);
        part = [];
        bytes = 0;
      }
      part.push(message);
      bytes += size;
    }
    if (part.length > 0) await this.bus.publish(part);
  }

  /** The messages for the facts recorded after `after` (at most RELAY_BATCH); undefined when there are none. */
  private async prepare(after: number): Promise<PreparedBatch | undefined> {
    const batch = await this.store.readAll({ after, limit: RELAY_BATCH });
    if (batch.length === 0) return undefined;
    const topic = topicFor(this.level, INTEGRATION_SCHEMA);
    const messages: BusMessage[] = [];
    const spans: Span[] = [];
    for (const recorded of batch) {
      const integration = toIntegrationEvent(recorded, this.level, this.jurisdictions);
      if (integration) {
        // A fact recorded under a trace is published in a producer span of that trace; its context
        // goes in a header, for the receiving level to start its span under.
        const span = startSpanUnder(integration.metadata.traceparent, `publish ${integration.type}`, 'producer', {
          'linkage.level': this.level,
          'messaging.system': 'linkage-bus',
          'messaging.destination.name': topic,
          'linkage.event_id': integration.metadata.eventId,
        });
        const traceparent = span && traceparentOfSpan(span);
        if (span) spans.push(span);
        messages.push({
          topic,
          key: recorded.streamId,
          value: JSON.stringify(integration),
          // One header, for tools that filter by type without decoding: the event id and the contract
          // version are in the value and the topic name, and every header costs kafkajs an encoder
          // buffer per message (a third of a record's encoding with the three headers it once had).
          // The trace context is a second one only while tracing is on.
          headers: traceparent !== undefined ? { 'event-type': integration.type, [TRACEPARENT]: traceparent } : { 'event-type': integration.type },
        });
      }
    }
    return { last: batch[batch.length - 1]!.position, messages, spans };
  }
}

interface PreparedBatch {
  /** Position of the last fact read: the checkpoint once the messages are on the bus. */
  readonly last: number;
  readonly messages: readonly BusMessage[];
  /** Producer spans of the traced facts among them, ended once the bus holds the batch. */
  readonly spans: readonly Span[];
}
