import { randomUUID } from 'node:crypto';
import { newEventId } from '#event-store';
import type { Actor, Command, EventMetadata, JurisdictionLookup, Level, World } from '#domain';
import { Refusal, contextStreams, decide, emptyWorld, evolve, hideOtherBranches, holdsOtherBranches, mergeWorld, streamOf, targetStream } from '#domain';
import type { EventStore, ExpectedRevision } from '#event-store';
import { WrongExpectedRevision } from '#event-store';
import type { Clock } from './clock.js';
import type { FoldedRevision } from './stream-folds.js';
import { StreamFolds } from './stream-folds.js';
import { MAX_DECISION_ATTEMPTS, asDomainEvent, metadataOf } from './recorded-facts.js';
import type { OutcomeOf } from '#observability';
import type { Span } from '#observability';
import { commandStep, inCommandSpan, traceparentOfSpan } from '#observability';

export interface CommandRequest {
  readonly command: Command;
  readonly actor: Actor;
  /** Idempotency and tracing: the caller's id for this command, or a fresh one. */
  readonly commandId?: string;
  readonly correlationId?: string;
  readonly causationId?: string;
  /**
   * When it happened in the world, if earlier than now: offices often record a meeting or a finding
   * after the fact. Record time is always the server's.
   */
  readonly occurredAt?: string;
  /** The command's trace span when its caller opened it already (the HTTP edge, to cover validation). */
  readonly span?: Span;
}

/** How far ahead of the server's clock a stated domain time may be (clock skew between offices). */
export const MAX_FUTURE_SKEW_MILLIS = 5 * 60_000;

export interface RecordedFact {
  readonly eventId: string;
  readonly type: string;
  readonly streamId: string;
  readonly revision: number;
}

export interface CommandOutcome {
  readonly level: Level;
  readonly events: readonly RecordedFact[];
  /** Store position of the last fact: reads that pass it wait until projections have caught up. */
  readonly position: number;
}

/**
 * One level's service (province, city or county): it decides commands of actors of its level and
 * writes only to its own store. It reads the jurisdictions and never adds one: the registrar that
 * watches `store` learns what a command records there.
 */
export class LevelService {
  private readonly appendListeners: Array<(outcome: CommandOutcome) => void> = [];
  private readonly appendTimers: Array<(seconds: number) => void> = [];

  /** What each recently used stream says, folded once and kept up to date. */
  private readonly worlds: StreamFolds<World>;

  constructor(
    readonly level: Level,
    readonly store: EventStore,
    readonly registry: JurisdictionLookup,
    private readonly clock: Clock,
    private readonly options: {
      /**
       * Throws when the level cannot record a command now (its store is out of reach, or not read
       * since start): checked before the decision, which would otherwise run on what the level has
       * not read yet.
       */
      readonly admit?: () => void;
    } = {},
  ) {
    this.worlds = new StreamFolds(store, {
      initial: emptyWorld,
      step: (world, recorded) => evolve(world, asDomainEvent(recorded), metadataOf(recorded).occurredAt),
    });
  }

  /** The revision of the last fact of a stream of this level's store (`undefined`: no such stream). */
  lastRevision(streamId: string): Promise<FoldedRevision> {
    return this.worlds.read(streamId, (_, revision) => revision);
  }

  /** Called after every successful local append (the relay, projections and signer wake up on it). */
  onAppended(listener: (outcome: CommandOutcome) => void): void {
    this.appendListeners.push(listener);
  }

  /** Called with how long each command's successful store append took (the metrics' append latency). */
  onAppendTimed(listener: (seconds: number) => void): void {
    this.appendTimers.push(listener);
  }

  now(): string {
    return this.clock.now();
  }

  /**
   * Decides and records a command, in its trace span when tracing is on: `decide` (read the streams
   * the decision needs, decide) and `append`, again per attempt after a conflict.
   */
  execute(request: CommandRequest): Promise<CommandOutcome> {
    const attributes = { 'linkage.level': this.level, 'linkage.jurisdiction': request.actor.jurisdiction };
    return inCommandSpan(request.command.type, attributes, refusalOutcome, (span) => this.decideAndAppend(request, span), { open: request.span });
  }

