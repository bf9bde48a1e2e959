import type { AuthorisationGranted, AuthorisationRevoked, Command, DomainEvent, RoundAuthority, TeamMember } from '#domain';
import { DONGSHAN, DONGSHAN_DEPOT, LONGYAN, PROVINCE, ZHANGZHOU, ZHAOAN, ZHAOAN_DEPOT, ZZ_BUREAU, roundLaunched, roundPlanned, teamFormed, unitRegistered } from '../../../test/support/facts.js';
import { NOW, as, given } from '../../../test/support/given-when-then.js';

// 双授权: Zhangzhou's cross round sends a Zhao'an team to Dongshan; the city's leading group and
// Dongshan's party committee both authorise it, and the report goes to both.
const ROUND = 'zz-2025-cross';
const TEAM = 'zz-cross-team-2';
const LEADER: TeamMember = { personId: 'p-huang', homeJurisdiction: ZHAOAN };
const DUAL: RoundAuthority = {
  authorisedBy: [
    { jurisdiction: ZHANGZHOU, office: 'leading-group' },
    { jurisdiction: DONGSHAN, office: 'party-committee' },
  ],
  delegatedBy: null,
  coOwners: [],
};

const cityLeadingGroup = as('leading-group', ZHANGZHOU);
const dongshanOffice = as('leading-group', DONGSHAN);

/** An hour and a day either side of NOW (the clock a command runs at unless a test says otherwise). */
const BEFORE_NOW = '2025-03-31T09:00:00.000Z';
const AFTER_NOW = '2025-04-02T09:00:00.000Z';
const YEAR_START = '2025-01-01T00:00:00.000Z';

const granted = (authorisationId: string, grantor: string, office: 'leading-group' | 'party-committee', more: Partial<AuthorisationGranted['data']> = {}): AuthorisationGranted => ({
  type: 'AuthorisationGranted',
  data: {
    authorisationId,
    roundId: ROUND,
    grantor,
    office,
    grantee: ZHANGZHOU,
    granteeBody: null,
    acts: ['run-round', 'station-teams'],
    unitIds: null,
    validFrom: YEAR_START,
    validTo: null,
    reference: `${grantor}〔2025〕1号`,
    signedBy: null,
    ...more,
  },
});
const revoked = (authorisationId: string, grantor: string, revokedAt: string): AuthorisationRevoked => ({
  type: 'AuthorisationRevoked',
  data: { authorisationId, roundId: ROUND, grantor, grantee: ZHANGZHOU, revokedAt, reason: null },
});

const units = [ZHAOAN_DEPOT, DONGSHAN_DEPOT, ZZ_BUREAU].map(unitRegistered);
const planned: DomainEvent[] = [...units, roundPlanned(ROUND, ZHANGZHOU, [DONGSHAN_DEPOT, ZZ_BUREAU], { linkage: 'cross', authority: DUAL })];
const cityGrant = granted('zz-auth', ZHANGZHOU, 'leading-group');
const dongshanGrant = granted('ds-auth', DONGSHAN, 'party-committee');
const bothGranted = [...planned, cityGrant, dongshanGrant];
const launched = [...bothGranted, roundLaunched(ROUND, ZHANGZHOU)];
const formed = [...launched, teamFormed(TEAM, ROUND, ZHANGZHOU, LEADER)];

const grant = (more: Partial<Extract<Command, { type: 'grantAuthorisation' }>['data']> = {}): Command => ({
  type: 'grantAuthorisation',
  data: {
    authorisationId: 'ds-auth',
    roundId: ROUND,
    grantee: ZHANGZHOU,
    granteeBody: '漳州市委第二交叉巡察组',
    office: 'party-committee',
    acts: ['run-round', 'station-teams', 'run-round'],
    validFrom: YEAR_START,
    reference: '东委〔2025〕12号',
    signedBy: 'p-secretary-ds',
    ...more,
  },
});
const revoke = (authorisationId = 'ds-auth'): Command => ({ type: 'revokeAuthorisation', data: { authorisationId, roundId: ROUND, reason: '巡察组调整' } });
const launchRound: Command = { type: 'launchRound', data: { roundId: ROUND } };
const stationAt = (...unitIds: string[]): Command => ({ type: 'stationTeam', data: { teamId: TEAM, unitIds } });
const planRound = (more: Partial<Extract<Command, { type: 'planRound' }>['data']> = {}): Command => ({
  type: 'planRound',
  data: { roundId: ROUND, title: '交叉巡察', kind: 'regular', linkage: 'cross', targets: [DONGSHAN_DEPOT.unitId, ZZ_BUREAU.unitId], authorisedBy: DUAL.authorisedBy, ...more },
});

