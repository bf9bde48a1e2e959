// archiver (the zip writer exceljs itself streams workbooks through) ships no types; this is the
// part of its API the ledger download uses.
declare module 'archiver' {
  import type { Readable, Transform } from 'node:stream';

  interface Archiver extends Transform {
    /** Queues an entry; entries are written one after another, a stream entry as it is read. */
    append(source: Readable | Buffer | string, entry: { readonly name: string; readonly date?: Date }): this;
    /** No more entries: writes the central directory once every queued entry is written. */
    finalize(): Promise<void>;
  }

  export default function archiver(format: 'zip', options?: { readonly zlib?: { readonly level?: number } }): Archiver;
}
