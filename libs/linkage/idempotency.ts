/**
 * Idempotency keys (the IETF `Idempotency-Key` draft, as Stripe runs it): per actor and key, the
 * first outcome of a command is kept; a retry with the same request gets that outcome again and
 * writes nothing; the same key with a different request is refused; concurrent duplicates make one
 * write. Offices on flaky networks retry `receivePetitions` or `disposeClue`, and without this
 * each retry would add to the figures for good.
 *
 * The records live beside the level's store (`<level>.idempotency.db`). A crash between the append
 * and the record leaves a pending record; the retry then looks for the facts the first attempt
 * wrote (they carry the key as their causation id and the actor) before deciding again, so even
 * that window writes nothing twice.
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import type { Actor, Command, EventMetadata, RefusalName } from '#domain';
import { Refusal, targetStream } from '#domain';
import type { EventStore } from '#event-store';
import { StoreUnreachable, preparePrivateSqliteFile } from '#event-store';
import type { CommandOutcome, CommandRequest, LevelService } from './level-service.js';

/** What a retry is answered with: the facts recorded, or the domain's refusal. */
export type KeptOutcome =
  | { readonly kind: 'recorded'; readonly outcome: CommandOutcome }
  | { readonly kind: 'refused'; readonly refusal: RefusalName; readonly message: string; readonly field?: string };

interface IdempotencyRecord {
  readonly fingerprint: string;
  readonly createdAt: number;
  /** Undefined while the first attempt runs (or if it crashed before its outcome was kept). */
  readonly outcome: KeptOutcome | undefined;
}

/** Where a level keeps its idempotency records. */
export interface IdempotencyRecords {
  get(scope: string): IdempotencyRecord | undefined;
  /** Records a pending attempt; false when the scope already has a record. */
  begin(scope: string, fingerprint: string, createdAt: number): boolean;
  finish(scope: string, outcome: KeptOutcome): void;
  /** Forgets an attempt whose outcome is not to be kept (it failed for a reason a retry may not meet). */
  forget(scope: string): void;
  /** Drops records created before `before` (epoch millis). */
  purge(before: number): void;
  close(): void;
}

export class MemoryIdempotencyRecords implements IdempotencyRecords {
  private readonly records = new Map<string, IdempotencyRecord>();
  get(scope: string): IdempotencyRecord | undefined {
    return this.records.get(scope);
  }
  begin(scope: string, fingerprint: string, createdAt: number): boolean {
    if (this.records.has(scope)) return false;
    this.records.set(scope, { fingerprint, createdAt, outcome: undefined });
    return true;
  }
  finish(scope: string, outcome: KeptOutcome): void {
    const record = this.records.get(scope);
    if (record) this.records.set(scope, { ...record, outcome });
  }
  forget(scope: string): void {
    this.records.delete(scope);
  }
  purge(before: number): void {
    for (const [scope, record] of this.records) if (record.createdAt < before) this.records.delete(scope);
  }
  close(): void {}
}

export class SqliteIdempotencyRecords implements IdempotencyRecords {
  private readonly db: Database.Database;
  private readonly statements;

