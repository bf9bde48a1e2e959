import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Actor, JurisdictionRegistry, Level } from '#domain';
import type { AuditSigningKey } from '../signing.js';
import { generateSigningKey, generateSigningKeyPem, keyIdOf, parseSigningKey } from '../signing.js';
import { makePrivateFolder } from '#event-store';
import type { ProjectionRunner, ReadModel } from '#projections';
import { StoreChain } from './store-chain.js';
import type { FactVisibility } from '../history/history.js';
import { LevelHistory } from '../history/history.js';
import type { Lineage, LineageSubject } from '../history/lineage.js';
import { LineageTracer } from '../history/lineage.js';
import type { RoundAuthorityAudit } from '../history/authority.js';
import { roundAuthority } from '../history/authority.js';
import type { AuditedLevel, ChainSigningSchedule } from './signer.js';
import { ChainSigner } from './signer.js';
import { ReadModelSnapshots } from '../history/snapshots.js';

/** How a runtime's levels keep their history auditable. Every part is optional. */
export interface RuntimeAuditOptions {
  /** Ed25519 private keys (PKCS#8 PEM or base64 DER) by level. */
  readonly signingKeys?: Partial<Record<Level, string>>;
  /**
   * Ids of keys a level signed with before (AUDIT_RETIRED_KEY_IDS_<LEVEL>), by level: heads they
   * signed still verify. A level with a key file also trusts what its `<level>.audit-key.retired.json` lists.
   */
  readonly retiredKeyIds?: Partial<Record<Level, readonly string[]>>;
  /**
   * Where a level without a given key keeps the one generated for it (`<level>.audit-key.pem`,
   * made on first start, like the token key), so that its heads verify after a restart with the same
   * key. Absent: such a level signs with a key made for this run only (tests, scenario runs).
   */
  readonly keyFolder?: string;
  /** Periodic signing of chain heads; absent: heads are signed on demand only. */
  readonly signing?: ChainSigningSchedule;
  /** Read-model snapshots for as-of queries every this many projected events (needs a data folder); absent or 0: none. */
  readonly snapshotEveryEvents?: number;
}

