/**
 * What a server that cannot start says: one line on stderr naming the problem, and a non-zero exit.
 * An operator (or a supervisor's log) sees the cause at once instead of a stack trace, and the line
 * says which setting to change.
 */
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { ConfigurationError } from '#config';

/** Exit code of a start refused for its configuration (as the command-line tools use it for usage errors). */
export const EXIT_CONFIGURATION = 2;
/** Exit code of a start that failed for anything else: the data folder, the port, a store. */
export const EXIT_CANNOT_START = 1;

/** A start-up problem already put in words for the operator. */
export class CannotStart extends Error {
  override readonly name = 'CannotStart';
  constructor(
    message: string,
    readonly exitCode: number = EXIT_CANNOT_START,
  ) {
    super(message);
  }
}

/**
 * DATA_DIR must be a folder this process can write (stores, read models, keys and locks live there):
 * checked first, so that a wrong folder is named as such rather than as whichever file failed first.
 */
export const checkDataFolder = (dataDir: string): void => {
  let isFolder: boolean;
  try {
    isFolder = statSync(dataDir).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // ENOTDIR: a file stands where a folder of the path should be; it cannot be made either.
    if (code === 'ENOTDIR') throw new CannotStart(`DATA_DIR=${dataDir} cannot be created: ${describeSystemError(error as NodeJS.ErrnoException)}`);
    if (code !== 'ENOENT') throw new CannotStart(`DATA_DIR=${dataDir} cannot be used: ${describeSystemError(error as NodeJS.ErrnoException)}`);
    try {
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    } catch (made) {
      throw new CannotStart(`DATA_DIR=${dataDir} cannot be created: ${describeSystemError(made as NodeJS.ErrnoException)}`);
    }
    return;
  }
  if (!isFolder) throw new CannotStart(`DATA_DIR=${dataDir} is a file, not a folder`);
  try {
    accessSync(dataDir, constants.W_OK | constants.X_OK);
  } catch {
    throw new CannotStart(`DATA_DIR=${dataDir} is not writable by this process (user id ${process.getuid?.() ?? '?'})`);
  }
};

const describeSystemError = (error: NodeJS.ErrnoException): string => {
  switch (error.code) {
    case 'EACCES':
    case 'EPERM':
      return `permission denied${error.path ? ` on ${error.path}` : ''}`;
    case 'ENOTDIR':
      return `${error.path ?? 'a part of the path'} is a file where a folder is needed`;
    case 'EEXIST':
      return `${error.path ?? 'it'} exists and is not a folder`;
    case 'EROFS':
      return `${error.path ?? 'it'} is on a read-only file system`;
    case 'ENOSPC':
      return 'no space left on the device';
    default:
      return firstLine(error.message);
  }
};

const firstLine = (text: string): string => text.split('\n').map((line) => line.trim()).filter(Boolean).join('; ');

/** The one line for any error a start-up threw. */
export const describeStartupFailure = (error: unknown, where: { readonly host?: string; readonly port?: number; readonly portVariable?: string }): { line: string; exitCode: number } => {
  if (error instanceof CannotStart) return { line: error.message, exitCode: error.exitCode };
  if (error instanceof ConfigurationError) return { line: `invalid configuration: ${error.problems.join('; ')}`, exitCode: EXIT_CONFIGURATION };
  const system = error as NodeJS.ErrnoException & { address?: string; port?: number };
  if (system?.code === 'EADDRINUSE') {
    return {
      line: `${where.portVariable ?? 'PORT'}=${system.port ?? where.port} is in use on ${system.address ?? where.host}: another process listens there; stop it or choose another port`,
      exitCode: EXIT_CANNOT_START,
    };
  }
  if (system?.code === 'EADDRNOTAVAIL') return { line: `HOST=${system.address ?? where.host} is not an address of this machine`, exitCode: EXIT_CONFIGURATION };
  if (system?.code === 'SQLITE_NOTADB') return { line: `a store file in DATA_DIR is not a SQLite database (${firstLine(system.message)})`, exitCode: EXIT_CANNOT_START };
  if (typeof system?.code === 'string' && /^E[A-Z]+$/.test(system.code)) return { line: describeSystemError(system), exitCode: EXIT_CANNOT_START };
  return { line: error instanceof Error ? firstLine(error.message) : String(error), exitCode: EXIT_CANNOT_START };
};

/** Writes the line and ends the process; nothing after it runs. */
export const failStartup = (line: string, exitCode: number): never => {
  process.stderr.write(`cannot start: ${line.replaceAll('\n', ' ')}\n`);
  process.exit(exitCode);
};
