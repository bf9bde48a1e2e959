/** The ledgers (台账) of DESIGN.md §8.3: the list views offices work from. */
import type { Evidence, Measure, RectificationStatus } from '#domain';

export const LEDGER_KINDS = ['issues', 'rectifications', 'handovers'] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

export const HANDOVER_STATUSES = ['open', 'answered'] as const;
export type HandoverStatus = (typeof HANDOVER_STATUSES)[number];

/** 问题清单 */
export interface IssueRow {
  issueId: string;
  roundId: string;
  unitId: string;
  unitName: string | null;
  jurisdiction: string;
  category: string | null;
  immediate: boolean;
  foundAt: string | null;
  supervised: boolean;
  typical: boolean;
  rectificationIds: string[];
  handoverIds: string[];
}

/** 整改台账 / 责任清单 */
export interface RectificationRow {
  rectificationId: string;
  issueId: string;
  roundId: string;
  unitId: string;
  unitName: string | null;
  jurisdiction: string;
  /** The jurisdiction that required it. */
  requiredBy: string;
  requiredAt: string | null;
  dueBy: string;
  status: RectificationStatus;
  /** The issue's category, null while this level has not received the issue. */
  category: string | null;
  measures: Measure[];
  typical: boolean;
  /** The leader who signed for it: null at every level but the one that recorded the claim. */
  responsibleLeader: string | null;
  leadDepartment: string | null;
  completedAt: string | null;
  closedAt: string | null;
  overdue: boolean;
  completedLate: boolean;
  rejections: number;
  reassessments: { roundId: string; verdict: string; at: string }[];
  evidence: Evidence[];
}

/** 移交清单 */
export interface HandoverRow {
  handoverId: string;
  issueId: string;
  roundId: string;
  unitId: string;
  unitName: string | null;
  jurisdiction: string;
  recipient: string;
  /** The issue's category, null while this level has not received the issue. */
  category: string | null;
  handedOverAt: string | null;
  dueBy: string;
  status: HandoverStatus;
  answeredAt: string | null;
  result: string | null;
  overdue: boolean;
}

export interface LedgerRows {
  issues: IssueRow;
  rectifications: RectificationRow;
  handovers: HandoverRow;
}

export interface LedgerFilter {
  /** The round and every round linked below it. */
  readonly roundId?: string;
  readonly unitId?: string;
  readonly status?: string;
  /** true: overdue at the ledger's time; false: not overdue. */
  readonly overdue?: boolean;
  /** The issue's category. */
  readonly category?: string;
  /**
   * A window of domain time, [from, to), canonical UTC instants (Asia/Shanghai midnights, checked at
   * the edge as a report's window): rows whose beginning fact lies in it, that is an issue found, a
   * rectification required or an issue handed over within it. A row whose beginning fact this level
   * has not received yet (a handover's answer arrived first) lies in no window.
   */
  readonly from?: string;
  readonly to?: string;
}

export interface LedgerPage<K extends LedgerKind> {
  jurisdiction: string;
  kind: K;
  filter: LedgerFilter;
  /** The instant overdue was measured against. */
  asOf: string;
  /** The level store position the read model had reached. */
  position: number;
  /** Every row that matches the filter, not only this page. */
  count: number;
  rows: LedgerRows[K][];
  /** Cursor of the next page (newest first); null on the last one. */
  next: string | null;
}

/** A page without the count: the later pages of a download, whose first page counted. */
export type LedgerRowsPage<K extends LedgerKind> = Pick<LedgerPage<K>, 'rows' | 'next'>;

/** A filter that does not apply to a ledger (issues have no status or due date). */
export class LedgerFilterNotApplicable extends Error {
  override readonly name = 'LedgerFilterNotApplicable';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** A cursor this server did not hand out. */
export class InvalidCursor extends Error {
  override readonly name = 'InvalidCursor';
}

/**
 * The fields of a download row (ReadModel.ledgerDownload), in the order the row holds them: values as
 * the read model stores them, not as a page shows them (flags 0 or 1, lists as JSON text, times as
 * ISO 8601 text, null for none). A download of 100,000 rows builds no row objects.
 */
export const LEDGER_DOWNLOAD_FIELDS = {
  issues: ['issueId', 'roundId', 'unitId', 'unitName', 'jurisdiction', 'category', 'immediate', 'foundAt', 'supervised', 'typical', 'rectificationIds', 'handoverIds'],
  rectifications: [
    'rectificationId',
    'issueId',
    'roundId',
    'unitId',
    'unitName',
    'jurisdiction',
    'requiredBy',
    'requiredAt',
    'dueBy',
    'status',
    'measures',
    'responsibleLeader',
    'leadDepartment',
    'completedAt',
    'closedAt',
    'overdue',
    'completedLate',
    'rejections',
    'reassessments',
    'category',
  ],
  handovers: ['handoverId', 'issueId', 'roundId', 'unitId', 'unitName', 'jurisdiction', 'recipient', 'handedOverAt', 'dueBy', 'status', 'answeredAt', 'result', 'overdue', 'category'],
} as const satisfies { [K in LedgerKind]: readonly (keyof LedgerRows[K])[] };

/** One row of a download: its LEDGER_DOWNLOAD_FIELDS, in that order. */
export type LedgerDownloadRow = readonly unknown[];

/**
 * Every matching row of a ledger, for a download: the count (read when the download is asked for,
 * so that a bad filter or scope fails before a byte is sent), then the rows in ledger order, a
 * chunk read from the read model each time the writer asks for the next one.
 */
export interface LedgerDownload {
  readonly count: number;
  readonly chunks: Iterable<readonly LedgerDownloadRow[]>;
}