describe('grantAuthorisation', () => {
  it("records a county party committee's authorisation of its city's cross round, with who signed it", () => {
    given(...planned)
      .when(grant(), dongshanOffice)
      .then({
        type: 'AuthorisationGranted',
        data: {
          authorisationId: 'ds-auth',
          roundId: ROUND,
          grantor: DONGSHAN,
          office: 'party-committee',
          grantee: ZHANGZHOU,
          granteeBody: '漳州市委第二交叉巡察组',
          acts: ['run-round', 'station-teams'],
          unitIds: null,
          validFrom: YEAR_START,
          validTo: null,
          reference: '东委〔2025〕12号',
          signedBy: 'p-secretary-ds',
        },
      });
  });

  it('accepts an authorisation of a round not planned yet (the document comes first)', () => {
    given().when(grant({ unitIds: [DONGSHAN_DEPOT.unitId], validTo: '2025-12-31T00:00:00.000Z' }), dongshanOffice).then(
      granted('ds-auth', DONGSHAN, 'party-committee', { granteeBody: '漳州市委第二交叉巡察组', unitIds: [DONGSHAN_DEPOT.unitId], validTo: '2025-12-31T00:00:00.000Z', reference: '东委〔2025〕12号', signedBy: 'p-secretary-ds' }),
    );
  });

  it('is for leading groups only', () => {
    given(...planned).when(grant(), as('team', DONGSHAN)).refusedWith('RoleNotAllowed');
    given(...planned).when(grant(), as('auditor', DONGSHAN)).refusedWith('ReadOnlyRole');
  });

  it('refuses a grantee that is not registered', () => {
    given(...planned).when(grant({ grantee: '359999' }), dongshanOffice).refusedWith('UnknownJurisdiction', 'grantee');
  });

  it('refuses to authorise sideways: a county cannot authorise its sibling, nor a city another city', () => {
    given().when(grant({ grantee: ZHAOAN }), dongshanOffice).refusedWith('AuthorityOutsideLine', 'grantee');
    given().when(grant({ grantee: ZHANGZHOU }), as('leading-group', LONGYAN)).refusedWith('AuthorityOutsideLine', 'grantee');
  });

  it("refuses a grantee that is not the known round's owner", () => {
    given(...planned).when(grant({ grantee: DONGSHAN }), dongshanOffice).refusedWith('GranteeNotRoundOwner', 'grantee');
  });

  it('refuses a validity that ends before it begins', () => {
    given(...planned).when(grant({ validTo: YEAR_START }), dongshanOffice).refusedWith('InvalidTime', 'validTo');
  });

  it('records an authorisation once', () => {
    given(...planned, dongshanGrant).when(grant(), dongshanOffice).refusedWith('AlreadyRecorded', 'authorisationId');
  });
});

describe('revokeAuthorisation', () => {
  it('takes effect at the domain time of the command', () => {
    given(...bothGranted)
      .when(revoke(), dongshanOffice, BEFORE_NOW)
      .then({ type: 'AuthorisationRevoked', data: { authorisationId: 'ds-auth', roundId: ROUND, grantor: DONGSHAN, grantee: ZHANGZHOU, revokedAt: BEFORE_NOW, reason: '巡察组调整' } });
  });

  it('refuses an authorisation it does not know', () => {
    given(...bothGranted).when(revoke('nobody-granted-this'), dongshanOffice).refusedWith('UnknownAuthorisation', 'authorisationId');
  });

  it('is for the grantor only', () => {
    given(...bothGranted).when(revoke(), cityLeadingGroup).refusedWith('OutsideJurisdiction');
  });

  it('revokes once', () => {
    given(...bothGranted, revoked('ds-auth', DONGSHAN, BEFORE_NOW)).when(revoke(), dongshanOffice).refusedWith('AlreadyRecorded', 'authorisationId');
  });
});

