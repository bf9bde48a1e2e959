import type { Level } from '../kernel/actor.js';
import { LEVELS, levelDepth } from '../kernel/actor.js';
import type { Message } from '../kernel/envelope.js';

/**
 * The audit context: attestations about a level's store rather than facts about inspection work.
 * A level signs the head of its hash chain (libs/audit) and records the signature as a fact, so that
 * the levels above it hold it too: a level cannot later shorten or rewrite its history without
 * contradicting what its ancestors keep.
 */
export type ChainHeadSigned = Message<
  'ChainHeadSigned',
  {
    /** The level whose store the head belongs to (the signer). */
    level: Level;
    /** Position of the last event the signature covers. */
    position: number;
    /** Chain hash at `position`, lowercase hex (64 characters). */
    hash: string;
    /** Record time of the signature (ISO-8601, UTC). */
    signedAt: string;
    algorithm: 'Ed25519';
    /** The signer's public key: DER SubjectPublicKeyInfo, base64. */
    publicKey: string;
    /** SHA-256 of the public key's DER bytes, lowercase hex: short enough to pin and compare by eye. */
    keyId: string;
    /** Ed25519 signature of the canonical head message (libs/audit signing.ts), base64. */
    signature: string;
  }
>;

export type AuditEvent = ChainHeadSigned;

/** Levels that keep a copy of a level's signed heads: every level above the signer, top first. */
export const levelsAbove = (signer: Level): Level[] => LEVELS.slice(0, levelDepth(signer));

export const auditChainStream = (level: Level): string => `audit-chain-${level}`;

/** The level whose chain a stored fact signs, when it is a signed head (what auditors of that level and above may see). */
export const chainSignedBy = (fact: { readonly type: string; readonly data: unknown }): Level | undefined =>
  fact.type === 'ChainHeadSigned' ? (fact.data as ChainHeadSigned['data']).level : undefined;
