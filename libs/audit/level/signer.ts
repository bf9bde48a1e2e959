import { randomUUID } from 'node:crypto';
import { BackgroundLoop } from '#background';
import type { Actor, EventMetadata, JurisdictionLookup, Level } from '#domain';
import { MAX_DECISION_ATTEMPTS, metadataOf, streams } from '#domain';
import type { AuditSigningKey, SignedChainHead } from '../signing.js';
import { asSignedChainHead, signChainHead } from '../signing.js';
import type { EventStore } from '#event-store';
import { WrongExpectedRevision, newEventId } from '#event-store';
import type { StoreChain } from './store-chain.js';

/**
 * What the audit side of a level uses of it: the level, its store (read, and written to with
 * `ChainHeadSigned` facts), its jurisdictions, and a wake-up after every append the level's
 * command path got through. Not the level service: audit signs and reads, it decides no command.
 */
export interface AuditedLevel {
  readonly level: Level;
  readonly store: EventStore;
  readonly jurisdictions: JurisdictionLookup;
  /** Registers `listener`, called after every command the level's store accepted. */
  readonly onAppended: (listener: () => void) => void;
}

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
  /** The last revision of this level's `audit-chain` stream seen so far: reads of the stream start there. */
  private knownRevision: number | undefined;

  constructor(
    private readonly audited: AuditedLevel,
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
      failure: `[audit ${audited.level}] signing the chain head failed`,
    });
    audited.onAppended(() => this.nudge());
  }

  get level(): Level {
    return this.audited.level;
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
      if (last !== undefined && (await this.audited.store.headPosition()) === last.factPosition) return last.record;
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
    const recorded = await this.audited.store.readStream(streams.auditChain(this.level));
    this.knownRevision = recorded.at(-1)?.revision;
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

  /**
   * The stream's last revision, read from the last one seen: another process of this level may
   * have signed since (its fact is what a conflicting append runs into).
   */
  private async lastRevision(streamId: string): Promise<number | undefined> {
    const tail = await this.audited.store.readStream(streamId, { fromRevision: this.knownRevision ?? 0 });
    this.knownRevision = tail.at(-1)?.revision ?? this.knownRevision;
    return this.knownRevision;
  }

  private async sign(actor: Actor): Promise<SignedHeadRecord> {
    const streamId = streams.auditChain(this.level);
    for (let attempt = 1; attempt <= MAX_DECISION_ATTEMPTS; attempt++) {
      const lastRevision = await this.lastRevision(streamId);
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
        const result = await this.audited.store.append(streamId, lastRevision === undefined ? 'no-stream' : lastRevision, [
          { id: metadata.eventId, type: 'ChainHeadSigned', data: signed, metadata },
        ]);
        this.knownRevision = result.nextExpectedRevision;
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
