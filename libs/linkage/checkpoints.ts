import Database from 'better-sqlite3';
import { preparePrivateSqliteFile } from '#event-store';

/** Durable positions of a level's background workers (the relay). */
export interface Checkpoints {
  load(name: string): number;
  save(name: string, position: number): void;
  close(): void;
}

export class MemoryCheckpoints implements Checkpoints {
  private readonly positions = new Map<string, number>();
  load(name: string): number {
    return this.positions.get(name) ?? 0;
  }
  save(name: string, position: number): void {
    this.positions.set(name, position);
  }
  close(): void {}
}

export class SqliteCheckpoints implements Checkpoints {
  private readonly db: Database.Database;
  private readonly select: Database.Statement<[string], { position: number }>;
  private readonly upsert: Database.Statement<[string, number]>;

  constructor(file: string) {
    preparePrivateSqliteFile(file);
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec('CREATE TABLE IF NOT EXISTS worker_checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL)');
    this.select = this.db.prepare('SELECT position FROM worker_checkpoints WHERE name = ?');
    this.upsert = this.db.prepare(
      'INSERT INTO worker_checkpoints (name, position) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET position = excluded.position',
    );
  }

  load(name: string): number {
    return this.select.get(name)?.position ?? 0;
  }

  save(name: string, position: number): void {
    this.upsert.run(name, position);
  }

  close(): void {
    this.db.close();
  }
}
