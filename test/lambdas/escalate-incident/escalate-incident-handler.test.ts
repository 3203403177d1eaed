import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { handler as EscalateHandler } from '../../../lambdas/escalate-incident/index.js';
import { testContext, testIncident } from '../../support/fixtures.js';
import {
  conditionalCheckFailed,
  EXECUTION_ARN,
  invoke,
  rejectionOf,
  TABLE_NAME,
  throttlingError,
  TOPIC_ARN,
} from '../harness.js';

process.env.TABLE_NAME = TABLE_NAME;
process.env.TOPIC_ARN = TOPIC_ARN;

const dynamo = mockClient(DynamoDBDocumentClient);
const sns = mockClient(SNSClient);

const NOW = new Date('2026-11-27T10:20:00.000Z');
const NOW_SECONDS = NOW.getTime() / 1000;
const INCIDENT_KEY = { pk: 'INCIDENT#inc-0123456789abcdef0123', sk: 'META' };
const LEASE_KEY = { pk: 'RESOURCE#autoscaling-group/web', sk: 'LEASE' };
const CONSOLE_URL = `https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/${EXECUTION_ARN}`;

let handler: typeof EscalateHandler;
let sequence: string[];

beforeAll(async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  ({ handler } = await import('../../../lambdas/escalate-incident/index.js'));
});

afterAll(() => {
  vi.useRealTimers();
});

beforeEach(() => {
  vi.setSystemTime(NOW);
  sequence = [];
  dynamo.reset();
  dynamo.on(QueryCommand).resolves({ Items: [] });
  dynamo.on(GetCommand).resolves({});
  dynamo.on(DeleteCommand).callsFake(() => {
    sequence.push('DeleteItem OPEN');
    return {};
  });
  sns.reset();
  dynamo.on(UpdateCommand).callsFake((input: UpdateCommandInput) => {
    sequence.push(`UpdateItem ${String(input.Key?.sk)}`);
    return {};
  });
  dynamo.on(PutCommand).callsFake(() => {
    sequence.push('PutItem history');
    return {};
  });
  sns.on(PublishCommand).callsFake(() => {
    sequence.push('Publish');
    return { MessageId: 'm-1' };
  });
});

/** The workflow's state after three attempts that did not clear the alarm. */
function exhaustedState(): Record<string, unknown> {
  return {
    incident: testIncident(),
    attempt: { number: 3 },
    context: testContext(),
    decision: {
      source: 'runbook',
      runbookId: 'asg-cpu-high-scale-out',
      action: 'scaleOutAsg',
      rationale: 'scaling out 8 → 10',
      params: { autoScalingGroupName: 'web', targetCapacity: 10 },
      target: 'autoscaling-group/web',
      confidence: 0.8,
      evidence: [],
    },
    action: { attempt: 3, autoScalingGroupName: 'web', beforeCapacity: 8, targetCapacity: 10, changed: true, actedAt: '2026-11-27T10:14:00.000Z' },
    verification: { healthy: false, alarmState: 'ALARM', summary: 'alarm web-cpu-high is ALARM at 91' },
  };
}

const event = (state: Record<string, unknown> = exhaustedState()) => ({ incident: testIncident(), state, executionId: EXECUTION_ARN });

function updatesOf(key: { sk: string }) {
  return dynamo.commandCalls(UpdateCommand).filter((call) => call.args[0].input.Key?.sk === key.sk);
}

function publishedMessage(): Record<string, unknown> {
  const publishes = sns.commandCalls(PublishCommand);
  expect(publishes).toHaveLength(1);
  return JSON.parse(publishes[0]!.args[0].input.Message ?? '') as Record<string, unknown>;
}

