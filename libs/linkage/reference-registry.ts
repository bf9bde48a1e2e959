import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JurisdictionRegistry, parseJurisdictionCsv } from '#domain';

const REFERENCE = join('libs', 'linkage', 'reference', 'jurisdictions-fujian.csv');

/** The project root holds the reference data; find it from this module whether it runs from source or dist/. */
const locateReference = (): string => {
  let folder = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(folder, REFERENCE);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(folder);
    if (parent === folder) throw new Error(`registry reference data ${REFERENCE} not found above ${fileURLToPath(import.meta.url)}`);
    folder = parent;
  }
};

/** The registry every level starts from: the reference file, or `file` when given. */
export const loadReferenceRegistry = (file?: string): JurisdictionRegistry =>
  JurisdictionRegistry.of(parseJurisdictionCsv(readFileSync(file ?? locateReference(), 'utf8')));
