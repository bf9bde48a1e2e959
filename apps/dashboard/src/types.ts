/**
 * The shapes of the API's answers the dashboard reads (see `/docs-json`). Written here rather than
 * imported from libs/: the dashboard depends on the HTTP contract only (`npm run lint:boundaries`).
 */
export interface Figures {
  jurisdiction: string;
  name: string;
  level: 'province' | 'city' | 'county';
  issuesByCategory: Record<string, number>;
  cluesBySubjectRank?: Record<string, number>;
  [figure: string]: unknown;
}

export interface Report extends Figures {
  scope: { roundId?: string; theme?: string; window?: { from: string | null; to: string | null } };
  asOf: string;
  position: number;
  children: Figures[];
}

export interface AsOfView<T> {
  level: string;
  position: number;
  knownAt: string | null;
  view: T;
}

export interface TaskHistoryEntry {
  type: string;
  at: string;
  by: string;
  note: string | null;
  percent: number | null;
  result: string | null;
}

export interface Task {
  taskId: string;
  from: string;
  toJurisdiction: string;
  kind: string | null;
  title: string | null;
  roundId: string | null;
  dueBy: string;
  assignedAt: string | null;
  status: 'assigned' | 'accepted' | 'in-progress' | 'completed';
  overdue: boolean;
  completedAt: string | null;
  completedLate: boolean;
  percent: number | null;
  history: TaskHistoryEntry[];
}

export interface TaskStream {
  jurisdiction: string;
  asOf: string;
  position: number;
  count: number;
  open: number;
  overdue: number;
  completed: number;
  tasks: Task[];
}

export type LedgerKind = 'issues' | 'rectifications' | 'handovers';

export interface LedgerPage {
  jurisdiction: string;
  kind: LedgerKind;
  asOf: string;
  count: number;
  rows: Record<string, unknown>[];
  next: string | null;
}

export interface Finding {
  position: number;
  kind: string;
  message: string;
}

export interface Verification {
  level: string | null;
  ok: boolean;
  events: number;
  head: { position: number; hash: string };
  firstBroken: Finding | null;
  findings: Finding[];
  signedHeads: { checked: number; confirmed: number; unconfirmed: number; latestConfirmed: { position: number; signedAt: string } | null };
  millis: number;
}

export interface AuditFact {
  position: number;
  streamId: string;
  eventId: string;
  type: string;
  level: string;
  data: Record<string, unknown>;
  metadata: { actor?: { id: string; jurisdiction: string; role: string }; occurredAt?: string; recordedAt?: string; jurisdiction?: string; [key: string]: unknown };
}

export interface ReplayPage {
  level: string;
  upTo: number;
  facts: AuditFact[];
  next: number | null;
}

export interface LineageNode {
  kind: string;
  id: string;
  jurisdiction: string | null;
  levels: string[];
  facts: AuditFact[];
  effects: LineageNode[];
}

export interface Lineage {
  level: string;
  upTo: number;
  subject: { kind: string; id: string };
  causes: LineageNode[];
  lineage: LineageNode;
  rollsUpInto: { jurisdiction: string; roundId: string | null; specialReports: LineageNode[] } | null;
  facts: number;
  truncated: boolean;
}
