/**
 * A level's SQLite event store read as evidence: opened read-only, rows read with their exact stored
 * bytes (data and metadata as BLOBs, so what is hashed is what the file holds, even bytes that are no
 * longer valid UTF-8). Works on a file the server has open: WAL readers see the last commit.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { Level } from '#domain';
import { auditChainStream, isLevel } from '#domain';
import type { ChainHead } from './chain.js';
import { genesisHash, toHex } from './chain.js';
import { asSignedChainHead } from './signing.js';
import type { ChainSource, ChainWalk, FactCopy, HeldHead, VerifiableRow, VerificationReport } from './verify.js';
import type { SegmentResult, SegmentTask } from './verify-worker.js';
import { verifyChain } from './verify.js';

type RawRow = [position: number, streamId: string, revision: number, eventId: string, type: string, data: Buffer, metadata: Buffer, chainHash: Buffer];

export class NotAChainedStore extends Error {
  override readonly name = 'NotAChainedStore';
}

export class SqliteChainFile implements ChainSource {
  private readonly page: Database.Statement<[number, number], RawRow>;
  private readonly headRow: Database.Statement<[], { position: number; chain_hash: Buffer }>;

  private constructor(
    private readonly db: Database.Database,
    readonly file: string,
  ) {
    this.page = db
      .prepare<[number, number], RawRow>(
        `SELECT position, stream_id, revision, event_id, type, CAST(data AS BLOB), CAST(metadata AS BLOB), chain_hash
         FROM events WHERE position > ? ORDER BY position LIMIT ?`,
      )
      .raw(true);
    this.headRow = db.prepare('SELECT position, chain_hash FROM events ORDER BY position DESC LIMIT 1');
  }

  /** Opens `file` read-only; refuses a file that is not an event store with a hash chain. */
  static open(file: string): SqliteChainFile {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      const columns = (db.prepare('PRAGMA table_info(events)').all() as { name: string }[]).map((column) => column.name);
      if (columns.length === 0) throw new NotAChainedStore(`${file} holds no events table: it is not an event store`);
      if (!columns.includes('chain_hash')) {
        throw new NotAChainedStore(`${file} has no hash chain yet (schema version ${String(db.pragma('user_version', { simple: true }))}): open it once with the service to add one`);
      }
      return new SqliteChainFile(db, file);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  get description(): string {
    return `sqlite:${this.file}`;
  }

  readPage(after: number, limit: number): VerifiableRow[] {
    return this.page.all(after, limit).map(([position, streamId, revision, eventId, type, data, metadata, chainHash]) => ({
      position,
      streamId,
      revision,
      eventId,
      type,
      data,
      metadata,
      chainHash,
    }));
  }

  head(): ChainHead {
    const row = this.headRow.get();
    return row ? { position: row.position, hash: toHex(row.chain_hash) } : { position: 0, hash: toHex(genesisHash()) };
  }

  /** The signed heads of `level` recorded in this file, labelled with who holds them. */
  signedHeads(level: Level, heldBy: string): HeldHead[] {
    const rows = this.db
      .prepare<[string], { position: number; data: string; metadata: string }>(
        `SELECT position, data, metadata FROM events WHERE stream_id = ? AND type = 'ChainHeadSigned' ORDER BY position`,
      )
      .all(auditChainStream(level));
    return rows.flatMap((row) => {
      let parsed: unknown;
      let origin: { position?: unknown } | undefined;
      try {
        parsed = JSON.parse(row.data);
        origin = (JSON.parse(row.metadata) as { origin?: { position?: unknown } }).origin;
      } catch {
        return [];
      }
      const head = asSignedChainHead(parsed);
      if (!head) return [];
      // The signer's own copy sits at its own position; a received copy says where it came from.
      const storedAt = origin === undefined ? row.position : typeof origin.position === 'number' ? origin.position : undefined;
      return [{ head, heldBy, recordedAt: row.position, ...(storedAt !== undefined ? { storedAt } : {}) }];
    });
  }

  /**
   * Copies of a fact in this file: the original of a received fact, or what this level received
   * of a fact recorded elsewhere. A full scan: diagnosis only runs when something is broken.
   */
  findCopies(identity: { readonly eventId: string; readonly originEventId?: string }, heldBy: string): FactCopy[] {
    const ids = [identity.eventId, identity.originEventId].filter((id): id is string => id !== undefined);
    const rows = this.db
      .prepare<string[], { position: number; event_id: string; type: string; data: string; metadata: string }>(
        `SELECT position, event_id, type, data, metadata FROM events WHERE ${ids.map(() => '(event_id = ? OR instr(metadata, ?) > 0)').join(' OR ')}`,
      )
      .all(...ids.flatMap((id) => [id, id]));
    return rows.flatMap((row) => {
      let data: unknown;
      let metadata: { origin?: { eventId?: unknown } };
      try {
        data = JSON.parse(row.data);
        metadata = JSON.parse(row.metadata) as typeof metadata;
      } catch {
        return [];
      }
      const isOriginal = identity.originEventId !== undefined && row.event_id === identity.originEventId;
      const isCopy = typeof metadata.origin?.eventId === 'string' && ids.includes(metadata.origin.eventId);
      return isOriginal || isCopy ? [{ heldBy, position: row.position, type: row.type, data, metadata }] : [];
    });
  }

  /** Stored chain hashes at the given positions. */
  storedHashes(positions: Iterable<number>): Map<number, string> {
    const select = this.db.prepare<[number], Buffer>('SELECT chain_hash FROM events WHERE position = ?').pluck();
    const hashes = new Map<number, string>();
    for (const position of positions) {
      const hash = position === 0 ? genesisHash() : select.get(position);
      if (hash) hashes.set(position, toHex(hash));
    }
    return hashes;
  }

  /** Jurisdictions registered through the store (beyond the reference data), parents first. */
  registeredJurisdictions(): { code: string; name: string; level: Level; parent: string | null }[] {
    const rows = this.db.prepare<[], { data: string }>(`SELECT data FROM events WHERE type = 'JurisdictionRegistered' ORDER BY position`).all();
    return rows.flatMap((row) => {
      try {
        return [JSON.parse(row.data) as { code: string; name: string; level: Level; parent: string | null }];
      } catch {
        return [];
      }
    });
  }

  close(): void {
    this.db.close();
  }
}

