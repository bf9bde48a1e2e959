import type { Actor, Command, DomainEvent, Role, TeamMember } from '#domain';
import {
  DONGSHAN,
  DONGSHAN_DEPOT,
  FUZHOU,
  LONGYAN,
  PINGTAN,
  PROVINCE,
  XINLUO_DEPOT,
  ZHANGZHOU,
  ZHAOAN,
  ZHAOAN_DEPOT,
  ZZ_BUREAU,
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
const LEADER: TeamMember = { personId: 'p-lin', homeJurisdiction: ZHANGZHOU };
const MEMBER: TeamMember = { personId: 'p-chen', homeJurisdiction: DONGSHAN, homeUnitId: DONGSHAN_DEPOT.unitId };

const cityLeadingGroup = as('leading-group', ZHANGZHOU);
const cityTeam = as('team', ZHANGZHOU);
const countyLeadingGroup = as('leading-group', ZHAOAN);

const units = [ZHAOAN_DEPOT, DONGSHAN_DEPOT, ZZ_BUREAU, XINLUO_DEPOT].map(unitRegistered);
const planned = [...units, roundPlanned(ROUND, ZHANGZHOU, [ZHAOAN_DEPOT, DONGSHAN_DEPOT, ZZ_BUREAU])];
const launched = [...planned, roundLaunched(ROUND, ZHANGZHOU)];
const formed = [...launched, teamFormed(TEAM, ROUND, ZHANGZHOU, LEADER, [MEMBER])];
const stationed = [...formed, teamStationed(TEAM, ROUND, ZHANGZHOU, [ZHAOAN_DEPOT])];
const closed = [...stationed, roundClosed(ROUND, ZHANGZHOU)];

const registerUnit = { type: 'registerUnit', data: { unitId: 'zhaoan-rice-mill', name: '诏安县米厂', jurisdiction: ZHAOAN } } satisfies Command;
const planRound: Command = {
  type: 'planRound',
  data: { roundId: ROUND, title: '粮食购销专项巡察', kind: 'special', theme: 'grain', targets: [ZHAOAN_DEPOT.unitId, ZZ_BUREAU.unitId, ZHAOAN_DEPOT.unitId] },
};
const launchRound = { type: 'launchRound', data: { roundId: ROUND } } satisfies Command;
const formTeam: Command = { type: 'formTeam', data: { teamId: TEAM, roundId: ROUND, leader: LEADER, members: [MEMBER] } };
const stationAt = (...unitIds: string[]): Command => ({ type: 'stationTeam', data: { teamId: TEAM, unitIds } });
const receivePetitions = { type: 'receivePetitions', data: { teamId: TEAM, channel: 'letter', count: 12 } } satisfies Command;
const recordIssue = (more: { issueId?: string; teamId?: string; unitId?: string; roundId?: string; immediate?: boolean } = {}): Command => ({
  type: 'recordIssue',
  data: { issueId: 'i-1', roundId: ROUND, teamId: TEAM, unitId: ZHAOAN_DEPOT.unitId, category: 'grain-storage', summary: '账实不符', ...more },
});
const deliverFeedback = (unitId = ZHAOAN_DEPOT.unitId): Command => ({ type: 'deliverFeedback', data: { roundId: ROUND, unitId } });
const submitSpecialReport = { type: 'submitSpecialReport', data: { reportId: 'sr-1', roundId: ROUND, theme: 'grain', recipients: [PROVINCE] } } satisfies Command;
const closeRound = { type: 'closeRound', data: { roundId: ROUND } } satisfies Command;

describe('roles', () => {
  // Each row is an accepted case below; only the role changes here.
  const rows: [string, DomainEvent[], Command, Actor, Role][] = [
    ['registerUnit', [], registerUnit, countyLeadingGroup, 'admin'],
    ['planRound', units, planRound, cityLeadingGroup, 'team'],
    ['launchRound', planned, launchRound, cityLeadingGroup, 'unit'],
    ['formTeam', launched, formTeam, cityLeadingGroup, 'handler'],
    ['stationTeam', formed, stationAt(ZHAOAN_DEPOT.unitId), cityLeadingGroup, 'team'],
    ['receivePetitions', formed, receivePetitions, cityTeam, 'leading-group'],
    ['recordIssue', stationed, recordIssue(), cityTeam, 'leading-group'],
    ['deliverFeedback', stationed, deliverFeedback(), cityLeadingGroup, 'team'],
    ['submitSpecialReport', launched, submitSpecialReport, cityLeadingGroup, 'admin'],
    ['closeRound', launched, closeRound, cityLeadingGroup, 'team'],
  ];

  it.each(rows)('%s: auditor and viewer change nothing', (_name, facts, command, actor) => {
    given(...facts).when(command, { ...actor, role: 'auditor' }).refusedWith('ReadOnlyRole');
    given(...facts).when(command, { ...actor, role: 'viewer' }).refusedWith('ReadOnlyRole');
  });

  it.each(rows)('%s: refused to the wrong role', (_name, facts, command, actor, wrong) => {
    given(...facts).when(command, { ...actor, role: wrong }).refusedWith('RoleNotAllowed');
  });
});

describe('registerUnit', () => {
  it('registers a unit of its own jurisdiction', () => {
    given()
      .when(registerUnit, countyLeadingGroup)
      .then({ type: 'UnitRegistered', data: { unitId: 'zhaoan-rice-mill', name: '诏安县米厂', jurisdiction: ZHAOAN, kind: null } });
  });

  it("lets an ancestor's leading group register a unit below it, keeping the kind", () => {
    given()
      .when({ type: 'registerUnit', data: { ...registerUnit.data, kind: 'state-owned-enterprise' } }, as('leading-group', PROVINCE))
      .then({ type: 'UnitRegistered', data: { unitId: 'zhaoan-rice-mill', name: '诏安县米厂', jurisdiction: ZHAOAN, kind: 'state-owned-enterprise' } });
  });

  it('refuses a sibling or a descendant registering for another jurisdiction', () => {
    given().when(registerUnit, as('leading-group', DONGSHAN)).refusedWith('OutsideJurisdiction', 'jurisdiction');
    given()
      .when({ type: 'registerUnit', data: { unitId: 'zz-office', name: '市直单位', jurisdiction: ZHANGZHOU } }, countyLeadingGroup)
      .refusedWith('OutsideJurisdiction', 'jurisdiction');
  });

  it('takes ancestry from the registry: Fuzhou is not above Pingtan', () => {
    given()
      .when({ type: 'registerUnit', data: { unitId: 'pingtan-port', name: '平潭港', jurisdiction: PINGTAN } }, as('leading-group', FUZHOU))
      .refusedWith('OutsideJurisdiction', 'jurisdiction');
  });

  it('refuses an unknown jurisdiction', () => {
    given()
      .when({ type: 'registerUnit', data: { unitId: 'x', name: 'x', jurisdiction: '350699' } }, as('leading-group', PROVINCE))
      .refusedWith('UnknownJurisdiction', 'jurisdiction');
  });

  it('registers a unit once', () => {
    given(unitRegistered({ unitId: 'zhaoan-rice-mill', jurisdiction: ZHAOAN }))
      .when(registerUnit, countyLeadingGroup)
      .refusedWith('AlreadyRegistered', 'unitId');
  });
});

describe('planRound', () => {
  it('records the round with its targets and their jurisdictions, each target once', () => {
    given(...units)
      .when(planRound, cityLeadingGroup)
      .then({
        type: 'RoundPlanned',
        data: {
          roundId: ROUND,
          owner: ZHANGZHOU,
          title: '粮食购销专项巡察',
          kind: 'special',
          theme: 'grain',
          linkage: 'none',
          parentRoundId: null,
          lookBackOf: null,
          targets: [ZHAOAN_DEPOT, ZZ_BUREAU],
        },
      });
  });

  it("links below an ancestor's round (linkage defaults to linked)", () => {
    given(...units, roundPlanned(ROUND, ZHANGZHOU, [ZHAOAN_DEPOT]))
      .when({ type: 'planRound', data: { roundId: 'za-grain', title: '诏安县粮食巡察', kind: 'special', parentRoundId: ROUND, targets: [ZHAOAN_DEPOT.unitId] } }, countyLeadingGroup)
      .then({
        type: 'RoundPlanned',
        data: {
          roundId: 'za-grain',
          owner: ZHAOAN,
          title: '诏安县粮食巡察',
          kind: 'special',
          theme: null,
          linkage: 'linked',
          parentRoundId: ROUND,
          lookBackOf: null,
          targets: [ZHAOAN_DEPOT],
        },
      });
  });

  it('keeps an explicit linkage', () => {
    given(...units)
      .when({ type: 'planRound', data: { roundId: 'zz-cross', title: '交叉巡察', kind: 'regular', linkage: 'cross', targets: [DONGSHAN_DEPOT.unitId] } }, cityLeadingGroup)
      .then({
        type: 'RoundPlanned',
        data: { roundId: 'zz-cross', owner: ZHANGZHOU, title: '交叉巡察', kind: 'regular', theme: null, linkage: 'cross', parentRoundId: null, targets: [DONGSHAN_DEPOT], lookBackOf: null },
      });
  });

  it('plans a round once', () => {
    given(...planned).when(planRound, cityLeadingGroup).refusedWith('AlreadyRecorded', 'roundId');
  });

  it('refuses an unregistered target', () => {
    given(...units)
      .when({ type: 'planRound', data: { roundId: ROUND, title: 't', kind: 'regular', targets: ['nowhere'] } }, cityLeadingGroup)
      .refusedWith('UnknownUnit', 'targets');
  });

  it('refuses a target outside its jurisdiction (Xinluo is under Longyan, not Zhangzhou)', () => {
    given(...units)
      .when({ type: 'planRound', data: { roundId: ROUND, title: 't', kind: 'regular', targets: [XINLUO_DEPOT.unitId] } }, cityLeadingGroup)
      .refusedWith('OutsideJurisdiction', 'targets');
  });

  it('refuses a parent round that is not of an ancestor: a sibling city, its own, or Fuzhou for Pingtan', () => {
    const plan = (roundId: string, parentRoundId: string): Command => ({ type: 'planRound', data: { roundId, title: 't', kind: 'special', parentRoundId, targets: [] } });
    given(roundPlanned('ly-grain', LONGYAN, [])).when(plan('r', 'ly-grain'), cityLeadingGroup).refusedWith('ParentRoundNotOfAncestor', 'parentRoundId');
    given(roundPlanned('zz-other', ZHANGZHOU, [])).when(plan('r', 'zz-other'), cityLeadingGroup).refusedWith('ParentRoundNotOfAncestor', 'parentRoundId');
    given(roundPlanned('fz-grain', FUZHOU, [])).when(plan('r', 'fz-grain'), as('leading-group', PINGTAN)).refusedWith('ParentRoundNotOfAncestor', 'parentRoundId');
  });

  it('refuses an unknown parent round', () => {
    given()
      .when({ type: 'planRound', data: { roundId: 'r', title: 't', kind: 'special', parentRoundId: 'nope', targets: [] } }, cityLeadingGroup)
      .refusedWith('UnknownRound', 'parentRoundId');
  });
});

describe('launchRound', () => {
  it('launches a planned round', () => {
    given(...planned).when(launchRound, cityLeadingGroup).then({ type: 'RoundLaunched', data: { roundId: ROUND, owner: ZHANGZHOU } });
  });

  it('is for the owner only, not even its ancestor', () => {
    given(...planned).when(launchRound, as('leading-group', PROVINCE)).refusedWith('OutsideJurisdiction');
    given(...planned).when(launchRound, countyLeadingGroup).refusedWith('OutsideJurisdiction');
  });

  it('refuses an unknown round', () => {
    given().when(launchRound, cityLeadingGroup).refusedWith('UnknownRound', 'roundId');
  });

  it('launches once, and never a closed round', () => {
    given(...launched).when(launchRound, cityLeadingGroup).refusedWith('AlreadyRecorded', 'roundId');
    given(...launched, roundClosed(ROUND, ZHANGZHOU)).when(launchRound, cityLeadingGroup).refusedWith('AlreadyRecorded', 'roundId');
  });
});

describe('formTeam', () => {
  const teamFormedEvent: DomainEvent = { type: 'TeamFormed', data: { teamId: TEAM, roundId: ROUND, owner: ZHANGZHOU, leader: LEADER, members: [MEMBER] } };

  it('forms a team for a launched round', () => {
    given(...launched).when(formTeam, cityLeadingGroup).then(teamFormedEvent);
  });

  it('may form a team before the mobilisation meeting launches the round', () => {
    given(...planned).when(formTeam, cityLeadingGroup).then(teamFormedEvent);
  });

  it('refuses a team for a closed round', () => {
    given(...launched, roundClosed(ROUND, ZHANGZHOU)).when(formTeam, cityLeadingGroup).refusedWith('RoundClosed');
  });

  it('forms a team once', () => {
    given(...formed).when(formTeam, cityLeadingGroup).refusedWith('AlreadyRecorded', 'teamId');
  });

  it('refuses a person twice in one team (the leader among the members)', () => {
    given(...launched)
      .when({ type: 'formTeam', data: { teamId: TEAM, roundId: ROUND, leader: LEADER, members: [MEMBER, { ...LEADER }] } }, cityLeadingGroup)
      .refusedWith('DuplicateMember', 'members');
  });

  it("refuses a member whose home jurisdiction is unknown", () => {
    given(...launched)
      .when({ type: 'formTeam', data: { teamId: TEAM, roundId: ROUND, leader: LEADER, members: [{ personId: 'p-x', homeJurisdiction: '359999' }] } }, cityLeadingGroup)
      .refusedWith('UnknownJurisdiction', 'members.homeJurisdiction');
  });

  it("refuses another jurisdiction's round and an unknown round", () => {
    given(...launched).when(formTeam, countyLeadingGroup).refusedWith('OutsideJurisdiction');
    given(...units).when(formTeam, cityLeadingGroup).refusedWith('UnknownRound', 'roundId');
  });
});

describe('stationTeam', () => {
  it('stations a formed team at a target unit, naming its jurisdiction', () => {
    given(...formed)
      .when(stationAt(ZHAOAN_DEPOT.unitId), cityLeadingGroup)
      .then({ type: 'TeamStationed', data: { teamId: TEAM, roundId: ROUND, owner: ZHANGZHOU, units: [ZHAOAN_DEPOT] } });
  });

  it('stations an already stationed team at a further unit', () => {
    given(...stationed)
      .when(stationAt(ZZ_BUREAU.unitId), cityLeadingGroup)
      .then({ type: 'TeamStationed', data: { teamId: TEAM, roundId: ROUND, owner: ZHANGZHOU, units: [ZZ_BUREAU] } });
  });

  it('refuses to station a team that was never formed', () => {
    given(...launched).when(stationAt(ZHAOAN_DEPOT.unitId), cityLeadingGroup).refusedWith('UnknownTeam', 'teamId');
  });

  it('refuses stationing before launch and after close', () => {
    given(...planned, teamFormed(TEAM, ROUND, ZHANGZHOU, LEADER, [MEMBER])).when(stationAt(ZHAOAN_DEPOT.unitId), cityLeadingGroup).refusedWith('RoundNotLaunched');
    given(...formed, roundClosed(ROUND, ZHANGZHOU)).when(stationAt(ZHAOAN_DEPOT.unitId), cityLeadingGroup).refusedWith('RoundClosed');
  });

  it('refuses a unit the round does not target', () => {
    given(...formed).when(stationAt(XINLUO_DEPOT.unitId), cityLeadingGroup).refusedWith('UnitNotTargeted', 'unitIds');
  });

  it('records stationing at a unit once', () => {
    given(...stationed).when(stationAt(ZHAOAN_DEPOT.unitId), cityLeadingGroup).refusedWith('AlreadyRecorded', 'unitIds');
  });

  it("refuses another jurisdiction's team", () => {
    given(...formed).when(stationAt(ZHAOAN_DEPOT.unitId), countyLeadingGroup).refusedWith('OutsideJurisdiction');
  });

  describe('recusal', () => {
    it('refuses a unit where a member works', () => {
      given(...formed).when(stationAt(ZHAOAN_DEPOT.unitId, DONGSHAN_DEPOT.unitId), cityLeadingGroup).refusedWith('MemberMustRecuse', 'unitIds');
    });

    it('refuses a unit where the leader works', () => {
      given(...launched, teamFormed(TEAM, ROUND, ZHANGZHOU, { ...LEADER, homeUnitId: ZZ_BUREAU.unitId }))
        .when(stationAt(ZZ_BUREAU.unitId), cityLeadingGroup)
        .refusedWith('MemberMustRecuse', 'unitIds');
    });

    it('lets members inspect units of their own jurisdiction in a round that is not cross', () => {
      given(...launched, teamFormed(TEAM, ROUND, ZHANGZHOU, LEADER, [{ personId: 'p-wu', homeJurisdiction: ZHAOAN }]))
        .when(stationAt(ZHAOAN_DEPOT.unitId), cityLeadingGroup)
        .then({ type: 'TeamStationed', data: { teamId: TEAM, roundId: ROUND, owner: ZHANGZHOU, units: [ZHAOAN_DEPOT] } });
    });

    describe('in a cross round', () => {
      const cross = [
        ...units,
        roundPlanned('zz-cross', ZHANGZHOU, [ZHAOAN_DEPOT, DONGSHAN_DEPOT], { linkage: 'cross' }),
        roundLaunched('zz-cross', ZHANGZHOU),
        teamFormed('dongshan-team', 'zz-cross', ZHANGZHOU, LEADER, [{ personId: 'p-zhou', homeJurisdiction: DONGSHAN }]),
      ];
      const station = (unit: string): Command => ({ type: 'stationTeam', data: { teamId: 'dongshan-team', unitIds: [unit] } });

      it("refuses every unit of a member's home jurisdiction", () => {
        given(...cross).when(station(DONGSHAN_DEPOT.unitId), cityLeadingGroup).refusedWith('MemberMustRecuse', 'unitIds');
      });

      it("sends one county's people to another county (the city leader's own code is the city, not the county)", () => {
        given(...cross)
          .when(station(ZHAOAN_DEPOT.unitId), cityLeadingGroup)
          .then({ type: 'TeamStationed', data: { teamId: 'dongshan-team', roundId: 'zz-cross', owner: ZHANGZHOU, units: [ZHAOAN_DEPOT] } });
      });
    });
  });
});

describe('receivePetitions', () => {
  it("records petitions taken by a round's team", () => {
    given(...formed)
      .when(receivePetitions, cityTeam)
      .then({ type: 'PetitionsReceived', data: { teamId: TEAM, roundId: ROUND, owner: ZHANGZHOU, channel: 'letter', count: 12 } });
  });

  it('refuses petitions before launch and after close', () => {
    given(...planned, teamFormed(TEAM, ROUND, ZHANGZHOU, LEADER, [MEMBER])).when(receivePetitions, cityTeam).refusedWith('RoundNotLaunched');
    given(...closed).when(receivePetitions, cityTeam).refusedWith('RoundClosed');
  });

  it("refuses an unknown team and another jurisdiction's team", () => {
    given(...launched).when(receivePetitions, cityTeam).refusedWith('UnknownTeam', 'teamId');
    given(...formed).when(receivePetitions, as('team', ZHAOAN)).refusedWith('OutsideJurisdiction');
  });
});

describe('recordIssue', () => {
  const found = (immediate: boolean): DomainEvent => ({
    type: 'IssueFound',
    data: {
      issueId: 'i-1',
      roundId: ROUND,
      teamId: TEAM,
      owner: ZHANGZHOU,
      unitId: ZHAOAN_DEPOT.unitId,
      unitJurisdiction: ZHAOAN,
      category: 'grain-storage',
      summary: '账实不符',
      immediate,
    },
  });

  it("records an issue at the unit where the team is stationed, attributed to the unit's jurisdiction", () => {
    given(...stationed).when(recordIssue(), cityTeam).then(found(false));
  });

  it('records an immediate (立行立改) issue', () => {
    given(...stationed).when(recordIssue({ immediate: true }), cityTeam).then(found(true));
  });

  it('refuses an issue in a round not launched', () => {
    given(...planned, teamFormed(TEAM, ROUND, ZHANGZHOU, LEADER, [MEMBER])).when(recordIssue(), cityTeam).refusedWith('RoundNotLaunched');
  });

  it('refuses an issue after the round is closed', () => {
    given(...closed).when(recordIssue(), cityTeam).refusedWith('RoundClosed');
  });

  it('records an issue once', () => {
    given(...stationed, issueFound('i-1', ROUND, TEAM, ZHANGZHOU, ZHAOAN_DEPOT)).when(recordIssue(), cityTeam).refusedWith('AlreadyRecorded', 'issueId');
  });

  it("refuses a team of another round, an unknown team and an unknown round", () => {
    given(...stationed, roundPlanned('zz-coal', ZHANGZHOU, [ZHAOAN_DEPOT]), teamFormed('coal-team', 'zz-coal', ZHANGZHOU, LEADER))
      .when(recordIssue({ teamId: 'coal-team' }), cityTeam)
      .refusedWith('TeamNotInRound', 'teamId');
    given(...stationed).when(recordIssue({ teamId: 'nope' }), cityTeam).refusedWith('UnknownTeam', 'teamId');
    given(...stationed).when(recordIssue({ roundId: 'nope' }), cityTeam).refusedWith('UnknownRound', 'roundId');
  });

  it('refuses a unit where the team is not stationed', () => {
    given(...stationed).when(recordIssue({ unitId: DONGSHAN_DEPOT.unitId }), cityTeam).refusedWith('TeamNotStationedAtUnit', 'unitId');
  });

  it("refuses a team actor of another jurisdiction", () => {
    given(...stationed).when(recordIssue(), as('team', ZHAOAN)).refusedWith('OutsideJurisdiction');
  });
});

describe('deliverFeedback', () => {
  const feedback: DomainEvent = { type: 'FeedbackDelivered', data: { roundId: ROUND, owner: ZHANGZHOU, unitId: ZHAOAN_DEPOT.unitId, unitJurisdiction: ZHAOAN } };

  it('delivers feedback to a target unit', () => {
    given(...stationed).when(deliverFeedback(), cityLeadingGroup).then(feedback);
  });

  it('delivers feedback to a unit once', () => {
    given(...stationed, feedback).when(deliverFeedback(), cityLeadingGroup).refusedWith('AlreadyRecorded', 'unitId');
  });

  it('refuses a unit the round does not target', () => {
    given(...stationed).when(deliverFeedback(XINLUO_DEPOT.unitId), cityLeadingGroup).refusedWith('UnitNotTargeted', 'unitId');
  });

  it('refuses feedback before launch and after close', () => {
    given(...planned).when(deliverFeedback(), cityLeadingGroup).refusedWith('RoundNotLaunched');
    given(...closed).when(deliverFeedback(), cityLeadingGroup).refusedWith('RoundClosed');
  });

  it("refuses another jurisdiction's round", () => {
    given(...stationed).when(deliverFeedback(), as('leading-group', PROVINCE)).refusedWith('OutsideJurisdiction');
  });
});

describe('submitSpecialReport', () => {
  const report: DomainEvent = { type: 'SpecialReportSubmitted', data: { reportId: 'sr-1', roundId: ROUND, owner: ZHANGZHOU, theme: 'grain', recipients: [PROVINCE] } };

  it('submits a report on a launched round', () => {
    given(...launched).when(submitSpecialReport, cityLeadingGroup).then(report);
  });

  it('submits a report on a closed round too (reports follow the fieldwork)', () => {
    given(...closed).when(submitSpecialReport, cityLeadingGroup).then(report);
  });

  it('refuses a report on a round not launched', () => {
    given(...planned).when(submitSpecialReport, cityLeadingGroup).refusedWith('RoundNotLaunched', 'roundId');
  });

  it('submits a report once', () => {
    given(...launched, report).when(submitSpecialReport, cityLeadingGroup).refusedWith('AlreadyRecorded', 'reportId');
  });

  it("refuses another jurisdiction's round", () => {
    given(...launched).when(submitSpecialReport, countyLeadingGroup).refusedWith('OutsideJurisdiction');
  });
});

describe('closeRound', () => {
  it('closes a launched round', () => {
    given(...launched).when(closeRound, cityLeadingGroup).then({ type: 'RoundClosed', data: { roundId: ROUND, owner: ZHANGZHOU } });
  });

  it('refuses a round never launched', () => {
    given(...planned).when(closeRound, cityLeadingGroup).refusedWith('RoundNotLaunched', 'roundId');
  });

  it('closes a round once', () => {
    given(...closed).when(closeRound, cityLeadingGroup).refusedWith('AlreadyRecorded', 'roundId');
  });

  it("refuses another jurisdiction's round", () => {
    given(...launched).when(closeRound, as('leading-group', PROVINCE)).refusedWith('OutsideJurisdiction');
  });
});
