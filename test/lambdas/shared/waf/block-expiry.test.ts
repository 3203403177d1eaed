import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { atExpression, BlockExpiry, scheduleNameOf, UnblockInputSchema } from '../../../../lambdas/shared/waf/block-expiry.js';
import { rejectionOf, throttlingError } from '../../harness.js';

const settings = {
  groupName: 'self-healing-waf-blocks',
  targetArn: 'arn:aws:lambda:eu-west-1:123456789012:function:unblock-ip',
  roleArn: 'arn:aws:iam::123456789012:role/scheduler-invoke-unblock',
};
const input = {
  action: 'unblockIpInWaf' as const,
  blockId: 'blk-0123456789abcdef0123456789ab',
  ipSet: { name: 'blocked-clients', id: 'a1b2c3d4-0000-4000-8000-000000000001', scope: 'REGIONAL' as const },
  cidr: '198.51.100.7/32',
};

const client = new SchedulerClient({ region: 'eu-west-1' });
const scheduler = mockClient(client);

beforeEach(() => {
  scheduler.reset();
});

describe('atExpression', () => {
  it('is a UTC wall-clock time without zone or milliseconds, rounded up to the second', () => {
    expect(atExpression(new Date('2026-11-27T10:30:00.000Z'))).toBe('at(2026-11-27T10:30:00)');
    expect(atExpression(new Date('2026-11-27T23:59:59.001Z'))).toBe('at(2026-11-28T00:00:00)');
  });
});

describe('BlockExpiry', () => {
  it('creates a one-time UTC schedule that deletes itself and hands the unblock function the block', async () => {
    // Prepare
    scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:schedule' });
    const expiry = new BlockExpiry(client, settings);

    // Act
    const result = await expiry.schedule(input, new Date('2026-11-27T10:30:00Z'), 'Unblock 198.51.100.7/32');

    // Assess
    expect(result).toEqual({ scheduleName: 'unblock-blk-0123456789abcdef0123456789ab', created: true });
    const sent = scheduler.commandCalls(CreateScheduleCommand)[0]!.args[0].input;
    expect(sent).toEqual({
      Name: 'unblock-blk-0123456789abcdef0123456789ab',
      GroupName: settings.groupName,
      ScheduleExpression: 'at(2026-11-27T10:30:00)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      Description: 'Unblock 198.51.100.7/32',
      Target: { Arn: settings.targetArn, RoleArn: settings.roleArn, Input: expect.any(String) },
      ClientToken: input.blockId,
    });
    expect(UnblockInputSchema.parse(JSON.parse(sent.Target!.Input!))).toEqual(input);
    expect(sent.Name!.length).toBeLessThanOrEqual(64);
    expect(sent.Name).toMatch(/^[0-9a-zA-Z-_.]+$/);
  });

  it('hands Scheduler the dead-letter queue and retry policy, so an expiry that cannot be delivered is kept, not lost', async () => {
    scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:schedule' });
    const withDlq = { ...settings, deadLetterArn: 'arn:aws:sqs:eu-west-1:123456789012:expiry-dlq', retryPolicy: { maximumRetryAttempts: 10, maximumEventAgeInSeconds: 3_600 } };
    await new BlockExpiry(client, withDlq).schedule(input, new Date('2026-11-27T10:30:00Z'), 'x');
    const target = scheduler.commandCalls(CreateScheduleCommand)[0]!.args[0].input.Target;
    expect(target?.DeadLetterConfig).toEqual({ Arn: 'arn:aws:sqs:eu-west-1:123456789012:expiry-dlq' });
    expect(target?.RetryPolicy).toEqual({ MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3_600 });
  });

  it('sets no dead-letter queue or retry policy when none is configured', async () => {
    scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:schedule' });
    await new BlockExpiry(client, settings).schedule(input, new Date('2026-11-27T10:30:00Z'), 'x');
    const target = scheduler.commandCalls(CreateScheduleCommand)[0]!.args[0].input.Target;
    expect(target).not.toHaveProperty('DeadLetterConfig');
    expect(target).not.toHaveProperty('RetryPolicy');
  });

  it('treats ConflictException as already scheduled', async () => {
    scheduler.on(CreateScheduleCommand).rejects(new ConflictException({ message: 'exists', Message: 'exists', $metadata: { httpStatusCode: 409 } }));
    const result = await new BlockExpiry(client, settings).schedule(input, new Date('2026-11-27T10:30:00Z'), 'x');
    expect(result).toEqual({ scheduleName: scheduleNameOf(input.blockId), created: false });
  });

  it('re-throws throttling as TransientAwsError', async () => {
    scheduler.on(CreateScheduleCommand).rejects(throttlingError());
    const error = await rejectionOf(new BlockExpiry(client, settings).schedule(input, new Date(), 'x'));
    expect(error.name).toBe('TransientAwsError');
  });

  it('cancels by name in the group; a schedule already gone is fine', async () => {
    scheduler.on(DeleteScheduleCommand).rejects(new ResourceNotFoundException({ message: 'gone', Message: 'gone', $metadata: { httpStatusCode: 404 } }));
    const expiry = new BlockExpiry(client, settings);
    await expect(expiry.cancel(input.blockId)).resolves.toBe(false);
    expect(scheduler.commandCalls(DeleteScheduleCommand)[0]!.args[0].input).toEqual({
      Name: scheduleNameOf(input.blockId),
      GroupName: settings.groupName,
    });
  });
});