describe('planRound declaring authority', () => {
  it('records the parties it needs, each once', () => {
    given(...units)
      .when(planRound({ authorisedBy: [...DUAL.authorisedBy, DUAL.authorisedBy[1]!] }), cityLeadingGroup)
      .then(
        roundPlanned(ROUND, ZHANGZHOU, [DONGSHAN_DEPOT, ZZ_BUREAU], { title: '交叉巡察', kind: 'regular', theme: null, linkage: 'cross', lookBackOf: null, authority: DUAL }),
      );
  });

  it('records a joint round (联合巡察) with its county co-owner', () => {
    const authorisedBy = [{ jurisdiction: ZHANGZHOU, office: 'leading-group' as const }, { jurisdiction: DONGSHAN, office: 'leading-group' as const }];
    given(...units)
      .when(planRound({ linkage: 'linked', authorisedBy, coOwners: [DONGSHAN] }), cityLeadingGroup)
      .then(
        roundPlanned(ROUND, ZHANGZHOU, [DONGSHAN_DEPOT, ZZ_BUREAU], { title: '交叉巡察', kind: 'regular', theme: null, linkage: 'linked', lookBackOf: null, authority: { authorisedBy, delegatedBy: null, coOwners: [DONGSHAN] } }),
      );
  });

  it('records a round run in the name of the province (授权巡视)', () => {
    const authorisedBy = [{ jurisdiction: PROVINCE, office: 'party-committee' as const }];
    given(...units)
      .when(planRound({ linkage: 'none', authorisedBy, delegatedBy: PROVINCE }), cityLeadingGroup)
      .then(
        roundPlanned(ROUND, ZHANGZHOU, [DONGSHAN_DEPOT, ZZ_BUREAU], { title: '交叉巡察', kind: 'regular', theme: null, linkage: 'none', lookBackOf: null, authority: { authorisedBy, delegatedBy: PROVINCE, coOwners: [] } }),
      );
  });

  it('refuses an authorising party off its line, or unknown', () => {
    given(...units).when(planRound({ authorisedBy: [{ jurisdiction: LONGYAN, office: 'party-committee' }] }), cityLeadingGroup).refusedWith('AuthorityOutsideLine', 'authorisedBy');
    given(...units).when(planRound({ authorisedBy: [{ jurisdiction: '359999', office: 'party-committee' }] }), cityLeadingGroup).refusedWith('UnknownJurisdiction', 'authorisedBy');
  });

  it('refuses to run in the name of a lower level', () => {
    given(...units).when(planRound({ authorisedBy: [{ jurisdiction: DONGSHAN, office: 'party-committee' }], delegatedBy: DONGSHAN }), cityLeadingGroup).refusedWith('NotAnAncestor', 'delegatedBy');
  });

  it('refuses a co-owner that is not below it', () => {
    given(...units).when(planRound({ authorisedBy: [{ jurisdiction: PROVINCE, office: 'leading-group' }], coOwners: [PROVINCE] }), cityLeadingGroup).refusedWith('NotADescendant', 'coOwners');
  });

  it('refuses a delegator or a co-owner it does not list among its authorising parties', () => {
    given(...units).when(planRound({ delegatedBy: PROVINCE }), cityLeadingGroup).refusedWith('AuthoriserNotDeclared', 'authorisedBy');
    given(...units).when(planRound({ coOwners: [ZHAOAN] }), cityLeadingGroup).refusedWith('AuthoriserNotDeclared', 'authorisedBy');
  });
});

