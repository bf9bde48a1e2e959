import { readFileSync } from 'node:fs';
import type { Actor, Role } from '#domain';
import { JurisdictionRegistry, ReadPolicy, parseJurisdictionCsv } from '#domain';
import { fujian } from '../../../test/support/given-when-then.js';
import { DONGSHAN, FUZHOU, PINGTAN, PROVINCE, ZHANGZHOU, ZHAOAN } from '../../../test/support/facts.js';

const as = (role: Role, jurisdiction: string): Actor => ({ id: `${role}-${jurisdiction}`, jurisdiction, role });

describe('the read policy', () => {
  const policy = new ReadPolicy(fujian());

  it('lets an actor read its own subtree only, and an admin every registered jurisdiction', () => {
    expect(policy.mayRead(as('viewer', ZHANGZHOU), ZHAOAN)).toBe(true);
    expect(policy.mayRead(as('viewer', ZHANGZHOU), ZHANGZHOU)).toBe(true);
    expect(policy.mayRead(as('viewer', ZHANGZHOU), PROVINCE)).toBe(false);
    expect(policy.mayRead(as('viewer', ZHANGZHOU), PINGTAN)).toBe(false);
    expect(policy.mayRead(as('admin', ZHAOAN), PINGTAN)).toBe(true);
    // Unknown reads like another branch's, even for an admin.
    expect(policy.mayRead(as('admin', PROVINCE), '999999')).toBe(false);
  });

  it('shows a round as a scope on the actor\'s branch: its own, its ancestors\' and its descendants\'', () => {
    const county = as('leading-group', ZHAOAN);
    expect(policy.maySeeRoundOwnedBy(county, PROVINCE)).toBe(true);
    expect(policy.maySeeRoundOwnedBy(county, ZHANGZHOU)).toBe(true);
    expect(policy.maySeeRoundOwnedBy(county, DONGSHAN)).toBe(false);
    expect(policy.maySeeRoundOwnedBy(county, FUZHOU)).toBe(false);
    expect(policy.maySeeRoundOwnedBy(county, undefined)).toBe(false);
  });

  it('lets auditors and admins audit, an auditor its own level and those below', () => {
    for (const role of ['viewer', 'leading-group', 'team', 'unit', 'handler'] as const) {
      expect(policy.mayAudit(as(role, PROVINCE))).toBe(false);
      expect(policy.mayAuditLevel(as(role, PROVINCE), 'county')).toBe(false);
    }
    const cityAuditor = as('auditor', ZHANGZHOU);
    expect(policy.mayAuditLevel(cityAuditor, 'province')).toBe(false);
    expect(policy.mayAuditLevel(cityAuditor, 'city')).toBe(true);
    expect(policy.mayAuditLevel(cityAuditor, 'county')).toBe(true);
    expect(policy.mayAuditLevel(as('admin', ZHAOAN), 'province')).toBe(true);
  });

  it('covers a whole level only from the top of the tree', () => {
    // A registry of one province (a REGISTRY_FILE deployment): its province is the top.
    const oneProvince = new ReadPolicy(JurisdictionRegistry.of(parseJurisdictionCsv(readFileSync('test/fixtures/jurisdictions/fujian-2024.csv', 'utf8'))));
    expect(oneProvince.coversLevel(as('auditor', PROVINCE), 'county')).toBe(true);
    expect(oneProvince.coversLevel(as('auditor', ZHANGZHOU), 'county')).toBe(false);
    expect(oneProvince.coversLevel(as('auditor', ZHANGZHOU), 'city')).toBe(false);
    expect(oneProvince.coversLevel(as('admin', ZHAOAN), 'city')).toBe(true);
  });

  it("covers no whole level from one province of the country's registry: the other provinces' counties lie outside it", () => {
    expect(policy.coversLevel(as('auditor', PROVINCE), 'county')).toBe(false);
    expect(policy.coversLevel(as('auditor', PROVINCE), 'province')).toBe(false);
    expect(policy.coversLevel(as('admin', ZHAOAN), 'county')).toBe(true);
  });

  it('shows a fact attributed to the actor\'s subtree, and a signed head of a level it audits', () => {
    const cityAuditor = as('auditor', ZHANGZHOU);
    expect(policy.maySeeFact(cityAuditor, { jurisdictions: [PROVINCE, ZHAOAN] })).toBe(true);
    expect(policy.maySeeFact(cityAuditor, { jurisdictions: [PROVINCE] })).toBe(false);
    expect(policy.maySeeFact(cityAuditor, { jurisdictions: [FUZHOU, PINGTAN] })).toBe(false);
    expect(policy.maySeeFact(cityAuditor, { jurisdictions: [], signsChainOf: 'county' })).toBe(true);
    expect(policy.maySeeFact(cityAuditor, { jurisdictions: [PROVINCE], signsChainOf: 'province' })).toBe(false);
    expect(policy.maySeeFact(as('admin', ZHAOAN), { jurisdictions: [PROVINCE], signsChainOf: 'province' })).toBe(true);
  });

  it('shows operational figures of the actor\'s own level only, an admin every level served', () => {
    expect(policy.operationalLevels(as('viewer', ZHAOAN), ['province', 'city', 'county'])).toEqual(['county']);
    expect(policy.operationalLevels(as('viewer', ZHAOAN), ['province', 'city'])).toEqual([]);
    expect(policy.operationalLevels(as('admin', ZHAOAN), ['province', 'city'])).toEqual(['province', 'city']);
    expect(policy.mayOperate(as('admin', ZHAOAN))).toBe(true);
    expect(policy.mayOperate(as('auditor', PROVINCE))).toBe(false);
  });
});
