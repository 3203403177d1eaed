import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { describe, expect, it } from 'vitest';
import {
  changeReadersFor,
  mergeChanges,
  toCloudTrailChanges,
  toScalingActivityChanges,
  ASG_CHANGE_EVENT_NAMES,
} from '../../../lambdas/build-context/read-changes.js';
import { ChangeSchema } from '../../../lambdas/shared/workflow.js';
import { testScope } from '../../support/fixtures.js';

const WINDOW = { start: new Date('2026-11-27T09:00:00.000Z'), end: new Date('2026-11-27T10:05:00.000Z') };

describe('toScalingActivityChanges', () => {
  it('describes each activity in the window with its status, description, failure and cause, newest first', () => {
    // Act
    const changes = toScalingActivityChanges(
      [
        {
          ActivityId: 'a1',
          AutoScalingGroupName: 'web',
          StartTime: new Date('2026-11-27T09:40:00.000Z'),
          StatusCode: 'Successful',
          Description: 'Launching a new EC2 instance: i-1',
          Cause: 'At 2026-11-27T09:40:00Z a user request explicitly set group desired capacity changing the desired capacity from 2 to 4.',
          Progress: 100,
        },
        {
          ActivityId: 'a2',
          AutoScalingGroupName: 'web',
          StartTime: new Date('2026-11-27T09:58:00.000Z'),
          StatusCode: 'Failed',
          StatusMessage: 'We currently do not have sufficient capacity',
          Description: 'Launching a new EC2 instance',
          Cause: 'x'.repeat(400),
          Progress: 100,
        },
        { ActivityId: 'old', AutoScalingGroupName: 'web', StartTime: new Date('2026-11-27T07:00:00.000Z'), StatusCode: 'Successful', Cause: 'c', Progress: 100 },
      ],
      WINDOW,
      20,
    );

    // Assess
    expect(changes).toHaveLength(2);
    expect(changes[0]).toMatchObject({ at: '2026-11-27T09:58:00.000Z', source: 'autoscaling', event: 'ScalingActivity' });
    expect(changes[0]!.summary).toMatch(/^\[Failed\] Launching a new EC2 instance\. Status: We currently do not have sufficient capacity\. Cause: x+…$/);
    expect(changes[0]!.summary).toHaveLength(300);
    expect(changes[1]!.summary).toBe(
      '[Successful] Launching a new EC2 instance: i-1. Cause: At 2026-11-27T09:40:00Z a user request explicitly set group desired capacity changing the desired capacity from 2 to 4.',
    );
    for (const change of changes) expect(ChangeSchema.safeParse(change).success).toBe(true);
  });
});

describe('toCloudTrailChanges', () => {
  const event = (name: string, at: string, extra: Record<string, unknown> = {}) => ({
    EventId: name,
    EventName: name,
    EventTime: new Date(at),
    EventSource: 'autoscaling.amazonaws.com',
    ReadOnly: 'false',
    ...extra,
  });

  it('keeps the deploy-like write events in the window, with who made them and how', () => {
    // Act
    const changes = toCloudTrailChanges(
      [
        event('StartInstanceRefresh', '2026-11-27T09:50:00.000Z', {
          Username: 'deployer',
          CloudTrailEvent: JSON.stringify({ requestParameters: { autoScalingGroupName: 'web', strategy: 'Rolling' } }),
        }),
        event('UpdateAutoScalingGroup', '2026-11-27T09:55:00.000Z', {
          CloudTrailEvent: JSON.stringify({ userIdentity: { arn: 'arn:aws:iam::123456789012:role/ci' }, errorCode: 'ValidationError', requestParameters: { maxSize: 2 } }),
        }),
        event('DescribeAutoScalingGroups', '2026-11-27T09:56:00.000Z', { ReadOnly: 'true' }),
        event('CreateTags', '2026-11-27T09:57:00.000Z'),
        event('SetDesiredCapacity', '2026-11-27T08:00:00.000Z'),
        event('PutScalingPolicy', '2026-11-27T09:58:00.000Z', { CloudTrailEvent: 'not json' }),
      ],
      WINDOW,
      ASG_CHANGE_EVENT_NAMES,
      20,
    );

    // Assess
    expect(changes).toEqual([
      { at: '2026-11-27T09:58:00.000Z', source: 'cloudtrail', event: 'PutScalingPolicy', summary: 'autoscaling.amazonaws.com PutScalingPolicy' },
      {
        at: '2026-11-27T09:55:00.000Z',
        source: 'cloudtrail',
        event: 'UpdateAutoScalingGroup',
        actor: 'arn:aws:iam::123456789012:role/ci',
        summary: 'autoscaling.amazonaws.com UpdateAutoScalingGroup (failed: ValidationError) {"maxSize":2}',
      },
      {
        at: '2026-11-27T09:50:00.000Z',
        source: 'cloudtrail',
        event: 'StartInstanceRefresh',
        actor: 'deployer',
        summary: 'autoscaling.amazonaws.com StartInstanceRefresh {"autoScalingGroupName":"web","strategy":"Rolling"}',
      },
    ]);
  });
});

describe('mergeChanges', () => {
  it('merges the readers, newest first, up to the cap', () => {
    // Prepare
    const change = (at: string, source: string) => ({ at, source, event: 'e', summary: 's' });

    // Act
    const merged = mergeChanges(
      [
        [change('2026-11-27T09:10:00.000Z', 'autoscaling'), change('2026-11-27T09:30:00.000Z', 'autoscaling')],
        [change('2026-11-27T09:20:00.000Z', 'cloudtrail')],
      ],
      2,
    );

    // Assess
    expect(merged.map((c) => `${c.at} ${c.source}`)).toEqual(['2026-11-27T09:30:00.000Z autoscaling', '2026-11-27T09:20:00.000Z cloudtrail']);
  });
});

describe('changeReadersFor', () => {
  it('reads scaling activities and CloudTrail for an Auto Scaling group', () => {
    // Act
    const readers = changeReadersFor(testScope().resources[0]!, {
      autoScaling: () => new AutoScalingClient({}),
      cloudTrail: () => new CloudTrailClient({}),
    });

    // Assess
    expect(readers.map((reader) => reader.source)).toEqual(['autoscaling', 'cloudtrail']);
  });
});
