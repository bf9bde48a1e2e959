/** Logs, metrics and traces of a process: what operators read, whichever context it comes from. */
export * from './log.js';
export * from './framework-logs.js';
export * from './metrics.js';
export * from './tracing.js';
