/**
 * Modes of what a data folder holds. Stores, read models, relay checkpoints and snapshots hold clue
 * summaries and person ids, and key files sign tokens and chain heads: nobody but the service's own
 * user may read them.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

export const PRIVATE_FOLDER_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Creates `folder` and any missing parent owner-only. A folder that already exists keeps its mode:
 * whoever made it chose it (the files in it are kept private either way).
 */
export const makePrivateFolder = (folder: string): void => {
  mkdirSync(folder, { recursive: true, mode: PRIVATE_FOLDER_MODE });
};

const codeOf = (error: unknown): unknown => (error as NodeJS.ErrnoException).code;

/** Makes `file` owner-only if it is there (a -wal file may go away as another connection closes). */
const makePrivateIfThere = (file: string): void => {
  try {
    chmodSync(file, PRIVATE_FILE_MODE);
  } catch (error) {
    if (codeOf(error) !== 'ENOENT') throw error;
  }
};

/**
 * Readies a SQLite database file for a writer to open: created owner-only when missing, and made
 * owner-only, with its -wal and -shm files, when an earlier version left them readable. SQLite would
 * create the database 0644 (less the umask) and gives its -wal and -shm files the database file's
 * mode, so creating the database first is what keeps all three private.
 *
 * The file is created with 'wx' and never opened when it exists: closing a descriptor of a file
 * drops every POSIX lock this process holds on it, including those of a SQLite connection to it.
 */
export const preparePrivateSqliteFile = (file: string): void => {
  makePrivateFolder(dirname(file));
  if (!existsSync(file)) {
    try {
      closeSync(openSync(file, 'wx', PRIVATE_FILE_MODE));
    } catch (error) {
      if (codeOf(error) !== 'EEXIST') throw error;
    }
  }
  for (const path of [file, `${file}-wal`, `${file}-shm`]) makePrivateIfThere(path);
};
