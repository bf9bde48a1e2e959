import type { Level, Linkage, RoundKind } from '#domain';

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
  rectifications: {
    required: number;
    /** Distinct rectifications with a plan recorded (claimed), cumulative. */
    planned: number;
    /** Currently completed or closed. */
    completed: number;
    rate: number;
    /** Currently closed (销号). */
    closed: number;
    closedRate: number;
    /** Verifications with verdict rejected, cumulative. */
    rejections: number;
    /** Reassessments that reopened one, cumulative. */
    reopened: number;
    /** Not completed or closed, due before the report's time. */
    overdue: number;
    /** Completed or closed, the completion that holds now after its due date. */
    completedLate: number;
  };
  lookBack: { reassessed: number; genuine: number; superficial: number; relapsed: number };
  followUps: { visits: number; unannounced: number };
  handovers: {
    made: number;
    answered: number;
    overdue: number;
    byRecipient: { discipline: number; organization: number; propaganda: number; finance: number; audit: number; judicial: number };
  };
  /** Distinct issues supervised (督办), and those some supervision marked typical. */
  supervision: { issues: number; typical: number };
  /** Persons talked to, inquired of, admonished, held accountable. */
  accountability: { talks: number; inquiries: number; admonishments: number; accountabilities: number };
  escalations: { submitted: number; adopted: number };
  specialReports: number;
  /** Authorisations granted and revoked at the grantor; feedback reported to the jurisdiction as an authorising party (双报告). */
  authority: { granted: number; revoked: number; reportsReceived: number };
  tasks: { assigned: number; accepted: number; completed: number; overdue: number; completedLate: number };
  petitionsByChannel: { letter: number; call: number; visit: number; online: number };
  /** Issues by category: only categories that occur (an absent one reads as 0). */
  issuesByCategory: Record<string, number>;
  /** The inspector pool (docs/contract-pool.md P.5): counts only, never a person. */
  pool: {
    enrolled: number;
    withdrawn: number;
    bySpecialty: { discipline: number; organisation: number; finance: number; audit: number; 'party-affairs': number; other: number };
    deployments: number;
    teamsShortOfCore: number;
    evaluations: { recommended: number; reminded: number; removed: number };
  };
  /** Feedback delivered to units (反馈), counted at the unit's jurisdiction. */
  feedback: { delivered: number };
  /** Clues transferred by the rank of their subject (ClueTransferred.subjectRank; `unspecified` when none was given). */
  cluesBySubjectRank: Record<string, number>;
  /** Rounds by kind, at the owner's jurisdiction: launched and closed (in the window, when there is one). */
  roundsByKind: Record<RoundKind, { launched: number; closed: number }>;
  /**
   * Figures by the linkage mode of the round they belong to: rounds launched by the subtree in that
   * mode, and the clues, issues, petitions and cases of that mode's rounds counted in the subtree,
   * each also per round launched (0 when none was).
   */
  byLinkage: Record<Linkage, LinkageFigures>;
}

export interface LinkageFigures {
  rounds: number;
  clues: number;
  cluesPerRound: number;
  issues: number;
  issuesPerRound: number;
  petitions: number;
  petitionsPerRound: number;
  casesFiled: number;
}

/** The metrics the linkage breakdown sums, and the field each feeds. */
export const LINKAGE_METRICS = {
  'clues.transferred': 'clues',
  issuesFound: 'issues',
  petitions: 'petitions',
  'dispositions.casesFiled': 'casesFiled',
} as const satisfies Partial<Record<CounterMetric, keyof LinkageFigures>>;

/**
 * A report's time window: facts whose domain time lies in [from, to). Both ends are midnights in
 * Asia/Shanghai (the days the counters are kept by), as instants.
 */
export interface ReportWindow {
  /** The first instant in the window; null: since the beginning. */
  readonly from: string | null;
  /** The first instant after the window; null: up to now. */
  readonly to: string | null;
}

/** The bounds a window's queries compare with: an open end reaches past every fact's time. */
export const WINDOW_OPEN_START = '0000-01-01T00:00:00.000Z';
export const WINDOW_OPEN_END = '9999-12-31T00:00:00.000Z';

