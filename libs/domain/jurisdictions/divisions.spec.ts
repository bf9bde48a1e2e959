import type { DivisionTables } from '#domain';
import { JurisdictionRegistry, jurisdictionsFromDivisions, parseJurisdictionOverrides } from '#domain';

// A few rows in the dataset's shape, one of each case the codes hide.
const tables: DivisionTables = {
  provinces: [
    { code: '11', name: '北京市' },
    { code: '35', name: '福建省' },
    { code: '42', name: '湖北省' },
    { code: '44', name: '广东省' },
  ],
  cities: [
    { code: '1101', name: '市辖区', provinceCode: '11' },
    { code: '3501', name: '福州市', provinceCode: '35' },
    { code: '4290', name: '省直辖县级行政区划', provinceCode: '42' },
    { code: '4419', name: '东莞市', provinceCode: '44' },
  ],
  areas: [
    { code: '110101', name: '东城区', cityCode: '1101', provinceCode: '11' },
    { code: '350102', name: '鼓楼区', cityCode: '3501', provinceCode: '35' },
    { code: '350128', name: '平潭县', cityCode: '3501', provinceCode: '35' },
    { code: '429004', name: '仙桃市', cityCode: '4290', provinceCode: '42' },
    { code: '441900', name: '东莞市', cityCode: '4419', provinceCode: '44' },
  ],
};

const PINGTAN = 'change,code,name,level,parent,why\nreplace,350128,平潭综合实验区,city,350000,reports to the province\n';

describe('jurisdictions from the division dataset', () => {
  it('takes provinces, cities and counties with their Chinese names, each county under its city', () => {
    const registry = JurisdictionRegistry.of(jurisdictionsFromDivisions(tables));
    expect(registry.get('350000')).toEqual({ code: '350000', name: '福建省', level: 'province', parent: null });
    expect(registry.get('350100')).toEqual({ code: '350100', name: '福州市', level: 'city', parent: '350000' });
    expect(registry.get('350102')).toEqual({ code: '350102', name: '鼓楼区', level: 'county', parent: '350100' });
  });

  it("hangs a municipality's districts and a province's directly governed counties on the province, without the pseudo-city", () => {
    const registry = JurisdictionRegistry.of(jurisdictionsFromDivisions(tables));
    expect(registry.get('110100')).toBeUndefined();
    expect(registry.get('110101')).toMatchObject({ level: 'county', parent: '110000' });
    expect(registry.get('429000')).toBeUndefined();
    expect(registry.get('429004')).toMatchObject({ name: '仙桃市', level: 'county', parent: '420000' });
  });

  it('keeps a city without districts once, as a city (its county-level row has the same code)', () => {
    const registry = JurisdictionRegistry.of(jurisdictionsFromDivisions(tables));
    expect(registry.get('441900')).toEqual({ code: '441900', name: '东莞市', level: 'city', parent: '440000' });
    expect(registry.childrenOf('441900')).toEqual([]);
  });

  it('applies our overrides after the dataset: Pingtan reports to the province, listed after its cities', () => {
    const registry = JurisdictionRegistry.of(jurisdictionsFromDivisions(tables, parseJurisdictionOverrides(PINGTAN)));
    expect(registry.get('350128')).toEqual({ code: '350128', name: '平潭综合实验区', level: 'city', parent: '350000' });
    expect(registry.childrenOf('350000')).toEqual(['350100', '350128']);
    expect(registry.childrenOf('350100')).toEqual(['350102']);
  });

  it('leaves out an omitted code', () => {
    const overrides = parseJurisdictionOverrides('change,code,name,level,parent,why\nomit,350102,,,,not ours\n');
    expect(jurisdictionsFromDivisions(tables, overrides).map((entry) => entry.code)).not.toContain('350102');
  });

  it('refuses an override the dataset no longer matches, so a new release gets the overrides reviewed', () => {
    const header = 'change,code,name,level,parent,why\n';
    expect(() => jurisdictionsFromDivisions(tables, parseJurisdictionOverrides(`${header}replace,350199,某区,county,350100,gone\n`))).toThrow(/replace 350199: the dataset lacks/);
    expect(() => jurisdictionsFromDivisions(tables, parseJurisdictionOverrides(`${header}omit,350199,,,,gone\n`))).toThrow(/omit 350199: the dataset lacks/);
    expect(() => jurisdictionsFromDivisions(tables, parseJurisdictionOverrides(`${header}add,350102,鼓楼区,county,350100,twice\n`))).toThrow(/add 350102: the dataset has/);
  });

  it('rejects a malformed overrides line with its number', () => {
    expect(() => parseJurisdictionOverrides('change,code,name,level,parent,why\nreplace,350128,平潭,town,350000,x\n')).toThrow(/line 2/);
    expect(() => parseJurisdictionOverrides('change,code,name,level,parent,why\n# a comment\nomit,350128,平潭,,,x\n')).toThrow(/line 3/);
    expect(() => parseJurisdictionOverrides('change,code,name,level,parent,why\nreplace,350128,平潭,city,350000,\n')).toThrow(/line 2/);
  });
});
