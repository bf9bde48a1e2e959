export * from './port.js';
export { DuplicateEventId } from './encoding.js';
export { MemoryEventStore, type MemoryEventStoreOptions } from './memory.js';
export { SqliteEventStore, type SqliteEventStoreOptions, type SqliteSynchronous } from './sqlite.js';
export { EsdbEventStore, type EsdbEventStoreOptions } from './esdb.js';
export { SqliteFactReader, type SqliteFactReaderOptions, type StoredFact } from './sqlite-facts.js';
export { PRIVATE_FILE_MODE, PRIVATE_FOLDER_MODE, makePrivateFolder, preparePrivateSqliteFile } from './private-files.js';
