import { decideConcludeClue, decideDisposeClue, decideTransferClue } from './clues/decide.js';
import type { Command, DomainEvent } from './events.js';
import {
  decideCloseRound,
  decideDeliverFeedback,
  decideFormTeam,
  decideLaunchRound,
  decidePlanRound,
  decideReceivePetitions,
  decideRecordIssue,
  decideRegisterUnit,
  decideStationTeam,
  decideSubmitSpecialReport,
} from './inspection/decide.js';
import { decideRegisterJurisdiction } from './jurisdictions/decide.js';
import type { DecisionContext } from './kernel/decision.js';
import { assertNever } from './kernel/envelope.js';
import {
  decideAcceptTask,
  decideAdoptFinding,
  decideAssignTask,
  decideCompleteTask,
  decideEscalateFinding,
  decideReportTaskProgress,
} from './linkage/decide.js';
import { decideCompleteRectification, decideRequireRectification } from './rectification/decide.js';
import { streams } from './streams.js';
import type { World } from './world.js';

/** decide(command, state) → events: pure; throws a `Refusal` when the command must not happen. */
export const decide = (command: Command, world: World, context: DecisionContext): DomainEvent[] => {
  switch (command.type) {
    case 'registerJurisdiction':
      return decideRegisterJurisdiction(command, world, context);
    case 'registerUnit':
      return decideRegisterUnit(command, world, context);
    case 'planRound':
      return decidePlanRound(command, world, context);
    case 'launchRound':
      return decideLaunchRound(command, world, context);
    case 'formTeam':
      return decideFormTeam(command, world, context);
    case 'stationTeam':
      return decideStationTeam(command, world, context);
    case 'receivePetitions':
      return decideReceivePetitions(command, world, context);
    case 'recordIssue':
      return decideRecordIssue(command, world, context);
    case 'transferClue':
      return decideTransferClue(command, world, context);
    case 'disposeClue':
      return decideDisposeClue(command, world, context);
    case 'concludeClue':
      return decideConcludeClue(command, world, context);
    case 'deliverFeedback':
      return decideDeliverFeedback(command, world, context);
    case 'requireRectification':
      return decideRequireRectification(command, world, context);
    case 'completeRectification':
      return decideCompleteRectification(command, world, context);
    case 'escalateFinding':
      return decideEscalateFinding(command, world, context);
    case 'adoptFinding':
      return decideAdoptFinding(command, world, context);
    case 'assignTask':
      return decideAssignTask(command, world, context);
    case 'acceptTask':
      return decideAcceptTask(command, world, context);
    case 'reportTaskProgress':
      return decideReportTaskProgress(command, world, context);
    case 'completeTask':
      return decideCompleteTask(command, world, context);
    case 'submitSpecialReport':
      return decideSubmitSpecialReport(command, world, context);
    case 'closeRound':
      return decideCloseRound(command, world, context);
    default:
      return assertNever(command, 'command');
  }
};

/**
 * The stream a command appends to. Its revision is the one the append expects, so two decisions
 * on the same aggregate can never both win.
 */
export const targetStream = (command: Command): string => {
  switch (command.type) {
    case 'registerJurisdiction':
      return streams.jurisdiction(command.data.code);
    case 'registerUnit':
      return streams.unit(command.data.unitId);
    case 'planRound':
    case 'launchRound':
    case 'deliverFeedback':
    case 'closeRound':
      return streams.round(command.data.roundId);
    case 'formTeam':
    case 'stationTeam':
    case 'receivePetitions':
      return streams.team(command.data.teamId);
    case 'recordIssue':
    case 'escalateFinding':
    case 'adoptFinding':
      return streams.issue(command.data.issueId);
    case 'transferClue':
    case 'disposeClue':
    case 'concludeClue':
      return streams.clue(command.data.clueId);
    case 'requireRectification':
    case 'completeRectification':
      return streams.rectification(command.data.rectificationId);
    case 'assignTask':
    case 'acceptTask':
    case 'reportTaskProgress':
    case 'completeTask':
      return streams.task(command.data.taskId);
    case 'submitSpecialReport':
      return streams.specialReport(command.data.reportId);
    default:
      return assertNever(command, 'command');
  }
};

/**
 * Further streams a decision consults, given what has been loaded so far. Called until it names no
 * new stream (a team's round is known only once the team is loaded).
 */
export const contextStreams = (command: Command, world: World): string[] => {
  switch (command.type) {
    case 'registerJurisdiction':
    case 'registerUnit':
    case 'launchRound':
    case 'closeRound':
    case 'disposeClue':
    case 'concludeClue':
    case 'completeRectification':
    case 'acceptTask':
    case 'reportTaskProgress':
    case 'completeTask':
    case 'escalateFinding':
      return [];
    case 'planRound':
      return [
        ...command.data.targets.map(streams.unit),
        ...(command.data.parentRoundId ? [streams.round(command.data.parentRoundId)] : []),
      ];
    case 'formTeam':
      return [streams.round(command.data.roundId)];
    case 'stationTeam':
    case 'receivePetitions': {
      const team = world.teams.get(command.data.teamId);
      return team ? [streams.round(team.roundId)] : [];
    }
    case 'recordIssue':
      return [streams.round(command.data.roundId), streams.team(command.data.teamId), streams.unit(command.data.unitId)];
    case 'transferClue':
      return [
        streams.round(command.data.roundId),
        streams.team(command.data.teamId),
        ...(command.data.issueId ? [streams.issue(command.data.issueId)] : []),
      ];
    case 'deliverFeedback':
      return [];
    case 'requireRectification':
      return [streams.issue(command.data.issueId)];
    case 'adoptFinding':
      return [streams.round(command.data.roundId)];
    case 'assignTask':
      return command.data.roundId ? [streams.round(command.data.roundId)] : [];
    case 'submitSpecialReport':
      return [streams.round(command.data.roundId)];
    default:
      return assertNever(command, 'command');
  }
};