export interface ReportScope {
  readonly roundId?: string;
  readonly theme?: string;
  /** Only facts in this window of domain time (whole days, Asia/Shanghai). */
  readonly window?: ReportWindow;
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
  'rectifications.rejections',
  'rectifications.reopened',
  'lookBack.reassessed',
  'lookBack.genuine',
  'lookBack.superficial',
  'lookBack.relapsed',
  'followUps.visits',
  'followUps.unannounced',
  'handovers.made',
  'handovers.byRecipient.discipline',
  'handovers.byRecipient.organization',
  'handovers.byRecipient.propaganda',
  'handovers.byRecipient.finance',
  'handovers.byRecipient.audit',
  'handovers.byRecipient.judicial',
  'accountability.talks',
  'accountability.inquiries',
  'accountability.admonishments',
  'accountability.accountabilities',
  'petitionsByChannel.letter',
  'petitionsByChannel.call',
  'petitionsByChannel.visit',
  'petitionsByChannel.online',
  'escalations.submitted',
  'escalations.adopted',
  'specialReports',
  'pool.enrolled',
  'pool.withdrawn',
  'pool.bySpecialty.discipline',
  'pool.bySpecialty.organisation',
  'pool.bySpecialty.finance',
  'pool.bySpecialty.audit',
  'pool.bySpecialty.party-affairs',
  'pool.bySpecialty.other',
  'pool.deployments',
  'pool.teamsShortOfCore',
  'pool.evaluations.recommended',
  'pool.evaluations.reminded',
  'pool.evaluations.removed',
  'authority.granted',
  'authority.revoked',
  'authority.reportsReceived',
  'feedback.delivered',
] as const;
/**
 * Figures that follow a rectification's status, kept as tallies next to the counters: the writer
 * moves a rectification's 1 from the figures it counted in to those it counts in now, at its
 * jurisdiction and round, and on the day (Asia/Shanghai) it was required: a window's cohort is the
 * rectifications required in it, so a windowed report sums the tallies of the window's days.
 * `overdue` is not kept: it depends on the report's time, and is counted from the open rows.
 */
export const RECTIFICATION_TALLIES = ['rectifications.planned', 'rectifications.completed', 'rectifications.closed', 'rectifications.completedLate'] as const;
export type TallyMetric = (typeof RECTIFICATION_TALLIES)[number];

/** A counter of issues of one category: the category is data, so the metric is made from it. */
export type CategoryMetric = `issuesByCategory.${string}`;
export type CounterMetric = (typeof COUNTER_METRICS)[number] | CategoryMetric | SubjectRankMetric | TallyMetric;
export const categoryMetric = (category: string): CategoryMetric => `issuesByCategory.${category}`;
const CATEGORY_PREFIX = 'issuesByCategory.';
/** A counter of clues by their subject's rank: the rank is data, like a category. */
export type SubjectRankMetric = `cluesBySubjectRank.${string}`;
const RANK_PREFIX = 'cluesBySubjectRank.';
export const subjectRankMetric = (rank: string | null): SubjectRankMetric => `cluesBySubjectRank.${rank ?? 'unspecified'}`;

const SHANGHAI_OFFSET_MS = 8 * 3600_000;
/**
 * The calendar day (YYYY-MM-DD) of an instant in Asia/Shanghai (UTC+8 all year, no daylight saving
 * since 1991): the day the offices count a fact on.
 */
