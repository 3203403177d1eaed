import { TransientAwsError } from './errors.js';

const TRANSIENT_NAMES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  'RequestThrottled',
  'SlowDown',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'InternalServerError',
  'InternalError',
  'ResourceContention',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
]);

interface AwsLikeError {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

/** True for failures that a later attempt may not meet: throttling, 5xx, network trouble. */
export function isTransientAwsError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const candidate = error as AwsLikeError;
  if (candidate.name !== undefined && TRANSIENT_NAMES.has(candidate.name)) return true;
  if (candidate.code !== undefined && TRANSIENT_NAMES.has(candidate.code)) return true;
  if (candidate.$retryable !== undefined) return true;
  const status = candidate.$metadata?.httpStatusCode;
  return status !== undefined && (status === 429 || status >= 500);
}

/**
 * Runs one AWS call and re-throws transient failures as `TransientAwsError`,
 * which the state machine retries with backoff; every other error passes
 * through unchanged and is caught as a business failure.
 */
export async function callAws<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isTransientAwsError(error)) {
      const name = (error as AwsLikeError).name ?? 'UnknownError';
      throw new TransientAwsError(`${operation} failed transiently (${name}): ${(error as Error).message}`, { cause: error });
    }
    throw error;
  }
}
