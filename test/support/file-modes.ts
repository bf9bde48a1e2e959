import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface PathMode {
  /** Relative to the folder looked into. */
  readonly path: string;
  readonly kind: 'folder' | 'file';
  /** Permission bits in octal, e.g. '600'. */
  readonly mode: string;
}

const modeOf = (path: string): string => (statSync(path).mode & 0o777).toString(8);

/** Every folder and file under `folder`, with its permission bits. */
export const modesUnder = (folder: string, prefix = ''): PathMode[] =>
  readdirSync(folder, { withFileTypes: true }).flatMap((entry): PathMode[] => {
    const path = `${prefix}${entry.name}`;
    const full = join(folder, entry.name);
    return entry.isDirectory() ? [{ path, kind: 'folder', mode: modeOf(full) }, ...modesUnder(full, `${path}/`)] : [{ path, kind: 'file', mode: modeOf(full) }];
  });

/** Those that are not owner-only: folders other than 0700, files other than 0600. */
export const notOwnerOnly = (entries: readonly PathMode[]): PathMode[] => entries.filter((entry) => entry.mode !== (entry.kind === 'folder' ? '700' : '600'));

export const folderMode = modeOf;
