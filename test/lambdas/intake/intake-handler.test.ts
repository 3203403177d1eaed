import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { handler as IntakeHandler } from '../../../lambdas/intake/index.js';
import { alarmEvent, testScope } from '../../support/fixtures.js';
import {
  conditionalCheckFailed,
  invoke,
  rejectionOf,
  STATE_MACHINE_ARN,
  TABLE_NAME,
  throttlingError,
  TOPIC_ARN,
} from '../harness.js';

process.env.RESOURCE_SCOPE = JSON.stringify(testScope());
process.env.TABLE_NAME = TABLE_NAME;
process.env.STATE_MACHINE_ARN = STATE_MACHINE_ARN;

const dynamo = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
const sns = mockClient(SNSClient);

let handler: typeof IntakeHandler;

beforeAll(async () => {
  ({ handler } = await import('../../../lambdas/intake/index.js'));
});

beforeEach(() => {
  dynamo.reset();
  sfn.reset();
  dynamo.on(PutCommand).resolves({});
  sfn.on(StartExecutionCommand).resolves({
    executionArn: `${STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:x`,
    startDate: new Date(),
  });
});

function startInput(call = 0): { incident: Record<string, unknown>; attempt: { number: number } } {
  const input = sfn.commandCalls(StartExecutionCommand)[call]?.args[0].input.input;
  expect(input).toBeTypeOf('string');
  return JSON.parse(input as string) as { incident: Record<string, unknown>; attempt: { number: number } };
}

function expectNoAwsCalls(): void {
  expect(dynamo.calls()).toHaveLength(0);
  expect(sfn.calls()).toHaveLength(0);
}

