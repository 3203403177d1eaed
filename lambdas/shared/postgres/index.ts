export * from './catalog-queries.js';
export * from './index-actor.js';
export * from './pg-client.js';
export * from './postgres-errors.js';
export * from './read-only-session.js';
export * from './recommend-index.js';
export * from './verify-index-effect.js';
