import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { callAws, isTransientAwsError } from '../../../lambdas/shared/aws-errors.js';
import { TransientAwsError } from '../../../lambdas/shared/errors.js';
import { rejectionOf } from '../harness.js';

function awsError(name: string, httpStatusCode?: number, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode }, ...extra });
}

function networkError(code: string): Error {
  return Object.assign(new Error(`socket trouble: ${code}`), { code });
}

describe('isTransientAwsError', () => {
  it.each([
    'Throttling',
    'ThrottlingException',
    'ThrottledException',
    'TooManyRequestsException',
    'RequestLimitExceeded',
    'ProvisionedThroughputExceededException',
    'RequestThrottled',
    'SlowDown',
    'TimeoutError',
  ])('is true for %s, even on a 400', (name) => {
    // Act & Assess
    expect(isTransientAwsError(awsError(name, 400))).toBe(true);
  });

  it.each([500, 502, 503, 504])('is true for an HTTP %i', (status) => {
    // Act & Assess
    expect(isTransientAwsError(awsError('SomethingBroke', status))).toBe(true);
  });

  it('is true for an HTTP 429', () => {
    // Act & Assess
    expect(isTransientAwsError(awsError('Unrecognised', 429))).toBe(true);
  });

  it('is true for an error the SDK marked retryable', () => {
    // Act & Assess
    expect(isTransientAwsError(awsError('Unrecognised', 400, { $retryable: { throttling: false } }))).toBe(true);
    expect(isTransientAwsError(awsError('Unrecognised', 400, { $retryable: {} }))).toBe(true);
  });

  it.each(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE'])('is true for the network error code %s', (code) => {
    // Act & Assess
    expect(isTransientAwsError(networkError(code))).toBe(true);
  });

  it.each([
    ['AccessDeniedException', 403],
    ['AccessDenied', 403],
    ['ValidationError', 400],
    ['ValidationException', 400],
    ['ResourceNotFoundException', 400],
    ['ExecutionAlreadyExists', 400],
  ])('is false for %s (%i)', (name, status) => {
    // Act & Assess
    expect(isTransientAwsError(awsError(name, status))).toBe(false);
  });

  it('is false for a conditional check failure', () => {
    // Prepare
    const error = new ConditionalCheckFailedException({ message: 'x', $metadata: { httpStatusCode: 400 } });

    // Act & Assess
    expect(isTransientAwsError(error)).toBe(false);
  });

  it('is false for an error with no metadata, and for things that are not errors', () => {
    // Act & Assess
    expect(isTransientAwsError(new Error('boom'))).toBe(false);
    expect(isTransientAwsError(networkError('ENOTFOUND'))).toBe(false);
    expect(isTransientAwsError('ThrottlingException')).toBe(false);
    expect(isTransientAwsError(null)).toBe(false);
    expect(isTransientAwsError(undefined)).toBe(false);
    expect(isTransientAwsError(503)).toBe(false);
  });
});

describe('callAws', () => {
  it('returns what the call returns', async () => {
    // Act
    const result = await callAws('DescribeThings', async () => ({ things: [1, 2] }));

    // Assess
    expect(result).toEqual({ things: [1, 2] });
  });

  it('wraps a transient failure as TransientAwsError, naming the operation and keeping the cause', async () => {
    // Prepare
    const throttled = awsError('ThrottlingException', 400);

    // Act
    const error = await rejectionOf(callAws('SetDesiredCapacity', () => Promise.reject(throttled)));

    // Assess
    expect(error).toBeInstanceOf(TransientAwsError);
    expect(error.name).toBe('TransientAwsError');
    expect(error.message).toBe('SetDesiredCapacity failed transiently (ThrottlingException): ThrottlingException happened');
    expect(error.cause).toBe(throttled);
  });

  it('wraps a network failure too', async () => {
    // Prepare
    const reset = networkError('ECONNRESET');

    // Act
    const error = await rejectionOf(callAws('Publish', () => Promise.reject(reset)));

    // Assess
    expect(error.name).toBe('TransientAwsError');
    expect(error.message).toContain('Publish failed transiently');
    expect(error.cause).toBe(reset);
  });

  it('passes any other failure through unchanged', async () => {
    // Prepare
    const denied = awsError('AccessDeniedException', 403);
    const conditional = new ConditionalCheckFailedException({ message: 'x', $metadata: {} });

    // Act
    const first = await rejectionOf(callAws('SetDesiredCapacity', () => Promise.reject(denied)));
    const second = await rejectionOf(callAws('PutItem', () => Promise.reject(conditional)));

    // Assess
    expect(first).toBe(denied);
    expect(second).toBe(conditional);
    expect(second).toBeInstanceOf(ConditionalCheckFailedException);
  });

  it('wraps a transient failure thrown synchronously by the call', async () => {
    // Act
    const error = await rejectionOf(
      callAws('DescribeAlarms', () => {
        throw awsError('ServiceUnavailable', 503);
      }),
    );

    // Assess
    expect(error.name).toBe('TransientAwsError');
  });
});
