/**
 * What a batch of stored facts does to the read model, decided without touching it: counter
 * increments summed per (jurisdiction, round, metric), and row writes in fact order. The read model
 * applies a plan in one transaction with its checkpoint (read-model.ts); because a plan is plain
 * data it can also be made on another thread, which is how a long catch-up spreads the decoding
 * and planning of its batches over the cores (catch-up-worker.ts).
 */
import type { DomainEvent, EventMetadata, EventType } from '#domain';
import type { HandoverRef, RectificationEvent } from '#domain';
import { EVENT_TYPES, assertNever, readsProvenance } from '#domain';
import type { CounterMetric } from './report.js';
import { categoryMetric, shanghaiDay, subjectRankMetric } from './report.js';

/** One stored fact as the projections see it: the domain event with its store position and provenance. */
export type ProjectedFact = DomainEvent & { readonly position: number; readonly metadata: EventMetadata };

/**
 * The facts whose projection reads their provenance (`metadata`: when, by whom), as each event's
 * catalogue entry declares it. Every other fact is projected from its type and data alone, so a
 * reader may leave their metadata undecoded, or unread. A unit test holds the declarations to what
 * `planProjection` really reads.
 */
export const PROVENANCE_READERS: ReadonlySet<EventType> = new Set<EventType>(EVENT_TYPES.filter(readsProvenance));

/**
 * The only fields of a fact's provenance a plan reads (dotted paths): a reader may hand the
 * PROVENANCE_READERS their metadata with just these (SqliteFactReader's `provenanceFields`). A unit
 * test holds the list to what `planProjection` really reads.
 */
export const PROVENANCE_FIELDS: readonly string[] = ['occurredAt', 'actor.id', 'origin.position'];

/** A row write of the read model: the statement and its parameters (read-model.ts runs them). */
export type RowWrite =
  | readonly [op: 'jurisdiction', code: string, name: string, level: string, parent: string | null, position: number]
  | readonly [op: 'unit', unitId: string, jurisdiction: string, name: string, kind: string | null]
  | readonly [op: 'planRound', roundId: string, owner: string, parentRoundId: string | null, theme: string | null, kind: string, linkage: string, plannedAt: string]
  | readonly [op: 'target', roundId: string, unitId: string, jurisdiction: string]
  | readonly [op: 'launchRound', roundId: string, owner: string, launchedAt: string]
  | readonly [op: 'closeRound', roundId: string, owner: string, closedAt: string]
  | readonly [op: 'stationing', teamId: string, unitId: string, roundId: string, owner: string, unitJurisdiction: string]
  /** The day (Asia/Shanghai) a team was stationed at a unit: what a windowed report's coverage counts. */
  | readonly [op: 'stationedOn', teamId: string, unitId: string, day: string, roundId: string, owner: string, unitJurisdiction: string]
  | readonly [op: 'assignTask', taskId: string, from: string, to: string, kind: string, title: string, roundId: string | null, dueBy: string, assignedAt: string]
  | readonly [op: 'touchTask', taskId: string, from: string, to: string, roundId: string | null, dueBy: string]
  | readonly [op: 'acceptTask', acceptedAt: string, taskId: string]
  | readonly [op: 'progressTask', at: string, percent: number | null, taskId: string]
  | readonly [op: 'completeTask', completedAt: string, result: string | null, taskId: string]
  | readonly [
      op: 'issue',
      issueId: string,
      roundId: string,
      owner: string,
      teamId: string,
      unitId: string,
      unitJurisdiction: string,
      category: string,
      immediate: number,
      foundAt: string,
    ]
  | readonly [op: 'supervise', issueId: string, roundId: string, owner: string, unitId: string, unitJurisdiction: string, typical: number]
  /**
   * A rectification lifecycle fact: the writer folds it into the row with the domain's own lifecycle.
   * `sourcePosition` is where the level that recorded it stored it: it orders the facts of one source
   * (plans of one claim) whatever order they arrive in here.
   */
  | readonly [op: 'rectification', event: RectificationEvent, occurredAt: string, sourcePosition: number]
  | readonly [op: 'handover', handover: HandoverRef, handedOverAt: string | null, answeredAt: string | null, result: string | null]
  | readonly [
      op: 'history',
      taskId: string,
      position: number,
      type: string,
      at: string,
      by: string,
      note: string | null,
      percent: number | null,
      result: string | null,
    ];

/**
 * A batch's effect on the read model. Counters are flat (jurisdiction, roundId, metric, increment)
 * quadruples: one array of primitives, cheap to hand from a worker thread to the writer.
 */
