import type { AuthorisedAct, AuthorisingOffice, RoundAuthority } from './authority/messages.js';
import type { ClueRecipient, DisposalOutcome } from './clues/messages.js';
import type { Linkage, RoundKind, TeamMember, UnitRef } from './inspection/messages.js';
import type { Level } from './kernel/actor.js';
import type { TaskKind } from './linkage/messages.js';
import type { PersonalRecord, Specialty, ThreePlusN } from './pool/messages.js';
import type { RectificationProgress } from './rectification/lifecycle.js';

export interface Unit {
  readonly unitId: string;
  readonly name: string;
  readonly jurisdiction: string;
}

export interface RoundFacts {
  readonly roundId: string;
  readonly owner: string;
  readonly kind: RoundKind;
  readonly theme: string | null;
  readonly linkage: Linkage;
  readonly parentRoundId: string | null;
  /** For a look-back round (回头看): the round whose rectifications it checks. */
  readonly lookBackOf: string | null;
  readonly targets: readonly UnitRef[];
  readonly feedbackDeliveredTo: readonly string[];
  /** The authorisations it needs (双授权, 授权巡视, 联合巡察); null: none, as before authority was recorded. */
  readonly authority: RoundAuthority | null;
}
export type Round =
  | (RoundFacts & { readonly status: 'planned' })
  | (RoundFacts & { readonly status: 'launched'; readonly launchedAt: string })
  | (RoundFacts & { readonly status: 'closed'; readonly closedAt: string });

interface TeamFacts {
  readonly teamId: string;
  readonly roundId: string;
  readonly owner: string;
  readonly leader: TeamMember;
  readonly members: readonly TeamMember[];
}
export type Team =
  | (TeamFacts & { readonly status: 'formed' })
  | (TeamFacts & { readonly status: 'stationed'; readonly stationedAt: readonly string[] });

export type Escalation =
  | { readonly status: 'none' }
  | { readonly status: 'escalated'; readonly to: string }
  | { readonly status: 'adopted'; readonly to: string; readonly intoRoundId: string };

export interface Issue {
  readonly issueId: string;
  readonly roundId: string;
  readonly owner: string;
  readonly unitId: string;
  readonly unitJurisdiction: string;
  readonly escalation: Escalation;
  /** Jurisdictions that supervise it (督办), each once. */
  readonly supervisedBy: readonly string[];
}

interface ClueFacts {
  readonly clueId: string;
  readonly roundId: string;
  readonly owner: string;
  readonly attributedTo: string;
  readonly dispositions: readonly { outcome: DisposalOutcome; persons: number }[];
}
export type Clue = (ClueFacts & { readonly status: 'open' }) | (ClueFacts & { readonly status: 'concluded' });

export interface RectificationFacts {
  readonly rectificationId: string;
  readonly issueId: string;
  readonly roundId: string;
  readonly owner: string;
  readonly unitId: string;
  readonly unitJurisdiction: string;
  readonly dueBy: string;
}
/** A rectification's facts and where it stands in its lifecycle (rectification/lifecycle.ts). */
export type Rectification = RectificationFacts & RectificationProgress;

interface HandoverFacts {
  readonly handoverId: string;
  readonly issueId: string;
  readonly roundId: string;
  readonly owner: string;
  readonly unitId: string;
  readonly unitJurisdiction: string;
  readonly recipient: ClueRecipient;
  readonly dueBy: string;
}
/** An issue handed over (移交) to a functional department, open until it answers (办理反馈). */
export type Handover = (HandoverFacts & { readonly status: 'open' }) | (HandoverFacts & { readonly status: 'answered'; readonly answeredAt: string });

export interface TaskFacts {
  readonly taskId: string;
  readonly from: string;
  readonly toJurisdiction: string;
  readonly kind: TaskKind | null;
  readonly roundId: string | null;
  readonly dueBy: string;
}
export type Task =
  | (TaskFacts & { readonly status: 'assigned' })
  | (TaskFacts & { readonly status: 'accepted' })
  | (TaskFacts & { readonly status: 'in-progress'; readonly percent: number | null })
  | (TaskFacts & { readonly status: 'completed'; readonly completedAt: string });

