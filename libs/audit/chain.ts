/**
 * The hash chain over a level's store: the one definition of its canonical form, sealed into the
 * store as it appends (chainSeal) and recomputed by every verifier (live store, SQLite file, NDJSON
 * export).
 *
 * Chain version 1 (`sha256-chain/v1`), for the event at global position n:
 *
 *   content_n = 0x01
 *             ‖ str(streamId) ‖ u64(revision) ‖ str(eventId) ‖ str(type)
 *             ‖ str(data) ‖ str(metadata)
 *   digest_n  = SHA-256(content_n)
 *   hash_n    = SHA-256(hash_{n-1} ‖ u64(n) ‖ digest_n)          hash_0 = 32 zero bytes
 *
 *   str(s) = u32(byte length of UTF-8 s) ‖ UTF-8 s;  u32, u64: unsigned big-endian.
 *   `data` and `metadata` are the JSON texts exactly as stored, never re-serialized: a verifier
 *   hashes the bytes the store holds, so no JSON formatting rule has to be agreed on.
 *
 * Why position ‖ digest rather than hashing the fields straight into the link: an export of one
 * jurisdiction's history can replace every other jurisdiction's event by its (position, digest) and
 * still be verified offline against signed heads, without disclosing those events. Length prefixes
 * make the encoding injective (no two field tuples give the same bytes).
 */
import { hash } from 'node:crypto';

export const CHAIN_ALGORITHM = 'sha256-chain/v1';
export const HASH_BYTES = 32;
const CONTENT_VERSION = 0x01;
const UINT32_LIMIT = 2 ** 32;

/** The fields of one stored event that the chain covers. Text fields may come as UTF-8 bytes. */
export interface ChainEntry {
  readonly position: number;
  readonly streamId: string;
  readonly revision: number;
  readonly eventId: string;
  readonly type: string;
  readonly data: string | Uint8Array;
  readonly metadata: string | Uint8Array;
}

/** The covered fields with every text as a string or as its UTF-8 bytes (what a fast reader holds). */
export interface ChainContent {
  readonly position: number;
  readonly streamId: string | Uint8Array;
  readonly revision: number;
  readonly eventId: string | Uint8Array;
  readonly type: string | Uint8Array;
  readonly data: string | Uint8Array;
  readonly metadata: string | Uint8Array;
}

/** A stored event with the chain hash the store recorded for it. */
export interface ChainRow extends ChainEntry {
  readonly chainHash: Uint8Array;
}

/** hash_0: what the first event links from. A new buffer each time, so no caller can alter it. */
export const genesisHash = (): Buffer => Buffer.alloc(HASH_BYTES);

// One growing scratch buffer for the content encoding: hashing is synchronous, so no two
// encodings ever overlap, and an append of 100 events allocates nothing per event. It is grown
// only before an encoding starts, to the bound of the whole event: growing it midway would have to
// carry over the fields already written, and a grown buffer starts with stale heap bytes.
let scratch = Buffer.allocUnsafe(16 * 1024);

/** At least the bytes of str(value): UTF-8 never takes more than 3 bytes per UTF-16 code unit. */
const fieldBound = (value: string | Uint8Array): number => 4 + (typeof value === 'string' ? value.length * 3 : value.length);

const writeU64 = (target: Buffer, value: number, offset: number): void => {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`chain: ${value} is not an unsigned safe integer`);
  target.writeUInt32BE(Math.floor(value / UINT32_LIMIT), offset);
  target.writeUInt32BE(value % UINT32_LIMIT, offset + 4);
};

/** Writes str(value) at offset (the scratch holds fieldBound(value) from there); returns the offset after it. */
const writeField = (value: string | Uint8Array, offset: number): number => {
  if (typeof value === 'string') {
    const written = scratch.write(value, offset + 4, 'utf8');
    scratch.writeUInt32BE(written, offset);
    return offset + 4 + written;
  }
  scratch.writeUInt32BE(value.length, offset);
  scratch.set(value, offset + 4);
  return offset + 4 + value.length;
};

/** digest_n: SHA-256 of the event's canonical content (everything but its position). */
export const contentDigest = (entry: Omit<ChainContent, 'position'>): Buffer => {
  const bound = 1 + fieldBound(entry.streamId) + 8 + fieldBound(entry.eventId) + fieldBound(entry.type) + fieldBound(entry.data) + fieldBound(entry.metadata);
  if (scratch.length < bound) scratch = Buffer.allocUnsafe(Math.max(bound, scratch.length * 2));
  scratch[0] = CONTENT_VERSION;
  let offset = writeField(entry.streamId, 1);
  writeU64(scratch, entry.revision, offset);
  offset = writeField(entry.eventId, offset + 8);
  offset = writeField(entry.type, offset);
  offset = writeField(entry.data, offset);
  offset = writeField(entry.metadata, offset);
  return hash('sha256', scratch.subarray(0, offset), 'buffer');
};

const link = Buffer.alloc(HASH_BYTES + 8 + HASH_BYTES);

/** hash_n from hash_{n-1}, the position and digest_n. */
export const chainLink = (previous: Uint8Array, position: number, digest: Uint8Array): Buffer => {
  if (previous.length !== HASH_BYTES || digest.length !== HASH_BYTES) throw new RangeError('chain: hashes and digests are 32 bytes');
  link.set(previous, 0);
  writeU64(link, position, HASH_BYTES);
  link.set(digest, HASH_BYTES + 8);
  return hash('sha256', link, 'buffer');
};

/** hash_n of `entry`, linked from `previous`. */
export const chainHashOf = (previous: Uint8Array, entry: ChainContent): Buffer => chainLink(previous, entry.position, contentDigest(entry));

const GENESIS = genesisHash();

/**
 * The chain as the seal a store computes in its append transaction (the event-store port's
 * EventSeal): each event's hash linked from the one before it, hash_0 before the first. A store
 * opened with it keeps the chain; verifiers, signers and exports read it back as seals.
 */
export const chainSeal = (previous: Uint8Array | undefined, entry: ChainEntry): Buffer => chainHashOf(previous ?? GENESIS, entry);

/** Extends a chain event by event from a head: the hash of each new event, as chainSeal gives it. */
export class ChainBuilder {
  private previous: Buffer;

  constructor(head: Uint8Array = genesisHash()) {
    this.previous = Buffer.from(head);
  }

  /** The hash of `entry`, which becomes the link for the next one. */
  next(entry: ChainEntry): Buffer {
    this.previous = chainHashOf(this.previous, entry);
    return this.previous;
  }

  get head(): Buffer {
    return Buffer.from(this.previous);
  }
}

export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');

const HEX_HASH = /^[0-9a-f]{64}$/;

/** A 32-byte hash from lowercase hex; undefined for anything else. */
export const hashFromHex = (text: unknown): Buffer | undefined =>
  typeof text === 'string' && HEX_HASH.test(text) ? Buffer.from(text, 'hex') : undefined;

export const sameHash = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && Buffer.compare(a, b) === 0;

/** What a chained store says about its last event: position 0 and hash_0 when it is empty. */
export interface ChainHead {
  readonly position: number;
  /** Lowercase hex. */
  readonly hash: string;
}