export interface ProjectionPlan {
  readonly counters: readonly (string | number)[];
  /**
   * The same increments by the day (Asia/Shanghai) of the facts' domain time: flat (jurisdiction,
   * roundId, metric, day, increment) quintuples, summed over the batch like the counters, so a
   * windowed report sums days instead of facts and a rebuild writes one row per day a batch touches.
   */
  readonly dayCounters: readonly (string | number)[];
  readonly rows: readonly RowWrite[];
}

const RECIPIENT_METRIC = {
  discipline: 'clues.byRecipient.discipline',
  organization: 'clues.byRecipient.organization',
  propaganda: 'clues.byRecipient.propaganda',
  finance: 'clues.byRecipient.finance',
  audit: 'clues.byRecipient.audit',
  judicial: 'clues.byRecipient.judicial',
} as const satisfies Record<string, CounterMetric>;

const OUTCOME_METRIC = {
  'case-filed': 'dispositions.casesFiled',
  disciplined: 'dispositions.disciplined',
  'organizational-handling': 'dispositions.organizationalHandling',
  'judicial-transfer': 'dispositions.judicialTransfers',
} as const satisfies Record<string, CounterMetric>;

const CHANNEL_METRIC = {
  letter: 'petitionsByChannel.letter',
  call: 'petitionsByChannel.call',
  visit: 'petitionsByChannel.visit',
  online: 'petitionsByChannel.online',
} as const satisfies Record<string, CounterMetric>;

const HANDOVER_METRIC = {
  discipline: 'handovers.byRecipient.discipline',
  organization: 'handovers.byRecipient.organization',
  propaganda: 'handovers.byRecipient.propaganda',
  finance: 'handovers.byRecipient.finance',
  audit: 'handovers.byRecipient.audit',
  judicial: 'handovers.byRecipient.judicial',
} as const satisfies Record<string, CounterMetric>;

const VERDICT_METRIC = { genuine: 'lookBack.genuine', superficial: 'lookBack.superficial', relapsed: 'lookBack.relapsed' } as const satisfies Record<string, CounterMetric>;

const SPECIALTY_METRIC = {
  discipline: 'pool.bySpecialty.discipline',
  organisation: 'pool.bySpecialty.organisation',
  finance: 'pool.bySpecialty.finance',
  audit: 'pool.bySpecialty.audit',
  'party-affairs': 'pool.bySpecialty.party-affairs',
  other: 'pool.bySpecialty.other',
} as const satisfies Record<string, CounterMetric>;

const EVALUATION_METRIC = {
  recommended: 'pool.evaluations.recommended',
  reminded: 'pool.evaluations.reminded',
  removed: 'pool.evaluations.removed',
} as const satisfies Record<string, CounterMetric>;

const ACCOUNTABILITY_METRIC = {
  talk: 'accountability.talks',
  inquiry: 'accountability.inquiries',
  admonishment: 'accountability.admonishments',
  accountability: 'accountability.accountabilities',
} as const satisfies Record<string, CounterMetric>;

/**
 * Counter increments of one batch, summed before they are written: a batch of thousands of facts
 * touches a few hundred counters. Nested maps rather than composite string keys, so adding costs
 * no allocation.
 */
class CounterDeltas {
  private readonly byJurisdiction = new Map<string, Map<string, Map<CounterMetric, number>>>();
  /** The same sums by day: day -> jurisdiction -> round -> metric. */
  private readonly byDay = new Map<string, Map<string, Map<string, Map<CounterMetric, number>>>>();
  /** The domain time of the fact being planned, and its day (kept while facts share a time string). */
  private occurredAt: string | undefined;
  private lastDay = '';
  /** The day increments count on now: undefined between facts, so a fact that counts without naming its time fails loudly. */
  private day: string | undefined;

  /** Names the fact whose increments follow: they count on the day of its domain time. */
  at(occurredAt: string): void {
    if (occurredAt !== this.occurredAt) {
      this.occurredAt = occurredAt;
      this.lastDay = shanghaiDay(occurredAt);
    }
    this.day = this.lastDay;
  }

  /** Ends a fact: the next one names its own time before it counts. */
  endFact(): void {
    this.day = undefined;
  }

