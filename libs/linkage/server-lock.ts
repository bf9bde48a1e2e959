import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Level } from '#domain';
import { PRIVATE_FILE_MODE, makePrivateFolder } from '#event-store';

/**
 * Which process serves a level from a data folder: `<level>.server.lock` there, holding its pid, made
 * by the server when it starts and removed when it stops. Offline jobs that rewrite what a running
 * server holds open (`rebuild` drops and refills read models) look at it and refuse. One file per
 * level, so that one-level services may share a folder. Advisory: only this code reads it.
 */
export const serverLockFile = (dataDir: string, level: Level): string => join(dataDir, `${level}.server.lock`);

export class LevelServedElsewhere extends Error {
  override readonly name = 'LevelServedElsewhere';
  constructor(
    readonly level: Level,
    readonly pid: number,
    readonly file: string,
  ) {
    super(`the ${level} level of this data folder is served by process ${pid} (${file}); if no such server runs, remove that file`);
  }
}

/** Whether a process with this pid runs (one of another user counts: it cannot be signalled, but it is there). */
const isRunning = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const pidIn = (file: string): number | undefined => {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const pid = Number(text.trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
};

/**
 * The pid of the live process that serves `level` from `dataDir`, if one does. A lock left by a
 * process that is gone (killed, crashed) names no one; so does one naming this very process, which
 * is what a restarted container finds (its server is pid 1 every time).
 */
export const serverOf = (dataDir: string, level: Level): number | undefined => {
  const pid = pidIn(serverLockFile(dataDir, level));
  return pid !== undefined && pid !== process.pid && isRunning(pid) ? pid : undefined;
};

/** The locks of the levels a server serves from a data folder, held until `release`. */
export class ServerLocks {
  private constructor(private readonly files: readonly string[]) {}

  /** Takes every level's lock, or none: throws LevelServedElsewhere when a live process holds one. */
  static acquire(dataDir: string, levels: readonly Level[]): ServerLocks {
    makePrivateFolder(dataDir);
    const taken: string[] = [];
    try {
      for (const level of levels) {
        take(dataDir, level);
        taken.push(serverLockFile(dataDir, level));
      }
    } catch (error) {
      new ServerLocks(taken).release();
      throw error;
    }
    return new ServerLocks(taken);
  }

  /** Removes the locks this process still holds. Synchronous, so that it can run on process exit. */
  release(): void {
    for (const file of this.files) if (pidIn(file) === process.pid) rmSync(file, { force: true });
  }
}

const take = (dataDir: string, level: Level): void => {
  const file = serverLockFile(dataDir, level);
  // Twice at most: a stale lock is removed once, and whoever then creates the file first holds it.
  for (let attempt = 1; ; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx', mode: PRIVATE_FILE_MODE });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = serverOf(dataDir, level);
    if (holder !== undefined || attempt === 2) throw new LevelServedElsewhere(level, holder ?? pidIn(file) ?? 0, file);
    rmSync(file, { force: true });
  }
};
