export * from './report.js';
export * from './read-model.js';
export * from './runner.js';
export * from './projector.js';
export { PARALLEL_CATCH_UP_MIN_EVENTS, defaultCatchUpWorkers } from './parallel-catch-up.js';
export * from './ledgers.js';
