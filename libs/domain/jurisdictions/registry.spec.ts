import { JurisdictionRegistry, parseJurisdictionCsv } from '#domain';
import { fujian as reference } from '../../../test/support/given-when-then.js';

describe('jurisdiction registry', () => {
  it('takes ancestry from the registry, not from the digits (Pingtan reports to the province)', () => {
    const registry = reference();
    expect(registry.get('350128')).toMatchObject({ name: '平潭综合实验区', level: 'city', parent: '350000' });
    expect(registry.ancestorsOf('350128')).toEqual(['350000']);
    expect(registry.isAncestor('350100', '350128')).toBe(false);
  });

  it('knows a county through its city up to the province', () => {
    const registry = reference();
    expect(registry.ancestorsOf('350624')).toEqual(['350600', '350000']);
    expect(registry.isAncestor('350000', '350624')).toBe(true);
    expect(registry.isAncestor('350624', '350600')).toBe(false);
    expect(registry.subtreeOf('350600')).toContain('350624');
    expect(registry.subtreeOf('350600')).not.toContain('350802');
  });

  it('gives each level a registry of its own, which registerJurisdiction adds to', () => {
    const registry = reference();
    expect(registry.get('350699')).toBeUndefined();
    const another = JurisdictionRegistry.of(registry.all());
    another.add({ code: '350699', name: '新区', level: 'county', parent: '350600' });
    expect(another.childrenOf('350600')).toContain('350699');
    expect(registry.childrenOf('350600')).not.toContain('350699');
  });

  it('refuses an entry whose parent is unknown and a code registered twice with another parent', () => {
    const registry = JurisdictionRegistry.of(reference().all());
    expect(() => registry.add({ code: '359999', name: 'x', level: 'county', parent: '359900' })).toThrow(/parent 359900/);
    expect(() => registry.add({ code: '350624', name: '诏安县', level: 'county', parent: '350800' })).toThrow(/already registered/);
  });

  it('refuses a registry file that lists a code twice with another parent, instead of keeping one of them silently', () => {
    const twice = 'code,name,level,parent\n350000,福建省,province,\n350100,福州市,city,350000\n350102,鼓楼区,county,350100\n350102,鼓楼区,county,350000\n';
    expect(() => JurisdictionRegistry.of(parseJurisdictionCsv(twice))).toThrow(/350102 is already registered/);
  });

  it('rejects a malformed registry file with the line number', () => {
    expect(() => parseJurisdictionCsv('code,name,level,parent\n35000,bad,province,\n')).toThrow(/line 2/);
  });
});
