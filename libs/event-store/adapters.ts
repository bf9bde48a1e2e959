/**
 * The EventStore adapters, for the code that opens stores (the runtime's composition in
 * libs/linkage, the scenario harness, apps, tests); everything else sees a store through the port
 * (index.ts) and asks its capabilities.
 */
export { MemoryEventStore, type MemoryEventStoreOptions } from './memory.js';
export { SqliteEventStore, type SqliteEventStoreOptions, type SqliteSynchronous } from './sqlite.js';
export { EsdbEventStore, type EsdbEventStoreOptions } from './esdb.js';
