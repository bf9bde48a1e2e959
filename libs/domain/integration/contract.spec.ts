import type { DomainEvent } from '#domain';
import { audienceOf, publicData } from '#domain';
import {
  DONGSHAN,
  PINGTAN,
  PROVINCE,
  ZHANGZHOU,
  ZHAOAN,
  ZHAOAN_DEPOT,
  ZZ_BUREAU,
  clueTransferred,
  findingEscalated,
  issueFound,
  rectificationRequired,
  roundPlanned,
  taskAssigned,
  teamFormed,
} from '../../../test/support/facts.js';
import { fujian } from '../../../test/support/given-when-then.js';

describe('publicData', () => {
  it("withholds where team members work, keeping who they are and where they come from", () => {
    const formed = teamFormed('zz-team-1', 'zz-2025-grain', ZHANGZHOU, { personId: 'p-lin', homeJurisdiction: ZHANGZHOU, homeUnitId: ZZ_BUREAU.unitId }, [
      { personId: 'p-chen', homeJurisdiction: DONGSHAN, homeUnitId: 'dongshan-grain-depot' },
      { personId: 'p-wu', homeJurisdiction: ZHAOAN },
    ]);
    expect(publicData(formed)).toStrictEqual({
      type: 'TeamFormed',
      data: {
        teamId: 'zz-team-1',
        roundId: 'zz-2025-grain',
        owner: ZHANGZHOU,
        leader: { personId: 'p-lin', homeJurisdiction: ZHANGZHOU },
        members: [
          { personId: 'p-chen', homeJurisdiction: DONGSHAN },
          { personId: 'p-wu', homeJurisdiction: ZHAOAN },
        ],
      },
    });
  });

  it("withholds a clue's summary and nothing else", () => {
    const transferred = clueTransferred('c-1', 'zz-2025-grain', 'zz-team-1', ZHANGZHOU, { issueId: 'i-1', attributedTo: ZHAOAN, subjectRank: 'section' });
    expect(publicData(transferred)).toStrictEqual({
      type: 'ClueTransferred',
      data: {
        clueId: 'c-1',
        roundId: 'zz-2025-grain',
        teamId: 'zz-team-1',
        owner: ZHANGZHOU,
        issueId: 'i-1',
        attributedTo: ZHAOAN,
        recipient: 'discipline',
        subjectRank: 'section',
      },
    });
  });

  it('leaves the facts it was given untouched', () => {
    const transferred = clueTransferred('c-1', 'zz-2025-grain', 'zz-team-1', ZHANGZHOU);
    const formed = teamFormed('zz-team-1', 'zz-2025-grain', ZHANGZHOU, { personId: 'p-lin', homeJurisdiction: ZHANGZHOU, homeUnitId: ZZ_BUREAU.unitId });
    publicData(transferred);
    publicData(formed);
    expect(transferred.data).toHaveProperty('summary', 'depot head took kickbacks');
    expect(formed.data).toHaveProperty('leader.homeUnitId', ZZ_BUREAU.unitId);
  });

  it('passes other facts as they are', () => {
    const found = issueFound('i-1', 'zz-2025-grain', 'zz-team-1', ZHANGZHOU, ZHAOAN_DEPOT);
    expect(publicData(found)).toStrictEqual(found);
  });
});

