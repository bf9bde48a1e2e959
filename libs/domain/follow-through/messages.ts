import type { ClueRecipient } from '../clues/messages.js';
import type { Message } from '../kernel/envelope.js';

export const ACCOUNTABILITY_KINDS = ['talk', 'inquiry', 'admonishment', 'accountability'] as const;
/** 约谈 / 函询 / 诫勉 / 问责 */
export type AccountabilityKind = (typeof ACCOUNTABILITY_KINDS)[number];

export type HandOverIssue = Message<'handOverIssue', { handoverId: string; issueId: string; recipient: ClueRecipient; dueBy: string }>;
export type AnswerHandover = Message<'answerHandover', { handoverId: string; result: string }>;
export type SuperviseIssue = Message<'superviseIssue', { issueId: string; typical: boolean; dueBy?: string }>;
export type RecordAccountability = Message<
  'recordAccountability',
  { actionId: string; unitId: string; kind: AccountabilityKind; persons: number; issueId?: string; roundId?: string; subjectRank?: string }
>;
export type RecordFollowUpVisit = Message<
  'recordFollowUpVisit',
  { visitId: string; unitId: string; unannounced: boolean; roundId?: string; findings?: string }
>;
export type FollowThroughCommand = HandOverIssue | AnswerHandover | SuperviseIssue | RecordAccountability | RecordFollowUpVisit;

/** An issue's place: what every fact about it carries so that any level can file it alone. */
export interface IssueRef {
  issueId: string;
  roundId: string;
  /** The issue's round owner. */
  owner: string;
  unitId: string;
  unitJurisdiction: string;
}

export interface HandoverRef extends IssueRef {
  handoverId: string;
  recipient: ClueRecipient;
  dueBy: string;
}

/** 移交: an issue handed over to a functional department, which must answer by `dueBy`. */
export type IssueHandedOver = Message<'IssueHandedOver', HandoverRef>;
/** 办理反馈: the department's answer, recorded by the handler of the round owner's jurisdiction. */
export type HandoverAnswered = Message<'HandoverAnswered', HandoverRef & { result: string }>;
/** 督办: supervision of an issue by its round owner or an ancestor, at most once by each. */
export type IssueSupervised = Message<'IssueSupervised', IssueRef & { supervisor: string; typical: boolean; dueBy: string | null }>;
/** 约谈/函询/诫勉/问责 of officials of a unit; `persons` is a count, never names. */
export type AccountabilityRecorded = Message<
  'AccountabilityRecorded',
  {
    actionId: string;
    unitId: string;
    unitJurisdiction: string;
    kind: AccountabilityKind;
    persons: number;
    issueId: string | null;
    /** Where it counts: the round given, else its issue's round; null counts in unscoped reports only. */
    roundId: string | null;
    subjectRank: string | null;
    recordedBy: string;
  }
>;
/** 回访 / 暗访 (unannounced) of a unit. */
export type FollowUpVisitRecorded = Message<
  'FollowUpVisitRecorded',
  { visitId: string; unitId: string; unitJurisdiction: string; unannounced: boolean; roundId: string | null; findings: string | null; recordedBy: string }
>;
export type FollowThroughEvent = IssueHandedOver | HandoverAnswered | IssueSupervised | AccountabilityRecorded | FollowUpVisitRecorded;
