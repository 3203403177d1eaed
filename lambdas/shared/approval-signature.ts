import { GenerateMacCommand, type KMSClient, VerifyMacCommand } from '@aws-sdk/client-kms';
import * as z from 'zod';
import { callAws } from './aws-errors.js';

/**
 * Signed approval links. A link names one approval record and its expiry,
 * and carries an HMAC of both made by a KMS HMAC key: the functions never
 * hold key material, and nobody without `kms:GenerateMac` on the key can
 * forge a link. The answer (`approve` / `reject`) is deliberately not
 * signed: whoever holds a valid link may choose either on the confirmation page.
 */

export const MAC_ALGORITHM = 'HMAC_SHA_256';
/** Bytes in an HMAC-SHA-256 MAC. */
const MAC_BYTES = 32;

/** The error name `SendTaskFailure` reports for a rejected plan; the ASL catches it by this name. */
export const APPROVAL_REJECTED_ERROR = 'ApprovalRejected';

export const APPROVAL_ANSWERS = ['approve', 'reject'] as const;
export type ApprovalAnswer = (typeof APPROVAL_ANSWERS)[number];

/** 128 random bits, base64url without padding. */
export const ApprovalIdSchema = z.string().regex(/^[A-Za-z0-9_-]{22}$/, 'not an approval id');
/** Epoch seconds, as the link carries them. */
export const ExpirySchema = z
  .string()
  .regex(/^[1-9]\d{0,11}$/, 'not an expiry time')
  .transform((value) => Number(value));
/** An HMAC-SHA-256 MAC, base64url without padding. */
export const SignatureSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'not a signature');
export const AnswerSchema = z.enum(APPROVAL_ANSWERS);

/** What an approval link (and the confirmation form) carries. */
export interface SignedApproval {
  approvalId: string;
  /** Epoch seconds. */
  expiresAt: number;
  /** base64url HMAC of `signedText(approvalId, expiresAt)`. */
  signature: string;
}

/** The exact text the MAC covers. */
export function signedText(approvalId: string, expiresAt: number): string {
  return `${approvalId}.${expiresAt}`;
}

/** Signs an approval id and expiry with the KMS HMAC key. */
export async function signApproval(client: KMSClient, keyId: string, approvalId: string, expiresAt: number): Promise<string> {
  const result = await callAws('GenerateMac', () =>
    client.send(
      new GenerateMacCommand({
        KeyId: keyId,
        MacAlgorithm: MAC_ALGORITHM,
        Message: Buffer.from(signedText(approvalId, expiresAt), 'utf8'),
      }),
    ),
  );
  if (result.Mac === undefined || result.Mac.length !== MAC_BYTES) {
    throw new Error(`GenerateMac returned ${result.Mac?.length ?? 'no'} bytes, expected ${MAC_BYTES}`);
  }
  return Buffer.from(result.Mac).toString('base64url');
}

/**
 * Whether the signature was made by the KMS key over this id and expiry.
 * KMS answers a MAC that does not match with `KMSInvalidMacException`
 * (never with `MacValid: false`); both count as "not valid". Other failures
 * are thrown: a transient one as `TransientAwsError`.
 */
export async function verifyApproval(client: KMSClient, keyId: string, approval: SignedApproval): Promise<boolean> {
  const mac = Buffer.from(approval.signature, 'base64url');
  if (mac.length !== MAC_BYTES) return false;
  try {
    const result = await callAws('VerifyMac', () =>
      client.send(
        new VerifyMacCommand({
          KeyId: keyId,
          MacAlgorithm: MAC_ALGORITHM,
          Message: Buffer.from(signedText(approval.approvalId, approval.expiresAt), 'utf8'),
          Mac: mac,
        }),
      ),
    );
    return result.MacValid === true;
  } catch (error) {
    if ((error as { name?: string }).name === 'KMSInvalidMacException') return false;
    throw error;
  }
}

/** The link a human clicks to see the plan and answer it; `baseUrl` is the callback's function URL. */
export function approvalLink(baseUrl: string, approval: SignedApproval, answer: ApprovalAnswer): string {
  const url = new URL(baseUrl);
  url.searchParams.set('id', approval.approvalId);
  url.searchParams.set('exp', String(approval.expiresAt));
  url.searchParams.set('sig', approval.signature);
  url.searchParams.set('answer', answer);
  return url.toString();
}
