import { chmodSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { PRIVATE_FILE_MODE, PRIVATE_FOLDER_MODE, makePrivateFolder } from '#event-store';
import type { ProjectionRunner, ReadModel } from '#projections';
import { PROJECTION_VERSION } from '#projections';

export interface ReadModelSnapshot {
  /** The store position the read model had reached: the snapshot equals a replay of 1..position. */
  readonly position: number;
  readonly file: string;
}

/**
 * `v<projection version>-<position>.db`: a copy made by another version of the projections holds
 * other tables or other figures, and is dropped (a file without a version predates versions).
 */
const SNAPSHOT_FILE = new RegExp(`^v${PROJECTION_VERSION}-(\\d{12})\\.db$`);

/**
 * Copies of a level's read model taken as its projections move on (SQLite `VACUUM INTO`: one
 * consistent, compact file, written without stopping the projections' writer). An as-of query
 * starts from the newest copy at or before the position it wants and replays only the events after
 * it, instead of the whole log. Valid because a read model at checkpoint C equals a replay of the
 * store's first C events (DESIGN.md §3.6, tested by the rebuild-equals-live suite), so copies taken
 * before a rebuild stay valid after it.
 */
export class ReadModelSnapshots {
  private positions: number[];

  constructor(
    readonly folder: string,
    /** Take a copy every this many projected events. */
    readonly every: number,
    /**
     * At most this many copies are kept: past it, the copy closest to its predecessor goes, so the
     * spacing widens evenly as the log grows (an as-of query then replays at most a few spacings).
     */
    readonly keep = 64,
  ) {
    if (!Number.isSafeInteger(every) || every < 1) throw new Error(`read-model snapshots: every must be a positive integer, got ${every}`);
    // Copies of the read model are as private as the read model; a folder made by an earlier version
    // (0755) is tightened too, since it is this class's own.
    makePrivateFolder(folder);
    chmodSync(folder, PRIVATE_FOLDER_MODE);
    // Leftovers of an interrupted copy, and copies of another projection version, are removed.
    for (const name of readdirSync(folder)) if (!SNAPSHOT_FILE.test(name)) rmSync(join(folder, name), { force: true });
    this.positions = readdirSync(folder)
      .map((name) => SNAPSHOT_FILE.exec(name)?.[1])
      .filter((digits): digits is string => digits !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  list(): ReadModelSnapshot[] {
    return this.positions.map((position) => ({ position, file: this.fileOf(position) }));
  }

  /** The newest snapshot at or before `position`. */
  atOrBefore(position: number): ReadModelSnapshot | undefined {
    let found: number | undefined;
    for (const candidate of this.positions) if (candidate <= position) found = candidate;
    return found === undefined ? undefined : { position: found, file: this.fileOf(found) };
  }

  /** Takes snapshots of `readModel` as `projections` commit batches. Returns the unsubscribe. */
  follow(projections: ProjectionRunner, readModel: ReadModel): () => void {
    return projections.onChange((position) => {
      const newest = this.atOrBefore(position)?.position ?? 0;
      if (position - newest >= this.every) this.take(readModel, position);
    });
  }

  /**
   * Copies `readModel`, which must stand at `position` (the projection runner calls its change
   * listeners right after committing a batch, before the next one starts).
   */
  take(readModel: ReadModel, position: number): ReadModelSnapshot {
    const pending = join(this.folder, `pending-${randomUUID()}.db`);
    readModel.db.prepare('VACUUM INTO ?').run(pending);
    // SQLite creates the copy 0644 (less the umask), whatever the mode of the database it copies.
    chmodSync(pending, PRIVATE_FILE_MODE);
    const file = this.fileOf(position);
    renameSync(pending, file);
    if (!this.positions.includes(position)) this.positions = [...this.positions, position].sort((a, b) => a - b);
    while (this.positions.length > Math.max(2, this.keep)) this.thin();
    return { position, file };
  }

  /** Removes the copy (never the first or the newest) whose predecessor is nearest to it. */
  private thin(): void {
    let victim = 1;
    for (let index = 2; index < this.positions.length - 1; index++) {
      const gap = this.positions[index]! - this.positions[index - 1]!;
      if (gap < this.positions[victim]! - this.positions[victim - 1]!) victim = index;
    }
    rmSync(this.fileOf(this.positions[victim]!), { force: true });
    this.positions = this.positions.filter((_, index) => index !== victim);
  }

  /**
   * Loads a snapshot into an empty in-memory read model (same schema), for one query: replaying the
   * events after it in memory is about half again as fast as in a file copy, and leaves nothing on disk.
   */
  loadInto(readModel: ReadModel, snapshot: ReadModelSnapshot): void {
    const db = readModel.db;
    db.prepare('ATTACH DATABASE ? AS snapshot').run(snapshot.file);
    try {
      const tables = db.prepare(`SELECT name FROM snapshot.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).pluck().all() as string[];
      db.transaction(() => {
        for (const table of tables) db.exec(`DELETE FROM main."${table}"; INSERT INTO main."${table}" SELECT * FROM snapshot."${table}"`);
      })();
    } finally {
      db.exec('DETACH DATABASE snapshot');
    }
  }

  private fileOf(position: number): string {
    return join(this.folder, `v${PROJECTION_VERSION}-${String(position).padStart(12, '0')}.db`);
  }
}