export const shanghaiDay = (instant: string): string => {
  // The common forms need no parsing (a rebuild asks this of most facts): a time written in +08:00
  // names its day, and a canonical UTC time (toISOString) before 16:00 falls on the same date there.
  if (instant.length === 24 && instant.charCodeAt(23) === 90 /* Z */) {
    const hour = (instant.charCodeAt(11) - 48) * 10 + (instant.charCodeAt(12) - 48);
    if (hour < 16) return instant.slice(0, 10);
  } else if (instant.endsWith('+08:00')) return instant.slice(0, 10);
  const ms = Date.parse(instant);
  if (!Number.isFinite(ms)) throw new RangeError(`not an instant: ${instant}`);
  return new Date(ms + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
};

/**
 * The parts of a window [fromDay, toDay) (YYYY-MM-DD, Shanghai days) that the counters are read from:
 * the whole months inside it from counter_months ([fromMonth, toMonth), YYYY-MM), and the days
 * before the first and after the last whole month from counter_days. A year window reads twelve
 * months instead of 365 days of rows. Without a whole month inside, every day is an edge day.
 */
export const windowParts = (fromDay: string, toDay: string): { months: [string, string]; leadingDays: [string, string]; trailingDays: [string, string] } => {
  const firstMonth = fromDay.endsWith('-01') ? fromDay.slice(0, 7) : nextMonth(fromDay.slice(0, 7));
  const lastMonthEnd = toDay.slice(0, 7);
  if (firstMonth >= lastMonthEnd) return { months: [firstMonth, firstMonth], leadingDays: [fromDay, toDay], trailingDays: [toDay, toDay] };
  return { months: [firstMonth, lastMonthEnd], leadingDays: [fromDay, `${firstMonth}-01`], trailingDays: [`${lastMonthEnd}-01`, toDay] };
};

const nextMonth = (month: string): string => {
  const year = Number(month.slice(0, 4));
  const number = Number(month.slice(5, 7));
  return number === 12 ? `${String(year + 1).padStart(4, '0')}-01` : `${month.slice(0, 5)}${String(number + 1).padStart(2, '0')}`;
};

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
  rectifications: { required: 0, planned: 0, completed: 0, rate: 0, closed: 0, closedRate: 0, rejections: 0, reopened: 0, overdue: 0, completedLate: 0 },
  lookBack: { reassessed: 0, genuine: 0, superficial: 0, relapsed: 0 },
  followUps: { visits: 0, unannounced: 0 },
  handovers: { made: 0, answered: 0, overdue: 0, byRecipient: { discipline: 0, organization: 0, propaganda: 0, finance: 0, audit: 0, judicial: 0 } },
  supervision: { issues: 0, typical: 0 },
  accountability: { talks: 0, inquiries: 0, admonishments: 0, accountabilities: 0 },
  escalations: { submitted: 0, adopted: 0 },
  specialReports: 0,
  authority: { granted: 0, revoked: 0, reportsReceived: 0 },
  tasks: { assigned: 0, accepted: 0, completed: 0, overdue: 0, completedLate: 0 },
  petitionsByChannel: { letter: 0, call: 0, visit: 0, online: 0 },
  issuesByCategory: {},
  pool: {
    enrolled: 0,
    withdrawn: 0,
    bySpecialty: { discipline: 0, organisation: 0, finance: 0, audit: 0, 'party-affairs': 0, other: 0 },
    deployments: 0,
    teamsShortOfCore: 0,
    evaluations: { recommended: 0, reminded: 0, removed: 0 },
  },
  feedback: { delivered: 0 },
  cluesBySubjectRank: {},
  roundsByKind: { regular: { launched: 0, closed: 0 }, special: { launched: 0, closed: 0 }, mobile: { launched: 0, closed: 0 }, 'look-back': { launched: 0, closed: 0 } },
  byLinkage: { none: emptyLinkage(), linked: emptyLinkage(), elevated: emptyLinkage(), cross: emptyLinkage() },
});

const emptyLinkage = (): LinkageFigures => ({ rounds: 0, clues: 0, cluesPerRound: 0, issues: 0, issuesPerRound: 0, petitions: 0, petitionsPerRound: 0, casesFiled: 0 });

export const addMetric = (figures: ReportFigures, metric: CounterMetric, value: number): void => {
  // A category may hold dots of its own: everything after the prefix names it.
  if (metric.startsWith(CATEGORY_PREFIX)) {
    const category = metric.slice(CATEGORY_PREFIX.length);
    figures.issuesByCategory[category] = (figures.issuesByCategory[category] ?? 0) + value;
    return;
  }
  if (metric.startsWith(RANK_PREFIX)) {
    const rank = metric.slice(RANK_PREFIX.length);
    figures.cluesBySubjectRank[rank] = (figures.cluesBySubjectRank[rank] ?? 0) + value;
    return;
  }
  const path = metric.split('.');
  let node = figures as unknown as Record<string, unknown>;
  for (const segment of path.slice(0, -1)) node = node[segment] as Record<string, unknown>;
  const leaf = path[path.length - 1]!;
  node[leaf] = (node[leaf] as number) + value;
};

/** Ratios are derived last; with nothing to divide by they are 0 (nothing required, nothing covered). */
export const finishRatios = (figures: ReportFigures): void => {
  figures.units.coverage = figures.units.registered === 0 ? 0 : figures.units.inspected / figures.units.registered;
  const { required } = figures.rectifications;
  figures.rectifications.rate = required === 0 ? 0 : figures.rectifications.completed / required;
  figures.rectifications.closedRate = required === 0 ? 0 : figures.rectifications.closed / required;
  for (const mode of Object.values(figures.byLinkage)) {
    mode.cluesPerRound = mode.rounds === 0 ? 0 : mode.clues / mode.rounds;
    mode.issuesPerRound = mode.rounds === 0 ? 0 : mode.issues / mode.rounds;
    mode.petitionsPerRound = mode.rounds === 0 ? 0 : mode.petitions / mode.rounds;
  }
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
