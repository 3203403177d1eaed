/**
 * Where a run's incident report is kept, and the links to it. Free of SDK
 * imports, so the CDK app reads the prefix and the variable names from here
 * too (the bucket's lifecycle rule and the `s3:PutObject` grant name the
 * same prefix the function writes under).
 */

/** Every report's key starts with this; nothing else is written to the bucket. */
export const REPORT_KEY_PREFIX = 'reports/';

/** The variables the construct sets on the function. */
export const REPORT_ENV = {
  /** The bucket the reports go to. */
  bucket: 'REPORTS_BUCKET',
  /** The KMS key of a KMS-encrypted bucket; unset for an S3-managed one. */
  kmsKeyArn: 'REPORTS_KMS_KEY_ARN',
  /** The remediation workflow: executions of any other state machine are ignored. */
  stateMachineArn: 'STATE_MACHINE_ARN',
} as const;

const pad = (value: number) => String(value).padStart(2, '0');

/**
 * `reports/<yyyy>/<mm>/<dd>/<executionName>.html`, dated by the day (UTC)
 * the execution started: the same run always lands on the same key, so a
 * redelivered event rewrites the report instead of adding a second one.
 */
export function reportKey(executionName: string, startedAt: Date): string {
  const day = `${startedAt.getUTCFullYear()}/${pad(startedAt.getUTCMonth() + 1)}/${pad(startedAt.getUTCDate())}`;
  return `${REPORT_KEY_PREFIX}${day}/${executionName}.html`;
}

/** `s3://<bucket>/<key>`, for the CLI: `aws s3 cp s3://… report.html`. */
export function s3Uri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/**
 * The object's page in the S3 console. A console link, not a presigned
 * URL: a presigned URL would be signed with the function's session
 * credentials and stop working when they expire, within hours; the
 * console link works for as long as the report is kept, for anyone who
 * may read the bucket.
 */
export function s3ConsoleUrl(bucket: string, key: string, region: string): string {
  return `https://console.aws.amazon.com/s3/object/${encodeURIComponent(bucket)}?region=${encodeURIComponent(region)}&prefix=${encodeURIComponent(key)}`;
}
