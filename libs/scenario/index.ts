export * from './scenario.js';
export * from './runner.js';
export * from './embedded.js';
export * from './remote.js';
