import { PutObjectCommand, type PutObjectCommandInput, S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { NOTIFICATION_TOPIC_ENV, NotificationSchema } from '../../../lambdas/shared/notify.js';
import type { handler as WriteIncidentReportHandler } from '../../../lambdas/write-incident-report/index.js';
import { REGION } from '../../support/fixtures.js';
import { invoke, rejectionOf, STATE_MACHINE_ARN, throttlingError, TOPIC_ARN } from '../harness.js';
import { describedExecution, EXECUTION_NAME, METRIC_LABEL, resolvedHistory, RUN_ARN, statusChangeEvent } from './fixtures.js';

const BUCKET = 'self-healing-incident-reports-test';
const KEY = `reports/2026/11/27/${EXECUTION_NAME}.html`;
const CONSOLE_URL = `https://console.aws.amazon.com/s3/object/${BUCKET}?region=${REGION}&prefix=reports%2F2026%2F11%2F27%2F${EXECUTION_NAME}.html`;
const INCIDENT_ID = 'inc-0123456789abcdef0123';

const sfn = mockClient(SFNClient);
const s3 = mockClient(S3Client);
const sns = mockClient(SNSClient);

let handler: typeof WriteIncidentReportHandler;

async function loadHandler(env: Record<string, string> = {}): Promise<typeof WriteIncidentReportHandler> {
  vi.resetModules();
  Object.assign(process.env, { REPORTS_BUCKET: BUCKET, STATE_MACHINE_ARN, ...env });
  return (await import('../../../lambdas/write-incident-report/index.js')).handler;
}

beforeAll(async () => {
  delete process.env.REPORTS_KMS_KEY_ARN;
  handler = await loadHandler();
});

beforeEach(() => {
  sfn.reset();
  s3.reset();
  sns.reset();
  // The history in two pages, as GetExecutionHistory pages it.
  const events = resolvedHistory();
  sfn.on(DescribeExecutionCommand).resolves(describedExecution());
  sfn.on(GetExecutionHistoryCommand).resolves({ events: events.slice(0, 20), nextToken: 'page-2' });
  sfn.on(GetExecutionHistoryCommand, { executionArn: RUN_ARN, nextToken: 'page-2' }).resolves({ events: events.slice(20) });
  s3.on(PutObjectCommand).resolves({ ETag: '"e-1"' });
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  process.env[NOTIFICATION_TOPIC_ENV] = TOPIC_ARN;
});

afterEach(() => {
  delete process.env[NOTIFICATION_TOPIC_ENV];
});

const putInput = (): PutObjectCommandInput => {
  const puts = s3.commandCalls(PutObjectCommand);
  expect(puts).toHaveLength(1);
  return puts[0]!.args[0].input;
};

describe('write-incident-report handler', () => {
  it('writes the report of a finished run to reports/<yyyy>/<mm>/<dd>/<execution>.html, read from the whole history', async () => {
    // Act
    const result = await invoke(handler, statusChangeEvent());

    // Assess
    expect(sfn.commandCalls(DescribeExecutionCommand).map((call) => call.args[0].input)).toEqual([{ executionArn: RUN_ARN }]);
    // Both pages, with the states' data (the paginator reuses one input object, so only the last token shows).
    const pages = sfn.commandCalls(GetExecutionHistoryCommand).map((call) => call.args[0].input);
    expect(pages).toHaveLength(2);
    for (const page of pages) expect(page).toMatchObject({ executionArn: RUN_ARN, includeExecutionData: true, maxResults: 1_000 });
    expect(pages[1]!.nextToken).toBe('page-2');
    const put = putInput();
    expect(put).toMatchObject({ Bucket: BUCKET, Key: KEY, ContentType: 'text/html; charset=utf-8', ServerSideEncryption: 'AES256', Metadata: { 'incident-id': INCIDENT_ID, outcome: 'resolved' } });
    expect(put.SSEKMSKeyId).toBeUndefined();
    const html = put.Body as string;
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html.includes(INCIDENT_ID), 'the page names the incident').toBe(true);
    expect(html.includes('<svg'), 'the page draws the timeline').toBe(true);
    // The metric series came from BuildContext's output in the history: the timeline plots it.
    expect(html.includes(METRIC_LABEL), 'the timeline plots the alarm metric').toBe(true);
    expect(html.includes('Resolved automatically')).toBe(true);
    expect(result).toEqual({
      written: true,
      outcome: 'resolved',
      notification: 'delivered',
      bucket: BUCKET,
      key: KEY,
      s3Uri: `s3://${BUCKET}/${KEY}`,
      consoleUrl: CONSOLE_URL,
    });
  });

  it('announces the report with the incident, resource, outcome, S3 URI and a console link to the object', async () => {
    // Act
    await invoke(handler, statusChangeEvent());

    // Assess
    const publishes = sns.commandCalls(PublishCommand);
    expect(publishes).toHaveLength(1);
    const input = publishes[0]!.args[0].input;
    expect(input).toMatchObject({
      TopicArn: TOPIC_ARN,
      Subject: '[self-healing] incident report ready: autoscaling-group/web',
      MessageAttributes: { type: { DataType: 'String', StringValue: 'report-ready' }, resourceId: { DataType: 'String', StringValue: 'autoscaling-group/web' } },
    });
    const body = JSON.parse(input.Message!) as Record<string, any>;
    expect(NotificationSchema.parse(body)).toMatchObject({
      type: 'report-ready',
      incidentId: INCIDENT_ID,
      resourceId: 'autoscaling-group/web',
      executionArn: RUN_ARN,
      reportUrl: CONSOLE_URL,
      details: {
        outcome: 'resolved',
        status: 'SUCCEEDED',
        resource: { kind: 'autoscaling-group', name: 'web', id: 'autoscaling-group/web' },
        s3Uri: `s3://${BUCKET}/${KEY}`,
        bucket: BUCKET,
        key: KEY,
      },
    });
    // Never a presigned URL: it would die with the function's session credentials.
    expect(input.Message).not.toMatch(/X-Amz-Signature|X-Amz-Credential/);
    expect(body.content.nextSteps[0]).toBe(`Read the incident report: ${CONSOLE_URL}`);
  });

  it('writes the report but announces nothing when no topic is configured', async () => {
    // Prepare
    delete process.env[NOTIFICATION_TOPIC_ENV];

    // Act
    const result = await invoke(handler, statusChangeEvent({ status: 'FAILED' }));

    // Assess
    expect(result).toMatchObject({ written: true, notification: 'off' });
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(1);
    expect(sns.calls()).toHaveLength(0);
  });

  it('ignores a run of another state machine: nothing read, written or published', async () => {
    // Act
    const result = await invoke(handler, statusChangeEvent({ stateMachineArn: STATE_MACHINE_ARN.replace('remediate-incident', 'someone-elses-workflow') }));

    // Assess
    expect(result).toEqual({ written: false, reason: `not an execution of ${STATE_MACHINE_ARN}` });
    expect(sfn.calls()).toHaveLength(0);
    expect(s3.calls()).toHaveLength(0);
    expect(sns.calls()).toHaveLength(0);
  });

  it.each([
    ['no execution ARN', () => ({ ...statusChangeEvent(), detail: { ...statusChangeEvent().detail, executionArn: undefined } }), /detail\.executionArn: /],
    ['a run still going', () => statusChangeEvent({ status: 'RUNNING' }), /detail\.status: /],
    ['another source', () => ({ ...statusChangeEvent(), source: 'aws.cloudwatch' }), /source: /],
    ['nothing at all', () => ({}), /source: .*detail: /],
  ])('refuses an event with %s as MalformedEventError, writing nothing', async (_title, event, field) => {
    // Act
    const error = await rejectionOf(invoke(handler, event()));

    // Assess
    expect(error.name).toBe('MalformedEventError');
    expect(error.message).toMatch(field);
    expect(sfn.calls()).toHaveLength(0);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(sns.calls()).toHaveLength(0);
  });

  it('fails with TransientAwsError when S3 keeps throttling, and announces nothing, so the invocation is retried', async () => {
    // Prepare
    s3.on(PutObjectCommand).rejects(throttlingError('Please reduce your request rate.'));

    // Act
    const error = await rejectionOf(invoke(handler, statusChangeEvent()));

    // Assess
    expect(error.name).toBe('TransientAwsError');
    expect(sns.calls()).toHaveLength(0);
  });

  it('asks for SSE-KMS with the bucket key when the bucket is KMS-encrypted', async () => {
    // Prepare
    const keyArn = `arn:aws:kms:${REGION}:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    const kmsHandler = await loadHandler({ REPORTS_KMS_KEY_ARN: keyArn });

    try {
      // Act
      await invoke(kmsHandler, statusChangeEvent());

      // Assess
      expect(putInput()).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyArn, BucketKeyEnabled: true });
    } finally {
      delete process.env.REPORTS_KMS_KEY_ARN;
    }
  });
});
