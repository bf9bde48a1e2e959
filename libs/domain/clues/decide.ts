import type { DecisionContext } from '../kernel/decision.js';
import { requireOwnJurisdiction, requireRole } from '../kernel/decision.js';
import { refuse } from '../kernel/refusal.js';
import { knownRound, knownTeam, requireOpenRound, teamOwnerOf } from '../inspection/decide.js';
import type { Clue, World } from '../world.js';
import type { ClueConcluded, ClueDisposed, ClueTransferred, ConcludeClue, DisposeClue, TransferClue } from './messages.js';

const knownClue = (world: World, clueId: string): Clue => world.clues.get(clueId) ?? refuse('UnknownClue', `clue ${clueId} was never transferred`, 'clueId');

export const decideTransferClue = (command: TransferClue, world: World, context: DecisionContext): ClueTransferred[] => {
  requireRole(context, command.type, 'team');
  const { clueId, roundId, teamId, recipient, summary } = command.data;
  const round = knownRound(world, roundId);
  requireOwnJurisdiction(context, teamOwnerOf(world, teamId, round), `round ${roundId}`);
  requireOpenRound(round, `transferring clue ${clueId}`);
  if (world.clues.has(clueId)) refuse('AlreadyRecorded', `clue ${clueId} is already transferred`, 'clueId');
  const team = knownTeam(world, teamId);
  if (team.roundId !== roundId) refuse('TeamNotInRound', `team ${teamId} belongs to round ${team.roundId}, not ${roundId}`, 'teamId');
  const issueId = command.data.issueId ?? null;
  let attributedTo = round.owner;
  if (issueId !== null) {
    const issue = world.issues.get(issueId) ?? refuse('UnknownIssue', `issue ${issueId} is not recorded`, 'issueId');
    if (issue.roundId !== roundId) refuse('IssueNotInRound', `issue ${issueId} belongs to round ${issue.roundId}, not ${roundId}`, 'issueId');
    attributedTo = issue.unitJurisdiction;
  }
  return [
    {
      type: 'ClueTransferred',
      data: { clueId, roundId, teamId, owner: round.owner, issueId, attributedTo, recipient, subjectRank: command.data.subjectRank ?? null, summary },
    },
  ];
};

const requireHandlerOfOpenClue = (command: DisposeClue | ConcludeClue, world: World, context: DecisionContext): Clue => {
  requireRole(context, command.type, 'handler');
  const clue = knownClue(world, command.data.clueId);
  requireOwnJurisdiction(context, clue.owner, `clue ${clue.clueId}`);
  if (clue.status === 'concluded') refuse('ClueConcluded', `clue ${clue.clueId} is concluded; it takes no more disposals`, 'clueId');
  return clue;
};

export const decideDisposeClue = (command: DisposeClue, world: World, context: DecisionContext): ClueDisposed[] => {
  const clue = requireHandlerOfOpenClue(command, world, context);
  const { outcome, persons } = command.data;
  return [{ type: 'ClueDisposed', data: { clueId: clue.clueId, roundId: clue.roundId, owner: clue.owner, attributedTo: clue.attributedTo, outcome, persons } }];
};

export const decideConcludeClue = (command: ConcludeClue, world: World, context: DecisionContext): ClueConcluded[] => {
  const clue = requireHandlerOfOpenClue(command, world, context);
  return [{ type: 'ClueConcluded', data: { clueId: clue.clueId, roundId: clue.roundId, owner: clue.owner, attributedTo: clue.attributedTo } }];
};