describe('intake handler', () => {
  describe('a registered alarm going into ALARM', () => {
    it('opens the incident with a conditional put and starts one execution', async () => {
      // Prepare
      const event = alarmEvent();

      // Act
      const result = await invoke(handler, event);

      // Assess
      expect(result.status).toBe('started');
      expect(result.incidentId).toMatch(/^inc-[0-9a-f]{20}$/);

      const puts = dynamo.commandCalls(PutCommand);
      expect(puts).toHaveLength(2);
      const slot = puts[0]!.args[0].input;
      expect(slot.Item).toMatchObject({ pk: 'RESOURCE#autoscaling-group/web', sk: 'OPEN', holder: result.incidentId });
      expect(slot.ConditionExpression).toBe('attribute_not_exists(pk) OR holder = :me OR openUntil < :now');
      const put = puts[1]!.args[0].input;
      expect(put.TableName).toBe(TABLE_NAME);
      expect(put.ConditionExpression).toBe('attribute_not_exists(pk)');
      expect(put.Item).toMatchObject({
        pk: `INCIDENT#${result.incidentId}`,
        sk: 'META',
        status: 'open',
        resourceId: 'autoscaling-group/web',
        signal: 'web-cpu-high',
        executionName: result.executionName,
      });

      const starts = sfn.commandCalls(StartExecutionCommand);
      expect(starts).toHaveLength(1);
      expect(starts[0]!.args[0].input.stateMachineArn).toBe(STATE_MACHINE_ARN);
      expect(starts[0]!.args[0].input.name).toBe(result.executionName);
    });

    it('passes the normalised incident and attempt 0 to the execution', async () => {
      // Prepare
      const event = alarmEvent();

      // Act
      const result = await invoke(handler, event);

      // Assess
      const input = startInput();
      expect(input.attempt).toEqual({ number: 0 });
      expect(input.incident).toMatchObject({
        incidentId: result.incidentId,
        resource: { kind: 'autoscaling-group', name: 'web', id: 'autoscaling-group/web' },
        signal: { alarmName: 'web-cpu-high', state: 'ALARM', metricName: 'CPUUtilization' },
        onsetAt: '2026-11-27T10:00:00.000Z',
      });
    });

    it('names the execution deterministically, within the Step Functions limits', async () => {
      // Prepare
      const event = alarmEvent();

      // Act
      const first = await invoke(handler, event);
      const second = await invoke(handler, structuredClone(event));

      // Assess
      const names = sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input.name);
      expect(names).toHaveLength(2);
      expect(names[0]).toBe(names[1]);
      expect(first.executionName).toBe(second.executionName);
      expect(names[0]!.length).toBeLessThanOrEqual(80);
      expect(names[0]).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(names[0]).toMatch(/^web-inc-[0-9a-f]{20}$/);
    });

    it('gives a later transition into ALARM a different execution name', async () => {
      // Prepare
      const first = alarmEvent();
      const later = alarmEvent({ timestamp: '2026-11-27T11:30:00.000+0000' });

      // Act
      const a = await invoke(handler, first);
      const b = await invoke(handler, later);

      // Assess
      expect(a.executionName).not.toBe(b.executionName);
      expect(a.incidentId).not.toBe(b.incidentId);
    });
  });

  describe('duplicate deliveries', () => {
    it('reports a duplicate when the execution already exists', async () => {
      // Prepare
      sfn
        .on(StartExecutionCommand)
        .rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: { httpStatusCode: 400 } }));

      // Act
      const result = await invoke(handler, alarmEvent());

      // Assess
      expect(result.status).toBe('duplicate');
      expect(result.incidentId).toMatch(/^inc-/);
      expect(result.executionName).toMatch(/^web-inc-/);
      expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
    });

    it('still starts the execution when the incident is already open, and reports a duplicate', async () => {
      // Prepare: the slot is this incident's own (a redelivery); the incident record exists.
      dynamo.on(PutCommand, { Item: { sk: 'META' } } as never).rejects(conditionalCheckFailed());

      // Act
      const result = await invoke(handler, alarmEvent());

      // Assess
      expect(result.status).toBe('duplicate');
      expect(dynamo.commandCalls(PutCommand)).toHaveLength(2);
      const starts = sfn.commandCalls(StartExecutionCommand);
      expect(starts).toHaveLength(1);
      expect(starts[0]!.args[0].input.name).toBe(result.executionName);
    });
  });

  describe('malformed events', () => {
    const valid = alarmEvent();
    const { detail: _detail, ...withoutDetail } = valid;
    const variants: Array<{ title: string; event: unknown; names: RegExp }> = [
      { title: 'missing detail', event: withoutDetail, names: /detail: .*expected object, received undefined/ },
      { title: 'a wrong detail-type', event: { ...valid, 'detail-type': 'EC2 Instance State-change Notification' }, names: /detail-type: .*expected "CloudWatch Alarm State Change"/ },
      { title: 'a wrong source', event: { ...valid, source: 'aws.ec2' }, names: /source: .*expected "aws.cloudwatch"/ },
      {
        title: 'a bad state timestamp',
        event: alarmEvent({ timestamp: 'yesterday at ten' }),
        names: /detail\.state\.timestamp: not an alarm timestamp/,
      },
      {
        title: 'an impossible state timestamp',
        event: alarmEvent({ timestamp: '2026-13-45T10:00:00.000+0000' }),
        names: /detail\.state\.timestamp: not a valid date/,
      },
      { title: 'an unknown alarm state', event: alarmEvent({ value: 'PANIC' }), names: /detail\.state\.value/ },
      { title: 'a string instead of an object', event: 'CloudWatch Alarm State Change', names: /\(root\): .*expected object, received string/ },
      { title: 'null', event: null, names: /\(root\): .*expected object, received null/ },
    ];

    it.each(variants)('rejects $title with MalformedEventError and touches nothing', async ({ event, names }) => {
      // Act
      const error = await rejectionOf(invoke(handler, event));

      // Assess
      expect(error.name).toBe('MalformedEventError');
      expect(error.message).toContain('neither a CloudWatch Alarm State Change nor a Log Detection event');
      expect(error.message).toMatch(names);
      expectNoAwsCalls();
    });

    it('rejects an event whose alarm ARN is empty with MalformedEventError, not a raw schema error', async () => {
      // Prepare
      const event = { ...alarmEvent(), resources: [''] };

      // Act
      const error = await rejectionOf(invoke(handler, event));

      // Assess
      expect(error.name).toBe('MalformedEventError');
      expect(error.message).toMatch(/resources\.0/);
      expectNoAwsCalls();
    });

    it('names every wrong field at once', async () => {
      // Prepare
      const event = { ...alarmEvent({ timestamp: 'nope' }), source: 'aws.ec2' };

      // Act
      const error = await rejectionOf(invoke(handler, event));

      // Assess
      expect(error.message).toMatch(/source/);
      expect(error.message).toMatch(/detail\.state\.timestamp/);
      expectNoAwsCalls();
    });
  });

  describe('events that are not incidents', () => {
    it('ignores an alarm that no resource registered', async () => {
      // Act
      const result = await invoke(handler, alarmEvent({ alarmName: 'db-disk-full' }));

      // Assess
      expect(result.status).toBe('ignored');
      expect(result.reason).toContain('db-disk-full');
      expect(result.incidentId).toBeUndefined();
      expectNoAwsCalls();
    });

    it('ignores a transition to OK', async () => {
      // Act
      const result = await invoke(handler, alarmEvent({ value: 'OK' }));

      // Assess
      expect(result.status).toBe('ignored');
      expect(result.reason).toMatch(/OK, not ALARM/);
      expectNoAwsCalls();
    });

    it('ignores a transition to INSUFFICIENT_DATA', async () => {
      // Act
      const result = await invoke(handler, alarmEvent({ value: 'INSUFFICIENT_DATA' }));

      // Assess
      expect(result.status).toBe('ignored');
      expectNoAwsCalls();
    });
  });

  describe('AWS failures', () => {
    it('turns a throttled StartExecution into TransientAwsError, keeping the cause', async () => {
      // Prepare
      const throttled = throttlingError();
      sfn.on(StartExecutionCommand).rejects(throttled);

      // Act
      const error = await rejectionOf(invoke(handler, alarmEvent()));

      // Assess
      expect(error.name).toBe('TransientAwsError');
      expect(error.message).toContain('StartExecution');
      expect(error.message).toContain('ThrottlingException');
      expect(error.cause).toBe(throttled);
    });

    it('turns a throttled incident write into TransientAwsError and starts nothing', async () => {
      // Prepare
      dynamo.on(PutCommand).rejects(Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException', $metadata: { httpStatusCode: 400 } }));

      // Act
      const error = await rejectionOf(invoke(handler, alarmEvent()));

      // Assess
      expect(error.name).toBe('TransientAwsError');
      expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    });

    it('passes a non-transient StartExecution failure through unchanged', async () => {
      // Prepare
      const denied = Object.assign(new Error('not authorized'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
      sfn.on(StartExecutionCommand).rejects(denied);

      // Act
      const error = await rejectionOf(invoke(handler, alarmEvent()));

      // Assess
      expect(error).toBe(denied);
    });
  });

  describe('notifications', () => {
    beforeEach(() => {
      process.env.NOTIFICATION_TOPIC_ARN = TOPIC_ARN;
      sns.reset();
      sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    });

    afterEach(() => {
      delete process.env.NOTIFICATION_TOPIC_ARN;
    });

    it('announces a new incident once, with the run it started', async () => {
      // Act
      const result = await invoke(handler, alarmEvent());

      // Assess
      const publishes = sns.commandCalls(PublishCommand);
      expect(publishes).toHaveLength(1);
      const input = publishes[0]!.args[0].input;
      expect(input.TopicArn).toBe(TOPIC_ARN);
      expect(input.MessageAttributes?.type?.StringValue).toBe('incident-opened');
      expect(JSON.parse(input.Message!)).toMatchObject({
        type: 'incident-opened',
        incidentId: result.incidentId,
        resourceId: 'autoscaling-group/web',
        summary: 'web-cpu-high opened an incident on autoscaling-group/web; remediation started',
        executionArn: `${STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${result.executionName}`,
        details: { signal: 'web-cpu-high', source: 'cloudwatch-alarm', onsetAt: '2026-11-27T10:00:00.000Z' },
      });
    });

    it('announces nothing for a signal that opened no new incident', async () => {
      // Prepare: a redelivery; the incident record exists.
      dynamo.on(PutCommand, { Item: { sk: 'META' } } as never).rejects(conditionalCheckFailed());

      // Act
      const result = await invoke(handler, alarmEvent());

      // Assess
      expect(result.status).toBe('duplicate');
      expect(sns.calls()).toHaveLength(0);
    });

    it('still reports the run started when SNS refuses the notification', async () => {
      // Prepare
      sns.on(PublishCommand).rejects(throttlingError());

      // Act
      const result = await invoke(handler, alarmEvent());

      // Assess
      expect(result.status).toBe('started');
      expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
      expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    });
  });
});
