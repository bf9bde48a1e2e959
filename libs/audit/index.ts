export * from './chain.js';
export * from './signing.js';
export * from './verify.js';
export * from './sqlite-file.js';
export * from './export.js';
