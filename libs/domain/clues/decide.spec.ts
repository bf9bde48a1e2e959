import type { Actor, Command, DomainEvent, Role } from '#domain';
import {
  DONGSHAN_DEPOT,
  ZHANGZHOU,
  ZHAOAN,
  ZHAOAN_DEPOT,
  clueTransferred,
  issueFound,
  roundClosed,
  roundLaunched,
  roundPlanned,
  teamFormed,
  teamStationed,
  unitRegistered,
} from '../../../test/support/facts.js';
import { as, given } from '../../../test/support/given-when-then.js';

const ROUND = 'zz-2025-grain';
const TEAM = 'zz-team-1';
const cityTeam = as('team', ZHANGZHOU);
const cityHandler = as('handler', ZHANGZHOU);

const planned = [unitRegistered(ZHAOAN_DEPOT), unitRegistered(DONGSHAN_DEPOT), roundPlanned(ROUND, ZHANGZHOU, [ZHAOAN_DEPOT, DONGSHAN_DEPOT])];
const team = teamFormed(TEAM, ROUND, ZHANGZHOU, { personId: 'p-lin', homeJurisdiction: ZHANGZHOU });
const stationed = [...planned, roundLaunched(ROUND, ZHANGZHOU), team, teamStationed(TEAM, ROUND, ZHANGZHOU, [ZHAOAN_DEPOT])];
const withIssue = [...stationed, issueFound('i-1', ROUND, TEAM, ZHANGZHOU, ZHAOAN_DEPOT)];
/** Clue c-1 names issue i-1 at a Zhao'an unit, so it counts at Zhao'an. */
const transferred = [...withIssue, clueTransferred('c-1', ROUND, TEAM, ZHANGZHOU, { issueId: 'i-1', attributedTo: ZHAOAN })];

const transfer = (more: { clueId?: string; issueId?: string; teamId?: string; subjectRank?: string } = {}): Command => ({
  type: 'transferClue',
  data: { clueId: 'c-1', roundId: ROUND, teamId: TEAM, recipient: 'discipline', summary: '粮库主任收受回扣', ...more },
});
const dispose = (outcome: 'case-filed' | 'disciplined' | 'organizational-handling' | 'judicial-transfer', persons: number, clueId = 'c-1'): Command => ({
  type: 'disposeClue',
  data: { clueId, outcome, persons },
});
const conclude = { type: 'concludeClue', data: { clueId: 'c-1' } } satisfies Command;

describe('roles', () => {
  const rows: [string, DomainEvent[], Command, Actor, Role][] = [
    ['transferClue', withIssue, transfer({ issueId: 'i-1' }), cityTeam, 'handler'],
    ['disposeClue', transferred, dispose('case-filed', 2), cityHandler, 'team'],
    ['concludeClue', transferred, conclude, cityHandler, 'leading-group'],
  ];

  it.each(rows)('%s: auditor and viewer change nothing', (_name, facts, command, actor) => {
    given(...facts).when(command, { ...actor, role: 'auditor' }).refusedWith('ReadOnlyRole');
    given(...facts).when(command, { ...actor, role: 'viewer' }).refusedWith('ReadOnlyRole');
  });

  it.each(rows)('%s: refused to the wrong role', (_name, facts, command, actor, wrong) => {
    given(...facts).when(command, { ...actor, role: wrong }).refusedWith('RoleNotAllowed');
  });
});

