import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  EKS_TOKEN_PREFIX,
  eksBearerToken,
  presignedCallerIdentityUrl,
  stsHostname,
} from '../../../../lambdas/shared/eks/eks-token.js';

/** Fixed inputs: the token must come out the same every time. */
const credentials = async () => ({
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'session/token+with=odd',
});
const signingDate = new Date('2026-11-27T10:00:00.000Z');
const options = { clusterName: 'prod-eu', region: 'eu-west-1', credentials, signingDate };

function decode(token: string): URL {
  return new URL(Buffer.from(token.slice(EKS_TOKEN_PREFIX.length), 'base64url').toString('utf8'));
}

/** SigV4 for a presigned GET, computed here from the specification, independent of @smithy/signature-v4. */
function expectedSignature(url: URL, clusterName: string, secret: string): string {
  const rfc3986 = (value: string) => encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const query = [...url.searchParams.entries()]
    .filter(([key]) => key !== 'X-Amz-Signature')
    .map(([key, value]) => [rfc3986(key), rfc3986(value)] as const)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
  const canonicalRequest = [
    'GET',
    '/',
    query,
    `host:${url.host}\nx-k8s-aws-id:${clusterName}\n`,
    'host;x-k8s-aws-id',
    createHash('sha256').update('').digest('hex'),
  ].join('\n');
  const date = url.searchParams.get('X-Amz-Date')!;
  const scope = `${date.slice(0, 8)}/eu-west-1/sts/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', date, scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
  let key: Buffer = createHmac('sha256', `AWS4${secret}`).update(date.slice(0, 8)).digest();
  for (const part of ['eu-west-1', 'sts', 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}

describe('eksBearerToken', () => {
  it('is k8s-aws-v1. and the presigned URL in base64url without padding', async () => {
    // Act
    const token = await eksBearerToken(options);

    // Assess
    expect(token.startsWith(EKS_TOKEN_PREFIX)).toBe(true);
    expect(token.slice(EKS_TOKEN_PREFIX.length)).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(token.slice(EKS_TOKEN_PREFIX.length), 'base64url').toString('utf8')).toBe(await presignedCallerIdentityUrl(options));
  });

  it('presigns GetCallerIdentity on the regional STS endpoint for 60 seconds with the cluster header signed', async () => {
    // Act
    const url = decode(await eksBearerToken(options));

    // Assess
    expect(url.origin).toBe('https://sts.eu-west-1.amazonaws.com');
    expect(url.pathname).toBe('/');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      Action: 'GetCallerIdentity',
      Version: '2011-06-15',
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': 'AKIDEXAMPLE/20261127/eu-west-1/sts/aws4_request',
      'X-Amz-Date': '20261127T100000Z',
      'X-Amz-Expires': '60',
      'X-Amz-Security-Token': 'session/token+with=odd',
      'X-Amz-SignedHeaders': 'host;x-k8s-aws-id',
      'X-Amz-Signature': expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('carries a SigV4 signature that matches one computed from the specification', async () => {
    // Act
    const url = decode(await eksBearerToken(options));

    // Assess
    expect(url.searchParams.get('X-Amz-Signature')).toBe(expectedSignature(url, 'prod-eu', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'));
  });

  it('is deterministic for fixed credentials and date, and bound to the cluster name', async () => {
    // Act
    const first = await eksBearerToken(options);
    const again = await eksBearerToken(options);
    const otherCluster = await eksBearerToken({ ...options, clusterName: 'prod-us' });

    // Assess
    expect(again).toBe(first);
    expect(decode(otherCluster).searchParams.get('X-Amz-Signature')).not.toBe(decode(first).searchParams.get('X-Amz-Signature'));
  });

  it('leaves the security token out for long-term credentials', async () => {
    // Act
    const url = decode(await eksBearerToken({ ...options, credentials: async () => ({ accessKeyId: 'AKID', secretAccessKey: 'secret' }) }));

    // Assess
    expect(url.searchParams.has('X-Amz-Security-Token')).toBe(false);
    expect(url.searchParams.get('X-Amz-Signature')).toBe(expectedSignature(url, 'prod-eu', 'secret'));
  });
});

describe('stsHostname', () => {
  it.each([
    ['us-east-1', 'sts.us-east-1.amazonaws.com'],
    ['eu-west-1', 'sts.eu-west-1.amazonaws.com'],
    ['cn-north-1', 'sts.cn-north-1.amazonaws.com.cn'],
  ])('uses the regional endpoint in %s', (region, host) => {
    // Act & Assess
    expect(stsHostname(region)).toBe(host);
  });
});
