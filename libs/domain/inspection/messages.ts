import type { AuthorisingParty, RoundAuthority } from '../authority/messages.js';
import type { Message } from '../kernel/envelope.js';
import type { Specialty } from '../pool/messages.js';

export const ROUND_KINDS = ['regular', 'special', 'mobile', 'look-back'] as const;
export type RoundKind = (typeof ROUND_KINDS)[number];
export const LINKAGES = ['none', 'linked', 'elevated', 'cross'] as const;
export type Linkage = (typeof LINKAGES)[number];
export const PETITION_CHANNELS = ['letter', 'call', 'visit', 'online'] as const;
export type PetitionChannel = (typeof PETITION_CHANNELS)[number];

export interface TeamMember {
  personId: string;
  homeJurisdiction: string;
  homeUnitId?: string;
}

/** A unit together with the jurisdiction it belongs to, so facts about it attribute without a lookup. */
export interface UnitRef {
  unitId: string;
  jurisdiction: string;
}

export type RegisterUnit = Message<'registerUnit', { unitId: string; name: string; jurisdiction: string; kind?: string }>;
export type PlanRound = Message<
  'planRound',
  {
    roundId: string;
    title: string;
    kind: RoundKind;
    theme?: string;
    linkage?: Linkage;
    parentRoundId?: string;
    lookBackOf?: string;
    targets: string[];
    /** The authorisations it needs (docs/contract-authority.md): absent, none. */
    authorisedBy?: AuthorisingParty[];
    delegatedBy?: string;
    coOwners?: string[];
  }
>;
export type LaunchRound = Message<'launchRound', { roundId: string }>;
export type FormTeam = Message<'formTeam', { teamId: string; roundId: string; leader: TeamMember; members: TeamMember[] }>;
export type StationTeam = Message<'stationTeam', { teamId: string; unitIds: string[] }>;
export type ReceivePetitions = Message<'receivePetitions', { teamId: string; channel: PetitionChannel; count: number }>;
export type RecordIssue = Message<
  'recordIssue',
  { issueId: string; roundId: string; teamId: string; unitId: string; category: string; summary: string; immediate?: boolean }
>;
export type DeliverFeedback = Message<'deliverFeedback', { roundId: string; unitId: string }>;
export type SubmitSpecialReport = Message<'submitSpecialReport', { reportId: string; roundId: string; theme: string; recipients: string[] }>;
export type CloseRound = Message<'closeRound', { roundId: string }>;

export type InspectionCommand =
  | RegisterUnit
  | PlanRound
  | LaunchRound
  | FormTeam
  | StationTeam
  | ReceivePetitions
  | RecordIssue
  | DeliverFeedback
  | SubmitSpecialReport
  | CloseRound;

export type UnitRegistered = Message<'UnitRegistered', { unitId: string; name: string; jurisdiction: string; kind: string | null }>;
export type RoundPlanned = Message<
  'RoundPlanned',
  {
    roundId: string;
    owner: string;
    title: string;
    kind: RoundKind;
    theme: string | null;
    linkage: Linkage;
    parentRoundId: string | null;
    targets: UnitRef[];
    /** A look-back round's subject; absent on rounds planned before look-backs were recorded. */
    lookBackOf?: string | null;
    /** What authority it needs; absent on rounds that need none. */
    authority?: RoundAuthority;
  }
>;
/** `authorisations`: the ids of those in force that the launch relied on; absent when the round needs none. */
export type RoundLaunched = Message<'RoundLaunched', { roundId: string; owner: string; authorisations?: string[] }>;
export type TeamFormed = Message<
  'TeamFormed',
  {
    teamId: string;
    roundId: string;
    owner: string;
    leader: TeamMember;
    members: TeamMember[];
    /** Present when the team drew members from the owner's inspector pool (docs/contract-pool.md): how many, a count. */
    poolMembers?: number;
    /** 3+N as a warning: the core specialties no pool member holds (empty when none is missing). */
    coreSpecialtiesMissing?: Specialty[];
  }
>;
export type TeamStationed = Message<'TeamStationed', { teamId: string; roundId: string; owner: string; units: UnitRef[]; authorisations?: string[] }>;
export type PetitionsReceived = Message<
  'PetitionsReceived',
  { teamId: string; roundId: string; owner: string; channel: PetitionChannel; count: number }
>;
export type IssueFound = Message<
  'IssueFound',
  {
    issueId: string;
    roundId: string;
    teamId: string;
    owner: string;
    unitId: string;
    unitJurisdiction: string;
    category: string;
    summary: string;
    immediate: boolean;
  }
>;
/** `reportedTo`: 双报告, every party that authorised the round; absent when the round needs none. */
export type FeedbackDelivered = Message<'FeedbackDelivered', { roundId: string; owner: string; unitId: string; unitJurisdiction: string; reportedTo?: AuthorisingParty[] }>;
export type SpecialReportSubmitted = Message<
  'SpecialReportSubmitted',
  { reportId: string; roundId: string; owner: string; theme: string; recipients: string[] }
>;
export type RoundClosed = Message<'RoundClosed', { roundId: string; owner: string }>;

export type InspectionEvent =
  | UnitRegistered
  | RoundPlanned
  | RoundLaunched
  | TeamFormed
  | TeamStationed
  | PetitionsReceived
  | IssueFound
  | FeedbackDelivered
  | SpecialReportSubmitted
  | RoundClosed;
