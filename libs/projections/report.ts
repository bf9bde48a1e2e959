import type { Level } from '#domain';

/** The figures of DESIGN.md §5, for one jurisdiction's subtree. */
export interface ReportFigures {
  jurisdiction: string;
  name: string;
  level: Level;
  rounds: { launched: number; closed: number };
  teams: { formed: number; stationed: number };
  units: { registered: number; inspected: number; coverage: number };
  petitions: number;
  issuesFound: number;
  immediateRectifications: number;
  clues: {
    transferred: number;
    byRecipient: { discipline: number; organization: number; propaganda: number; finance: number; audit: number; judicial: number };
    concluded: number;
  };
  dispositions: { casesFiled: number; disciplined: number; organizationalHandling: number; judicialTransfers: number };
  rectifications: { required: number; completed: number; rate: number };
  escalations: { submitted: number; adopted: number };
  specialReports: number;
  tasks: { assigned: number; accepted: number; completed: number; overdue: number; completedLate: number };
}

export interface ReportScope {
  readonly roundId?: string;
  readonly theme?: string;
}

export interface Report extends ReportFigures {
  scope: ReportScope;
  /** The clock time `overdue` was measured against. */
  asOf: string;
  /** The level store position the read model had reached. */
  position: number;
  children: ReportFigures[];
}

/** Counter metrics kept per (jurisdiction, round): the dotted paths of ReportFigures they feed. */
export const COUNTER_METRICS = [
  'rounds.launched',
  'rounds.closed',
  'teams.formed',
  'petitions',
  'issuesFound',
  'immediateRectifications',
  'clues.transferred',
  'clues.byRecipient.discipline',
  'clues.byRecipient.organization',
  'clues.byRecipient.propaganda',
  'clues.byRecipient.finance',
  'clues.byRecipient.audit',
  'clues.byRecipient.judicial',
  'clues.concluded',
  'dispositions.casesFiled',
  'dispositions.disciplined',
  'dispositions.organizationalHandling',
  'dispositions.judicialTransfers',
  'rectifications.required',
  'rectifications.completed',
  'escalations.submitted',
  'escalations.adopted',
  'specialReports',
] as const;
export type CounterMetric = (typeof COUNTER_METRICS)[number];

export const emptyFigures = (jurisdiction: string, name: string, level: Level): ReportFigures => ({
  jurisdiction,
  name,
  level,
  rounds: { launched: 0, closed: 0 },
  teams: { formed: 0, stationed: 0 },
  units: { registered: 0, inspected: 0, coverage: 0 },
  petitions: 0,
  issuesFound: 0,
  immediateRectifications: 0,
  clues: { transferred: 0, byRecipient: { discipline: 0, organization: 0, propaganda: 0, finance: 0, audit: 0, judicial: 0 }, concluded: 0 },
  dispositions: { casesFiled: 0, disciplined: 0, organizationalHandling: 0, judicialTransfers: 0 },
  rectifications: { required: 0, completed: 0, rate: 0 },
  escalations: { submitted: 0, adopted: 0 },
  specialReports: 0,
  tasks: { assigned: 0, accepted: 0, completed: 0, overdue: 0, completedLate: 0 },
});

export const addMetric = (figures: ReportFigures, metric: CounterMetric, value: number): void => {
  const path = metric.split('.');
  let node = figures as unknown as Record<string, unknown>;
  for (const segment of path.slice(0, -1)) node = node[segment] as Record<string, unknown>;
  const leaf = path[path.length - 1]!;
  node[leaf] = (node[leaf] as number) + value;
};

/** Ratios are derived last; with nothing to divide by they are 0 (nothing required, nothing covered). */
export const finishRatios = (figures: ReportFigures): void => {
  figures.units.coverage = figures.units.registered === 0 ? 0 : figures.units.inspected / figures.units.registered;
  figures.rectifications.rate = figures.rectifications.required === 0 ? 0 : figures.rectifications.completed / figures.rectifications.required;
};

export type TaskStatus = 'assigned' | 'accepted' | 'in-progress' | 'completed';

export interface TaskHistoryEntry {
  type: 'TaskAssigned' | 'TaskAccepted' | 'TaskProgressReported' | 'TaskCompleted';
  at: string;
  by: string;
  note: string | null;
  percent: number | null;
  result: string | null;
}

export interface TaskView {
  taskId: string;
  from: string;
  toJurisdiction: string;
  kind: string | null;
  title: string | null;
  roundId: string | null;
  dueBy: string;
  assignedAt: string | null;
  status: TaskStatus;
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
  tasks: TaskView[];
}
