export * from './scenario.js';
export * from './runner.js';
export * from './embedded.js';
export * from './remote.js';
export * from './generated/province-history.js';
export * from './generated/follow-through-history.js';