  private async decideAndAppend(request: CommandRequest, span: Span | undefined): Promise<CommandOutcome> {
    this.options.admit?.();
    const { command, actor } = request;
    const commandId = request.commandId ?? randomUUID();
    const target = targetStream(command);
    const clockNow = this.clock.now();
    if (request.occurredAt !== undefined && Date.parse(request.occurredAt) > Date.parse(clockNow) + MAX_FUTURE_SKEW_MILLIS) {
      throw new Refusal('InvalidTime', `occurredAt ${request.occurredAt} lies in the future (now ${clockNow})`, 'occurredAt');
    }
    const now = request.occurredAt ?? clockNow;
    // The command's span: every level that handles these facts later starts its spans under it.
    const traceparent = traceparentOfSpan(span);
    for (let attempt = 1; attempt <= MAX_DECISION_ATTEMPTS; attempt++) {
      const { expected, events } = await commandStep(
        span,
        'decide',
        async () => {
          const { world, expected, targetOnOtherBranch } = await this.load(command, target, actor);
          const events = decide(command, hideOtherBranches(world, actor, this.registry), { actor, now, registry: this.registry });
          // The decision saw another branch's aggregate as absent and would create it again: the id is
          // taken, which is all this refusal says (ids are unique within a level's store).
          if (targetOnOtherBranch && events.length > 0) throw new Refusal('AlreadyRecorded', `${target} is already taken; choose another id`);
          return { expected, events };
        },
        refusalOutcome,
      );
      const recordedAt = new Date().toISOString();
      const stored = events.map((event) => {
        if (streamOf(event) !== target) throw new Error(`${command.type} decided ${event.type} for ${streamOf(event)}, outside ${target}`);
        const metadata: EventMetadata = {
          eventId: newEventId(),
          actor,
          jurisdiction: actor.jurisdiction,
          correlationId: request.correlationId ?? commandId,
          causationId: request.causationId ?? commandId,
          occurredAt: now,
          recordedAt,
          ...(traceparent !== undefined ? { traceparent } : {}),
        };
        return { id: metadata.eventId, type: event.type, data: event.data, metadata };
      });
      try {
        const started = performance.now();
        const result = await commandStep(span, 'append', () => this.store.append(target, expected, stored), conflictOutcome);
        const seconds = (performance.now() - started) / 1000;
        for (const timer of this.appendTimers) timer(seconds);
        const firstRevision = result.nextExpectedRevision - stored.length + 1;
        const outcome: CommandOutcome = {
          level: this.level,
          position: result.position,
          events: stored.map((fact, index) => ({ eventId: fact.id, type: fact.type, streamId: target, revision: firstRevision + index })),
        };
        for (const listener of this.appendListeners) listener(outcome);
        return outcome;
      } catch (error) {
        if (error instanceof WrongExpectedRevision) continue;
        throw error;
      }
    }
    throw new Refusal('ConcurrentChange', `${target} kept changing while ${command.type} was decided; retry the command`);
  }

  /** The target stream and every stream the decision consults, in one World. */
  private async load(command: Command, target: string, actor: Actor): Promise<{ world: World; expected: ExpectedRevision; targetOnOtherBranch: boolean }> {
    const world = emptyWorld();
    // Merged as soon as read: the cached fragments move on with later reads.
    const merge = (fragment: World, revision: FoldedRevision) => {
      mergeWorld(world, fragment);
      return revision;
    };
    let targetOnOtherBranch = false;
    const targetRevision = await this.worlds.read(target, (fragment, revision) => {
      targetOnOtherBranch = holdsOtherBranches(fragment, actor, this.registry);
      return merge(fragment, revision);
    });
    const expected: ExpectedRevision = targetRevision === undefined ? 'no-stream' : targetRevision;
    const loaded = new Set([target]);
    for (;;) {
      const next = contextStreams(command, world).filter((stream) => !loaded.has(stream));
      if (next.length === 0) break;
      for (const stream of next) loaded.add(stream);
      await Promise.all(next.map((stream) => this.worlds.read(stream, merge)));
    }
    return { world, expected, targetOnOtherBranch };
  }
}

/** A refusal is the command's answer, not a failure of the span. */
export const refusalOutcome: OutcomeOf = (error) => (error instanceof Refusal ? { outcome: 'refused', problem: error.refusal } : undefined);

/** An append that lost a race is decided again: the step's outcome, not an error. */
const conflictOutcome: OutcomeOf = (error) => (error instanceof WrongExpectedRevision ? { outcome: 'conflict', problem: 'WrongExpectedRevision' } : undefined);
