/**
 * The store as every context sees it: the port, its errors, the reader of a store's `sqliteFile`
 * and the private-file helpers. The adapters are in adapters.ts (#event-store/adapters), for those
 * that open stores.
 */
export * from './port.js';
export { newEventId } from './event-ids.js';
export { DuplicateEventId } from './encoding.js';
export { SqliteFactReader, type SqliteFactReaderOptions, type StoredFact } from './sqlite-facts.js';
export { PRIVATE_FILE_MODE, PRIVATE_FOLDER_MODE, makePrivateFolder, preparePrivateSqliteFile } from './private-files.js';