describe('escalate-incident handler', () => {
  it('closes the incident as escalated, releases the lease with a cooldown, and notifies once', async () => {
    // Act
    const result = await invoke(handler, event());

    // Assess
    const reason = 'still unhealthy after 3 attempt(s) of 3: alarm web-cpu-high is ALARM at 91';
    expect(result).toEqual({ reason, notified: true, leaseReleased: true, circuit: 'closed' });
    expect(sequence).toEqual(['UpdateItem META', 'PutItem history', 'DeleteItem OPEN', 'UpdateItem LEASE', 'Publish']);

    expect(updatesOf(INCIDENT_KEY)[0]!.args[0].input.ExpressionAttributeValues).toMatchObject({
      ':status': 'escalated',
      ':attempts': 3,
      ':details': { summary: `escalated: ${reason}`, reason, executionId: EXECUTION_ARN },
    });
    expect(dynamo.commandCalls(PutCommand)[0]!.args[0].input.Item).toMatchObject({
      outcome: 'escalated',
      action: 'scaleOutAsg',
      attempts: 3,
      summary: `escalated: ${reason}`,
    });

    const release = updatesOf(LEASE_KEY)[0]!.args[0].input;
    expect(release.ConditionExpression).toBe('holder = :me');
    expect(release.ExpressionAttributeValues).toMatchObject({ ':me': 'inc-0123456789abcdef0123', ':cooldownUntil': NOW_SECONDS + 900 });

    const publish = sns.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(publish.TopicArn).toBe(TOPIC_ARN);
    expect(publish.Subject).toBe('[self-healing] escalated: autoscaling-group/web');
    expect(publish.MessageAttributes).toEqual({
      type: { DataType: 'String', StringValue: 'escalated' },
      resourceId: { DataType: 'String', StringValue: 'autoscaling-group/web' },
    });
    expect(publishedMessage()).toMatchObject({
      type: 'escalated',
      incidentId: 'inc-0123456789abcdef0123',
      resourceId: 'autoscaling-group/web',
      summary: reason,
      executionArn: EXECUTION_ARN,
      consoleUrl: CONSOLE_URL,
      at: NOW.toISOString(),
      source: 'custom',
      content: { title: 'escalated: autoscaling-group/web', description: reason },
    });
    expect(publishedMessage().details).toEqual({
      resource: { kind: 'autoscaling-group', name: 'web', id: 'autoscaling-group/web' },
      alarm: 'web-cpu-high',
      onsetAt: '2026-11-27T10:00:00.000Z',
      reason,
      plan: exhaustedState().decision,
      attempts: 3,
    });
  });

  it('hands over a recommended plan as plan-recommended, not as an escalation', async () => {
    // Act
    await invoke(handler, { ...event(), handover: 'recommend' });

    // Assess
    const publish = sns.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(publish.Subject).toBe('[self-healing] recommended: autoscaling-group/web');
    expect(publish.MessageAttributes?.type?.StringValue).toBe('plan-recommended');
    expect(publishedMessage()).toMatchObject({
      type: 'plan-recommended',
      summary: 'recommended plan: scaleOutAsg on autoscaling-group/web — scaling out 8 → 10',
      details: { plan: { action: 'scaleOutAsg', params: { targetCapacity: 10 } } },
    });
  });

  it('starts no cooldown when the run changed nothing', async () => {
    // Prepare: the runbook escalated before any action.
    const state = {
      incident: testIncident(),
      attempt: { number: 0 },
      context: testContext(),
      decision: { source: 'runbook', runbookId: 'asg-cpu-high-scale-out', action: 'escalateOnly', rationale: 'at the ceiling', params: { reason: 'at the ceiling' }, target: 'none', confidence: 1, evidence: [] },
    };

    // Act
    const result = await invoke(handler, event(state));

    // Assess
    expect(result.reason).toBe('no safe automatic action: at the ceiling');
    expect(updatesOf(LEASE_KEY)[0]!.args[0].input.ExpressionAttributeValues).toMatchObject({ ':cooldownUntil': NOW_SECONDS });
    expect(publishedMessage()).toMatchObject({ summary: 'no safe automatic action: at the ceiling', details: { attempts: 0 } });
  });

  it('explains a failed step from its Lambda error cause', async () => {
    // Prepare
    const state = {
      ...exhaustedState(),
      verification: undefined,
      error: { Error: 'StalePlanError', Cause: JSON.stringify({ errorType: 'StalePlanError', errorMessage: 'web was scaled in to 3' }) },
    };

    // Act
    const result = await invoke(handler, event(state));

    // Assess
    expect(result.reason).toBe('the workflow failed with StalePlanError: web was scaled in to 3');
    expect(publishedMessage().summary).toBe(result.reason);
    expect(updatesOf(INCIDENT_KEY)[0]!.args[0].input.ExpressionAttributeValues?.[':details']).toMatchObject({
      error: { Error: 'StalePlanError' },
    });
  });

  it('still notifies when this run held no lease', async () => {
    // Prepare
    dynamo.on(UpdateCommand, { Key: LEASE_KEY }).rejects(conditionalCheckFailed());

    // Act
    const result = await invoke(handler, event());

    // Assess
    expect(result.leaseReleased).toBe(false);
    expect(result.notified).toBe(true);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
  });

  it('keeps the subject within the 100 characters SNS accepts, whatever the group is called', async () => {
    // Prepare
    const name = `checkout-${'x'.repeat(200)}`;
    const incident = testIncident({ resource: { kind: 'autoscaling-group', name, id: `autoscaling-group/${name}` } });

    // Act
    await invoke(handler, { incident, state: exhaustedState(), executionId: EXECUTION_ARN });

    // Assess
    const publish = sns.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(publish.Subject).toHaveLength(100);
    expect(publish.Subject?.startsWith('[self-healing] escalated: autoscaling-group/checkout-')).toBe(true);
    expect(publish.MessageAttributes?.resourceId?.StringValue).toBe(`autoscaling-group/${name}`);
  });

  it('falls back to logging the whole notification when SNS keeps refusing, and still closes the incident', async () => {
    // Prepare
    sns.on(PublishCommand).rejects(throttlingError());
    const { logger } = await import('../../../lambdas/shared/powertools.js');
    const spy = vi.spyOn(logger, 'error');

    // Act
    const result = await invoke(handler, event());
    const calls = spy.mock.calls.filter(([message]) => String(message).startsWith('ESCALATION NOT DELIVERED'));
    spy.mockRestore();

    // Assess
    expect(result).toMatchObject({ notified: false, leaseReleased: true });
    expect(sequence.slice(0, 2)).toEqual(['UpdateItem META', 'PutItem history']);
    expect(calls).toHaveLength(1);
    const entry = calls[0]![1] as { notification: { type: string; incidentId: string; summary: string } };
    expect(entry.notification).toMatchObject({ type: 'escalated', incidentId: 'inc-0123456789abcdef0123', summary: expect.stringContaining('still unhealthy') });
  });

  it('names the open circuit and the command that resets it in the notification', async () => {
    // Prepare
    dynamo.on(GetCommand, { Key: { pk: 'RESOURCE#autoscaling-group/web', sk: 'CIRCUIT' } }).resolves({
      Item: { status: 'open', reason: '3 failed remediations', openedAt: '2026-11-27T09:00:00.000Z' },
    });

    // Act
    const result = await invoke(handler, event());

    // Assess
    expect(result.circuit).toBe('open');
    const publish = sns.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(publish.Subject).toContain('(circuit open)');
    expect(JSON.parse(publish.Message ?? '').details).toMatchObject({
      circuit: { status: 'open', reason: '3 failed remediations', reset: `npx self-heal circuit reset autoscaling-group/web --table ${TABLE_NAME} --by "<your name>"` },
    });
  });

  it('notifies nobody when the incident cannot be closed', async () => {
    // Prepare
    dynamo.on(UpdateCommand, { Key: INCIDENT_KEY }).rejects(throttlingError());

    // Act
    const error = await rejectionOf(invoke(handler, event()));

    // Assess
    expect(error.name).toBe('TransientAwsError');
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it.each([
    ['no execution id', { incident: testIncident(), state: exhaustedState() }, /executionId: /],
    ['a state that is not an object', { incident: testIncident(), state: 'gave up', executionId: EXECUTION_ARN }, /state: /],
  ])('refuses input with %s as MalformedEventError, touching nothing', async (_title, input, field) => {
    // Act
    const error = await rejectionOf(invoke(handler, input));

    // Assess
    expect(error.name).toBe('MalformedEventError');
    expect(error.message).toMatch(field);
    expect(dynamo.calls()).toHaveLength(0);
    expect(sns.calls()).toHaveLength(0);
  });
});
