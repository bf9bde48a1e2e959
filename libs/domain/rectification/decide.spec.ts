import type { Actor, Command, DomainEvent, Role } from '#domain';
import { DONGSHAN_DEPOT, PROVINCE, ZHANGZHOU, ZHAOAN, ZHAOAN_DEPOT, ZZ_BUREAU, issueFound, rectificationRequired } from '../../../test/support/facts.js';
import { as, given } from '../../../test/support/given-when-then.js';

const ROUND = 'zz-2025-grain';
const DUE = '2025-09-30T00:00:00.000Z';
const cityLeadingGroup = as('leading-group', ZHANGZHOU);

/** The city found issue i-1 at a Zhao'an county unit. */
const found = [issueFound('i-1', ROUND, 'zz-team-1', ZHANGZHOU, ZHAOAN_DEPOT)];
/** What Zhao'an's store holds: the city's requirement, received, without the issue itself. */
const required = rectificationRequired('r-1', 'i-1', ROUND, ZHANGZHOU, ZHAOAN_DEPOT, DUE);
const completed: DomainEvent = { type: 'RectificationCompleted', data: { ...required.data } };

const requireRectification = (more: { rectificationId?: string; issueId?: string; unitId?: string } = {}): Command => ({
  type: 'requireRectification',
  data: { rectificationId: 'r-1', issueId: 'i-1', unitId: ZHAOAN_DEPOT.unitId, dueBy: DUE, ...more },
});
const completeRectification = { type: 'completeRectification', data: { rectificationId: 'r-1' } } satisfies Command;

describe('roles', () => {
  const rows: [string, DomainEvent[], Command, Actor, Role][] = [
    ['requireRectification', found, requireRectification(), cityLeadingGroup, 'unit'],
    ['completeRectification', [required], completeRectification, as('unit', ZHAOAN), 'handler'],
  ];

  it.each(rows)('%s: auditor and viewer change nothing', (_name, facts, command, actor) => {
    given(...facts).when(command, { ...actor, role: 'auditor' }).refusedWith('ReadOnlyRole');
    given(...facts).when(command, { ...actor, role: 'viewer' }).refusedWith('ReadOnlyRole');
  });

  it.each(rows)('%s: refused to the wrong role', (_name, facts, command, actor, wrong) => {
    given(...facts).when(command, { ...actor, role: wrong }).refusedWith('RoleNotAllowed');
  });
});

describe('requireRectification', () => {
  it("requires rectification of an issue at its unit, naming the unit's jurisdiction", () => {
    given(...found)
      .when(requireRectification(), cityLeadingGroup)
      .then({
        type: 'RectificationRequired',
        data: { rectificationId: 'r-1', issueId: 'i-1', roundId: ROUND, owner: ZHANGZHOU, unitId: ZHAOAN_DEPOT.unitId, unitJurisdiction: ZHAOAN, dueBy: DUE },
      });
  });

  it('refuses an unknown issue', () => {
    given().when(requireRectification(), cityLeadingGroup).refusedWith('UnknownIssue', 'issueId');
  });

  it('refuses a unit the issue was not found at', () => {
    given(...found).when(requireRectification({ unitId: DONGSHAN_DEPOT.unitId }), cityLeadingGroup).refusedWith('IssueNotAtUnit', 'unitId');
  });

  it('requires a rectification once', () => {
    given(...found, required).when(requireRectification(), cityLeadingGroup).refusedWith('AlreadyRecorded', 'rectificationId');
  });

  it("is for the leading group that found the issue: neither the unit's county nor the province", () => {
    given(...found).when(requireRectification(), as('leading-group', ZHAOAN)).refusedWith('OutsideJurisdiction');
    given(...found).when(requireRectification(), as('leading-group', PROVINCE)).refusedWith('OutsideJurisdiction');
  });
});

describe('completeRectification', () => {
  it('lets a county unit complete a rectification its city required', () => {
    given(required)
      .when(completeRectification, as('unit', ZHAOAN))
      .then({
        type: 'RectificationCompleted',
        data: { rectificationId: 'r-1', issueId: 'i-1', roundId: ROUND, owner: ZHANGZHOU, unitId: ZHAOAN_DEPOT.unitId, unitJurisdiction: ZHAOAN, dueBy: DUE },
      });
  });

  it("lets the leading group of the unit's jurisdiction complete it", () => {
    given(required).when(completeRectification, as('leading-group', ZHAOAN)).then(completed);
  });

  it("lets the city complete a rectification at its own unit", () => {
    const atBureau = rectificationRequired('r-1', 'i-2', ROUND, ZHANGZHOU, ZZ_BUREAU, DUE);
    given(atBureau).when(completeRectification, cityLeadingGroup).then({ type: 'RectificationCompleted', data: { ...atBureau.data } });
  });

  it("refuses the requiring city for a county unit, and a unit of another jurisdiction", () => {
    given(required).when(completeRectification, cityLeadingGroup).refusedWith('OutsideJurisdiction');
    given(required).when(completeRectification, as('unit', DONGSHAN_DEPOT.jurisdiction)).refusedWith('OutsideJurisdiction');
  });

  it('refuses completing twice', () => {
    given(required, completed).when(completeRectification, as('unit', ZHAOAN)).refusedWith('AlreadyCompleted', 'rectificationId');
  });

  it('refuses a rectification never required', () => {
    given(...found).when(completeRectification, as('unit', ZHAOAN)).refusedWith('UnknownRectification', 'rectificationId');
  });
});
