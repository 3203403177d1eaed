import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ScaleOutResult } from '../../../lambdas/shared/workflow.js';
import type { handler as VerifyHandler } from '../../../lambdas/verify-recovery/index.js';
import { testIncident } from '../../support/fixtures.js';
import { autoScalingGroup, invoke, metricAlarm, rejectionOf, throttlingError } from '../harness.js';

const cloudWatch = mockClient(CloudWatchClient);
const autoScaling = mockClient(AutoScalingClient);

let handler: typeof VerifyHandler;

beforeAll(async () => {
  ({ handler } = await import('../../../lambdas/verify-recovery/index.js'));
});

beforeEach(() => {
  cloudWatch.reset();
  autoScaling.reset();
  cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [metricAlarm({ state: 'OK', datapoints: [61, 48] })] });
  autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [autoScalingGroup({ desired: 6, inService: 5, pending: 1 })] });
});

const action: ScaleOutResult = {
  attempt: 1,
  autoScalingGroupName: 'web',
  beforeCapacity: 4,
  targetCapacity: 6,
  changed: true,
  actedAt: '2026-11-27T10:00:10.000Z',
};

const event = () => ({ incident: testIncident(), action });

describe('verify-recovery handler', () => {
  it('reads the alarm and the group, and judges an OK alarm healthy', async () => {
    // Act
    const verification = await invoke(handler, event());

    // Assess
    const alarmCalls = cloudWatch.commandCalls(DescribeAlarmsCommand);
    expect(alarmCalls).toHaveLength(1);
    expect(alarmCalls[0]!.args[0].input).toEqual({ AlarmNames: ['web-cpu-high'], AlarmTypes: ['MetricAlarm'] });
    const groupCalls = autoScaling.commandCalls(DescribeAutoScalingGroupsCommand);
    expect(groupCalls).toHaveLength(1);
    expect(groupCalls[0]!.args[0].input).toEqual({ AutoScalingGroupNames: ['web'] });

    expect(verification).toMatchObject({ healthy: true, alarmState: 'OK', desiredCapacity: 6, inServiceInstances: 5 });
    expect(verification.summary).toBe('alarm web-cpu-high is OK at 48; web desired 6, 5 in service (target 6)');
  });

  it('judges an alarm still in ALARM unhealthy', async () => {
    // Prepare
    cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [metricAlarm({ state: 'ALARM', datapoints: [88] })] });

    // Act
    const verification = await invoke(handler, event());

    // Assess
    expect(verification.healthy).toBe(false);
    expect(verification.alarmState).toBe('ALARM');
    expect(verification.summary).toContain('is ALARM at 88');
  });

  it('judges a vanished alarm unhealthy', async () => {
    // Prepare
    cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });

    // Act
    const verification = await invoke(handler, event());

    // Assess
    expect(verification.healthy).toBe(false);
    expect(verification.summary).toContain('alarm not found');
  });

  it('ignores an alarm with another name in the response', async () => {
    // Prepare
    cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [metricAlarm({ name: 'web-cpu-high-2', state: 'OK' })] });

    // Act
    const verification = await invoke(handler, event());

    // Assess
    expect(verification.healthy).toBe(false);
  });

  it('reports a group that no longer exists as TargetNotFoundError', async () => {
    // Prepare
    autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [] });

    // Act
    const error = await rejectionOf(invoke(handler, event()));

    // Assess
    expect(error.name).toBe('TargetNotFoundError');
  });

  it('reports a throttled read as TransientAwsError', async () => {
    // Prepare
    cloudWatch.on(DescribeAlarmsCommand).rejects(throttlingError());

    // Act
    const error = await rejectionOf(invoke(handler, event()));

    // Assess
    expect(error.name).toBe('TransientAwsError');
    expect(error.message).toContain('DescribeAlarms');
  });

  it('refuses input without the action as MalformedEventError, reading nothing', async () => {
    // Act
    const error = await rejectionOf(invoke(handler, { incident: testIncident() }));

    // Assess
    expect(error.name).toBe('MalformedEventError');
    expect(error.message).toMatch(/action: /);
    expect(cloudWatch.calls()).toHaveLength(0);
    expect(autoScaling.calls()).toHaveLength(0);
  });
});
