import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeLogPayload, encodeLogPayload } from '../../../lambdas/log-intake/decode-payload.js';
import { CorruptLogPayloadError, OversizedLogPayloadError } from '../../../lambdas/log-intake/log-intake-errors.js';
import { CONTROL_MESSAGE, logBatch, subscriptionEvent } from './log-fixtures.js';

const payloadOf = (bytes: Buffer) => ({ awslogs: { data: bytes.toString('base64') } });

function errorOf(call: () => unknown): Error {
  try {
    call();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to throw');
}

describe('decodeLogPayload', () => {
  it('decodes a data message into its batch', () => {
    // Prepare
    const batch = logBatch(['ERROR connect ECONNREFUSED 10.0.0.5:5432', 'GET /health 200']);

    // Act
    const decoded = decodeLogPayload(subscriptionEvent(batch));

    // Assess
    expect(decoded).toEqual({ kind: 'data', batch });
  });

  it('skips the control message', () => {
    expect(decodeLogPayload(encodeLogPayload(CONTROL_MESSAGE))).toEqual({ kind: 'control' });
  });

  it('refuses an event that is not a subscription event', () => {
    const error = errorOf(() => decodeLogPayload({ Records: [] }));
    expect(error).toBeInstanceOf(CorruptLogPayloadError);
    expect(error.name).toBe('CorruptLogPayloadError');
    expect(error.message).toMatch(/not a CloudWatch Logs subscription event: awslogs/);
  });

  it('refuses data that is not base64', () => {
    const error = errorOf(() => decodeLogPayload({ awslogs: { data: 'H4sI%%%not-base64!' } }));
    expect(error).toBeInstanceOf(CorruptLogPayloadError);
    expect(error.message).toMatch(/not valid base64/);
  });

  it('refuses base64 that is not gzip', () => {
    const error = errorOf(() => decodeLogPayload(payloadOf(Buffer.from(JSON.stringify(logBatch(['x']))))));
    expect(error).toBeInstanceOf(CorruptLogPayloadError);
    expect(error.message).toMatch(/not gzip/);
  });

  it('refuses truncated gzip', () => {
    // Prepare: a real gzip stream cut in half
    const gzipped = gzipSync(JSON.stringify(logBatch(['a line', 'another line'])));
    const truncated = gzipped.subarray(0, Math.floor(gzipped.length / 2));

    // Act
    const error = errorOf(() => decodeLogPayload(payloadOf(truncated)));

    // Assess
    expect(error).toBeInstanceOf(CorruptLogPayloadError);
    expect(error.message).toMatch(/corrupt gzip/);
  });

  it('refuses gzip of something that is not JSON', () => {
    const error = errorOf(() => decodeLogPayload(payloadOf(gzipSync('{"messageType": "DATA_MESSAGE", '))));
    expect(error).toBeInstanceOf(CorruptLogPayloadError);
    expect(error.message).toMatch(/not JSON once decompressed/);
  });

  it('refuses JSON of another shape, naming the fields', () => {
    // Prepare: an event whose timestamp is a string
    const batch = { ...logBatch(['x']), logEvents: [{ id: '1', timestamp: 'yesterday', message: 'x' }] };

    // Act
    const error = errorOf(() => decodeLogPayload(encodeLogPayload(batch)));

    // Assess
    expect(error).toBeInstanceOf(CorruptLogPayloadError);
    expect(error.message).toMatch(/logEvents\.0\.timestamp/);
  });

  it('refuses a data message without a log group', () => {
    const error = errorOf(() => decodeLogPayload(encodeLogPayload({ ...logBatch(['x']), logGroup: '' })));
    expect(error).toBeInstanceOf(CorruptLogPayloadError);
    expect(error.message).toMatch(/logGroup/);
  });

  it('refuses a payload that decompresses beyond the limit', () => {
    // Prepare: 2 MB of one repeated line compresses to a few KB
    const batch = logBatch(Array.from({ length: 2_000 }, () => 'x'.repeat(1_000)));
    const event = subscriptionEvent(batch);
    expect(event.awslogs.data.length).toBeLessThan(100_000);

    // Act
    const error = errorOf(() => decodeLogPayload(event, { maxDecompressedBytes: 1_000_000 }));

    // Assess
    expect(error).toBeInstanceOf(OversizedLogPayloadError);
    expect(error.name).toBe('OversizedLogPayloadError');
    expect(error.message).toMatch(/more than 1000000 bytes/);
    // The same payload passes under the default limit (10 MiB).
    expect(decodeLogPayload(event).kind).toBe('data');
  });
});