describe('transferClue', () => {
  it("attributes a clue that names an issue to the issue's unit jurisdiction", () => {
    given(...withIssue)
      .when(transfer({ issueId: 'i-1', subjectRank: 'section' }), cityTeam)
      .then({
        type: 'ClueTransferred',
        data: {
          clueId: 'c-1',
          roundId: ROUND,
          teamId: TEAM,
          owner: ZHANGZHOU,
          issueId: 'i-1',
          attributedTo: ZHAOAN,
          recipient: 'discipline',
          subjectRank: 'section',
          summary: '粮库主任收受回扣',
        },
      });
  });

  it('attributes a clue without an issue to the round owner', () => {
    given(...stationed)
      .when(transfer(), cityTeam)
      .then({
        type: 'ClueTransferred',
        data: {
          clueId: 'c-1',
          roundId: ROUND,
          teamId: TEAM,
          owner: ZHANGZHOU,
          issueId: null,
          attributedTo: ZHANGZHOU,
          recipient: 'discipline',
          subjectRank: null,
          summary: '粮库主任收受回扣',
        },
      });
  });

  it('refuses a clue in a round not launched', () => {
    given(...planned, team).when(transfer(), cityTeam).refusedWith('RoundNotLaunched');
  });

  it('refuses a clue after the round is closed', () => {
    given(...withIssue, roundClosed(ROUND, ZHANGZHOU)).when(transfer({ issueId: 'i-1' }), cityTeam).refusedWith('RoundClosed');
  });

  it('transfers a clue once', () => {
    given(...transferred).when(transfer({ issueId: 'i-1' }), cityTeam).refusedWith('AlreadyRecorded', 'clueId');
  });

  it('refuses an unknown issue and an issue of another round', () => {
    given(...stationed).when(transfer({ issueId: 'i-404' }), cityTeam).refusedWith('UnknownIssue', 'issueId');
    given(...stationed, issueFound('i-coal', 'zz-coal', 'coal-team', ZHANGZHOU, ZHAOAN_DEPOT))
      .when(transfer({ issueId: 'i-coal' }), cityTeam)
      .refusedWith('IssueNotInRound', 'issueId');
  });

  it('refuses a team of another round', () => {
    given(...stationed, roundPlanned('zz-coal', ZHANGZHOU, []), teamFormed('coal-team', 'zz-coal', ZHANGZHOU, { personId: 'p-he', homeJurisdiction: ZHANGZHOU }))
      .when(transfer({ teamId: 'coal-team' }), cityTeam)
      .refusedWith('TeamNotInRound', 'teamId');
  });

  it("refuses a team actor of another jurisdiction (the unit's county does not transfer the city's clues)", () => {
    given(...withIssue).when(transfer({ issueId: 'i-1' }), as('team', ZHAOAN)).refusedWith('OutsideJurisdiction');
  });
});

describe('disposeClue', () => {
  const disposed = (outcome: 'case-filed' | 'disciplined', persons: number): DomainEvent => ({
    type: 'ClueDisposed',
    data: { clueId: 'c-1', roundId: ROUND, owner: ZHANGZHOU, attributedTo: ZHAOAN, outcome, persons },
  });

  it('records a disposal with its persons, carrying the attribution', () => {
    given(...transferred).when(dispose('case-filed', 46), cityHandler).then(disposed('case-filed', 46));
  });

  it('takes several disposals before the clue is concluded, also after the round closed', () => {
    given(...transferred, disposed('case-filed', 46), roundClosed(ROUND, ZHANGZHOU))
      .when(dispose('disciplined', 45), cityHandler)
      .then(disposed('disciplined', 45));
  });

  it('disposes only of a known clue', () => {
    given(...withIssue).when(dispose('case-filed', 1), cityHandler).refusedWith('UnknownClue', 'clueId');
  });

  it('refuses a disposal after the clue is concluded', () => {
    given(...transferred, { type: 'ClueConcluded', data: { clueId: 'c-1', roundId: ROUND, owner: ZHANGZHOU, attributedTo: ZHAOAN } })
      .when(dispose('judicial-transfer', 1), cityHandler)
      .refusedWith('ClueConcluded', 'clueId');
  });

  it("refuses a handler of another jurisdiction, even the unit's own", () => {
    given(...transferred).when(dispose('case-filed', 1), as('handler', ZHAOAN)).refusedWith('OutsideJurisdiction');
  });
});

describe('concludeClue', () => {
  const concluded: DomainEvent = { type: 'ClueConcluded', data: { clueId: 'c-1', roundId: ROUND, owner: ZHANGZHOU, attributedTo: ZHAOAN } };

  it('concludes an open clue', () => {
    given(...transferred).when(conclude, cityHandler).then(concluded);
  });

  it('concludes a clue once', () => {
    given(...transferred, concluded).when(conclude, cityHandler).refusedWith('ClueConcluded', 'clueId');
  });

  it('refuses an unknown clue', () => {
    given(...withIssue).when(conclude, cityHandler).refusedWith('UnknownClue', 'clueId');
  });

  it('refuses a handler of another jurisdiction', () => {
    given(...transferred).when(conclude, as('handler', ZHAOAN)).refusedWith('OutsideJurisdiction');
  });
});
