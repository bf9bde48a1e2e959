/**
 * NDJSON export of a level's history, verifiable offline: one JSON object per line.
 *
 *   {"kind":"header","format":"inspection-linkage/audit-export","version":1,"algorithm":"sha256-chain/v1",
 *    "level":"county","jurisdiction":"350624"|null,"exportedAt":"…","head":{"position":N,"hash":"…"}}
 *   {"kind":"event","position":1,"streamId":"…","revision":0,"eventId":"…","type":"…",
 *    "data":"<JSON text as stored>","metadata":"<JSON text as stored>","chainHash":"…"}
 *   {"kind":"redacted","position":2,"digest":"…","chainHash":"…"}        (an event outside the jurisdiction)
 *   {"kind":"signed-head","heldBy":"city","recordedAt":123,"storedAt":45,"head":{…ChainHeadSigned data…}}
 *        (recordedAt: where the holder stored it; storedAt: where the signer did)
 *   {"kind":"end","events":N,"redacted":M,"signedHeads":K}
 *
 * Every position from 1 to the head is present, as an event or redacted, so the whole chain can be
 * recomputed. `data` and `metadata` are the stored texts, kept as strings because the chain hashes
 * those exact bytes. Hashes are lowercase hex.
 */
import type { JurisdictionLookup, Level } from '#domain';
import { attributedJurisdictions, isLevel } from '#domain';
import type { DomainEvent } from '#domain';
import type { ChainHead, ChainRow } from './chain.js';
import { CHAIN_ALGORITHM, contentDigest, hashFromHex, toHex } from './chain.js';
import { asSignedChainHead } from './signing.js';
import type { ChainSource, Finding, HeldHead, VerifiableRow, VerificationReport } from './verify.js';
import { isRedacted, verifyChain } from './verify.js';

export const EXPORT_FORMAT = 'inspection-linkage/audit-export';
export const EXPORT_VERSION = 1;

export interface ExportHeader {
  readonly kind: 'header';
  readonly format: typeof EXPORT_FORMAT;
  readonly version: typeof EXPORT_VERSION;
  readonly algorithm: typeof CHAIN_ALGORITHM;
  readonly level: Level;
  readonly jurisdiction: string | null;
  readonly exportedAt: string;
  readonly head: ChainHead;
}

export interface ExportOptions {
  /** Full rows (a live store or a SQLite file), read from position 1. */
  readonly source: ChainSource;
  readonly level: Level;
  /** Export one jurisdiction's history: other events are redacted. Absent: the whole level. */
  readonly jurisdiction?: string;
  /** Which events are shown in full; default: all. */
  readonly include?: (row: ChainRow) => boolean;
  /** Read before `head`, so that no head lies past the exported range. */
  readonly heads: readonly HeldHead[];
  readonly head: ChainHead;
  readonly exportedAt: string;
  readonly pageSize?: number;
}

const textOf = (value: string | Uint8Array): string => (typeof value === 'string' ? value : Buffer.from(value).toString('utf8'));

/** The export, line by line (each without its newline). */
export async function* exportLines(options: ExportOptions): AsyncGenerator<string> {
  const header: ExportHeader = {
    kind: 'header',
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    algorithm: CHAIN_ALGORITHM,
    level: options.level,
    jurisdiction: options.jurisdiction ?? null,
    exportedAt: options.exportedAt,
    head: options.head,
  };
  yield JSON.stringify(header);
  let after = 0;
  let events = 0;
  let redacted = 0;
  const pageSize = options.pageSize ?? 5000;
  while (after < options.head.position) {
    const page = await options.source.readPage(after, Math.min(pageSize, options.head.position - after));
    if (page.length === 0) break;
    for (const row of page) {
      if (isRedacted(row)) {
        redacted++;
        yield JSON.stringify({ kind: 'redacted', position: row.position, digest: toHex(row.digest), chainHash: toHex(row.chainHash) });
      } else if (options.include && !options.include(row)) {
        redacted++;
        yield JSON.stringify({ kind: 'redacted', position: row.position, digest: toHex(contentDigest(row)), chainHash: toHex(row.chainHash) });
      } else {
        events++;
        yield JSON.stringify({
          kind: 'event',
          position: row.position,
          streamId: row.streamId,
          revision: row.revision,
          eventId: row.eventId,
          type: row.type,
          data: textOf(row.data),
          metadata: textOf(row.metadata),
          chainHash: toHex(row.chainHash),
        });
      }
    }
    after = page[page.length - 1]!.position;
  }
  for (const held of options.heads) {
    yield JSON.stringify({
      kind: 'signed-head',
      heldBy: held.heldBy,
      ...(held.recordedAt !== undefined ? { recordedAt: held.recordedAt } : {}),
      ...(held.storedAt !== undefined ? { storedAt: held.storedAt } : {}),
      head: held.head,
    });
  }
  yield JSON.stringify({ kind: 'end', events, redacted, signedHeads: options.heads.length });
}

/**
 * Which events a jurisdiction's export shows in full: facts owned by or attributed to the
 * jurisdiction or one of its descendants, and the signed heads. An event that no longer parses is
 * redacted (its digest still exposes the damage to a verifier).
 */
export const jurisdictionFilter = (registry: JurisdictionLookup, jurisdiction: string): ((row: ChainRow) => boolean) => {
  const subtree = new Set(registry.subtreeOf(jurisdiction));
  return (row) => {
    if (row.type === 'ChainHeadSigned') return true;
    try {
      const data = JSON.parse(textOf(row.data)) as unknown;
      const metadata = JSON.parse(textOf(row.metadata)) as { jurisdiction?: unknown };
      const involved = attributedJurisdictions({ type: row.type, data } as DomainEvent);
      if (typeof metadata.jurisdiction === 'string') involved.push(metadata.jurisdiction);
      return involved.some((code) => subtree.has(code));
    } catch {
      return false;
    }
  };
};