/** `province.events.db` → province: the file names the embedded default and `DATA_DIR` use. */
export const levelOfStoreFile = (file: string): Level | undefined => {
  const match = /(?:^|[/\\])(province|city|county)\.events\.db$/.exec(file);
  return match && isLevel(match[1]) ? match[1] : undefined;
};

export interface SqliteVerification {
  /** The level's store file. */
  readonly file: string;
  readonly level: Level;
  /** Other levels' store files: the copies they hold of this level's signed heads and facts. */
  readonly others?: readonly { readonly file: string; readonly level: Level }[];
  /** Key ids heads must be signed with; absent: any valid Ed25519 key (the report lists them). */
  readonly trustedKeyIds?: readonly string[];
  /** Worker threads for the intact-chain check of a large file; default: the cores, at most 4; 1: none. */
  readonly workers?: number;
}

// Compiled next to this module; absent when running from TypeScript sources (tests), where the
// sequential walk is used.
const WORKER = new URL('./verify-worker.js', import.meta.url);
/** Below this many events one thread is as fast as starting workers. */
export const PARALLEL_MIN_EVENTS = 20_000;

const runSegment = (task: SegmentTask): Promise<SegmentResult> =>
  new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { workerData: task });
    worker.once('message', (result: SegmentResult) => resolve(result));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`chain verification worker exited with code ${code}`));
    });
  });

/**
 * The intact-chain check split over worker threads, one contiguous range of positions each, every
 * range linked from the hash stored just before it. If every range holds, every stored hash equals
 * the chain recomputed from the first event (by induction over the ranges), and that is the whole
 * answer; if any does not, it answers undefined and the sequential walk finds and diagnoses the break.
 */
export const parallelIntactWalk =
  (file: string, workers: number = Math.min(4, availableParallelism())) =>
  async (headPositions: ReadonlySet<number>, upTo: number | undefined): Promise<ChainWalk | undefined> => {
    if (workers < 2 || !existsSync(fileURLToPath(WORKER))) return undefined;
    const chain = SqliteChainFile.open(file);
    try {
      const end = Math.min(upTo ?? Number.MAX_SAFE_INTEGER, chain.head().position);
      if (end < PARALLEL_MIN_EVENTS) return undefined;
      const size = Math.ceil(end / workers);
      const ranges = Array.from({ length: workers }, (_, index) => ({ from: index * size + 1, to: Math.min(end, (index + 1) * size) })).filter((range) => range.from <= range.to);
      const results = await Promise.all(ranges.map((range) => runSegment({ file, ...range, pageSize: 5000 })));
      if (results.some((result, index) => result.brokenAt !== undefined || result.lastPosition !== ranges[index]!.to)) return undefined;
      return {
        findings: [],
        events: end,
        redacted: 0,
        last: { position: end, hash: Buffer.from(results[results.length - 1]!.lastHash, 'hex') },
        recomputed: chain.storedHashes([...headPositions].filter((position) => position <= end)),
      };
    } finally {
      chain.close();
    }
  };

/** Verifies a level's SQLite store file, read-only, with the evidence other levels' files hold. */
export const verifySqliteFile = async (options: SqliteVerification): Promise<VerificationReport> => {
  const chain = SqliteChainFile.open(options.file);
  const others: { level: Level; file: SqliteChainFile }[] = [];
  try {
    for (const other of options.others ?? []) others.push({ level: other.level, file: SqliteChainFile.open(other.file) });
    const heads = [chain.signedHeads(options.level, options.level), ...others.map((other) => other.file.signedHeads(options.level, other.level))].flat();
    // Heads first, then the head position: a store being written cannot show a head past its range.
    const upTo = chain.head().position;
    return await verifyChain({
      source: chain,
      level: options.level,
      heads,
      upTo,
      ...(options.trustedKeyIds ? { trustedKeyIds: options.trustedKeyIds } : {}),
      copies: async (identity) => others.flatMap((other) => other.file.findCopies(identity, other.level)),
      intactWalk: parallelIntactWalk(options.file, options.workers),
    });
  } finally {
    chain.close();
    for (const other of others) other.file.close();
  }
};