interface InspectorFacts {
  readonly pool: string;
  readonly inspectorId: string;
  readonly specialties: readonly Specialty[];
  /** Null where only the public view arrived (an ancestor's store). */
  readonly person: PersonalRecord | null;
  /** Teams the inspector was evaluated on, each once. */
  readonly evaluatedOn: readonly string[];
}
/** An inspector of an office's pool (巡察人员库). */
export type Inspector = (InspectorFacts & { readonly status: 'enrolled' }) | (InspectorFacts & { readonly status: 'withdrawn' });

export interface PoolSettings {
  readonly recusalYears: number;
  readonly threePlusN: ThreePlusN;
}

/** An authorisation of a round (authority/): what decisions check as of their domain time. */
export interface Authorisation {
  readonly authorisationId: string;
  readonly roundId: string;
  readonly grantor: string;
  readonly office: AuthorisingOffice;
  readonly grantee: string;
  readonly acts: readonly AuthorisedAct[];
  readonly unitIds: readonly string[] | null;
  readonly validFrom: string;
  readonly validTo: string | null;
  readonly reference: string;
  /** Domain time of its revocation; null while it stands. */
  readonly revokedAt: string | null;
}

/**
 * What a level knows, folded from the streams a decision reads. A handler loads only the streams a
 * command needs, so a World is usually partial; deciders treat a missing entity as unknown.
 */
export interface World {
  readonly jurisdictions: Map<string, { code: string; level: Level; parent: string | null }>;
  readonly units: Map<string, Unit>;
  readonly rounds: Map<string, Round>;
  readonly teams: Map<string, Team>;
  readonly issues: Map<string, Issue>;
  readonly clues: Map<string, Clue>;
  readonly rectifications: Map<string, Rectification>;
  readonly handovers: Map<string, Handover>;
  /** Follow-up visits and accountability actions recorded here: each id once. */
  readonly visits: Set<string>;
  readonly accountabilityActions: Set<string>;
  readonly tasks: Map<string, Task>;
  readonly specialReports: Set<string>;
  /** Inspectors by their stream name (streams.inspector), settings by pool code. */
  readonly inspectors: Map<string, Inspector>;
  readonly pools: Map<string, PoolSettings>;
  /** Authorisations by the round they authorise (one stream per round). */
  readonly authorisations: Map<string, readonly Authorisation[]>;
}

export const emptyWorld = (): World => ({
  jurisdictions: new Map(),
  units: new Map(),
  rounds: new Map(),
  teams: new Map(),
  issues: new Map(),
  clues: new Map(),
  rectifications: new Map(),
  handovers: new Map(),
  visits: new Set(),
  accountabilityActions: new Set(),
  tasks: new Map(),
  specialReports: new Set(),
  inspectors: new Map(),
  pools: new Map(),
  authorisations: new Map(),
});

/**
 * Adds what `fragment` knows to `world`. Every fact changes only the entity its stream is named for
 * (the round of a round stream, the team of a team stream, ...: see streamOf), so Worlds folded
 * stream by stream and merged equal one World folded from all those streams in turn. Entities are
 * never changed in place (evolve replaces them), so sharing them between Worlds is safe.
 */
export const mergeWorld = (world: World, fragment: World): World => {
  for (const [code, jurisdiction] of fragment.jurisdictions) world.jurisdictions.set(code, jurisdiction);
  for (const [unitId, unit] of fragment.units) world.units.set(unitId, unit);
  for (const [roundId, round] of fragment.rounds) world.rounds.set(roundId, round);
  for (const [teamId, team] of fragment.teams) world.teams.set(teamId, team);
  for (const [issueId, issue] of fragment.issues) world.issues.set(issueId, issue);
  for (const [clueId, clue] of fragment.clues) world.clues.set(clueId, clue);
  for (const [rectificationId, rectification] of fragment.rectifications) world.rectifications.set(rectificationId, rectification);
  for (const [taskId, task] of fragment.tasks) world.tasks.set(taskId, task);
  for (const reportId of fragment.specialReports) world.specialReports.add(reportId);
  for (const [handoverId, handover] of fragment.handovers) world.handovers.set(handoverId, handover);
  for (const visitId of fragment.visits) world.visits.add(visitId);
  for (const actionId of fragment.accountabilityActions) world.accountabilityActions.add(actionId);
  for (const [key, inspector] of fragment.inspectors) world.inspectors.set(key, inspector);
  for (const [pool, settings] of fragment.pools) world.pools.set(pool, settings);
  for (const [roundId, authorisations] of fragment.authorisations) world.authorisations.set(roundId, authorisations);
  return world;
};
