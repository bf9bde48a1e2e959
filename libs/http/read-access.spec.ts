import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditFact } from '#audit';
import { as, fujian } from '../../test/support/given-when-then.js';
import { PINGTAN, PROVINCE, ZHANGZHOU, ZHAOAN } from '../../test/support/facts.js';
import { ReadForbidden } from './problems.js';
import { ReadAccess } from './read-access.js';

/** What a refusal tells the caller, the jurisdiction it named aside. */
const refusalOf = (work: () => unknown, named: string): { name: string; message: string } => {
  try {
    work();
  } catch (error) {
    return { name: (error as Error).name, message: (error as Error).message.replace(named, '<asked>') };
  }
  throw new Error('not refused');
};

const fact = (jurisdiction: string): AuditFact => ({
  position: 1,
  streamId: `unit-${jurisdiction}`,
  revision: 0,
  eventId: 'e-1',
  type: 'UnitRegistered',
  level: 'county',
  data: { unitId: `depot-${jurisdiction}`, jurisdiction },
  metadata: { eventId: 'e-1', actor: as('admin', jurisdiction), jurisdiction, correlationId: 'c', causationId: 'c', occurredAt: '2021-10-01T00:00:00Z', recordedAt: '2021-10-01T00:00:00Z' },
});

describe('ReadAccess, the one read and audit policy of the HTTP edge', () => {
  const registry = fujian();
  const access = new ReadAccess(registry, (jurisdiction) => registry.get(jurisdiction)?.level);

  it("refuses another branch's jurisdiction exactly as one that does not exist", () => {
    const viewer = as('viewer', ZHANGZHOU);
    expect(access.readableLevel(viewer, ZHAOAN)).toBe('county');
    const notYours = refusalOf(() => access.readableLevel(viewer, PINGTAN), PINGTAN);
    const unknown = refusalOf(() => access.readableLevel(viewer, '359999'), '359999');
    expect(notYours).toEqual({ name: 'ReadForbidden', message: expect.any(String) });
    expect(unknown).toEqual(notYours);
    // The same answer for an auditor's replay or export of a jurisdiction.
    const auditor = as('auditor', ZHANGZHOU);
    const notAudited = refusalOf(() => access.requireAuditJurisdiction(auditor, PINGTAN), PINGTAN);
    expect(notAudited.name).toBe('ReadForbidden');
    expect(refusalOf(() => access.requireAuditJurisdiction(auditor, '359999'), '359999')).toEqual(notAudited);
  });

  it('lets auditors and admins audit, an auditor its own level and those below, and shows it only the facts of its subtree', () => {
    expect(() => access.requireAuditor(as('viewer', PROVINCE))).toThrow(expect.objectContaining({ name: 'RoleNotAllowed' }));
    const cityAuditor = as('auditor', ZHANGZHOU);
    expect(() => access.requireAuditLevel(cityAuditor, 'county')).not.toThrow();
    expect(() => access.requireAuditLevel(cityAuditor, 'province')).toThrow(ReadForbidden);
    expect(access.auditedLevel(cityAuditor, undefined)).toBe('city');
    const visible = access.factVisibility(cityAuditor);
    expect(visible(fact(ZHAOAN))).toBe(true);
    expect(visible(fact(PINGTAN))).toBe(false);
    expect(() => access.requireWholeLevel(cityAuditor, 'county')).toThrow(ReadForbidden);
    expect(() => access.requireWholeLevel(as('admin', ZHAOAN), 'province')).not.toThrow();
  });

  it('lets admins alone read the metrics, refused as operating the system is', () => {
    expect(() => access.requireMetricsReader(as('admin', ZHAOAN))).not.toThrow();
    for (const role of ['auditor', 'viewer', 'leading-group'] as const) {
      expect(refusalOf(() => access.requireMetricsReader(as(role, PROVINCE)), PROVINCE)).toEqual({ name: 'RoleNotAllowed', message: 'only an admin reads the metrics' });
    }
  });

  it('is the one place a route decides on the actor\'s role: no controller compares it itself', () => {
    const folder = join(process.cwd(), 'libs', 'http');
    const controllers = readdirSync(folder).filter((name) => name.endsWith('.ts') && !name.endsWith('.spec.ts') && readFileSync(join(folder, name), 'utf8').includes('@Controller('));
    expect(controllers).toContain('metrics.ts');
    const deciding = controllers.filter((name) => /\.role\s*[!=]==|===?\s*\w+\.role\b/.test(readFileSync(join(folder, name), 'utf8')));
    expect(deciding).toEqual([]);
  });

  it('leaves operating the system to admins', () => {
    expect(() => access.requireOperator(as('auditor', PROVINCE), 'only an admin may rebuild projections')).toThrow(expect.objectContaining({ name: 'RoleNotAllowed' }));
    expect(() => access.requireOperator(as('admin', PROVINCE), 'only an admin may rebuild projections')).not.toThrow();
    expect(access.operationalLevels(as('viewer', ZHAOAN), ['province', 'city', 'county'])).toEqual(['county']);
  });
});
