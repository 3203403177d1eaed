import { GenerateMacCommand } from '@aws-sdk/client-kms';
import { PublishCommand, type PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, PutCommand, type PutCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { handler as RequestApprovalHandler } from '../../../lambdas/request-approval/index.js';
import { approvalSubject } from '../../../lambdas/request-approval/approval-request.js';
import { testIncident } from '../../support/fixtures.js';
import { APPROVAL_URL, fakeKms, KEY_ARN, signatureFor, TASK_TOKEN } from '../approval-fixtures.js';
import { EXECUTION_ARN, invoke, rejectionOf, TABLE_NAME, throttlingError, TOPIC_ARN } from '../harness.js';

process.env.TABLE_NAME = TABLE_NAME;
process.env.TOPIC_ARN = TOPIC_ARN;
process.env.APPROVAL_KEY_ID = KEY_ARN;
process.env.APPROVAL_URL = APPROVAL_URL;

const kms = fakeKms();
const dynamo = mockClient(DynamoDBDocumentClient);
const sns = mockClient(SNSClient);

const NOW = new Date('2026-11-27T10:00:10.000Z');
const NOW_SECONDS = NOW.getTime() / 1000;
const CONSOLE_URL = `https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/${EXECUTION_ARN}`;

let handler: typeof RequestApprovalHandler;

beforeAll(async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  ({ handler } = await import('../../../lambdas/request-approval/index.js'));
});

afterAll(() => {
  vi.useRealTimers();
});

beforeEach(() => {
  vi.setSystemTime(NOW);
  kms.reset();
  dynamo.reset();
  sns.reset();
  dynamo.on(PutCommand).resolves({});
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
});

function decision(overrides: Record<string, unknown> = {}) {
  return {
    action: 'scaleOutAsg',
    params: { autoScalingGroupName: 'web', targetCapacity: 6 },
    target: 'autoscaling-group/web',
    rationale: 'CPU at 95% on 4 instances; scaling out 4 → 6.',
    confidence: 0.9,
    evidence: ['alarm web-cpu-high in ALARM at 95'],
    source: 'runbook',
    runbookId: 'asg-cpu-high-scale-out',
    ...overrides,
  };
}

const POLICY = { allowed: true, autonomy: 'approve', checks: [], reasons: [], summary: 'allowed; autonomy approve (resource override)' };

function event(overrides: Record<string, unknown> = {}) {
  return {
    incident: testIncident(),
    decision: decision(),
    policy: POLICY,
    taskToken: TASK_TOKEN,
    executionId: EXECUTION_ARN,
    timeoutSeconds: 3_600,
    ...overrides,
  };
}

function publishedMessage(): Record<string, any> {
  const publish = sns.commandCalls(PublishCommand)[0]!.args[0].input as PublishCommandInput;
  return JSON.parse(publish.Message!) as Record<string, any>;
}