  add(jurisdiction: string, roundId: string, metric: CounterMetric, by = 1): void {
    let rounds = this.byJurisdiction.get(jurisdiction);
    if (!rounds) this.byJurisdiction.set(jurisdiction, (rounds = new Map()));
    let metrics = rounds.get(roundId);
    if (!metrics) rounds.set(roundId, (metrics = new Map()));
    metrics.set(metric, (metrics.get(metric) ?? 0) + by);
    const { day } = this;
    if (day === undefined) throw new Error(`counter ${metric} added without the domain time of its fact`);
    let dayJurisdictions = this.byDay.get(day);
    if (!dayJurisdictions) this.byDay.set(day, (dayJurisdictions = new Map()));
    let dayRounds = dayJurisdictions.get(jurisdiction);
    if (!dayRounds) dayJurisdictions.set(jurisdiction, (dayRounds = new Map()));
    let dayMetrics = dayRounds.get(roundId);
    if (!dayMetrics) dayRounds.set(roundId, (dayMetrics = new Map()));
    dayMetrics.set(metric, (dayMetrics.get(metric) ?? 0) + by);
  }

  flattenDays(): (string | number)[] {
    const flat: (string | number)[] = [];
    for (const [day, jurisdictions] of this.byDay) {
      for (const [jurisdiction, rounds] of jurisdictions) {
        for (const [roundId, metrics] of rounds) for (const [metric, value] of metrics) flat.push(jurisdiction, roundId, metric, day, value);
      }
    }
    return flat;
  }

  flatten(): (string | number)[] {
    const flat: (string | number)[] = [];
    for (const [jurisdiction, rounds] of this.byJurisdiction) {
      for (const [roundId, metrics] of rounds) for (const [metric, value] of metrics) flat.push(jurisdiction, roundId, metric, value);
    }
    return flat;
  }
}

/** The plan of a batch of facts, in store order. */
export const planProjection = (facts: Iterable<ProjectedFact>): ProjectionPlan => {
  const counters = new CounterDeltas();
  const rows: RowWrite[] = [];
  for (const fact of facts) {
    planFact(fact, counters, rows);
    counters.endFact();
  }
  return { counters: counters.flatten(), dayCounters: counters.flattenDays(), rows };
};

/** Where the level that recorded a fact stored it: its own position, or the origin's for a received one. */
const sourcePositionOf = (fact: ProjectedFact): number => fact.metadata.origin?.position ?? fact.position;