describe('audienceOf', () => {
  const audience = (event: DomainEvent, recordedBy: string) => audienceOf(event, recordedBy, fujian().get(recordedBy)!.level, fujian());

  it('sends a county fact up to its city and the province', () => {
    expect(audience(issueFound('i-1', 'za-grain', 'za-team', ZHAOAN, ZHAOAN_DEPOT), ZHAOAN)).toEqual(['province', 'city']);
  });

  it('sends a province task to a county down to the county and the city between them', () => {
    expect(audience(taskAssigned('t-1', PROVINCE, ZHAOAN), PROVINCE)).toEqual(['city', 'county']);
  });

  it('sends a city issue at a county unit to the province and the county', () => {
    expect(audience(issueFound('i-1', 'zz-grain', 'zz-team', ZHANGZHOU, ZHAOAN_DEPOT), ZHANGZHOU)).toEqual(['province', 'county']);
  });

  it('sends a city issue at a city unit only to the province', () => {
    expect(audience(issueFound('i-2', 'zz-grain', 'zz-team', ZHANGZHOU, ZZ_BUREAU), ZHANGZHOU)).toEqual(['province']);
  });

  it("sends a city's rectification of a county unit to the province and the county", () => {
    expect(audience(rectificationRequired('r-1', 'i-1', 'zz-grain', ZHANGZHOU, ZHAOAN_DEPOT), ZHANGZHOU)).toEqual(['province', 'county']);
  });

  it('sends a county escalation to the province to the city too', () => {
    expect(audience(findingEscalated('i-1', 'za-grain', ZHAOAN, PROVINCE, ZHAOAN_DEPOT), ZHAOAN)).toEqual(['province', 'city']);
  });

  it('sends a fact of Pingtan, directly under the province, only to the province', () => {
    expect(audience(issueFound('i-9', 'pt-grain', 'pt-team', PINGTAN, { unitId: 'pingtan-port', jurisdiction: PINGTAN }), PINGTAN)).toEqual(['province']);
  });

  it('announces rounds and jurisdictions to every other level', () => {
    expect(audience(roundPlanned('za-grain', ZHAOAN, []), ZHAOAN)).toEqual(['province', 'city']);
    expect(audience(roundPlanned('zz-grain', ZHANGZHOU, []), ZHANGZHOU)).toEqual(['province', 'county']);
    expect(audience({ type: 'RoundLaunched', data: { roundId: 'fj-grain', owner: PROVINCE } }, PROVINCE)).toEqual(['city', 'county']);
    expect(audience({ type: 'RoundClosed', data: { roundId: 'za-grain', owner: ZHAOAN } }, ZHAOAN)).toEqual(['province', 'city']);
    expect(audience({ type: 'JurisdictionRegistered', data: { code: '350699', name: '新区', level: 'county', parent: ZHANGZHOU } }, PROVINCE)).toEqual([
      'city',
      'county',
    ]);
  });
});

describe('authority facts across levels (docs/contract-authority.md)', () => {
  const audience = (event: DomainEvent, recordedBy: string) => audienceOf(event, recordedBy, fujian().get(recordedBy)!.level, fujian());
  const granted: DomainEvent = {
    type: 'AuthorisationGranted',
    data: {
      authorisationId: 'ds-auth',
      roundId: 'zz-cross',
      grantor: DONGSHAN,
      office: 'party-committee',
      grantee: ZHANGZHOU,
      granteeBody: '漳州市委第二交叉巡察组',
      acts: ['run-round', 'station-teams'],
      unitIds: null,
      validFrom: '2025-01-01T00:00:00.000Z',
      validTo: null,
      reference: '东委〔2025〕12号',
      signedBy: 'p-secretary-ds',
    },
  };

  it('withholds who signed an authorisation, keeping the grantor, the office and the document', () => {
    expect(publicData(granted)).toStrictEqual({ type: 'AuthorisationGranted', data: { ...granted.data, signedBy: null } });
    expect(granted.data).toHaveProperty('signedBy', 'p-secretary-ds');
  });

  it("sends a county's authorisation of its city's round up to the city and the province", () => {
    expect(audience(granted, DONGSHAN)).toEqual(['province', 'city']);
  });

  it('sends feedback reported to an authorising county (双报告) down to the county level', () => {
    const delivered: DomainEvent = {
      type: 'FeedbackDelivered',
      data: { roundId: 'zz-cross', owner: ZHANGZHOU, unitId: 'zhangzhou-grain-bureau', unitJurisdiction: ZHANGZHOU, reportedTo: [{ jurisdiction: DONGSHAN, office: 'party-committee' }] },
    };
    expect(audience(delivered, ZHANGZHOU)).toEqual(['province', 'county']);
    expect(audience({ type: 'FeedbackDelivered', data: { ...delivered.data, reportedTo: undefined } } as DomainEvent, ZHANGZHOU)).toEqual(['province']);
  });
});
