export * from './tokens.js';
export * from './problems.js';
export * from './dto.js';
export * from './linkage-gateway.js';
export * from './app.js';
export * from './cqrs.js';
export * from './audit.controller.js';
export * from './live-views.js';
