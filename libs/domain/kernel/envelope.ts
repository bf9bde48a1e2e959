import type { Actor, Level } from './actor.js';

/**
 * Provenance of a fact (DESIGN.md §3.8). Set by the application when the decider's events are
 * stored; received facts keep their origin so an auditor can follow them back to their source.
 */
export interface EventMetadata {
  readonly eventId: string;
  readonly actor: Actor;
  /** The jurisdiction that owns the fact: whose service recorded it. */
  readonly jurisdiction: string;
  readonly correlationId: string;
  readonly causationId: string;
  /** Domain time: when it happened in the world (the command's clock). */
  readonly occurredAt: string;
  /** Record time: when this store took it. */
  readonly recordedAt: string;
  /** Present on facts received from another level's store through the inbox. */
  readonly origin?: EventOrigin;
  /**
   * W3C trace context of the span that recorded the fact (README "Tracing"), present only while
   * tracing is on: the relay, the inbox and the projections of every level start theirs under it.
   */
  readonly traceparent?: string;
}

export interface EventOrigin {
  readonly level: Level;
  readonly eventId: string;
  readonly streamId: string;
  readonly revision: number;
  readonly position: number;
  /** Integration contract version the fact travelled under. */
  readonly schema: number;
}

export interface CommandMetadata {
  readonly actor: Actor;
  readonly commandId: string;
  readonly correlationId: string;
  readonly causationId?: string;
}

/** A plain, JSON-safe message: what every command and event looks like. */
export interface Message<T extends string, D> {
  readonly type: T;
  readonly data: D;
}

export const assertNever = (value: never, what = 'message'): never => {
  throw new Error(`unhandled ${what}: ${JSON.stringify(value)}`);
};

/**
 * A stored fact's provenance, as every writer of a level's store records it: the one place that
 * casts a store's opaque metadata (the linkage and the audit read it alike; neither imports the other).
 */
export const metadataOf = (recorded: { readonly metadata: unknown }): EventMetadata => recorded.metadata as EventMetadata;

/**
 * Conflicting appends re-run the decision this many times before the caller is told to retry: the
 * same bound for every writer of a level's store (commands, the inbox, the chain signer).
 */
export const MAX_DECISION_ATTEMPTS = 5;