export interface ParsedExport {
  readonly header: ExportHeader | undefined;
  readonly rows: readonly VerifiableRow[];
  readonly heads: readonly HeldHead[];
  readonly ended: boolean;
  /** Lines that could not be read, with their line numbers. */
  readonly problems: readonly string[];
}

/** Reads an export; never throws for bad lines, it lists them. */
export const parseExport = async (lines: AsyncIterable<string> | Iterable<string>): Promise<ParsedExport> => {
  let header: ExportHeader | undefined;
  const rows: VerifiableRow[] = [];
  const heads: HeldHead[] = [];
  const problems: string[] = [];
  let ended = false;
  let number = 0;
  for await (const line of lines) {
    number++;
    if (line.trim() === '') continue;
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(line) as Record<string, unknown>;
    } catch {
      problems.push(`line ${number}: not JSON`);
      continue;
    }
    const position = value.position;
    const chainHash = hashFromHex(value.chainHash);
    switch (value.kind) {
      case 'header':
        if (value.format !== EXPORT_FORMAT || value.version !== EXPORT_VERSION || value.algorithm !== CHAIN_ALGORITHM || !isLevel(value.level)) {
          problems.push(`line ${number}: not an ${EXPORT_FORMAT} v${EXPORT_VERSION} header with chain ${CHAIN_ALGORITHM}`);
        } else header = value as unknown as ExportHeader;
        break;
      case 'event':
        if (
          typeof position !== 'number' ||
          !chainHash ||
          typeof value.streamId !== 'string' ||
          typeof value.revision !== 'number' ||
          typeof value.eventId !== 'string' ||
          typeof value.type !== 'string' ||
          typeof value.data !== 'string' ||
          typeof value.metadata !== 'string'
        ) {
          problems.push(`line ${number}: malformed event`);
        } else {
          rows.push({
            position,
            streamId: value.streamId,
            revision: value.revision,
            eventId: value.eventId,
            type: value.type,
            data: value.data,
            metadata: value.metadata,
            chainHash,
          });
        }
        break;
      case 'redacted': {
        const digest = hashFromHex(value.digest);
        if (typeof position !== 'number' || !chainHash || !digest) problems.push(`line ${number}: malformed redacted event`);
        else rows.push({ position, digest, chainHash });
        break;
      }
      case 'signed-head': {
        const head = asSignedChainHead(value.head);
        if (!head || typeof value.heldBy !== 'string') problems.push(`line ${number}: malformed signed head`);
        else {
          heads.push({
            head,
            heldBy: value.heldBy,
            ...(typeof value.recordedAt === 'number' ? { recordedAt: value.recordedAt } : {}),
            ...(typeof value.storedAt === 'number' ? { storedAt: value.storedAt } : {}),
          });
        }
        break;
      }
      case 'end':
        ended = true;
        break;
      default:
        problems.push(`line ${number}: unknown kind ${String(value.kind)}`);
    }
  }
  return { header, rows, heads, ended, problems };
};

/** Rows of a parsed export, in the order they were written, as a ChainSource. */
export const exportSource = (parsed: ParsedExport, description: string): ChainSource => {
  const rows = parsed.rows;
  // Rows are written in position order; find the first one after `after` by binary search.
  const firstAfter = (after: number): number => {
    let low = 0;
    let high = rows.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (rows[middle]!.position <= after) low = middle + 1;
      else high = middle;
    }
    return low;
  };
  return {
    description,
    readPage: (after, limit) => {
      const start = firstAfter(after);
      return rows.slice(start, start + limit);
    },
  };
};

/** Adds findings a caller made to a report, keeping it ordered and its verdict right. */
export const withFindings = (report: VerificationReport, extra: readonly Finding[]): VerificationReport => {
  if (extra.length === 0) return report;
  const findings = [...report.findings, ...extra].sort((a, b) => a.position - b.position);
  return { ...report, ok: false, findings, firstBroken: findings[0]! };
};

/** Verifies an export without the server: its chain, its signed heads, and that it is whole. */
export const verifyExport = async (parsed: ParsedExport, options: { description: string; trustedKeyIds?: readonly string[] }): Promise<VerificationReport> => {
  const level = parsed.header?.level ?? null;
  const report = await verifyChain({
    source: exportSource(parsed, options.description),
    level,
    heads: parsed.heads,
    ...(options.trustedKeyIds ? { trustedKeyIds: options.trustedKeyIds } : {}),
  });
  const extra: Finding[] = parsed.problems.map((problem) => ({ position: 0, kind: 'unreadable', message: problem }));
  if (!parsed.header) extra.push({ position: 0, kind: 'unreadable', message: 'the export has no valid header line' });
  const declared = parsed.header?.head;
  if (declared && report.head.position < declared.position) {
    extra.push({
      position: report.head.position + 1,
      kind: 'tail-truncated',
      message: `the export declares its head at ${declared.position} but its events end at ${report.head.position}`,
      relatedPosition: declared.position,
    });
  } else if (declared && report.head.position === declared.position && report.head.hash !== declared.hash) {
    extra.push({ position: declared.position, kind: 'chain-hash-altered', message: `the last chain hash differs from the head the header declares` });
  }
  if (!parsed.ended) extra.push({ position: report.head.position + 1, kind: 'tail-truncated', message: 'the export ends before its end line: the file was cut' });
  return withFindings(report, extra);
};
