import type { AuditEvent } from './audit/messages.js';
import type { ClueCommand, ClueEvent } from './clues/messages.js';
import type { InspectionCommand, InspectionEvent } from './inspection/messages.js';
import type { JurisdictionRegistered, RegisterJurisdiction } from './jurisdictions/messages.js';
import type { LinkageCommand, LinkageEvent } from './linkage/messages.js';
import type { RectificationCommand, RectificationEvent } from './rectification/messages.js';
import type { FollowThroughCommand, FollowThroughEvent } from './follow-through/messages.js';

export type Command = RegisterJurisdiction | InspectionCommand | ClueCommand | RectificationCommand | FollowThroughCommand | LinkageCommand;
export type CommandType = Command['type'];
export type DomainEvent = JurisdictionRegistered | InspectionEvent | ClueEvent | RectificationEvent | FollowThroughEvent | LinkageEvent | AuditEvent;
export type EventType = DomainEvent['type'];
export type EventOfType<T extends EventType> = Extract<DomainEvent, { type: T }>;
export type CommandOfType<T extends CommandType> = Extract<Command, { type: T }>;

export const COMMAND_TYPES = [
  'registerJurisdiction',
  'registerUnit',
  'planRound',
  'launchRound',
  'formTeam',
  'stationTeam',
  'receivePetitions',
  'recordIssue',
  'transferClue',
  'disposeClue',
  'concludeClue',
  'deliverFeedback',
  'requireRectification',
  'completeRectification',
  'planRectification',
  'verifyRectification',
  'reassessRectification',
  'handOverIssue',
  'answerHandover',
  'superviseIssue',
  'recordAccountability',
  'recordFollowUpVisit',
  'escalateFinding',
  'adoptFinding',
  'assignTask',
  'acceptTask',
  'reportTaskProgress',
  'completeTask',
  'submitSpecialReport',
  'closeRound',
] as const satisfies readonly CommandType[];

export const EVENT_TYPES = [
  'JurisdictionRegistered',
  'UnitRegistered',
  'RoundPlanned',
  'RoundLaunched',
  'TeamFormed',
  'TeamStationed',
  'PetitionsReceived',
  'IssueFound',
  'FeedbackDelivered',
  'SpecialReportSubmitted',
  'RoundClosed',
  'ClueTransferred',
  'ClueDisposed',
  'ClueConcluded',
  'RectificationRequired',
  'RectificationCompleted',
  'RectificationPlanned',
  'RectificationVerified',
  'RectificationReassessed',
  'IssueHandedOver',
  'HandoverAnswered',
  'IssueSupervised',
  'AccountabilityRecorded',
  'FollowUpVisitRecorded',
  'TaskAssigned',
  'TaskAccepted',
  'TaskProgressReported',
  'TaskCompleted',
  'FindingEscalated',
  'FindingAdopted',
  'ChainHeadSigned',
] as const satisfies readonly EventType[];

// Both lists must name every member of their union; these fail to compile when one is missing.
type Missing<All extends string, Listed extends readonly string[]> = Exclude<All, Listed[number]>;
const _allCommandsListed: Missing<CommandType, typeof COMMAND_TYPES> extends never ? true : never = true;
const _allEventsListed: Missing<EventType, typeof EVENT_TYPES> extends never ? true : never = true;
void _allCommandsListed;
void _allEventsListed;

export const isCommandType = (value: string): value is CommandType => (COMMAND_TYPES as readonly string[]).includes(value);
export const isEventType = (value: string): value is EventType => (EVENT_TYPES as readonly string[]).includes(value);