describe('launchRound of a round that needs authorisations', () => {
  it('is refused before any authorisation, and with only one of the two (双授权)', () => {
    given(...planned).when(launchRound, cityLeadingGroup).refusedWith('AuthorisationMissing', 'roundId');
    given(...planned, cityGrant).when(launchRound, cityLeadingGroup).refusedWith('AuthorisationMissing', 'roundId');
  });

  it('is accepted once both are in force, and names the authorisations it relied on', () => {
    given(...bothGranted).when(launchRound, cityLeadingGroup).then({ type: 'RoundLaunched', data: { roundId: ROUND, owner: ZHANGZHOU, authorisations: ['zz-auth', 'ds-auth'] } });
  });

  it('needs the office the round named: the county leading group does not stand in for its party committee', () => {
    given(...planned, cityGrant, granted('ds-auth', DONGSHAN, 'leading-group')).when(launchRound, cityLeadingGroup).refusedWith('AuthorisationMissing', 'roundId');
  });

  it('needs the act: an authorisation to station teams does not launch the round', () => {
    given(...planned, cityGrant, granted('ds-auth', DONGSHAN, 'party-committee', { acts: ['station-teams'] })).when(launchRound, cityLeadingGroup).refusedWith('AuthorisationMissing', 'roundId');
  });

  it('counts validity as of the domain time: not before validFrom, not from validTo on', () => {
    const from = granted('ds-auth', DONGSHAN, 'party-committee', { validFrom: NOW });
    given(...planned, cityGrant, from).when(launchRound, cityLeadingGroup, BEFORE_NOW).refusedWith('AuthorisationMissing', 'roundId');
    given(...planned, cityGrant, from).when(launchRound, cityLeadingGroup, NOW).then({ type: 'RoundLaunched', data: { roundId: ROUND, owner: ZHANGZHOU, authorisations: ['zz-auth', 'ds-auth'] } });
    const until = granted('ds-auth', DONGSHAN, 'party-committee', { validTo: NOW });
    given(...planned, cityGrant, until).when(launchRound, cityLeadingGroup, NOW).refusedWith('AuthorisationMissing', 'roundId');
  });

  it('refuses a launch dated after the revocation, and accepts the same launch dated before it, recorded late', () => {
    const afterRevocation = [...bothGranted, revoked('ds-auth', DONGSHAN, NOW)];
    given(...afterRevocation).when(launchRound, cityLeadingGroup, AFTER_NOW).refusedWith('AuthorisationMissing', 'roundId');
    given(...afterRevocation).when(launchRound, cityLeadingGroup, NOW).refusedWith('AuthorisationMissing', 'roundId');
    given(...afterRevocation).when(launchRound, cityLeadingGroup, BEFORE_NOW).then({ type: 'RoundLaunched', data: { roundId: ROUND, owner: ZHANGZHOU, authorisations: ['zz-auth', 'ds-auth'] } });
  });

  it('ignores an authorisation granted to another jurisdiction than the owner', () => {
    given(...planned, cityGrant, granted('ds-auth', DONGSHAN, 'party-committee', { grantee: DONGSHAN })).when(launchRound, cityLeadingGroup).refusedWith('AuthorisationMissing', 'roundId');
  });

  it('leaves a round that declares nothing as it was', () => {
    given(...units, roundPlanned('zz-plain', ZHANGZHOU, [ZZ_BUREAU])).when({ type: 'launchRound', data: { roundId: 'zz-plain' } }, cityLeadingGroup).then(roundLaunched('zz-plain', ZHANGZHOU));
  });
});

