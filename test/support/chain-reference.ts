import { createHash } from 'node:crypto';

/** A chain entry as chain.ts takes it: every text as a string or as its UTF-8 bytes. */
export interface ReferenceEntry {
  readonly position: number;
  readonly streamId: string | Uint8Array;
  readonly revision: number;
  readonly eventId: string | Uint8Array;
  readonly type: string | Uint8Array;
  readonly data: string | Uint8Array;
  readonly metadata: string | Uint8Array;
}

const str = (text: string | Uint8Array): Buffer => {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : Buffer.from(text);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
};

const u64 = (n: number): Buffer => {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(BigInt(n));
  return bytes;
};

const sha256 = (bytes: Buffer): Buffer => createHash('sha256').update(bytes).digest();

/**
 * digest_n as documented at the top of libs/audit/chain.ts, built the slow, obvious way (fresh
 * buffers and one Buffer.concat per event), independently of chain.ts's scratch-buffer encoder:
 * the reference that encoder must agree with.
 */
export const referenceDigest = (entry: Omit<ReferenceEntry, 'position'>): Buffer =>
  sha256(Buffer.concat([Buffer.from([1]), str(entry.streamId), u64(entry.revision), str(entry.eventId), str(entry.type), str(entry.data), str(entry.metadata)]));

/** hash_n from hash_{n-1}, by the same documented form. */
export const referenceChainHash = (previous: Uint8Array, entry: ReferenceEntry): Buffer =>
  sha256(Buffer.concat([previous, u64(entry.position), referenceDigest(entry)]));
