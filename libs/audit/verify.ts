/**
 * Verification of a level's hash chain: recomputes it from the first event, checks every stored
 * chain hash and the density of positions, then checks every signed head of the level against the
 * recomputed chain (the level's own copies and those its ancestors hold). It names the first broken
 * position and says what is wrong there, as precisely as the evidence allows.
 *
 * What the evidence allows: an in-place edit, a deleted, inserted or moved event, a rewritten hash
 * column are each recognised from the stored hashes around the break (the chain after the break
 * still links to the hashes the store kept). An attacker who rewrites events *and* recomputes every
 * later hash leaves a consistent chain; only a signed head covering the rewritten part exposes that,
 * and then only the range between the last head that still holds and the first that does not.
 */
import type { Level } from '#domain';
import { publicData } from '#domain';
import type { DomainEvent } from '#domain';
import type { ChainRow } from './chain.js';
import { CHAIN_ALGORITHM, chainLink as linkHashes, contentDigest, genesisHash, sameHash, toHex } from './chain.js';
import type { SignedChainHead } from './signing.js';
import { signatureProblem } from './signing.js';

/** An event an export withholds: only its position, content digest and chain hash are shown. */
export interface RedactedRow {
  readonly position: number;
  readonly digest: Uint8Array;
  readonly chainHash: Uint8Array;
}

export type VerifiableRow = ChainRow | RedactedRow;

export const isRedacted = (row: VerifiableRow): row is RedactedRow => 'digest' in row;

/** Where rows come from: a live store, a SQLite file, an NDJSON export. */
export interface ChainSource {
  readonly description: string;
  /** Rows strictly after `after` in position order, at most `limit`; empty past the end. */
  readPage(after: number, limit: number): Promise<readonly VerifiableRow[]> | readonly VerifiableRow[];
}

/** A signed head and who holds it: the level itself, an ancestor level, or an export file. */
export interface HeldHead {
  readonly head: SignedChainHead;
  readonly heldBy: string;
  /** Position of the `ChainHeadSigned` fact in the holder's store, when known. */
  readonly recordedAt?: number;
  /**
   * Position of that fact in the signer's own store (its `origin.position` in an ancestor's copy):
   * the signer's store reached at least that far, whether or not a later head covers it.
   */
  readonly storedAt?: number;
}

/** The same fact as another store holds it (a relayed copy, or the original of a received fact). */
export interface FactCopy {
  readonly heldBy: string;
  readonly position: number;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: unknown;
}

/**
 * Finds copies of a fact elsewhere: rows whose event id is `originEventId`, or whose
 * `metadata.origin.eventId` is `eventId` or `originEventId`.
 */
export type CopyFinder = (identity: { readonly eventId: string; readonly originEventId?: string }) => Promise<readonly FactCopy[]>;