/** The key kept in `file`, generated (owner-readable only) when there is none yet. */
const keptKey = (file: string): string => {
  if (!existsSync(file)) {
    makePrivateFolder(join(file, '..'));
    writeFileSync(file, generateSigningKeyPem(), { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
  }
  return readFileSync(file, 'utf8');
};

/** The public halves of the keys a level signed heads with before its key was rotated. */
export interface RetiredAuditKey {
  readonly keyId: string;
  /** DER SubjectPublicKeyInfo, base64: what the heads it signed carry. */
  readonly publicKey: string;
  readonly retiredAt: string;
}

export const auditKeyFileOf = (keyFolder: string, level: Level): string => join(keyFolder, `${level}.audit-key.pem`);
export const retiredAuditKeysFileOf = (keyFolder: string, level: Level): string => join(keyFolder, `${level}.audit-key.retired.json`);

/** The retired keys listed beside a level's key file (none when there is no list). */
export const readRetiredAuditKeys = (keyFolder: string, level: Level): RetiredAuditKey[] => {
  const file = retiredAuditKeysFileOf(keyFolder, level);
  if (!existsSync(file)) return [];
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { keys?: RetiredAuditKey[] };
  return (parsed.keys ?? []).filter((key) => {
    // Only an id that is its public key's hash: a list edited by hand cannot name one key and carry another.
    try {
      return keyIdOf(Buffer.from(key.publicKey, 'base64')) === key.keyId;
    } catch {
      return false;
    }
  });
};

const writePrivate = (file: string, text: string): void => {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
};

/**
 * Replaces a level's audit key file with a new key and lists the old one's public half as retired:
 * heads signed before keep verifying (their key id is trusted), new heads carry the new key id.
 * The server reads its key at start: rotate while it is stopped.
 */
export const rotateAuditKey = (keyFolder: string, level: Level, now = new Date()): { readonly retired: string; readonly active: string; readonly file: string } => {
  const file = auditKeyFileOf(keyFolder, level);
  if (!existsSync(file)) throw new Error(`${file} does not exist: start the server once on this folder (it makes the ${level} audit key), or rotate AUDIT_SIGNING_KEY_${level.toUpperCase()} where it is kept`);
  const old = parseSigningKey(readFileSync(file, 'utf8'));
  const retired = [...readRetiredAuditKeys(keyFolder, level).filter((key) => key.keyId !== old.keyId), { keyId: old.keyId, publicKey: old.publicKey, retiredAt: now.toISOString() }];
  // The list first: a crash between the two writes leaves the old key active and also listed, never a key lost.
  writePrivate(retiredAuditKeysFileOf(keyFolder, level), `${JSON.stringify({ level, keys: retired }, null, 2)}\n`);
  const pem = generateSigningKeyPem();
  writePrivate(file, pem);
  return { retired: old.keyId, active: parseSigningKey(pem).keyId, file };
};

/** The code a system actor records when the registry has no single root (the whole country: 全国). */
export const COUNTRY_CODE = '000000';

/**
 * Who records periodic signatures: the system, acting for the root of the jurisdiction tree. With
 * the country's registry there are 31 roots, and the first of them (Beijing) would sign every
 * level's chain; the system acts for the country instead, which only an admin's reads cover.
 */
export const auditSystemActor = ({ level, jurisdictions }: Pick<AuditedLevel, 'level' | 'jurisdictions'>): Actor => {
  const roots = jurisdictions.all().filter((entry) => entry.parent === null);
  return { id: `audit-chain-signer-${level}`, jurisdiction: roots.length === 1 ? roots[0]!.code : COUNTRY_CODE, role: 'admin' };
};

/**
 * The audit side of one level: its chain signer (when its store is hash-chained), its read-model
 * snapshots, and its history (replay, as-of, lineage).
 */
export class LevelAudit {
  private unfollow: (() => void) | undefined;

  private constructor(
    readonly level: Level,
    readonly history: LevelHistory,
    readonly signer: ChainSigner | undefined,
    readonly snapshots: ReadModelSnapshots | undefined,
    /** Where the signing key came from: given, a key file (its path), or made for this run. */
    readonly keySource: 'configured' | 'ephemeral' | { readonly file: string },
    /** Key ids whose heads verify: the signing key's and the retired ones'. */
    readonly trustedKeyIds: readonly string[],
    private readonly audited: AuditedLevel,
    private readonly readModel: ReadModel,
    private readonly projections: ProjectionRunner,
  ) {}

  static create(args: {
    readonly audited: AuditedLevel;
    readonly readModel: ReadModel;
    readonly projections: ProjectionRunner;
    readonly dataDir?: string;
    /** A fresh copy of the reference jurisdictions the level starts from, for each as-of replay to add to. */
    readonly referenceRegistry: () => JurisdictionRegistry;
    readonly options?: RuntimeAuditOptions;
  }): LevelAudit {
    const { audited, options } = args;
    const level = audited.level;
    const every = options?.snapshotEveryEvents ?? 0;
    const snapshots = args.dataDir && every > 0 ? new ReadModelSnapshots(join(args.dataDir, `${level}.snapshots`), every) : undefined;
    const history = new LevelHistory(level, audited.store, args.referenceRegistry, snapshots);
    const chain = StoreChain.of(audited.store);
    if (!chain) return new LevelAudit(level, history, undefined, snapshots, 'ephemeral', [], audited, args.readModel, args.projections);
    const configured = options?.signingKeys?.[level];
    const keyFile = configured === undefined && options?.keyFolder ? auditKeyFileOf(options.keyFolder, level) : undefined;
    const key: AuditSigningKey = configured !== undefined ? parseSigningKey(configured) : keyFile ? parseSigningKey(keptKey(keyFile)) : generateSigningKey();
    const signer = new ChainSigner(audited, chain, key, auditSystemActor(audited), options?.signing);
    const source = configured !== undefined ? 'configured' : keyFile ? { file: keyFile } : 'ephemeral';
    const retired = [...(options?.retiredKeyIds?.[level] ?? []), ...(options?.keyFolder ? readRetiredAuditKeys(options.keyFolder, level).map((retiredKey) => retiredKey.keyId) : [])];
    const trustedKeyIds = [...new Set([key.keyId, ...retired])];
    return new LevelAudit(level, history, signer, snapshots, source, trustedKeyIds, audited, args.readModel, args.projections);
  }

  /** Whether the level's store keeps a hash chain (sqlite, memory) or not (EventStoreDB). */
  get chained(): boolean {
    return this.signer !== undefined;
  }

  start(): void {
    this.signer?.start();
    if (this.snapshots && !this.unfollow) this.unfollow = this.snapshots.follow(this.projections, this.readModel);
  }

  /** Signs a head now if the schedule says one is due (so that `settle` sees the level quiet). */
  async drain(): Promise<void> {
    await this.signer?.drain();
  }

  async stop(): Promise<void> {
    this.unfollow?.();
    this.unfollow = undefined;
    await this.signer?.stop();
  }

  lineage(kind: LineageSubject, id: string, visible?: FactVisibility): Promise<Lineage> {
    return new LineageTracer(this.history, this.audited.store, this.audited.jurisdictions, visible).trace(kind, id);
  }

  /** Who was allowed to act in a round, and on whose authority (docs/contract-authority.md). */
  authority(roundId: string, visible?: FactVisibility): Promise<RoundAuthorityAudit> {
    return roundAuthority(this.history, this.audited.store, roundId, visible);
  }
}
