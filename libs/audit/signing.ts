/**
 * Signed chain heads: a level's Ed25519 signature over (level, position, hash, time, public key).
 * The signature is recorded as a `ChainHeadSigned` fact in the level's store and travels to every
 * level above it, so a head is evidence held outside the signer's own store.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { ChainHeadSigned, Level } from '#domain';
import { isLevel } from '#domain';
import { hashFromHex } from './chain.js';

export type SignedChainHead = ChainHeadSigned['data'];

/** What a level signs: its chain head at a moment. */
export interface UnsignedChainHead {
  readonly level: Level;
  readonly position: number;
  readonly hash: string;
  readonly signedAt: string;
}

export class InvalidSigningKey extends Error {
  override readonly name = 'InvalidSigningKey';
}

/** A level's signing key with the public half in the form heads carry it. */
export interface AuditSigningKey {
  readonly privateKey: KeyObject;
  /** DER SubjectPublicKeyInfo, base64. */
  readonly publicKey: string;
  readonly keyId: string;
}

const MESSAGE_TAG = 'inspection-linkage/chain-head/v1';

const field = (value: string): Buffer => {
  const bytes = Buffer.from(value, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
};

/**
 * The exact bytes a head's signature covers: tag ‖ str(level) ‖ u64(position) ‖ hash (32 bytes) ‖
 * str(signedAt) ‖ str(publicKey), with str and u64 as in chain.ts. The public key is inside the
 * signed bytes so a head cannot be re-labelled with another key.
 */
export const chainHeadMessage = (head: UnsignedChainHead, publicKey: string): Buffer => {
  const hash = hashFromHex(head.hash);
  if (!hash) throw new RangeError(`chain head hash must be 64 lowercase hex characters, got ${head.hash}`);
  if (!Number.isSafeInteger(head.position) || head.position < 0) throw new RangeError(`chain head position ${head.position} is not an integer >= 0`);
  const position = Buffer.alloc(8);
  position.writeBigUInt64BE(BigInt(head.position));
  return Buffer.concat([field(MESSAGE_TAG), field(head.level), position, hash, field(head.signedAt), field(publicKey)]);
};

export const keyIdOf = (publicKeyDer: Uint8Array): string => createHash('sha256').update(publicKeyDer).digest('hex');

const fromPrivateKey = (privateKey: KeyObject): AuditSigningKey => {
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new InvalidSigningKey(`an audit signing key must be Ed25519, not ${privateKey.asymmetricKeyType ?? 'a symmetric key'}`);
  }
  const der = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return { privateKey, publicKey: der.toString('base64'), keyId: keyIdOf(der) };
};

/**
 * Reads a private key given as PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`) or as the base64 of its
 * DER bytes (what fits in one environment variable).
 */
export const parseSigningKey = (text: string): AuditSigningKey => {
  const trimmed = text.trim();
  let privateKey: KeyObject;
  try {
    privateKey = trimmed.startsWith('-----BEGIN')
      ? createPrivateKey({ key: trimmed, format: 'pem' })
      : createPrivateKey({ key: Buffer.from(trimmed, 'base64'), format: 'der', type: 'pkcs8' });
  } catch (error) {
    throw new InvalidSigningKey(`not a PKCS#8 private key (PEM, or base64 DER): ${(error as Error).message}`);
  }
  return fromPrivateKey(privateKey);
};

/** A new Ed25519 key as PKCS#8 PEM, the form kept under DATA_DIR. */
export const generateSigningKeyPem = (): string => generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

export const generateSigningKey = (): AuditSigningKey => parseSigningKey(generateSigningKeyPem());

export const signChainHead = (key: AuditSigningKey, head: UnsignedChainHead): SignedChainHead => ({
  level: head.level,
  position: head.position,
  hash: head.hash,
  signedAt: head.signedAt,
  algorithm: 'Ed25519',
  publicKey: key.publicKey,
  keyId: key.keyId,
  signature: sign(null, chainHeadMessage(head, key.publicKey), key.privateKey).toString('base64'),
});

/** Why a head's signature does not hold, or undefined when it does. */
export const signatureProblem = (head: SignedChainHead): string | undefined => {
  if (!isLevel(head.level)) return `names no level (${String(head.level)})`;
  if (head.algorithm !== 'Ed25519') return `uses algorithm ${String(head.algorithm)}, not Ed25519`;
  let der: Buffer;
  let publicKey: KeyObject;
  try {
    der = Buffer.from(head.publicKey, 'base64');
    publicKey = createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch {
    return 'carries an unreadable public key';
  }
  if (publicKey.asymmetricKeyType !== 'ed25519') return 'carries a public key that is not Ed25519';
  if (keyIdOf(der) !== head.keyId) return 'carries a key id that is not the hash of its public key';
  let message: Buffer;
  try {
    message = chainHeadMessage(head, head.publicKey);
  } catch (error) {
    return (error as Error).message;
  }
  const signature = Buffer.from(head.signature ?? '', 'base64');
  return verify(null, message, publicKey, signature) ? undefined : 'signature does not match the head';
};

/** Reads a `ChainHeadSigned` payload from untrusted JSON; undefined when it is not one. */
export const asSignedChainHead = (value: unknown): SignedChainHead | undefined => {
  const head = value as Partial<SignedChainHead> | null;
  if (typeof head !== 'object' || head === null) return undefined;
  if (!isLevel(head.level) || typeof head.position !== 'number' || typeof head.hash !== 'string' || typeof head.signedAt !== 'string') return undefined;
  if (typeof head.publicKey !== 'string' || typeof head.keyId !== 'string' || typeof head.signature !== 'string' || typeof head.algorithm !== 'string') {
    return undefined;
  }
  return head as SignedChainHead;
};