describe('RequestApproval handler', () => {
  it('records a pending approval with the task token, signed id and expiry, and publishes both links', async () => {
    // Act
    const result = await invoke(handler, event(), undefined);

    // Assess: the id is 128 random bits, base64url; the expiry is the task's timeout from now.
    expect(result.approvalId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(result.expiresAt).toBe(NOW_SECONDS + 3_600);
    const { approvalId, expiresAt } = result;

    expect(kms.mock.commandCalls(GenerateMacCommand)).toHaveLength(1);
    const mac = kms.mock.commandCalls(GenerateMacCommand)[0]!.args[0].input;
    expect(mac).toMatchObject({ KeyId: KEY_ARN, MacAlgorithm: 'HMAC_SHA_256' });
    expect(Buffer.from(mac.Message!).toString('utf8')).toBe(`${approvalId}.${expiresAt}`);

    expect(dynamo.commandCalls(PutCommand)).toHaveLength(1);
    const put = dynamo.commandCalls(PutCommand)[0]!.args[0].input as PutCommandInput;
    expect(put.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(put.TableName).toBe(TABLE_NAME);
    expect(put.Item).toMatchObject({
      pk: `APPROVAL#${approvalId}`,
      sk: 'META',
      taskToken: TASK_TOKEN,
      incidentId: 'inc-0123456789abcdef0123',
      resourceId: 'autoscaling-group/web',
      action: 'scaleOutAsg',
      target: 'autoscaling-group/web',
      executionId: EXECUTION_ARN,
      status: 'pending',
      expiresAt,
      rationale: 'CPU at 95% on 4 instances; scaling out 4 → 6.',
      policySummary: POLICY.summary,
    });
    expect(put.Item!.ttl).toBeGreaterThan(expiresAt);

    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    const sig = signatureFor(approvalId, expiresAt);
    const summary = 'approve or reject: scaleOutAsg on autoscaling-group/web — CPU at 95% on 4 instances; scaling out 4 → 6.';
    expect(publishedMessage()).toEqual({
      type: 'approval-requested',
      incidentId: 'inc-0123456789abcdef0123',
      resourceId: 'autoscaling-group/web',
      summary,
      executionArn: EXECUTION_ARN,
      consoleUrl: CONSOLE_URL,
      at: NOW.toISOString(),
      details: {
        resource: { kind: 'autoscaling-group', name: 'web', id: 'autoscaling-group/web' },
        alarm: 'web-cpu-high',
        action: 'scaleOutAsg',
        params: { autoScalingGroupName: 'web', targetCapacity: 6 },
        target: 'autoscaling-group/web',
        rationale: 'CPU at 95% on 4 instances; scaling out 4 → 6.',
        confidence: 0.9,
        source: 'runbook',
        policy: POLICY.summary,
        expiresAt: '2026-11-27T11:00:10.000Z',
        approveUrl: `${APPROVAL_URL}?id=${approvalId}&exp=${expiresAt}&sig=${sig}&answer=approve`,
        rejectUrl: `${APPROVAL_URL}?id=${approvalId}&exp=${expiresAt}&sig=${sig}&answer=reject`,
      },
      // The Amazon Q Developer (Chatbot) custom-notification fields, for a chat channel.
      version: '1.0',
      source: 'custom',
      content: {
        textType: 'client-markdown',
        title: 'approval needed: autoscaling-group/web',
        description: summary,
        nextSteps: [`Review the run: ${CONSOLE_URL}`],
      },
      metadata: { threadId: 'inc-0123456789abcdef0123', summary, eventType: 'approval-requested' },
    });
    const publish = sns.commandCalls(PublishCommand)[0]!.args[0].input as PublishCommandInput;
    expect(publish).toMatchObject({
      TopicArn: TOPIC_ARN,
      Subject: '[self-healing] approval needed: scaleOutAsg on autoscaling-group/web',
      MessageAttributes: {
        type: { DataType: 'String', StringValue: 'approval-requested' },
        resourceId: { DataType: 'String', StringValue: 'autoscaling-group/web' },
      },
    });
  });

  it('never puts the task token in the notification', async () => {
    await invoke(handler, event(), undefined);
    const publish = sns.commandCalls(PublishCommand)[0]!.args[0].input as PublishCommandInput;
    expect(publish.Message).not.toContain(TASK_TOKEN);
  });

  it('uses a fresh approval id for every request', async () => {
    const first = await invoke(handler, event(), undefined);
    const second = await invoke(handler, event(), undefined);
    expect(first.approvalId).not.toBe(second.approvalId);
  });

  it('turns a throttled KMS call into TransientAwsError, before anything is written or sent', async () => {
    kms.mock.on(GenerateMacCommand).rejects(throttlingError());

    const error = await rejectionOf(invoke(handler, event(), undefined));

    expect(error.name).toBe('TransientAwsError');
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('turns a throttled publish into TransientAwsError, so the state retries with a new approval', async () => {
    sns.on(PublishCommand).rejects(throttlingError());
    const error = await rejectionOf(invoke(handler, event(), undefined));
    expect(error.name).toBe('TransientAwsError');
  });

  it.each([
    ['no task token', { taskToken: undefined }],
    ['a zero timeout', { timeoutSeconds: 0 }],
    ['a plan outside the catalog', { decision: decision({ action: 'deleteEverything' }) }],
    ['no policy verdict', { policy: undefined }],
  ])('refuses input with %s as MalformedEventError, and calls nothing', async (_case, overrides) => {
    const error = await rejectionOf(invoke(handler, event(overrides), undefined));
    expect(error.name).toBe('MalformedEventError');
    expect(kms.mock.calls()).toHaveLength(0);
    expect(dynamo.calls()).toHaveLength(0);
    expect(sns.calls()).toHaveLength(0);
  });
});

describe('approvalSubject', () => {
  it('stays within SNS limits: 100 printable ASCII characters', () => {
    const incident = testIncident({ resource: { kind: 'autoscaling-group', name: 'wéb'.repeat(60), id: `autoscaling-group/${'wéb'.repeat(60)}` } });
    const subject = approvalSubject({ ...event(), incident, decision: decision() } as never);
    expect(subject.length).toBeLessThanOrEqual(100);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
  });
});
