import { Sha256 } from '@aws-crypto/sha256-js';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

/**
 * The bearer token EKS accepts for an IAM principal, built the way
 * aws-iam-authenticator builds it: a presigned STS `GetCallerIdentity` URL
 * with the cluster name signed in as the `x-k8s-aws-id` header, base64url
 * encoded without padding, after the `k8s-aws-v1.` prefix. The API server
 * calls the URL to learn who the caller is; the signed header stops a token
 * minted for one cluster being replayed against another.
 */

export const EKS_TOKEN_PREFIX = 'k8s-aws-v1.';
/** The header that binds the token to one cluster. */
export const CLUSTER_ID_HEADER = 'x-k8s-aws-id';
/** Lifetime of the presigned URL; EKS itself accepts a token for 15 minutes from its X-Amz-Date. */
export const PRESIGN_EXPIRES_SECONDS = 60;

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/**
 * Resolves the credentials to sign with. In a Lambda: the Node provider
 * chain (`defaultProvider` of `@aws-sdk/credential-provider-node`, which
 * `fromNodeProviderChain` of `@aws-sdk/credential-providers` wraps).
 */
export type CredentialsProvider = () => Promise<AwsCredentials>;

export interface EksTokenOptions {
  readonly clusterName: string;
  /** The cluster's region; the token is signed for that region's STS endpoint. */
  readonly region: string;
  /** @default defaultProvider() — the Node credential provider chain */
  readonly credentials?: CredentialsProvider;
  /** @default now */
  readonly signingDate?: Date;
}

/** The regional STS host; China regions live under `amazonaws.com.cn`. */
export function stsHostname(region: string): string {
  return `sts.${region}.${region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com'}`;
}

/** RFC 3986 escaping, as SigV4 canonicalises query values. */
function escapeUri(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The presigned `GetCallerIdentity` URL the token wraps. */
export async function presignedCallerIdentityUrl(options: EksTokenOptions): Promise<string> {
  const hostname = stsHostname(options.region);
  const signer = new SignatureV4({
    credentials: options.credentials ?? defaultProvider(),
    region: options.region,
    service: 'sts',
    sha256: Sha256,
  });
  const presigned = await signer.presign(
    new HttpRequest({
      method: 'GET',
      protocol: 'https:',
      hostname,
      path: '/',
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
      // Not `x-amz-*`, so the signer keeps it a signed header instead of hoisting it into the query.
      headers: { host: hostname, [CLUSTER_ID_HEADER]: options.clusterName },
    }),
    { expiresIn: PRESIGN_EXPIRES_SECONDS, ...(options.signingDate ? { signingDate: options.signingDate } : {}) },
  );
  const query = Object.entries(presigned.query ?? {})
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${escapeUri(key)}=${escapeUri(value)}`)
    .join('&');
  return `https://${hostname}/?${query}`;
}

/** A bearer token for the cluster's Kubernetes API: `k8s-aws-v1.` + base64url(presigned URL), no padding. */
export async function eksBearerToken(options: EksTokenOptions): Promise<string> {
  const url = await presignedCallerIdentityUrl(options);
  return EKS_TOKEN_PREFIX + Buffer.from(url, 'utf8').toString('base64url');
}
