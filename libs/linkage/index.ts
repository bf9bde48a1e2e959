export * from './clock.js';
export * from './checkpoints.js';
export * from './reference-registry.js';
export * from './level-service.js';
export * from './relay.js';
export * from './inbox.js';
export * from './runtime.js';
export * from './adapters.js';
