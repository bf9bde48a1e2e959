import { randomUUID } from 'node:crypto';
import { BackgroundLoop } from '#background';
import type { Actor, EventMetadata, Level } from '#domain';
import { streams } from '#domain';
import type { AuditSigningKey, SignedChainHead } from '#audit';
import { asSignedChainHead, signChainHead } from '#audit';
import { WrongExpectedRevision } from '#event-store';
import type { StoreChain } from './audit-chain.js';
import { newEventId } from './event-ids.js';
import type { LevelService } from './level-service.js';
import { MAX_DECISION_ATTEMPTS, metadataOf } from './level-service.js';

/** When a level signs its chain head by itself; 0 (or absent) turns a trigger off. */
export interface ChainSigningSchedule {
  /** Sign once this many events were stored since the last signature. */
  readonly everyEvents?: number;
  /** Sign when this much time passed since the last signature and anything was stored since. */
  readonly intervalMs?: number;
}

export interface SignedHeadRecord {
  readonly head: SignedChainHead;
  /** Where the `ChainHeadSigned` fact was stored in this level's store. */
  readonly position: number;
  readonly eventId: string;
}

/** How often an idle signer looks at the store head when only its clock can make it sign. */
const MAX_POLL_MILLIS = 1000;

/**
 * Signs a level's chain head and records the signature as a `ChainHeadSigned` fact in the level's
 * own store (stream `audit-chain-<level>`); the relay then carries it to every level above.
 * Periodic signing follows the schedule; `signNow` signs on demand (an auditor before an audit).
 */
export class ChainSigner {
  /**
   * The last signature's fact: its store position (what the store head is compared with) and its
   * chain position (what the schedule counts events from: store positions of EventStoreDB are log
   * offsets, not counts).
   */
  private last: { factPosition: number; factPlace: number; at: number; record: SignedHeadRecord } | undefined;
  private readonly startedAt = Date.now();
  /** Signs when due in the background; signatures from it, from `drain` and on demand run one at a time. */
  private readonly loop: BackgroundLoop;
  private initialized: Promise<void> | undefined;

  constructor(
    private readonly service: LevelService,
    /** The chain of the level's store. */
    private readonly chain: StoreChain,
    readonly key: AuditSigningKey,
    /** Who periodic signatures are recorded as: the system, acting for the registry's root. */
    private readonly systemActor: Actor,
    private readonly schedule: ChainSigningSchedule = {},
  ) {
    this.loop = new BackgroundLoop({
      pass: async () => {
        await this.afterLoadingLast(() => this.signIfDue());
        // Whether a signature is due next depends on time as much as on appends: look again after the poll.
        return false;
      },
      idleMillis: Math.min(MAX_POLL_MILLIS, (schedule.intervalMs ?? 0) > 0 ? schedule.intervalMs! : MAX_POLL_MILLIS),
      failure: `[audit ${service.level}] signing the chain head failed`,
    });
    service.onAppended(() => this.nudge());
  }

  get level(): Level {
    return this.service.level;
  }

  get periodic(): boolean {
    return (this.schedule.everyEvents ?? 0) > 0 || (this.schedule.intervalMs ?? 0) > 0;
  }

  start(): void {
    if (this.periodic) this.loop.start();
  }

  /** Resolves once the signature in flight, if any, is stored. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  nudge(): void {
    this.loop.wake();
  }

  /**
   * Signs the current head now, recorded as done by `actor`. While nothing was stored since this
   * level's last signature, that signature still covers the head and is returned instead: asking
   * again writes nothing.
   */
  signNow(actor: Actor = this.systemActor): Promise<SignedHeadRecord> {
    return this.serialized(async () => {
      const last = this.last;
      if (last !== undefined && (await this.service.store.headPosition()) === last.factPosition) return last.record;
      return this.sign(actor);
    });
  }

  /** Signs if the schedule says a signature is due; resolves when that is done. */
  drain(): Promise<SignedHeadRecord | undefined> {
    if (!this.periodic) return Promise.resolve(undefined);
    return this.serialized(() => this.signIfDue());
  }

  private async signIfDue(): Promise<SignedHeadRecord | undefined> {
    return (await this.due()) ? this.sign(this.systemActor) : undefined;
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    return this.loop.serialized(() => this.afterLoadingLast(work));
  }

  private async afterLoadingLast<T>(work: () => Promise<T>): Promise<T> {
    // A failed load (the store out of reach at start) is tried again by the next signature.
    await (this.initialized ??= this.loadLast().catch((error: unknown) => {
      this.initialized = undefined;
      throw error;
    }));
    return work();
  }

  /** The last signature this level recorded, so that a restart keeps the schedule. */
  private async loadLast(): Promise<void> {
    const recorded = await this.service.store.readStream(streams.auditChain(this.level));
    const last = recorded.filter((event) => event.type === 'ChainHeadSigned' && !metadataOf(event).origin).at(-1);
    const head = last ? asSignedChainHead(last.data) : undefined;
    if (last && head) {
      const factPlace = (await this.chain.placeOf(last.position)) ?? head.position;
      this.last = { factPosition: last.position, factPlace, at: Date.parse(head.signedAt), record: { head, position: last.position, eventId: last.id } };
    }
  }

  /** Events stored after the last signature's own fact. */
  private async due(): Promise<boolean> {
    const { position: head } = await this.chain.head();
    const unsigned = head - (this.last?.factPlace ?? 0);
    if (unsigned <= 0) return false;
    const { everyEvents = 0, intervalMs = 0 } = this.schedule;
    if (everyEvents > 0 && unsigned >= everyEvents) return true;
    return intervalMs > 0 && Date.now() - (this.last?.at ?? this.startedAt) >= intervalMs;
  }

  private async sign(actor: Actor): Promise<SignedHeadRecord> {
    const streamId = streams.auditChain(this.level);
    for (let attempt = 1; attempt <= MAX_DECISION_ATTEMPTS; attempt++) {
      const lastRevision = await this.service.lastRevision(streamId);
      const head = await this.chain.head();
      const signedAt = new Date().toISOString();
      const signed = signChainHead(this.key, { level: this.level, position: head.position, hash: head.hash, signedAt });
      const correlationId = randomUUID();
      const metadata: EventMetadata = {
        eventId: newEventId(),
        actor,
        jurisdiction: actor.jurisdiction,
        correlationId,
        causationId: correlationId,
        occurredAt: signedAt,
        recordedAt: signedAt,
      };
      try {
        const result = await this.service.store.append(streamId, lastRevision === undefined ? 'no-stream' : lastRevision, [
          { id: metadata.eventId, type: 'ChainHeadSigned', data: signed, metadata },
        ]);
        const record: SignedHeadRecord = { head: signed, position: result.position, eventId: metadata.eventId };
        const factPlace = (await this.chain.placeOf(result.position)) ?? head.position + 1;
        this.last = { factPosition: result.position, factPlace, at: Date.parse(signedAt), record };
        return record;
      } catch (error) {
        // Another process of this level signed meanwhile: sign the newer head.
        if (error instanceof WrongExpectedRevision) continue;
        throw error;
      }
    }
    throw new Error(`audit ${this.level}: ${streamId} kept changing while the chain head was signed`);
  }
}
