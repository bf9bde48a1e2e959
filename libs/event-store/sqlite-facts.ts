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
  /**
   * Only these fields of their metadata (dotted paths such as `actor.id`): SQLite picks them out of
   * the stored JSON and the fact's metadata holds just them (a field missing from the stored
   * metadata is missing here too). Decoding the whole metadata, ten fields and nested objects, cost
   * a catch-up's worker threads about a fifth of their time. Default: the whole metadata.
   */
  readonly provenanceFields?: readonly string[];
}

/** Read through a memory map: SQLite then hands out pages without copying them into its cache. */
const MMAP_BYTES = 4 * 1024 ** 3;

type FactRow = [position: number, type: string, data: string, metadata: string | null];

const sqlText = (value: string): string => `'${value.replaceAll("'", "''")}'`;

/** Sets `value` at a dotted `path` of `target`, making the objects on the way. */
const setPath = (target: Record<string, unknown>, path: readonly string[], value: unknown): void => {
  let at = target;
  for (let index = 0; index < path.length - 1; index++) at = (at[path[index]!] ??= {}) as Record<string, unknown>;
  at[path[path.length - 1]!] = value;
};

export class SqliteFactReader {
  private readonly db: Database.Database;
  private readonly selectRange: Database.Statement<[number, number], FactRow>;
  private readonly decodeMetadata: (stored: string) => unknown;

  private constructor(file: string, options: SqliteFactReaderOptions) {
    this.db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      this.db.pragma(`mmap_size = ${MMAP_BYTES}`);
      const types = [...options.provenanceFor].map(sqlText).join(', ');
      const fields = options.provenanceFields;
      // json_extract with several paths answers a JSON array of their values, null for a missing one
      // (with one path, the bare value: that path is then asked twice).
      const asked = fields === undefined ? [] : fields.length === 1 ? [fields[0]!, fields[0]!] : fields;
      const picked = fields === undefined ? 'metadata' : asked.length === 0 ? `'[]'` : `json_extract(metadata, ${asked.map((field) => sqlText(`$.${field}`)).join(', ')})`;
      const metadata = types.length === 0 ? 'NULL' : `CASE WHEN type IN (${types}) THEN ${picked} END`;
      const paths = fields?.map((field) => field.split('.'));
      this.decodeMetadata =
        paths === undefined
          ? (stored) => JSON.parse(stored) as unknown
          : (stored) => {
              const values = JSON.parse(stored) as unknown[];
              const decoded: Record<string, unknown> = {};
              for (let index = 0; index < paths.length; index++) if (values[index] !== null) setPath(decoded, paths[index]!, values[index]);
              return decoded;
            };
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
      facts[index] = { position, type, data: JSON.parse(data) as unknown, metadata: metadata === null ? undefined : this.decodeMetadata(metadata) };
    }
    return facts;
  }

  close(): void {
    this.db.close();
  }
}
