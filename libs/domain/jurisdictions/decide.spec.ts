import type { Command } from '#domain';
import { as, given } from '../../../test/support/given-when-then.js';

describe('registerJurisdiction', () => {
  it('records a new county under a known city', () => {
    given()
      .when({ type: 'registerJurisdiction', data: { code: '350699', name: '新区', level: 'county', parent: '350600' } }, as('admin', '350000'))
      .then({ type: 'JurisdictionRegistered', data: { code: '350699', name: '新区', level: 'county', parent: '350600' } });
  });

  it('records a province with no parent (one the dataset does not have yet)', () => {
    given()
      .when({ type: 'registerJurisdiction', data: { code: '990000', name: '新设省', level: 'province' } }, as('admin', '350000'))
      .then({ type: 'JurisdictionRegistered', data: { code: '990000', name: '新设省', level: 'province', parent: null } });
  });

  it('lets an admin act system-wide, whatever jurisdiction it is attached to', () => {
    given()
      .when({ type: 'registerJurisdiction', data: { code: '350899', name: '新区', level: 'county', parent: '350800' } }, as('admin', '350624'))
      .then({ type: 'JurisdictionRegistered', data: { code: '350899', name: '新区', level: 'county', parent: '350800' } });
  });

  it('adds a county between dataset releases anywhere in the country, and refuses a code the dataset holds', () => {
    given()
      .when({ type: 'registerJurisdiction', data: { code: '620799', name: '新区', level: 'county', parent: '620700' } }, as('admin', '350000'))
      .then({ type: 'JurisdictionRegistered', data: { code: '620799', name: '新区', level: 'county', parent: '620700' } });
    given()
      .when({ type: 'registerJurisdiction', data: { code: '620725', name: '山丹县', level: 'county', parent: '620700' } }, as('admin', '350000'))
      .refusedWith('AlreadyRegistered', 'code');
  });

  it('refuses a code the registry already holds', () => {
    given()
      .when({ type: 'registerJurisdiction', data: { code: '350624', name: '诏安县', level: 'county', parent: '350600' } }, as('admin', '350000'))
      .refusedWith('AlreadyRegistered', 'code');
  });

  it('refuses a code already registered in its stream', () => {
    given({ type: 'JurisdictionRegistered', data: { code: '350699', name: '新区', level: 'county', parent: '350600' } })
      .when({ type: 'registerJurisdiction', data: { code: '350699', name: '新区', level: 'county', parent: '350600' } }, as('admin', '350000'))
      .refusedWith('AlreadyRegistered', 'code');
  });

  it('refuses a province with a parent', () => {
    given()
      .when({ type: 'registerJurisdiction', data: { code: '990000', name: '新设省', level: 'province', parent: '350000' } }, as('admin', '350000'))
      .refusedWith('InvalidParent', 'parent');
  });

  it('refuses a city or county without a parent', () => {
    given()
      .when({ type: 'registerJurisdiction', data: { code: '350699', name: '新区', level: 'county' } }, as('admin', '350000'))
      .refusedWith('InvalidParent', 'parent');
  });

  it('refuses an unknown parent', () => {
    given()
      .when({ type: 'registerJurisdiction', data: { code: '359901', name: '新区', level: 'county', parent: '359900' } }, as('admin', '350000'))
      .refusedWith('UnknownJurisdiction', 'parent');
  });

  it('refuses a parent that is not above the new level (a city under a city, a county under a county)', () => {
    given()
      .when({ type: 'registerJurisdiction', data: { code: '350999', name: '某市', level: 'city', parent: '350600' } }, as('admin', '350000'))
      .refusedWith('InvalidParent', 'parent');
    given()
      .when({ type: 'registerJurisdiction', data: { code: '350699', name: '新区', level: 'county', parent: '350624' } }, as('admin', '350000'))
      .refusedWith('InvalidParent', 'parent');
  });

  it('is for admins only', () => {
    const command = { type: 'registerJurisdiction', data: { code: '350699', name: '新区', level: 'county', parent: '350600' } } satisfies Command;
    given().when(command, as('leading-group', '350000')).refusedWith('RoleNotAllowed');
    given().when(command, as('auditor', '350000')).refusedWith('ReadOnlyRole');
    given().when(command, as('viewer', '350000')).refusedWith('ReadOnlyRole');
  });
});