describe('stationTeam in a round that needs authorisations', () => {
  it('is accepted with both authorisations in force, and names them', () => {
    given(...formed)
      .when(stationAt(DONGSHAN_DEPOT.unitId), cityLeadingGroup)
      .then({ type: 'TeamStationed', data: { teamId: TEAM, roundId: ROUND, owner: ZHANGZHOU, units: [DONGSHAN_DEPOT], authorisations: ['zz-auth', 'ds-auth'] } });
  });

  it('is refused when an authorisation allows running the round but not stationing teams', () => {
    const runOnly = granted('ds-auth', DONGSHAN, 'party-committee', { acts: ['run-round'] });
    given(...planned, cityGrant, runOnly, roundLaunched(ROUND, ZHANGZHOU), teamFormed(TEAM, ROUND, ZHANGZHOU, LEADER))
      .when(stationAt(DONGSHAN_DEPOT.unitId), cityLeadingGroup)
      .refusedWith('AuthorisationMissing', 'unitIds');
  });

  it('is refused at a unit the authorisation does not cover', () => {
    const dongshanOnly = granted('ds-auth', DONGSHAN, 'party-committee', { unitIds: [DONGSHAN_DEPOT.unitId] });
    const facts = [...planned, cityGrant, dongshanOnly, roundLaunched(ROUND, ZHANGZHOU), teamFormed(TEAM, ROUND, ZHANGZHOU, LEADER)];
    given(...facts).when(stationAt(ZZ_BUREAU.unitId), cityLeadingGroup).refusedWith('AuthorisationMissing', 'unitIds');
    given(...facts).when(stationAt(DONGSHAN_DEPOT.unitId), cityLeadingGroup).then({
      type: 'TeamStationed',
      data: { teamId: TEAM, roundId: ROUND, owner: ZHANGZHOU, units: [DONGSHAN_DEPOT], authorisations: ['zz-auth', 'ds-auth'] },
    });
  });

  it('refuses a stationing dated after the revocation, and accepts the same stationing dated before it, recorded late', () => {
    const afterRevocation = [...formed, revoked('ds-auth', DONGSHAN, NOW)];
    given(...afterRevocation).when(stationAt(DONGSHAN_DEPOT.unitId), cityLeadingGroup, AFTER_NOW).refusedWith('AuthorisationMissing', 'unitIds');
    given(...afterRevocation)
      .when(stationAt(DONGSHAN_DEPOT.unitId), cityLeadingGroup, BEFORE_NOW)
      .then({ type: 'TeamStationed', data: { teamId: TEAM, roundId: ROUND, owner: ZHANGZHOU, units: [DONGSHAN_DEPOT], authorisations: ['zz-auth', 'ds-auth'] } });
  });

  it('counts a second authorisation granted after a revocation', () => {
    const regranted = granted('ds-auth-2', DONGSHAN, 'party-committee', { validFrom: NOW });
    given(...formed, revoked('ds-auth', DONGSHAN, BEFORE_NOW), regranted)
      .when(stationAt(DONGSHAN_DEPOT.unitId), cityLeadingGroup, AFTER_NOW)
      .then({ type: 'TeamStationed', data: { teamId: TEAM, roundId: ROUND, owner: ZHANGZHOU, units: [DONGSHAN_DEPOT], authorisations: ['zz-auth', 'ds-auth-2'] } });
  });
});

describe('deliverFeedback in a round that needs authorisations (双报告)', () => {
  it('records the report delivered to every authorising party', () => {
    given(...launched)
      .when({ type: 'deliverFeedback', data: { roundId: ROUND, unitId: DONGSHAN_DEPOT.unitId } }, cityLeadingGroup)
      .then({ type: 'FeedbackDelivered', data: { roundId: ROUND, owner: ZHANGZHOU, unitId: DONGSHAN_DEPOT.unitId, unitJurisdiction: DONGSHAN, reportedTo: DUAL.authorisedBy } });
  });
});