export const FINDING_KINDS = [
  'payload-changed',
  'actor-rewritten',
  'event-missing',
  'event-inserted',
  'events-swapped',
  'chain-hash-altered',
  'chain-broken',
  'tail-truncated',
  'history-rewritten',
  'bad-signature',
  'untrusted-key',
  'unreadable',
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

export interface Finding {
  /** The first position the finding concerns. */
  readonly position: number;
  readonly kind: FindingKind;
  readonly message: string;
  /** The other end of a swap, the signed head of a truncation or rewrite. */
  readonly relatedPosition?: number;
  /** Through `relatedPosition`: positions in which a re-hashed rewrite must lie. */
  readonly range?: readonly [number, number];
  readonly streamId?: string;
  readonly eventId?: string;
  /** For head findings: who holds the head. */
  readonly heldBy?: string;
  /** Fields that differ from a copy another store holds. */
  readonly evidence?: { readonly heldBy: string; readonly position: number; readonly differences: readonly string[] };
}

export interface SignedHeadSummary {
  readonly checked: number;
  /** Heads whose signature holds and whose hash equals the recomputed chain at their position. */
  readonly confirmed: number;
  /** Heads past a break, which cannot be compared with a recomputed hash. */
  readonly unconfirmed: number;
  readonly latestConfirmed: { readonly position: number; readonly signedAt: string; readonly heldBy: readonly string[] } | null;
  /** Every signing key seen, so that an auditor can compare it with the published one. */
  readonly keys: readonly { readonly keyId: string; readonly heads: number; readonly trusted: boolean | null }[];
}

export interface VerificationReport {
  readonly level: Level | null;
  readonly source: string;
  readonly algorithm: typeof CHAIN_ALGORITHM;
  readonly ok: boolean;
  /** Events checked (redacted ones included). */
  readonly events: number;
  readonly redacted: number;
  /** The last position read and the hash stored for it. */
  readonly head: { readonly position: number; readonly hash: string };
  readonly firstBroken: Finding | null;
  /** Every problem found, in position order (at most MAX_FINDINGS). */
  readonly findings: readonly Finding[];
  readonly signedHeads: SignedHeadSummary;
  /** Whether the intact chain was established by parallel workers (else by the sequential walk). */
  readonly parallel: boolean;
  readonly millis: number;
}

export interface VerifyOptions {
  readonly source: ChainSource;
  /** The level the chain belongs to; heads of other levels are ignored. */
  readonly level: Level | null;
  readonly heads?: readonly HeldHead[];
  /** Key ids (SHA-256 of the DER public key, hex) a head must be signed with; absent: any valid key. */
  readonly trustedKeyIds?: readonly string[];
  /** Stop after this position (a live store keeps growing while it is verified). */
  readonly upTo?: number;
  readonly copies?: CopyFinder;
  readonly pageSize?: number;
  /** Called between pages, e.g. to yield the event loop. */
  readonly onPage?: (position: number) => Promise<void> | void;
  /**
   * A faster way to establish that the chain is intact (parallel workers over a file). It answers
   * the walk's result when every stored hash equals the recomputed chain, or undefined to have the
   * chain walked (and any break diagnosed) one event at a time.
   */
  readonly intactWalk?: (headPositions: ReadonlySet<number>, upTo: number | undefined) => Promise<ChainWalk | undefined>;
}

/** What walking a chain establishes, before its signed heads are judged. */
export interface ChainWalk {
  readonly findings: Finding[];
  readonly events: number;
  readonly redacted: number;
  readonly last: { readonly position: number; readonly hash: Uint8Array };
  /** Recomputed hashes at the signed positions, up to the first break. */
  readonly recomputed: ReadonlyMap<number, string>;
}

export const MAX_FINDINGS = 100;
/** How far past a break diagnosis looks for an event that moved. */
export const SWAP_SEARCH_WINDOW = 10_000;
/** How many renumbered positions diagnosis tries in each direction. */
const MAX_RENUMBERING = 64;

/**
 * What stands in for a hash the canonical form cannot express (a negative revision or position in
 * a tampered file): a value no real hash equals, so the row simply fails to link.
 */
const UNENCODABLE = Buffer.alloc(32, 0xff);

const digestOf = (row: VerifiableRow): Uint8Array => {
  if (isRedacted(row)) return row.digest;
  try {
    return contentDigest(row);
  } catch {
    return UNENCODABLE;
  }
};

const chainLink = (previous: Uint8Array, position: number, digest: Uint8Array): Uint8Array =>
  Number.isSafeInteger(position) && position >= 0 ? linkHashes(previous, position, digest) : UNENCODABLE;

const textOf = (value: string | Uint8Array): string => (typeof value === 'string' ? value : Buffer.from(value).toString('utf8'));

const parseJson = (value: string | Uint8Array): unknown => {
  try {
    return JSON.parse(textOf(value)) as unknown;
  } catch {
    return undefined;
  }
};

const idsOf = (row: VerifiableRow): { streamId?: string; eventId?: string } =>
  isRedacted(row) ? {} : { streamId: row.streamId, eventId: row.eventId };

/** Diagnosis of one break: the finding, and how the walk continues after it. */
interface Diagnosis {
  readonly finding: Finding;
  /** The hash the next row links from. */
  readonly resume: Uint8Array;
  /** Added to every later position when linking (renumbered deletions and insertions). */
  readonly shift?: number;
  /** A later position the break explains, and the hash to continue from after it. */
  readonly explains?: { readonly position: number; readonly resume: Uint8Array };
}

class Walker {
  readonly findings: Finding[] = [];

  constructor(
    private readonly source: ChainSource,
    private readonly copies: CopyFinder | undefined,
  ) {}

  private async rowAt(position: number): Promise<VerifiableRow | undefined> {
    const [row] = await this.source.readPage(position - 1, 1);
    return row?.position === position ? row : undefined;
  }

  /**
   * The row at position p does not link from `previous` (its predecessor's hash). `shift` is the
   * renumbering already recognised before p.
   */
  async diagnose(row: VerifiableRow, previous: Uint8Array, shift: number): Promise<Diagnosis> {
    const p = row.position;
    const ids = idsOf(row);
    const digest = digestOf(row);
    const computed = chainLink(previous, p + shift, digest);
    const next = await this.rowAt(p + 1);
    const nextDigest = next ? digestOf(next) : undefined;
    const nextLinksFrom = (hash: Uint8Array, position: number): boolean =>
      next !== undefined && nextDigest !== undefined && sameHash(chainLink(hash, position, nextDigest), next.chainHash);

    // The chain continues from the hash stored at p: that hash is the original, the content changed
    // in place — unless the original content sits elsewhere (two events' contents exchanged).
    if (nextLinksFrom(row.chainHash, p + 1 + shift)) {
      const moved = await this.findMoved(row, previous, shift, 'hash-stayed');
      if (moved) return moved;
      return this.contentChanged(row, `the event at ${p} no longer matches its chain hash, while the next event still links to that hash: its content was changed in place`);
    }
    // The content links, only the stored hash is wrong, and the next event links to the right one.
    if (nextLinksFrom(computed, p + 1 + shift)) {
      return {
        finding: { position: p, kind: 'chain-hash-altered', message: `the chain hash stored at ${p} was changed; the event itself still matches the chain`, ...ids },
        resume: computed,
      };
    }
    // Rows exchanged positions together with their hashes; or, next to each other, contents
    // exchanged while the hashes stayed (then the next event does not link to p's hash either).
    const moved = (await this.findMoved(row, previous, shift, 'hash-moved')) ?? (await this.findMoved(row, previous, shift, 'hash-stayed'));
    if (moved) return moved;
    if (next !== undefined && nextDigest !== undefined) {
      // Later positions renumbered after a deletion (the next event links at a higher position) or
      // an insertion (at a lower one).
      for (let k = 1; k <= MAX_RENUMBERING; k++) {
        if (nextLinksFrom(row.chainHash, p + 1 + shift + k)) {
          return {
            finding: {
              position: p,
              kind: 'event-missing',
              message: `${k} event${k === 1 ? '' : 's'} removed at ${p}; the later events were renumbered to close the gap`,
              ...ids,
            },
            resume: row.chainHash,
            shift: shift + k,
          };
        }
      }
      if (sameHash(chainLink(previous, p + shift, nextDigest), next.chainHash)) {
        return {
          finding: { position: p, kind: 'event-inserted', message: `an event that is not in the chain was inserted at ${p}; the later events were moved up by one`, ...ids },
          resume: previous,
          shift: shift - 1,
        };
      }
      for (let k = 1; k <= MAX_RENUMBERING; k++) {
        if (nextLinksFrom(row.chainHash, p + 1 + shift - k)) {
          return {
            finding: {
              position: p,
              kind: 'event-inserted',
              message: `${k} event${k === 1 ? '' : 's'} inserted at or before ${p} (with hashes that link); the later events were moved up`,
              ...ids,
            },
            resume: row.chainHash,
            shift: shift - k,
          };
        }
      }
    }
    if (next === undefined) {
      return this.contentChanged(row, `the last event, at ${p}, no longer matches its chain hash: its content or its hash was changed`);
    }
    return {
      finding: { position: p, kind: 'chain-broken', message: `the event at ${p} does not link to the event before it, and nothing around it explains how` , ...ids },
      resume: row.chainHash,
    };
  }

  /**
   * Looks past p for the event whose content belongs at p. 'hash-stayed': contents were exchanged
   * and each position kept its hash; 'hash-moved': whole rows changed places.
   */
  private async findMoved(row: VerifiableRow, previous: Uint8Array, shift: number, how: 'hash-stayed' | 'hash-moved'): Promise<Diagnosis | undefined> {
    const p = row.position;
    let after = p;
    let before: VerifiableRow = row;
    while (after < p + SWAP_SEARCH_WINDOW) {
      const page = await this.source.readPage(after, Math.min(1000, p + SWAP_SEARCH_WINDOW - after));
      if (page.length === 0) return undefined;
      for (const candidate of page) {
        const original = chainLink(previous, p + shift, digestOf(candidate));
        const expected = how === 'hash-stayed' ? row.chainHash : candidate.chainHash;
        if (sameHash(original, expected)) {
          // Confirm the other half: the event now at p belongs at q.
          const q = candidate.position;
          const beforeQ = q === p + 1 ? original : before.chainHash;
          const hashAtQ = how === 'hash-stayed' ? candidate.chainHash : row.chainHash;
          if (sameHash(chainLink(beforeQ, q + shift, digestOf(row)), hashAtQ)) {
            return {
              finding: {
                position: p,
                kind: 'events-swapped',
                message: `the events at ${p} and ${q} exchanged places${how === 'hash-stayed' ? ' (their chain hashes stayed behind)' : ''}`,
                relatedPosition: q,
                ...idsOf(row),
              },
              resume: original,
              explains: { position: q, resume: hashAtQ },
            };
          }
        }
        before = candidate;
      }
      after = page[page.length - 1]!.position;
    }
    return undefined;
  }

  /** Content changed in place: a copy held elsewhere may tell which field (an actor, a payload field). */
  private async contentChanged(row: VerifiableRow, message: string): Promise<Diagnosis> {
    const ids = idsOf(row);
    const resume = row.chainHash;
    if (isRedacted(row)) return { finding: { position: row.position, kind: 'payload-changed', message }, resume };
    const data = parseJson(row.data);
    const metadata = parseJson(row.metadata) as { origin?: { eventId?: unknown }; actor?: unknown } | undefined;
    const unreadable = [data === undefined ? 'data' : undefined, metadata === undefined ? 'metadata' : undefined].filter(Boolean);
    const note = unreadable.length > 0 ? `; its ${unreadable.join(' and ')} ${unreadable.length > 1 ? 'are' : 'is'} no longer valid JSON` : '';
    if (this.copies && data !== undefined && metadata !== undefined) {
      const originEventId = typeof metadata.origin?.eventId === 'string' ? metadata.origin.eventId : undefined;
      const copies = await this.copies({ eventId: row.eventId, ...(originEventId !== undefined ? { originEventId } : {}) });
      for (const copy of copies) {
        const differences = compareWithCopy(row.type, data, metadata, copy);
        if (differences.length === 0) continue;
        const actorRewritten = differences.includes('metadata.actor');
        return {
          finding: {
            position: row.position,
            kind: actorRewritten ? 'actor-rewritten' : 'payload-changed',
            message: `${message}; the copy held by ${copy.heldBy} (position ${copy.position}) differs in ${differences.join(', ')}`,
            ...ids,
            evidence: { heldBy: copy.heldBy, position: copy.position, differences },
          },
          resume,
        };
      }
    }
    return { finding: { position: row.position, kind: 'payload-changed', message: `${message}${note}`, ...ids }, resume };
  }
}

const PROVENANCE_FIELDS = ['actor', 'jurisdiction', 'correlationId', 'causationId', 'occurredAt'] as const;

/**
 * Field paths where a stored fact disagrees with a copy of it. Copies travel as integration events,
 * which withhold some content (publicData): both sides are compared in that public form, and only
 * on fields the copy carries.
 */
export const compareWithCopy = (type: string, data: unknown, metadata: unknown, copy: FactCopy): string[] => {
  const differences: string[] = [];
  if (type !== copy.type) differences.push('type');
  const own = metadata as Record<string, unknown>;
  const theirs = (copy.metadata ?? {}) as Record<string, unknown>;
  for (const field of PROVENANCE_FIELDS) {
    if (field in theirs && JSON.stringify(own[field]) !== JSON.stringify(theirs[field])) differences.push(`metadata.${field}`);
  }
  const publicOf = (value: unknown): Record<string, unknown> => {
    try {
      return publicData({ type, data: value } as DomainEvent).data as unknown as Record<string, unknown>;
    } catch {
      return (value ?? {}) as Record<string, unknown>;
    }
  };
  const ownData = publicOf(data);
  const theirData = publicOf(copy.data);
  for (const key of Object.keys(theirData)) {
    if (JSON.stringify(ownData[key]) !== JSON.stringify(theirData[key])) differences.push(`data.${key}`);
  }
  return differences;
};

const unique = <T>(values: Iterable<T>): T[] => [...new Set(values)];

/** Verifies a level's chain and its signed heads. Never throws for what it finds; only for I/O. */
export const verifyChain = async (options: VerifyOptions): Promise<VerificationReport> => {
  const started = performance.now();
  const heads = (options.heads ?? []).filter((held) => held.head.level === options.level);
  const headPositions = new Set(heads.map((held) => held.head.position));
  const fast = await options.intactWalk?.(headPositions, options.upTo);
  const walked = fast ?? (await walkChain(options, headPositions));
  return { ...judge(options, heads, walked, started), parallel: fast !== undefined };
};

/** Recomputes the chain event by event, diagnosing every break it meets. */
const walkChain = async (options: VerifyOptions, headPositions: ReadonlySet<number>): Promise<ChainWalk> => {
  const { source } = options;
  const pageSize = options.pageSize ?? 5000;
  const walker = new Walker(source, options.copies);
  const findings = walker.findings;
  /** Recomputed hashes at signed positions, recorded only while no break has been found. */
  const recomputed = new Map<number, string>([[0, toHex(genesisHash())]]);

  let previous: Uint8Array = genesisHash();
  let expected = 1;
  let shift = 0;
  let events = 0;
  let redacted = 0;
  let last: { position: number; hash: Uint8Array } = { position: 0, hash: genesisHash() };
  const explained = new Map<number, Uint8Array>();
  let after = 0;
  const upTo = options.upTo ?? Number.MAX_SAFE_INTEGER;

  const record = (finding: Finding): void => {
    if (findings.length < MAX_FINDINGS) findings.push(finding);
  };

  walk: for (;;) {
    let page: readonly VerifiableRow[];
    try {
      page = await source.readPage(after, Math.min(pageSize, upTo - after));
    } catch (error) {
      record({ position: after + 1, kind: 'unreadable', message: `the store cannot be read past position ${after}: ${(error as Error).message}` });
      break;
    }
    if (page.length === 0) break;
    for (const row of page) {
      if (row.position > upTo) break walk;
      events++;
      if (isRedacted(row)) redacted++;
      if (row.position !== expected) {
        record(
          row.position < expected
            ? { position: row.position, kind: 'chain-broken', message: `position ${row.position} appears again after ${expected - 1}`, ...idsOf(row) }
            : {
                position: expected,
                kind: 'event-missing',
                message:
                  row.position - expected === 1
                    ? `the event at ${expected} is missing (positions are dense)`
                    : `the events at ${expected}..${row.position - 1} are missing (positions are dense)`,
              },
        );
        // Continue from what the store holds, to find breaks that are independent of this one.
        previous = row.chainHash;
        expected = Math.max(expected, row.position + 1);
        shift = 0;
        last = { position: row.position, hash: row.chainHash };
        continue;
      }
      const computed = chainLink(previous, row.position + shift, digestOf(row));
      if (sameHash(computed, row.chainHash)) {
        previous = row.chainHash;
      } else if (explained.has(row.position)) {
        previous = explained.get(row.position)!;
        explained.delete(row.position);
      } else {
        const diagnosis = await walker.diagnose(row, previous, shift);
        record(diagnosis.finding);
        previous = diagnosis.resume;
        shift = diagnosis.shift ?? shift;
        if (diagnosis.explains) explained.set(diagnosis.explains.position, diagnosis.explains.resume);
      }
      if (findings.length === 0 && headPositions.has(row.position)) recomputed.set(row.position, toHex(computed));
      expected = row.position + 1;
      last = { position: row.position, hash: row.chainHash };
    }
    after = page[page.length - 1]!.position;
    if (after >= upTo) break;
    await options.onPage?.(after);
  }
  return { findings, events, redacted, last, recomputed };
};

/** Judges the signed heads against the walked chain and writes the report. */
const judge = (options: VerifyOptions, heads: readonly HeldHead[], walked: ChainWalk, started: number): Omit<VerificationReport, 'parallel'> => {
  const { level } = options;
  const { events, redacted, last, recomputed } = walked;
  const findings = [...walked.findings];
  const record = (finding: Finding): void => {
    if (findings.length < MAX_FINDINGS) findings.push(finding);
  };

  // Signed heads: each must be genuine, must not lie past the end of the store, and must equal the
  // chain recomputed at its position.
  const trusted = options.trustedKeyIds ? new Set(options.trustedKeyIds) : undefined;
  // The same head as several levels hold it is checked once; a copy that differs is another head.
  const byHead = new Map<string, { held: HeldHead; holders: string[]; ownPosition?: number }>();
  for (const held of heads) {
    const key = JSON.stringify(held.head);
    const entry = byHead.get(key) ?? { held, holders: [] };
    entry.holders.push(held.heldBy);
    if (held.heldBy === level && held.recordedAt !== undefined) entry.ownPosition = held.recordedAt;
    byHead.set(key, entry);
  }
  const ordered = [...byHead.values()].sort((a, b) => a.held.head.position - b.held.head.position);
  const keyCounts = new Map<string, number>();
  let confirmed = 0;
  let unconfirmed = 0;
  /** The furthest position some evidence says the store held: a signed head, or a signature fact's own position. */
  let furthest: { position: number; how: string; heldBy: string } | undefined;
  const reached = (position: number, how: string, heldBy: string): void => {
    if (position > last.position && (!furthest || position > furthest.position)) furthest = { position, how, heldBy };
  };
  let latestConfirmed: SignedHeadSummary['latestConfirmed'] = null;
  const broken = findings.length > 0 ? Math.min(...findings.map((finding) => finding.position)) : Number.POSITIVE_INFINITY;
  for (const { held, holders, ownPosition } of ordered) {
    const { head } = held;
    const heldBy = unique(holders).join(', ');
    keyCounts.set(head.keyId, (keyCounts.get(head.keyId) ?? 0) + 1);
    const problem = signatureProblem(head);
    if (problem) {
      // A damaged copy in this store is a break where it is stored; one held elsewhere is a false
      // claim about this chain at the position it names.
      record({
        position: ownPosition ?? head.position,
        kind: 'bad-signature',
        message: `the head of ${head.position} signed at ${head.signedAt} (held by ${heldBy}) ${problem}`,
        heldBy,
      });
      continue;
    }
    if (trusted && !trusted.has(head.keyId)) {
      record({ position: head.position, kind: 'untrusted-key', message: `the head of ${head.position} signed at ${head.signedAt} (held by ${heldBy}) is signed by key ${head.keyId}, which is not trusted`, heldBy });
      continue;
    }
    for (const storedAt of heads.filter((other) => JSON.stringify(other.head) === JSON.stringify(head)).map((other) => other.storedAt)) {
      if (storedAt !== undefined) reached(storedAt, `the signature of ${head.signedAt} was itself recorded at ${storedAt}`, heldBy);
    }
    if (head.position > last.position) {
      reached(head.position, `a head signed at ${head.signedAt} covers position ${head.position}`, heldBy);
      continue;
    }
    const ours = recomputed.get(head.position);
    if (ours === undefined || head.position >= broken) {
      unconfirmed++;
      continue;
    }
    if (ours !== head.hash) {
      const from = (latestConfirmed?.position ?? 0) + 1;
      record({
        position: from,
        kind: 'history-rewritten',
        message: `the chain recomputed at ${head.position} differs from the head signed at ${head.signedAt} (held by ${heldBy}), though every stored hash links: events in ${from}..${head.position} were rewritten and re-hashed`,
        relatedPosition: head.position,
        range: [from, head.position],
        heldBy,
      });
      unconfirmed++;
      continue;
    }
    confirmed++;
    latestConfirmed = { position: head.position, signedAt: head.signedAt, heldBy: unique(holders) };
  }

  if (furthest) {
    record({
      position: last.position + 1,
      kind: 'tail-truncated',
      message: `the store ends at ${last.position}, but ${furthest.how} (held by ${furthest.heldBy}): events were removed from the end`,
      relatedPosition: furthest.position,
      heldBy: furthest.heldBy,
    });
  }

  findings.sort((a, b) => a.position - b.position);
  return {
    level,
    source: options.source.description,
    algorithm: CHAIN_ALGORITHM,
    ok: findings.length === 0,
    events,
    redacted,
    head: { position: last.position, hash: toHex(last.hash) },
    firstBroken: findings[0] ?? null,
    findings,
    signedHeads: {
      checked: ordered.length,
      confirmed,
      unconfirmed,
      latestConfirmed,
      keys: [...keyCounts].map(([keyId, count]) => ({ keyId, heads: count, trusted: trusted ? trusted.has(keyId) : null })),
    },
    millis: Math.round(performance.now() - started),
  };
};
