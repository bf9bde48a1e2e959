import type { Actor, Level } from '#domain';
import { levelDepth, streams } from '#domain';
import type { ChainHead, ChainSource, CopyFinder, FactCopy, HeldHead, VerificationReport } from '#audit';
import { asSignedChainHead, exportLines, jurisdictionFilter, parallelIntactWalk, verifyChain } from '#audit';
import { StoreChain } from './audit-chain.js';
import type { SignedHeadRecord } from './audit-signer.js';
import { metadataOf } from './level-service.js';
import type { LinkageRuntime } from './runtime.js';

/** The level's store keeps no hash chain (EventStoreDB): nothing to verify, sign or export. */
export class ChainNotKept extends Error {
  override readonly name = 'ChainNotKept';
}

const chainOf = (runtime: LinkageRuntime, level: Level): StoreChain => {
  const node = runtime.node(level);
  if (!node) throw new Error(`the ${level} level is not served by this process`);
  const store = node.service.store;
  const chain = StoreChain.of(store);
  if (!chain) throw new ChainNotKept(`the ${level} store (${store.constructor.name}) keeps no hash chain: it cannot be verified, signed or exported`);
  return chain;
};

/**
 * The signed heads of `level` that this process can see: in the level's own store and in the store
 * of every served level above it (they received them through their inboxes).
 */
export const heldHeadsOf = async (runtime: LinkageRuntime, level: Level): Promise<HeldHead[]> => {
  const held: HeldHead[] = [];
  for (const node of runtime.nodes.values()) {
    if (levelDepth(node.level) > levelDepth(level)) continue;
    for (const recorded of await node.service.store.readStream(streams.auditChain(level))) {
      const head = recorded.type === 'ChainHeadSigned' ? asSignedChainHead(recorded.data) : undefined;
      if (!head) continue;
      const origin = metadataOf(recorded).origin;
      // Where the signer stored the signature: evidence of how far its store reached.
      const storedAt = origin ? origin.position : node.level === level ? recorded.position : undefined;
      held.push({ head, heldBy: node.level, recordedAt: recorded.position, ...(storedAt !== undefined ? { storedAt } : {}) });
    }
  }
  return held;
};

/**
 * Finds copies of a fact in the other served levels' stores (the original of a received fact, the
 * copies others received of a local one), so that a verifier can tell which field was changed.
 * A full scan of those stores: it only runs when a break was found.
 */
export const runtimeCopyFinder = (runtime: LinkageRuntime, level: Level): CopyFinder => async ({ eventId, originEventId }) => {
  const ids = [eventId, originEventId].filter((id): id is string => id !== undefined);
  const copies: FactCopy[] = [];
  for (const node of runtime.nodes.values()) {
    const chain = node.level === level ? undefined : StoreChain.of(node.service.store);
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
export const verifyServedLevel = async (runtime: LinkageRuntime, level: Level, options: VerifyServedLevelOptions = {}): Promise<VerificationReport> => {
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
export const exportServedLevel = async (runtime: LinkageRuntime, level: Level, options: ExportServedLevelOptions = {}): Promise<{ head: ChainHead; lines: AsyncGenerator<string> }> => {
  const chain = chainOf(runtime, level);
  const heads = await heldHeadsOf(runtime, level);
  const head = await chain.head();
  const registry = runtime.node(level)!.service.registry;
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
export const signServedLevel = async (runtime: LinkageRuntime, level: Level, actor: Actor): Promise<SignedHeadRecord> => {
  chainOf(runtime, level);
  return runtime.node(level)!.audit.signer!.signNow(actor);
};
