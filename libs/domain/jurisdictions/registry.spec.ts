import { readFileSync } from 'node:fs';
import { JurisdictionRegistry, parseJurisdictionCsv } from '#domain';

const fujian = () => JurisdictionRegistry.of(parseJurisdictionCsv(readFileSync('libs/linkage/reference/jurisdictions-fujian.csv', 'utf8')));

describe('jurisdiction registry', () => {
  it('takes ancestry from the registry, not from the digits (Pingtan reports to the province)', () => {
    const registry = fujian();
    expect(registry.get('350128')).toMatchObject({ level: 'city', parent: '350000' });
    expect(registry.ancestorsOf('350128')).toEqual(['350000']);
    expect(registry.isAncestor('350100', '350128')).toBe(false);
  });

  it('knows a county through its city up to the province', () => {
    const registry = fujian();
    expect(registry.ancestorsOf('350624')).toEqual(['350600', '350000']);
    expect(registry.isAncestor('350000', '350624')).toBe(true);
    expect(registry.isAncestor('350624', '350600')).toBe(false);
    expect(registry.subtreeOf('350600')).toContain('350624');
    expect(registry.subtreeOf('350600')).not.toContain('350802');
  });

  it('refuses an entry whose parent is unknown and a code registered twice with another parent', () => {
    const registry = fujian();
    expect(() => registry.add({ code: '359999', name: 'x', level: 'county', parent: '359900' })).toThrow(/parent 359900/);
    expect(() => registry.add({ code: '350624', name: '诏安县', level: 'county', parent: '350800' })).toThrow(/already registered/);
  });

  it('rejects a malformed registry file with the line number', () => {
    expect(() => parseJurisdictionCsv('code,name,level,parent\n35000,bad,province,\n')).toThrow(/line 2/);
  });
});
