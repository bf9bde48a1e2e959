import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Actor, Level } from '#domain';
import type { AuditSigningKey } from '#audit';
import { generateSigningKey, generateSigningKeyPem, parseSigningKey } from '#audit';
import { makePrivateFolder } from '#event-store';
import type { ProjectionRunner, ReadModel } from '#projections';
import { StoreChain } from './audit-chain.js';
import type { FactVisibility } from './audit-history.js';
import { LevelHistory } from './audit-history.js';
import type { Lineage, LineageSubject } from './audit-lineage.js';
import { LineageTracer } from './audit-lineage.js';
import type { ChainSigningSchedule } from './audit-signer.js';
import { ChainSigner } from './audit-signer.js';
import { ReadModelSnapshots } from './audit-snapshots.js';
import type { LevelService } from './level-service.js';
import { loadReferenceRegistry } from './reference-registry.js';

/** How a runtime's levels keep their history auditable. Every part is optional. */
export interface RuntimeAuditOptions {
  /** Ed25519 private keys (PKCS#8 PEM or base64 DER) by level. */
  readonly signingKeys?: Partial<Record<Level, string>>;
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

/** Who records periodic signatures: the system, acting for the root of the jurisdiction tree. */
export const auditSystemActor = (service: LevelService): Actor => ({
  id: `audit-chain-signer-${service.level}`,
  jurisdiction: service.registry.all().find((entry) => entry.parent === null)?.code ?? service.registry.all()[0]?.code ?? '000000',
  role: 'admin',
});

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
    private readonly service: LevelService,
    private readonly readModel: ReadModel,
    private readonly projections: ProjectionRunner,
  ) {}

  static create(args: {
    readonly service: LevelService;
    readonly readModel: ReadModel;
    readonly projections: ProjectionRunner;
    readonly dataDir?: string;
    readonly registryFile?: string;
    readonly options?: RuntimeAuditOptions;
  }): LevelAudit {
    const { service, options } = args;
    const level = service.level;
    const every = options?.snapshotEveryEvents ?? 0;
    const snapshots = args.dataDir && every > 0 ? new ReadModelSnapshots(join(args.dataDir, `${level}.snapshots`), every) : undefined;
    const history = new LevelHistory(level, service.store, () => loadReferenceRegistry(args.registryFile), snapshots);
    const chain = StoreChain.of(service.store);
    if (!chain) return new LevelAudit(level, history, undefined, snapshots, 'ephemeral', service, args.readModel, args.projections);
    const configured = options?.signingKeys?.[level];
    const keyFile = configured === undefined && options?.keyFolder ? join(options.keyFolder, `${level}.audit-key.pem`) : undefined;
    const key: AuditSigningKey = configured !== undefined ? parseSigningKey(configured) : keyFile ? parseSigningKey(keptKey(keyFile)) : generateSigningKey();
    const signer = new ChainSigner(service, chain, key, auditSystemActor(service), options?.signing);
    const source = configured !== undefined ? 'configured' : keyFile ? { file: keyFile } : 'ephemeral';
    return new LevelAudit(level, history, signer, snapshots, source, service, args.readModel, args.projections);
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
    return new LineageTracer(this.history, this.service.store, this.service.registry, visible).trace(kind, id);
  }
}
