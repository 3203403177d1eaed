import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { callAws } from '../shared/aws-errors.js';
import { stepFunctions } from '../shared/clients.js';
import { requireEnv } from '../shared/env.js';
import { workflowHandler } from '../shared/handler.js';
import { notify, type NotifyResult } from '../shared/notify.js';
import { logger, tracer } from '../shared/powertools.js';
import { buildIncidentReport, renderIncidentReportHtml, stepsFromExecutionHistory } from '../shared/report/index.js';
import { type ExecutionStatusChange, ExecutionStatusChangeSchema } from './execution-event.js';
import { readExecution } from './read-execution.js';
import { REPORT_ENV, reportKey, s3ConsoleUrl, s3Uri } from './report-location.js';
import { type ReportLocation, reportReadyNotification } from './report-notification.js';

const bucket = requireEnv(REPORT_ENV.bucket);
const stateMachineArn = requireEnv(REPORT_ENV.stateMachineArn);
const kmsKeyArn = process.env[REPORT_ENV.kmsKeyArn] || undefined;
const region = requireEnv('AWS_REGION');
const s3 = tracer.captureAWSv3Client(new S3Client({ maxAttempts: 3 }));

export type WriteReportResult =
  | ({ written: true; outcome: string; notification: NotifyResult } & ReportLocation)
  | { written: false; reason: string };

/**
 * Writes the incident report of a finished run of the remediation workflow
 * to S3 — the same self-contained HTML page `npm start` writes locally —
 * and announces it (`report-ready`) with a link to it. Everything the page
 * shows comes from the execution's history: the states' inputs and outputs
 * carry the context (with the metric series the timeline draws), the plan,
 * the verdicts and the verification. Runs of another state machine are
 * ignored.
 */
export const lambdaHandler = async (event: ExecutionStatusChange): Promise<WriteReportResult> => {
  const { executionArn, stateMachineArn: source, name } = event.detail;
  if (source !== stateMachineArn) {
    logger.info('execution of another state machine; no report written', { executionArn, stateMachineArn: source });
    return { written: false, reason: `not an execution of ${stateMachineArn}` };
  }

  const { description, events } = await readExecution(stepFunctions(), executionArn);
  const { steps, execution } = stepsFromExecutionHistory(events, executionArn);
  const report = buildIncidentReport(steps, execution);
  const now = new Date();
  const html = renderIncidentReportHtml(report, { generatedAt: now });

  const key = reportKey(description.name ?? name, description.startDate ?? new Date(execution.startedAt ?? now));
  await callAws('PutObject', () =>
    s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: html,
        ContentType: 'text/html; charset=utf-8',
        // Shown, never run: the page carries no script, and its own CSP forbids any.
        ContentDisposition: 'inline',
        ...(kmsKeyArn === undefined ? { ServerSideEncryption: 'AES256' } : { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: kmsKeyArn, BucketKeyEnabled: true }),
        Metadata: { 'incident-id': report.incident.id, outcome: report.outcome.kind },
      }),
    ),
  );
  const location: ReportLocation = { bucket, key, s3Uri: s3Uri(bucket, key), consoleUrl: s3ConsoleUrl(bucket, key, region) };
  logger.info('incident report written', { executionArn, incidentId: report.incident.id, outcome: report.outcome.kind, s3Uri: location.s3Uri, bytes: Buffer.byteLength(html) });

  const notification = await notify(reportReadyNotification(report, location));
  return { written: true, outcome: report.outcome.kind, notification, ...location };
};

export const handler = workflowHandler(ExecutionStatusChangeSchema, lambdaHandler);
