import '../../local/polyfills.js';

// Handlers read these at import; tests that import a handler get safe local values.
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_ACCESS_KEY_ID ??= 'test';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
// Handler tests mock the document client only; idempotency is exercised against dynalite
// (test/integration/idempotency.test.ts, and every scenario run, which turns it on).
process.env.POWERTOOLS_IDEMPOTENCY_DISABLED ??= 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
