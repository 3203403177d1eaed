/**
 * Named errors of the log intake. The function is invoked asynchronously by
 * a CloudWatch Logs subscription, so these end in the async invocation's
 * dead-letter destination with the original payload, and in the logs.
 */

/** The subscription payload is not base64 of gzipped CloudWatch Logs JSON, or the JSON is not the documented shape. Nothing was written. */
export class CorruptLogPayloadError extends Error {
  override readonly name = 'CorruptLogPayloadError';
}

/** The payload decompresses to more than the intake accepts. Nothing was written. */
export class OversizedLogPayloadError extends Error {
  override readonly name = 'OversizedLogPayloadError';
}

/** A user-supplied error signature is not valid (schema, or a regular expression that does not compile). */
export class InvalidSignatureError extends Error {
  override readonly name = 'InvalidSignatureError';
}

/** Saving a log group's template state kept losing the race to other writers, even after merging. */
export class TemplateStateConflictError extends Error {
  override readonly name = 'TemplateStateConflictError';
}
