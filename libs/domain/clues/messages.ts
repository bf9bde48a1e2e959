import type { Message } from '../kernel/envelope.js';

export const CLUE_RECIPIENTS = ['discipline', 'organization', 'propaganda', 'finance', 'audit', 'judicial'] as const;
export type ClueRecipient = (typeof CLUE_RECIPIENTS)[number];
export const DISPOSAL_OUTCOMES = ['case-filed', 'disciplined', 'organizational-handling', 'judicial-transfer'] as const;
export type DisposalOutcome = (typeof DISPOSAL_OUTCOMES)[number];

export type TransferClue = Message<
  'transferClue',
  { clueId: string; roundId: string; teamId: string; issueId?: string; recipient: ClueRecipient; subjectRank?: string; summary: string }
>;
export type DisposeClue = Message<'disposeClue', { clueId: string; outcome: DisposalOutcome; persons: number }>;
export type ConcludeClue = Message<'concludeClue', { clueId: string }>;
export type ClueCommand = TransferClue | DisposeClue | ConcludeClue;

/**
 * `attributedTo` is where the clue counts (DESIGN.md §5): the jurisdiction of the unit its issue
 * names, or the round owner's when it names no issue. Every clue event carries it so that a level
 * receiving them in any order can count them.
 */
export type ClueTransferred = Message<
  'ClueTransferred',
  {
    clueId: string;
    roundId: string;
    teamId: string;
    owner: string;
    issueId: string | null;
    attributedTo: string;
    recipient: ClueRecipient;
    subjectRank: string | null;
    /** Withheld from other levels: the integration contract carries no clue content. */
    summary?: string;
  }
>;
export type ClueDisposed = Message<
  'ClueDisposed',
  { clueId: string; roundId: string; owner: string; attributedTo: string; outcome: DisposalOutcome; persons: number }
>;
export type ClueConcluded = Message<'ClueConcluded', { clueId: string; roundId: string; owner: string; attributedTo: string }>;
export type ClueEvent = ClueTransferred | ClueDisposed | ClueConcluded;