  constructor(file: string) {
    preparePrivateSqliteFile(file);
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS idempotency (
      scope TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, created_at INTEGER NOT NULL, outcome TEXT) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS idempotency_by_age ON idempotency (created_at);`);
    this.statements = {
      get: this.db.prepare<[string], { fingerprint: string; created_at: number; outcome: string | null }>(
        'SELECT fingerprint, created_at, outcome FROM idempotency WHERE scope = ?',
      ),
      begin: this.db.prepare<[string, string, number]>('INSERT OR IGNORE INTO idempotency (scope, fingerprint, created_at) VALUES (?, ?, ?)'),
      finish: this.db.prepare<[string, string]>('UPDATE idempotency SET outcome = ? WHERE scope = ?'),
      forget: this.db.prepare<[string]>('DELETE FROM idempotency WHERE scope = ?'),
      purge: this.db.prepare<[number]>('DELETE FROM idempotency WHERE created_at < ?'),
    };
  }

  get(scope: string): IdempotencyRecord | undefined {
    const row = this.statements.get.get(scope);
    if (!row) return undefined;
    return { fingerprint: row.fingerprint, createdAt: row.created_at, outcome: row.outcome === null ? undefined : (JSON.parse(row.outcome) as KeptOutcome) };
  }
  begin(scope: string, fingerprint: string, createdAt: number): boolean {
    return this.statements.begin.run(scope, fingerprint, createdAt).changes === 1;
  }
  finish(scope: string, outcome: KeptOutcome): void {
    this.statements.finish.run(JSON.stringify(outcome), scope);
  }
  forget(scope: string): void {
    this.statements.forget.run(scope);
  }
  purge(before: number): void {
    this.statements.purge.run(before);
  }
  close(): void {
    this.db.close();
  }
}

/** The same key was used for a different request. */
export class IdempotencyKeyReused extends Error {
  override readonly name = 'IdempotencyKeyReused';
}

/** How long a kept outcome answers retries; the draft asks for at least a day. */
export const DEFAULT_IDEMPOTENCY_RETENTION_MILLIS = 48 * 3600_000;

/** Canonical JSON: keys sorted, so that the same request always gives the same fingerprint. */
const canonicalJson = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
};

export const requestFingerprint = (command: Command, occurredAt: string | undefined): string =>
  createHash('sha256').update(canonicalJson({ type: command.type, data: command.data, occurredAt: occurredAt ?? null })).digest('hex');

/** Keys are kept per actor: two offices may pick the same key. */
const scopeOf = (actor: Actor, key: string): string => `${actor.jurisdiction}\u0000${actor.role}\u0000${actor.id}\u0000${key}`;

export interface IdempotentAnswer {
  readonly kept: KeptOutcome;
  /** True when this is a retry answered from what the first attempt kept. */
  readonly replayed: boolean;
}

/** A level's commands run under idempotency keys. */
export class IdempotentCommands {
  /** Attempts running in this process, so that a concurrent duplicate waits for the first one. */
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(
    private readonly service: LevelService,
    private readonly records: IdempotencyRecords,
    private readonly retentionMillis = DEFAULT_IDEMPOTENCY_RETENTION_MILLIS,
    private readonly now: () => number = Date.now,
  ) {}

  async execute(request: CommandRequest & { readonly idempotencyKey: string }): Promise<IdempotentAnswer> {
    const scope = scopeOf(request.actor, request.idempotencyKey);
    const fingerprint = requestFingerprint(request.command, request.occurredAt);
    for (;;) {
      const running = this.inFlight.get(scope);
      if (running) {
        await running;
        continue;
      }
      const existing = this.current(scope);
      if (existing) {
        if (existing.fingerprint !== fingerprint) {
          throw new IdempotencyKeyReused(`Idempotency-Key ${request.idempotencyKey} was used for a different request; use a new key for a new request`);
        }
        if (existing.outcome) return { kept: existing.outcome, replayed: true };
      }
      let release!: () => void;
      this.inFlight.set(scope, new Promise<void>((resolve) => (release = resolve)));
      try {
        return await this.firstAttempt(scope, fingerprint, request, existing !== undefined);
      } finally {
        this.inFlight.delete(scope);
        release();
      }
    }
  }

  /** The record of `scope`, unless it has outlived the retention (then it is gone). */
  private current(scope: string): IdempotencyRecord | undefined {
    const record = this.records.get(scope);
    if (record && record.createdAt < this.now() - this.retentionMillis) {
      this.records.purge(this.now() - this.retentionMillis);
      return undefined;
    }
    return record;
  }

  private async firstAttempt(scope: string, fingerprint: string, request: CommandRequest & { readonly idempotencyKey: string }, pending: boolean): Promise<IdempotentAnswer> {
    if (pending) {
      // An attempt that never kept its outcome: the process stopped between its append and its record.
      const written = await this.factsWrittenBy(request);
      if (written) {
        this.records.finish(scope, written);
        return { kept: written, replayed: true };
      }
    } else if (!this.records.begin(scope, fingerprint, this.now())) {
      throw new Error(`idempotency record ${request.idempotencyKey} appeared while no attempt was in flight`);
    }
    let kept: KeptOutcome;
    try {
      kept = { kind: 'recorded', outcome: await this.service.execute({ ...request, commandId: request.idempotencyKey }) };
    } catch (error) {
      // The store was lost under the append, which it may or may not have written: the record stays
      // pending, so that the retry first looks for the facts of this attempt (as after a crash).
      if (error instanceof StoreUnreachable) throw error;
      // A refusal is the command's answer and is kept; a conflict or a failure is not: a retry may succeed.
      if (!(error instanceof Refusal) || error.refusal === 'ConcurrentChange') {
        this.records.forget(scope);
        throw error;
      }
      kept = { kind: 'refused', refusal: error.refusal, message: error.message, ...(error.field !== undefined ? { field: error.field } : {}) };
    }
    this.records.finish(scope, kept);
    return { kept, replayed: false };
  }

  /** The facts an earlier attempt of this request wrote, found in its target stream by actor and causation id. */
  private async factsWrittenBy(request: CommandRequest & { readonly idempotencyKey: string }): Promise<KeptOutcome | undefined> {
    const streamId = targetStream(request.command);
    const store: EventStore = this.service.store;
    const facts = (await store.readStream(streamId)).filter((fact) => {
      const metadata = fact.metadata as EventMetadata;
      return (
        metadata.causationId === request.idempotencyKey &&
        metadata.actor.id === request.actor.id &&
        metadata.actor.jurisdiction === request.actor.jurisdiction &&
        metadata.actor.role === request.actor.role
      );
    });
    if (facts.length === 0) return undefined;
    return {
      kind: 'recorded',
      outcome: {
        level: this.service.level,
        position: facts[facts.length - 1]!.position,
        events: facts.map((fact) => ({ eventId: fact.id, type: fact.type, streamId, revision: fact.revision })),
      },
    };
  }
}
