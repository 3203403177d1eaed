export * from './block-expiry.js';
export * from './block-ip-executor.js';
export * from './block-ledger.js';
export * from './ip-set-editor.js';
export * from './waf-errors.js';
