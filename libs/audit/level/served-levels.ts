import type { Actor, Level } from '#domain';
import { levelDepth, metadataOf, streams } from '#domain';
import type { ChainHead } from '../chain.js';
import type { ChainSource, CopyFinder, FactCopy, HeldHead, VerificationReport } from '../verify.js';
import { asSignedChainHead } from '../signing.js';
import { exportLines, jurisdictionFilter } from '../export.js';
import { parallelIntactWalk } from '../sqlite-file.js';
import { verifyChain } from '../verify.js';
import { StoreChain } from './store-chain.js';
import type { SignedHeadRecord } from './signer.js';
import type { LevelAudit } from './level-audit.js';
import type { AuditedLevel } from './signer.js';

/** A level this process serves, as its audit sees it. */
export interface ServedLevel extends Pick<AuditedLevel, 'level' | 'store' | 'jurisdictions'> {
  readonly audit: LevelAudit;
}

/**
 * The levels this process serves (the linkage runtime is one): verification, export and the copies
 * of a fact look across all of them.
 */
export interface ServedLevels {
  readonly nodes: ReadonlyMap<Level, ServedLevel>;
  node(level: Level): ServedLevel | undefined;
}

/** The level's store keeps no hash chain (a store opened without the chain's seal): nothing to verify, sign or export. */
export class ChainNotKept extends Error {
  override readonly name = 'ChainNotKept';
}

const chainOf = (runtime: ServedLevels, level: Level): StoreChain => {
  const node = runtime.node(level);
  if (!node) throw new Error(`the ${level} level is not served by this process`);
  const store = node.store;
  const chain = StoreChain.of(store);
  if (!chain) throw new ChainNotKept(`the ${level} store (${store.constructor.name}) keeps no hash chain: it cannot be verified, signed or exported`);
  return chain;
};

/**
 * The signed heads of `level` that this process can see: in the level's own store and in the store
 * of every served level above it (they received them through their inboxes).
 *
 * Where the signer stored a signature is evidence of how far its chain reached, so it is given as a
 * chain position (`storedAt`, and `recordedAt` of the level's own copies): the store position the
 * signer reported, mapped through the level's chain. They are the same number in sqlite and memory;
 * in EventStoreDB the position is a log offset, and a position whose event is gone maps to nothing.
 */
export const heldHeadsOf = async (runtime: ServedLevels, level: Level): Promise<HeldHead[]> => {
  const chain = runtime.node(level) && StoreChain.of(runtime.node(level)!.store);
  const placeOf = async (position: number): Promise<number | undefined> => (chain ? chain.placeOf(position) : position);
  const held: HeldHead[] = [];
  for (const node of runtime.nodes.values()) {
    if (levelDepth(node.level) > levelDepth(level)) continue;
    for (const recorded of await node.store.readStream(streams.auditChain(level))) {
      const head = recorded.type === 'ChainHeadSigned' ? asSignedChainHead(recorded.data) : undefined;
      if (!head) continue;
      const origin = metadataOf(recorded).origin;
      const own = node.level === level;
      const storedAt = origin ? await placeOf(origin.position) : own ? await placeOf(recorded.position) : undefined;
      const recordedAt = own ? await placeOf(recorded.position) : recorded.position;
      held.push({ head, heldBy: node.level, ...(recordedAt !== undefined ? { recordedAt } : {}), ...(storedAt !== undefined ? { storedAt } : {}) });
    }
  }
  return held;
};

/**
 * Finds copies of a fact in the other served levels' stores (the original of a received fact, the
 * copies others received of a local one), so that a verifier can tell which field was changed.
 * A full scan of those stores: it only runs when a break was found.
 */
export const runtimeCopyFinder = (runtime: ServedLevels, level: Level): CopyFinder => async ({ eventId, originEventId }) => {
  const ids = [eventId, originEventId].filter((id): id is string => id !== undefined);
  const copies: FactCopy[] = [];
  for (const node of runtime.nodes.values()) {
    const chain = node.level === level ? undefined : StoreChain.of(node.store);
    if (!chain) continue;
    for (let after = 0; ; ) {
      const page = await chain.readPage(after, 5000);
      if (page.length === 0) break;
      for (const row of page) {
        const text = typeof row.metadata === 'string' ? row.metadata : Buffer.from(row.metadata).toString('utf8');
        const isOriginal = originEventId !== undefined && row.eventId === originEventId;
        if (!isOriginal && !ids.some((id) => text.includes(id))) continue;
        try {
          const metadata = JSON.parse(text) as { origin?: { eventId?: string } };
          const data = JSON.parse(typeof row.data === 'string' ? row.data : Buffer.from(row.data).toString('utf8')) as unknown;
          if (isOriginal || (metadata.origin?.eventId !== undefined && ids.includes(metadata.origin.eventId))) {
            copies.push({ heldBy: node.level, position: row.position, type: row.type, data, metadata });
          }
        } catch {
          // A damaged copy is no evidence.
        }
      }
      after = page[page.length - 1]!.position;
    }
  }
  return copies;
};

export interface VerifyServedLevelOptions {
  /** Key ids heads must be signed with; default: the level's own key and the keys it retired. */
  readonly trustedKeyIds?: readonly string[];
}

/** Verifies a served level's store against every signed head this process holds for it. */
export const verifyServedLevel = async (runtime: ServedLevels, level: Level, options: VerifyServedLevelOptions = {}): Promise<VerificationReport> => {
  const chain = chainOf(runtime, level);
  const node = runtime.node(level)!;
  // Heads first, then the head position: no head read here can lie past the range verified.
  const heads = await heldHeadsOf(runtime, level);
  const { position: upTo } = await chain.head();
  return verifyChain({
    source: chain.source(`${level} store`),
    level,
    heads,
    upTo,
    trustedKeyIds: options.trustedKeyIds ?? node.audit.trustedKeyIds,
    copies: runtimeCopyFinder(runtime, level),
    // A SQLite store's file is checked by worker threads, off the event loop that serves requests;
    // the walk below runs only for other stores or to diagnose a break.
    ...(chain.sqliteFile !== undefined ? { intactWalk: parallelIntactWalk(chain.sqliteFile) } : {}),
    // Verification reads the whole store: let requests in between pages.
    onPage: () => new Promise((resolve) => setImmediate(resolve)),
  });
};

export interface ExportServedLevelOptions {
  /** One jurisdiction's history; other facts are redacted to their digests. */
  readonly jurisdiction?: string;
}

/** The NDJSON export of a served level (libs/audit export.ts), line by line. */
export const exportServedLevel = async (runtime: ServedLevels, level: Level, options: ExportServedLevelOptions = {}): Promise<{ head: ChainHead; lines: AsyncGenerator<string> }> => {
  const chain = chainOf(runtime, level);
  const heads = await heldHeadsOf(runtime, level);
  const head = await chain.head();
  const registry = runtime.node(level)!.jurisdictions;
  return {
    head,
    lines: exportLines({
      source: chain.source(`${level} store`),
      level,
      ...(options.jurisdiction !== undefined ? { jurisdiction: options.jurisdiction, include: jurisdictionFilter(registry, options.jurisdiction) } : {}),
      heads,
      head,
      exportedAt: new Date().toISOString(),
    }),
  };
};

/** Signs a served level's chain head now, recorded as done by `actor`. */
export const signServedLevel = async (runtime: ServedLevels, level: Level, actor: Actor): Promise<SignedHeadRecord> => {
  chainOf(runtime, level);
  return runtime.node(level)!.audit.signer!.signNow(actor);
};
