import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { handler as BuildContextHandler } from '../../../lambdas/build-context/index.js';
import { IncidentContextSchema } from '../../../lambdas/shared/workflow.js';
import { testIncident, testScope } from '../../support/fixtures.js';
import {
  accessDeniedError,
  autoScalingGroup,
  invoke,
  metricAlarm,
  rejectionOf,
  TABLE_NAME,
  throttlingError,
} from '../harness.js';

process.env.RESOURCE_SCOPE = JSON.stringify(testScope({ maxCapacity: 8 }, 'dry-run'));
process.env.TABLE_NAME = TABLE_NAME;

const dynamo = mockClient(DynamoDBDocumentClient);
const cloudWatch = mockClient(CloudWatchClient);
const autoScaling = mockClient(AutoScalingClient);

let handler: typeof BuildContextHandler;

beforeAll(async () => {
  ({ handler } = await import('../../../lambdas/build-context/index.js'));
});

const historyItem = {
  pk: 'RESOURCE#autoscaling-group/web',
  sk: 'HISTORY#2026-11-26T09:00:00.000Z#inc-ffffffffffffffffffff',
  type: 'history',
  incidentId: 'inc-ffffffffffffffffffff',
  outcome: 'resolved',
  action: 'scaleOutAsg',
  attempts: 1,
  closedAt: '2026-11-26T09:10:00.000Z',
  summary: 'resolved after 1 attempt(s): scaled web 2 → 4',
};

beforeEach(() => {
  dynamo.reset();
  cloudWatch.reset();
  autoScaling.reset();
  autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [autoScalingGroup({ desired: 4, max: 10 })] });
  cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [metricAlarm({ state: 'ALARM', datapoints: [90, 95] })] });
  dynamo.on(QueryCommand).resolves({ Items: [historyItem] });
});

const event = () => ({ incident: testIncident(), attempt: 0 });

describe('build-context handler', () => {
  it("gathers the group, the alarm, the history and the scope's limits and mode", async () => {
    // Act
    const context = await invoke(handler, event());

    // Assess
    expect(IncidentContextSchema.safeParse(context).success).toBe(true);
    expect(context.mode).toBe('dry-run');
    expect(context.limits).toMatchObject({ maxStep: 2, maxCapacity: 8, maxAttempts: 3 });
    expect(context.autoScalingGroup).toEqual({ name: 'web', minSize: 2, maxSize: 10, desiredCapacity: 4, inServiceInstances: 4 });
    expect(context.alarm).toMatchObject({ name: 'web-cpu-high', state: 'ALARM', metricName: 'CPUUtilization', threshold: 70, latestValue: 95 });
    expect(context.recentIncidents).toEqual([
      {
        incidentId: 'inc-ffffffffffffffffffff',
        outcome: 'resolved',
        action: 'scaleOutAsg',
        attempts: 1,
        closedAt: '2026-11-26T09:10:00.000Z',
        summary: 'resolved after 1 attempt(s): scaled web 2 → 4',
      },
    ]);
    expect(context.gaps).toEqual([]);

    const queries = dynamo.commandCalls(QueryCommand);
    expect(queries).toHaveLength(1);
    expect(queries[0]!.args[0].input).toMatchObject({
      TableName: TABLE_NAME,
      ExpressionAttributeValues: { ':pk': 'RESOURCE#autoscaling-group/web', ':prefix': 'HISTORY#' },
      ScanIndexForward: false,
      Limit: 5,
    });
    expect(autoScaling.commandCalls(DescribeAutoScalingGroupsCommand)[0]!.args[0].input).toEqual({ AutoScalingGroupNames: ['web'] });
  });

  it('fails with TargetNotFoundError when the group does not exist', async () => {
    // Prepare
    autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [] });

    // Act
    const error = await rejectionOf(invoke(handler, event()));

    // Assess
    expect(error.name).toBe('TargetNotFoundError');
    expect(error.message).toBe('Auto Scaling group web does not exist');
  });

  it('fails with TransientAwsError when the group cannot be read for throttling', async () => {
    // Prepare
    autoScaling.on(DescribeAutoScalingGroupsCommand).rejects(throttlingError());

    // Act
    const error = await rejectionOf(invoke(handler, event()));

    // Assess
    expect(error.name).toBe('TransientAwsError');
  });

  it('still returns the context when DescribeAlarms fails, with a gap for the alarm', async () => {
    // Prepare
    cloudWatch.on(DescribeAlarmsCommand).rejects(throttlingError('Rate exceeded for DescribeAlarms'));

    // Act
    const context = await invoke(handler, event());

    // Assess
    expect(context.alarm).toBeUndefined();
    expect(context.gaps).toHaveLength(1);
    expect(context.gaps[0]).toMatch(/^alarm: TransientAwsError: DescribeAlarms failed transiently \(ThrottlingException\)/);
    expect(context.recentIncidents).toHaveLength(1);
    expect(IncidentContextSchema.safeParse(context).success).toBe(true);
  });

  it('still returns the context when the history query fails, with a gap for the history', async () => {
    // Prepare
    dynamo.on(QueryCommand).rejects(accessDeniedError('not allowed to query'));

    // Act
    const context = await invoke(handler, event());

    // Assess
    expect(context.recentIncidents).toEqual([]);
    expect(context.gaps).toEqual(['history: AccessDeniedException: not allowed to query']);
    expect(context.alarm?.name).toBe('web-cpu-high');
  });

  it('records a deleted alarm as a gap that names it', async () => {
    // Prepare
    cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });

    // Act
    const context = await invoke(handler, event());

    // Assess
    expect(context.alarm).toBeUndefined();
    expect(context.gaps).toEqual(['alarm: TargetNotFoundError: alarm web-cpu-high no longer exists']);
  });

  it('refuses a resource that is no longer in scope with OutOfScopeError, reading nothing', async () => {
    // Prepare
    const incident = testIncident({ resource: { kind: 'autoscaling-group', name: 'legacy', id: 'autoscaling-group/legacy' } });

    // Act
    const error = await rejectionOf(invoke(handler, { incident, attempt: 0 }));

    // Assess
    expect(error.name).toBe('OutOfScopeError');
    expect(error.message).toContain('autoscaling-group/legacy is no longer registered');
    expect(autoScaling.calls()).toHaveLength(0);
    expect(cloudWatch.calls()).toHaveLength(0);
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('refuses malformed input as MalformedEventError, reading nothing', async () => {
    // Act
    const error = await rejectionOf(invoke(handler, { incident: { ...testIncident(), account: '42' }, attempt: 'first' }));

    // Assess
    expect(error.name).toBe('MalformedEventError');
    expect(error.message).toMatch(/incident\.account: /);
    expect(error.message).toMatch(/attempt: /);
    expect(autoScaling.calls()).toHaveLength(0);
    expect(cloudWatch.calls()).toHaveLength(0);
    expect(dynamo.calls()).toHaveLength(0);
  });
});
