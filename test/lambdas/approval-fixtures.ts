import { createHmac, timingSafeEqual } from 'node:crypto';
import { GenerateMacCommand, type GenerateMacCommandInput, KMSClient, KMSInvalidMacException, VerifyMacCommand, type VerifyMacCommandInput } from '@aws-sdk/client-kms';
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { ApprovalRecord } from '../../lambdas/shared/approval-store.js';
import { signedText } from '../../lambdas/shared/approval-signature.js';
import { ACCOUNT, REGION } from '../support/fixtures.js';
import { EXECUTION_ARN } from './harness.js';

/**
 * Fixtures shared by the approval handler tests: a KMS stand-in that really
 * computes HMAC-SHA-256 (and, like KMS, answers a wrong MAC with
 * `KMSInvalidMacException`), function URL events, and approval records.
 */

export const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/0f3c9d2e-1111-2222-3333-444455556666`;
export const APPROVAL_URL = 'https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws/';
export const TASK_TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAb7ZtaskTokenForTests==';
export const APPROVAL_ID = 'bXktYXBwcm92YWwtaWQtMQ';

const TEST_KEY = Buffer.from('a test HMAC key that only these tests know');

export function macOf(message: Uint8Array | string, key: Buffer = TEST_KEY): Buffer {
  return createHmac('sha256', key).update(message).digest();
}

/** The signature KMS would return for an approval, base64url. */
export function signatureFor(approvalId: string, expiresAt: number, key: Buffer = TEST_KEY): string {
  return macOf(signedText(approvalId, expiresAt), key).toString('base64url');
}

/** Routes KMSClient to an in-process HMAC key; returns the mock for call assertions. */
export function fakeKms() {
  const kms = mockClient(KMSClient);
  const answer = () => {
    kms.on(GenerateMacCommand).callsFake((input: GenerateMacCommandInput) => ({
      KeyId: KEY_ARN,
      MacAlgorithm: input.MacAlgorithm,
      Mac: new Uint8Array(macOf(input.Message!)),
    }));
    kms.on(VerifyMacCommand).callsFake((input: VerifyMacCommandInput) => {
      const expected = macOf(input.Message!);
      const given = Buffer.from(input.Mac!);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw new KMSInvalidMacException({ message: 'MAC verification failed', $metadata: { httpStatusCode: 400 } });
      }
      return { KeyId: KEY_ARN, MacValid: true, MacAlgorithm: input.MacAlgorithm };
    });
  };
  answer();
  return {
    mock: kms,
    /** Clears recorded calls and restores the HMAC behaviour after a test overrode it. */
    reset() {
      kms.reset();
      answer();
    },
  };
}

export interface UrlRequest {
  method?: string;
  query?: Record<string, string> | string;
  body?: string;
  base64?: boolean;
  contentType?: string;
  path?: string;
  sourceIp?: string;
  userAgent?: string;
}

/** A Lambda function URL event (payload format 2.0), as a browser request produces it. */
export function urlEvent(request: UrlRequest = {}): LambdaFunctionURLEvent {
  const rawQueryString = typeof request.query === 'string' ? request.query : new URLSearchParams(request.query ?? {}).toString();
  const method = request.method ?? 'GET';
  const body = request.body === undefined ? undefined : request.base64 ? Buffer.from(request.body, 'utf8').toString('base64') : request.body;
  const headers: Record<string, string> = { host: new URL(APPROVAL_URL).host, 'user-agent': request.userAgent ?? 'Mozilla/5.0 (approval test)' };
  if (request.contentType !== undefined) headers['content-type'] = request.contentType;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: request.path ?? '/',
    rawQueryString,
    headers,
    ...(rawQueryString === '' ? {} : { queryStringParameters: Object.fromEntries(new URLSearchParams(rawQueryString)) }),
    requestContext: {
      accountId: 'anonymous',
      apiId: 'abcdefghijklmnopqrstuvwxyz012345',
      domainName: new URL(APPROVAL_URL).host,
      domainPrefix: 'abcdefghijklmnopqrstuvwxyz012345',
      http: {
        method,
        path: request.path ?? '/',
        protocol: 'HTTP/1.1',
        sourceIp: request.sourceIp ?? '203.0.113.7',
        userAgent: request.userAgent ?? 'Mozilla/5.0 (approval test)',
      },
      requestId: 'req-url-1',
      routeKey: '$default',
      stage: '$default',
      time: '27/Nov/2026:10:05:00 +0000',
      timeEpoch: 1_795_773_900_000,
    },
    ...(body === undefined ? {} : { body }),
    isBase64Encoded: request.base64 ?? false,
  } as LambdaFunctionURLEvent;
}

/** The fields a link carries, for `approvalId` expiring at `expiresAt`, signed with the test key. */
export function linkFields(approvalId: string, expiresAt: number, answer: 'approve' | 'reject' = 'approve'): Record<string, string> {
  return { id: approvalId, exp: String(expiresAt), sig: signatureFor(approvalId, expiresAt), answer };
}

/** The form the confirmation page POSTs. */
export function formPost(fields: Record<string, string>, options: Omit<UrlRequest, 'body' | 'method' | 'query'> = {}): LambdaFunctionURLEvent {
  return urlEvent({ contentType: 'application/x-www-form-urlencoded', base64: true, ...options, method: 'POST', body: new URLSearchParams(fields).toString() });
}

/** A pending approval record, as RequestApproval writes it. */
export function pendingRecord(expiresAt: number, overrides: Partial<ApprovalRecord> = {}): ApprovalRecord {
  return {
    approvalId: APPROVAL_ID,
    taskToken: TASK_TOKEN,
    incidentId: 'inc-0123456789abcdef0123',
    resourceId: 'autoscaling-group/web',
    executionId: EXECUTION_ARN,
    action: 'scaleOutAsg',
    target: 'autoscaling-group/web',
    params: { autoScalingGroupName: 'web', targetCapacity: 6 },
    rationale: 'CPU at 95% on 4 instances; scaling out 4 → 6 brings it to about 63%.',
    confidence: 0.9,
    source: 'runbook',
    policySummary: 'allowed: scaleOutAsg on autoscaling-group/web within limits; autonomy approve',
    createdAt: '2026-11-27T10:00:10.000Z',
    expiresAt,
    status: 'pending',
    ...overrides,
  };
}