describe('a joint round (联合巡察): "市级统筹、市县联动、县级实施"', () => {
  // Zhangzhou owns the round and Dongshan runs it with it: Dongshan forms and stations its own team
  // at its own units, under the round's authorisations; launch, feedback and closing stay with the city.
  const JOINT: RoundAuthority = { ...DUAL, coOwners: [DONGSHAN] };
  const DONGSHAN_TEAM = 'ds-joint-team-1';
  const DONGSHAN_LEADER: TeamMember = { personId: 'p-lin', homeJurisdiction: DONGSHAN };
  const jointPlanned: DomainEvent[] = [...units, roundPlanned(ROUND, ZHANGZHOU, [DONGSHAN_DEPOT, ZZ_BUREAU], { linkage: 'linked', authority: JOINT })];
  const jointLaunched = [...jointPlanned, cityGrant, dongshanGrant, roundLaunched(ROUND, ZHANGZHOU)];
  const dongshanFormed = [...jointLaunched, teamFormed(DONGSHAN_TEAM, ROUND, DONGSHAN, DONGSHAN_LEADER)];
  const formDongshanTeam: Command = { type: 'formTeam', data: { teamId: DONGSHAN_TEAM, roundId: ROUND, leader: DONGSHAN_LEADER, members: [] } };
  const stationDongshanTeam = (...unitIds: string[]): Command => ({ type: 'stationTeam', data: { teamId: DONGSHAN_TEAM, unitIds } });

  it('lets a co-owner form its own team, which is its office’s', () => {
    given(...jointLaunched)
      .when(formDongshanTeam, dongshanOffice)
      .then({ type: 'TeamFormed', data: { teamId: DONGSHAN_TEAM, roundId: ROUND, owner: DONGSHAN, leader: DONGSHAN_LEADER, members: [] } });
  });

  it('refuses a county that is not a co-owner, and a co-owner of another round', () => {
    given(...jointLaunched).when(formDongshanTeam, as('leading-group', ZHAOAN)).refusedWith('OutsideJurisdiction');
    given(...launched).when(formDongshanTeam, dongshanOffice).refusedWith('OutsideJurisdiction');
  });

  it('stations a co-owner’s team at the round’s targets in its own subtree, under the round’s authorisations', () => {
    given(...dongshanFormed)
      .when(stationDongshanTeam(DONGSHAN_DEPOT.unitId), dongshanOffice)
      .then({ type: 'TeamStationed', data: { teamId: DONGSHAN_TEAM, roundId: ROUND, owner: DONGSHAN, units: [DONGSHAN_DEPOT], authorisations: ['zz-auth', 'ds-auth'] } });
  });

  it('refuses a co-owner’s team at a target outside the co-owner’s subtree', () => {
    given(...dongshanFormed).when(stationDongshanTeam(ZZ_BUREAU.unitId), dongshanOffice).refusedWith('OutsideJurisdiction', 'unitIds');
  });

  it('refuses the stationing until every party has authorised it, as for the owner’s teams', () => {
    const cityOnly = [...jointPlanned, cityGrant, roundLaunched(ROUND, ZHANGZHOU), teamFormed(DONGSHAN_TEAM, ROUND, DONGSHAN, DONGSHAN_LEADER)];
    given(...cityOnly).when(stationDongshanTeam(DONGSHAN_DEPOT.unitId), dongshanOffice).refusedWith('AuthorisationMissing', 'unitIds');
  });

  it('leaves each office its own teams: the owner does not station the co-owner’s team', () => {
    given(...dongshanFormed).when(stationDongshanTeam(DONGSHAN_DEPOT.unitId), cityLeadingGroup).refusedWith('OutsideJurisdiction');
  });

  it('lets the co-owner’s team record an issue in the round, which the round’s owner then follows up', () => {
    const stationed = [...dongshanFormed, { type: 'TeamStationed', data: { teamId: DONGSHAN_TEAM, roundId: ROUND, owner: DONGSHAN, units: [DONGSHAN_DEPOT] } } as DomainEvent];
    const recordIssue: Command = {
      type: 'recordIssue',
      data: { issueId: 'ds-joint-issue-1', roundId: ROUND, teamId: DONGSHAN_TEAM, unitId: DONGSHAN_DEPOT.unitId, category: 'grain', summary: '轮换粮出库未按规定招标' },
    };
    given(...stationed)
      .when(recordIssue, as('team', DONGSHAN))
      .then({
        type: 'IssueFound',
        data: { issueId: 'ds-joint-issue-1', roundId: ROUND, teamId: DONGSHAN_TEAM, owner: ZHANGZHOU, unitId: DONGSHAN_DEPOT.unitId, unitJurisdiction: DONGSHAN, category: 'grain', summary: '轮换粮出库未按规定招标', immediate: false },
      });
    // A team of the city's records as the city's, never under the county's name.
    given(...stationed).when(recordIssue, as('team', ZHANGZHOU)).refusedWith('OutsideJurisdiction');
  });

  it('keeps launching, feedback and closing with the owner', () => {
    given(...jointPlanned, cityGrant, dongshanGrant).when(launchRound, dongshanOffice).refusedWith('OutsideJurisdiction');
    given(...jointLaunched).when({ type: 'deliverFeedback', data: { roundId: ROUND, unitId: DONGSHAN_DEPOT.unitId } }, dongshanOffice).refusedWith('OutsideJurisdiction');
    given(...jointLaunched).when({ type: 'closeRound', data: { roundId: ROUND } }, dongshanOffice).refusedWith('OutsideJurisdiction');
  });
});
