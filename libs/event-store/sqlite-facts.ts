/**
 * Read-only access to a SQLite store file (a store's `sqliteFile` capability) for readers on other threads (a projection catch-up
 * spreads its batches over worker threads): ranges of positions, each fact with its type and data,
 * and its metadata only when the reader asks for that type's provenance. Metadata is the largest
 * column, and most facts are projected without it; leaving it in the file saves a third of the
 * reading.
 */
import Database from 'better-sqlite3';

export interface StoredFact {
  readonly position: number;
  readonly type: string;
  readonly data: unknown;
  /** Decoded for the types asked for; undefined for every other fact. */
  readonly metadata: unknown;
}

export interface SqliteFactReaderOptions {
  /** Types whose metadata is read and decoded. */
  readonly provenanceFor: Iterable<string>;
}

/** Read through a memory map: SQLite then hands out pages without copying them into its cache. */
const MMAP_BYTES = 4 * 1024 ** 3;

type FactRow = [position: number, type: string, data: string, metadata: string | null];

const sqlText = (value: string): string => `'${value.replaceAll("'", "''")}'`;

export class SqliteFactReader {
  private readonly db: Database.Database;
  private readonly selectRange: Database.Statement<[number, number], FactRow>;

  private constructor(file: string, options: SqliteFactReaderOptions) {
    this.db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      this.db.pragma(`mmap_size = ${MMAP_BYTES}`);
      const types = [...options.provenanceFor].map(sqlText).join(', ');
      const metadata = types.length === 0 ? 'NULL' : `CASE WHEN type IN (${types}) THEN metadata END`;
      this.selectRange = this.db
        .prepare<[number, number], FactRow>(`SELECT position, type, data, ${metadata} FROM events WHERE position > ? AND position <= ? ORDER BY position`)
        .raw(true);
    } catch (error) {
      this.db.close();
      throw error;
    }
  }

  /** Opens a store file written by SqliteEventStore; it must exist. */
  static open(file: string, options: SqliteFactReaderOptions): SqliteFactReader {
    return new SqliteFactReader(file, options);
  }

  /** The facts with positions in (after, upTo], in position order. */
  readRange(after: number, upTo: number): StoredFact[] {
    const rows = this.selectRange.all(after, upTo);
    const facts = new Array<StoredFact>(rows.length);
    for (let index = 0; index < rows.length; index++) {
      const [position, type, data, metadata] = rows[index]!;
      facts[index] = { position, type, data: JSON.parse(data) as unknown, metadata: metadata === null ? undefined : (JSON.parse(metadata) as unknown) };
    }
    return facts;
  }

  close(): void {
    this.db.close();
  }
}
