import { readFileSync } from 'node:fs';
import { JurisdictionRegistry, parseJurisdictionCsv } from '#domain';
import { fujian as countryRegistry } from '../../../test/support/given-when-then.js';
import { COUNTRY_CODE, auditSystemActor } from './level-audit.js';

describe('the actor that signs a level’s chain heads', () => {
  it('acts for the single root of a one-province registry', () => {
    const fujianAlone = JurisdictionRegistry.of(parseJurisdictionCsv(readFileSync('test/fixtures/jurisdictions/fujian-2024.csv', 'utf8')));
    expect(auditSystemActor({ level: 'province', jurisdictions: fujianAlone })).toEqual({ id: 'audit-chain-signer-province', jurisdiction: '350000', role: 'admin' });
  });

  it('acts for the country, not for whichever province the dataset lists first, when the registry holds every province', () => {
    const registry = countryRegistry();
    expect(registry.get('110000')).toBeDefined();
    expect(auditSystemActor({ level: 'city', jurisdictions: registry })).toEqual({ id: 'audit-chain-signer-city', jurisdiction: COUNTRY_CODE, role: 'admin' });
  });
});