const planFact = (fact: ProjectedFact, counters: CounterDeltas, rows: RowWrite[]): void => {
  const { position } = fact;
  // Provenance (fact.metadata) is read only by the PROVENANCE_READERS: most facts are counts.
  switch (fact.type) {
    case 'JurisdictionRegistered':
      rows.push(['jurisdiction', fact.data.code, fact.data.name, fact.data.level, fact.data.parent, position]);
      return;
    case 'ChainHeadSigned':
      return;
    case 'FeedbackDelivered':
      // Feedback is delivered to a unit: a fact about the unit, counted at its jurisdiction.
      counters.at(fact.metadata.occurredAt);
      counters.add(fact.data.unitJurisdiction, fact.data.roundId, 'feedback.delivered');
      // 双报告: one report received by each party that authorised the round, at that party.
      for (const party of fact.data.reportedTo ?? []) counters.add(party.jurisdiction, fact.data.roundId, 'authority.reportsReceived');
      return;
    case 'UnitRegistered':
      rows.push(['unit', fact.data.unitId, fact.data.jurisdiction, fact.data.name, fact.data.kind]);
      return;
    case 'RoundPlanned': {
      const d = fact.data;
      rows.push(['planRound', d.roundId, d.owner, d.parentRoundId, d.theme, d.kind, d.linkage, fact.metadata.occurredAt]);
      for (const target of d.targets) rows.push(['target', d.roundId, target.unitId, target.jurisdiction]);
      return;
    }
    case 'RoundLaunched':
      counters.at(fact.metadata.occurredAt);
      rows.push(['launchRound', fact.data.roundId, fact.data.owner, fact.metadata.occurredAt]);
      counters.add(fact.data.owner, fact.data.roundId, 'rounds.launched');
      return;
    case 'RoundClosed':
      counters.at(fact.metadata.occurredAt);
      rows.push(['closeRound', fact.data.roundId, fact.data.owner, fact.metadata.occurredAt]);
      counters.add(fact.data.owner, fact.data.roundId, 'rounds.closed');
      return;
    case 'TeamFormed':
      counters.at(fact.metadata.occurredAt);
      counters.add(fact.data.owner, fact.data.roundId, 'teams.formed');
      if (fact.data.poolMembers) counters.add(fact.data.owner, fact.data.roundId, 'pool.deployments', fact.data.poolMembers);
      if (fact.data.coreSpecialtiesMissing?.length) counters.add(fact.data.owner, fact.data.roundId, 'pool.teamsShortOfCore');
      return;
    case 'TeamStationed': {
      const d = fact.data;
      const day = shanghaiDay(fact.metadata.occurredAt);
      for (const unit of d.units) {
        rows.push(['stationing', d.teamId, unit.unitId, d.roundId, d.owner, unit.jurisdiction]);
        rows.push(['stationedOn', d.teamId, unit.unitId, day, d.roundId, d.owner, unit.jurisdiction]);
      }
      return;
    }
    case 'PetitionsReceived':
      counters.at(fact.metadata.occurredAt);
      counters.add(fact.data.owner, fact.data.roundId, 'petitions', fact.data.count);
      counters.add(fact.data.owner, fact.data.roundId, CHANNEL_METRIC[fact.data.channel], fact.data.count);
      return;
    case 'IssueFound': {
      const d = fact.data;
      counters.at(fact.metadata.occurredAt);
      counters.add(d.unitJurisdiction, d.roundId, 'issuesFound');
      counters.add(d.unitJurisdiction, d.roundId, categoryMetric(d.category));
      if (d.immediate) counters.add(d.unitJurisdiction, d.roundId, 'immediateRectifications');
      rows.push(['issue', d.issueId, d.roundId, d.owner, d.teamId, d.unitId, d.unitJurisdiction, d.category, d.immediate ? 1 : 0, fact.metadata.occurredAt]);
      return;
    }
    case 'ClueTransferred':
      counters.at(fact.metadata.occurredAt);
      counters.add(fact.data.attributedTo, fact.data.roundId, 'clues.transferred');
      counters.add(fact.data.attributedTo, fact.data.roundId, subjectRankMetric(fact.data.subjectRank));
      counters.add(fact.data.attributedTo, fact.data.roundId, RECIPIENT_METRIC[fact.data.recipient]);
      return;
    case 'ClueDisposed':
      counters.at(fact.metadata.occurredAt);
      counters.add(fact.data.attributedTo, fact.data.roundId, OUTCOME_METRIC[fact.data.outcome], fact.data.persons);
      return;
    case 'ClueConcluded':
      counters.at(fact.metadata.occurredAt);
      counters.add(fact.data.attributedTo, fact.data.roundId, 'clues.concluded');
      return;
    case 'RectificationRequired':
      counters.at(fact.metadata.occurredAt);
      counters.add(fact.data.unitJurisdiction, fact.data.roundId, 'rectifications.required');
      rows.push(['rectification', { type: fact.type, data: fact.data }, fact.metadata.occurredAt, sourcePositionOf(fact)]);
      return;
    case 'RectificationPlanned':
    case 'RectificationCompleted':
      rows.push(['rectification', { type: fact.type, data: fact.data } as RectificationEvent, fact.metadata.occurredAt, sourcePositionOf(fact)]);
      return;
    case 'RectificationVerified':
      counters.at(fact.metadata.occurredAt);
      if (fact.data.verdict === 'rejected') counters.add(fact.data.unitJurisdiction, fact.data.roundId, 'rectifications.rejections');
      rows.push(['rectification', { type: fact.type, data: fact.data }, fact.metadata.occurredAt, sourcePositionOf(fact)]);
      return;
    case 'RectificationReassessed': {
      const d = fact.data;
      counters.at(fact.metadata.occurredAt);
      // lookBack.* counts in the look-back round; the reopening, like every rectification fact, in the issue's round.
      counters.add(d.unitJurisdiction, d.lookBackRoundId, 'lookBack.reassessed');
      counters.add(d.unitJurisdiction, d.lookBackRoundId, VERDICT_METRIC[d.verdict]);
      if (d.verdict !== 'genuine') counters.add(d.unitJurisdiction, d.roundId, 'rectifications.reopened');
      rows.push(['rectification', { type: fact.type, data: d }, fact.metadata.occurredAt, sourcePositionOf(fact)]);
      return;
    }
    case 'IssueHandedOver': {
      const d = fact.data;
      counters.at(fact.metadata.occurredAt);
      counters.add(d.unitJurisdiction, d.roundId, 'handovers.made');
      counters.add(d.unitJurisdiction, d.roundId, HANDOVER_METRIC[d.recipient]);
      rows.push(['handover', d, fact.metadata.occurredAt, null, null]);
      return;
    }
    case 'HandoverAnswered':
      rows.push(['handover', fact.data, null, fact.metadata.occurredAt, fact.data.result]);
      return;
    case 'IssueSupervised': {
      const d = fact.data;
      rows.push(['supervise', d.issueId, d.roundId, d.owner, d.unitId, d.unitJurisdiction, d.typical ? 1 : 0]);
      return;
    }
    case 'AccountabilityRecorded':
      counters.at(fact.metadata.occurredAt);
      counters.add(fact.data.unitJurisdiction, fact.data.roundId ?? '', ACCOUNTABILITY_METRIC[fact.data.kind], fact.data.persons);
      return;
    case 'FollowUpVisitRecorded':
      counters.at(fact.metadata.occurredAt);
      counters.add(fact.data.unitJurisdiction, fact.data.roundId ?? '', 'followUps.visits');
      if (fact.data.unannounced) counters.add(fact.data.unitJurisdiction, fact.data.roundId ?? '', 'followUps.unannounced');
      return;
    case 'FindingEscalated':
      counters.at(fact.metadata.occurredAt);
      counters.add(fact.data.from, fact.data.roundId, 'escalations.submitted');
      return;
    case 'FindingAdopted':
      counters.at(fact.metadata.occurredAt);
      counters.add(fact.data.by, fact.data.roundId, 'escalations.adopted');
      return;
    case 'SpecialReportSubmitted':
      counters.at(fact.metadata.occurredAt);
      counters.add(fact.data.owner, fact.data.roundId, 'specialReports');
      return;
    case 'TaskAssigned': {
      const d = fact.data;
      rows.push(['assignTask', d.taskId, d.from, d.toJurisdiction, d.kind, d.title, d.roundId, d.dueBy, fact.metadata.occurredAt]);
      rows.push(['history', d.taskId, position, fact.type, fact.metadata.occurredAt, fact.metadata.actor.id, null, null, null]);
      return;
    }
    case 'TaskAccepted':
    case 'TaskProgressReported':
    case 'TaskCompleted': {
      const d = fact.data;
      const when = fact.metadata.occurredAt;
      const by = fact.metadata.actor.id;
      // A continuation may arrive before the assignment it continues (facts from different levels
      // come in any order): the task row is created from what the continuation carries.
      rows.push(['touchTask', d.taskId, d.from, d.toJurisdiction, d.roundId, d.dueBy]);
      if (fact.type === 'TaskAccepted') {
        rows.push(['acceptTask', when, d.taskId]);
        rows.push(['history', d.taskId, position, fact.type, when, by, fact.data.note, null, null]);
      } else if (fact.type === 'TaskProgressReported') {
        rows.push(['progressTask', when, fact.data.percent, d.taskId]);
        rows.push(['history', d.taskId, position, fact.type, when, by, fact.data.note, fact.data.percent, null]);
      } else {
        rows.push(['completeTask', when, fact.data.result, d.taskId]);
        rows.push(['history', d.taskId, position, fact.type, when, by, null, null, fact.data.result]);
      }
      return;
    }
    // The pool counts from what every level holds alike (the public view): specialties and outcomes,
    // never a person. Facts with no round count in unscoped reports only ('' as for accountability).
    case 'PoolConfigured':
      return;
    case 'InspectorEnrolled':
      counters.at(fact.metadata.occurredAt);
      counters.add(fact.data.pool, '', 'pool.enrolled');
      for (const specialty of fact.data.specialties) counters.add(fact.data.pool, '', SPECIALTY_METRIC[specialty]);
      return;
    case 'InspectorUpdated':
      counters.at(fact.metadata.occurredAt);
      for (const specialty of fact.data.specialtiesAdded) counters.add(fact.data.pool, '', SPECIALTY_METRIC[specialty]);
      for (const specialty of fact.data.specialtiesRemoved) counters.add(fact.data.pool, '', SPECIALTY_METRIC[specialty], -1);
      return;
    case 'InspectorWithdrawn':
      counters.at(fact.metadata.occurredAt);
      counters.add(fact.data.pool, '', 'pool.withdrawn');
      for (const specialty of fact.data.specialties) counters.add(fact.data.pool, '', SPECIALTY_METRIC[specialty], -1);
      return;
    case 'InspectorEvaluated':
      counters.at(fact.metadata.occurredAt);
      counters.add(fact.data.pool, fact.data.roundId, EVALUATION_METRIC[fact.data.outcome]);
      if (fact.data.outcome === 'removed') {
        counters.add(fact.data.pool, '', 'pool.withdrawn');
        for (const specialty of fact.data.specialties) counters.add(fact.data.pool, '', SPECIALTY_METRIC[specialty], -1);
      }
      return;
    case 'AuthorisationGranted':
      counters.at(fact.metadata.occurredAt);
      counters.add(fact.data.grantor, fact.data.roundId, 'authority.granted');
      return;
    case 'AuthorisationRevoked':
      counters.at(fact.metadata.occurredAt);
      counters.add(fact.data.grantor, fact.data.roundId, 'authority.revoked');
      return;
    default:
      return assertNever(fact, 'event');
  }
};
