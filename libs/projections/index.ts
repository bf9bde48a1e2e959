export * from './report.js';
export * from './read-model.js';
export * from './runner.js';
