import { AutoScalingClient, DescribeAutoScalingGroupsCommand, DescribeScalingActivitiesCommand } from '@aws-sdk/client-auto-scaling';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import {
  CloudWatchClient,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
} from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, FilterLogEventsCommand, type FilterLogEventsCommandInput } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_LOG_FILTER_PATTERN } from '../../../lambdas/build-context/budget.js';
import { contextSize } from '../../../lambdas/build-context/fit-to-budget.js';
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

const LOG_GROUPS = ['/app/web', '/app/worker', '/app/nginx'];
const PART_TIME_MS = 300;
const TOTAL_TIME_MS = 1_500;

process.env.RESOURCE_SCOPE = JSON.stringify(
  testScope(
    {
      maxCapacity: 8,
      dependencies: ['waf-ip-set/REGIONAL/site-blocklist'],
      logGroupNames: LOG_GROUPS,
      relatedMetrics: [{ namespace: 'AWS/ApplicationELB', metricName: 'TargetResponseTime', dimensions: { LoadBalancer: 'app/web/1' }, stat: 'p99' }],
    },
    'dry-run',
  ),
);
process.env.TABLE_NAME = TABLE_NAME;
process.env.CONTEXT_PART_TIME_MS = String(PART_TIME_MS);
process.env.CONTEXT_TOTAL_TIME_MS = String(TOTAL_TIME_MS);

/** Onset 10:00:00 (the fixture incident's), gathered five minutes later. */
const NOW = new Date('2026-11-27T10:05:00.000Z');

const dynamo = mockClient(DynamoDBDocumentClient);
const cloudWatch = mockClient(CloudWatchClient);
const autoScaling = mockClient(AutoScalingClient);
const logs = mockClient(CloudWatchLogsClient);
const cloudTrail = mockClient(CloudTrailClient);

let handler: typeof BuildContextHandler;

beforeAll(async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
  ({ handler } = await import('../../../lambdas/build-context/index.js'));
});

afterAll(() => {
  vi.useRealTimers();
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

/** One point a minute over the asked window: 40 before the onset, 95 after. */
function metricData(input: GetMetricDataCommandInput) {
  const start = input.StartTime!.getTime();
  const end = input.EndTime!.getTime();
  const timestamps: Date[] = [];
  for (let t = start; t < end; t += 60_000) timestamps.push(new Date(t));
  const onset = Date.parse('2026-11-27T10:00:00.000Z');
  return {
    MetricDataResults: input.MetricDataQueries!.map((query) => ({
      Id: query.Id,
      Label: query.Id,
      StatusCode: 'Complete' as const,
      Timestamps: timestamps,
      Values: timestamps.map((t) => (query.Id === 'alarm' ? (t.getTime() < onset ? 40 : 95) : 0.25)),
    })),
  };
}

function logEvents(lines: number, chars = 60) {
  return (input: FilterLogEventsCommandInput) => ({
    events: Array.from({ length: lines }, (_, i) => ({
      timestamp: Date.parse('2026-11-27T09:59:00.000Z') + i * 1_000,
      logStreamName: 'i-0123',
      message: `ERROR ${input.logGroupName} ${i} connection refused `.padEnd(chars, '.'),
    })),
  });
}

const never = () => new Promise<never>(() => undefined);

beforeEach(() => {
  for (const mock of [dynamo, cloudWatch, autoScaling, logs, cloudTrail]) mock.reset();
  autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [autoScalingGroup({ desired: 4, max: 10 })] });
  autoScaling.on(DescribeScalingActivitiesCommand).resolves({
    Activities: [
      {
        ActivityId: 'a1',
        AutoScalingGroupName: 'web',
        StartTime: new Date('2026-11-27T09:40:00.000Z'),
        StatusCode: 'Successful',
        Description: 'Launching a new EC2 instance: i-1',
        Cause: 'a user request explicitly set group desired capacity changing the desired capacity from 2 to 4',
        Progress: 100,
      },
    ],
  });
  cloudWatch.on(DescribeAlarmsCommand).resolves({
    MetricAlarms: [{ ...metricAlarm({ state: 'ALARM', datapoints: [90, 95] }), Dimensions: [{ Name: 'AutoScalingGroupName', Value: 'web' }] }],
  });
  cloudWatch.on(DescribeAlarmHistoryCommand).resolves({
    AlarmHistoryItems: [
      { AlarmName: 'web-cpu-high', Timestamp: new Date('2026-11-27T10:00:00.000Z'), HistoryItemType: 'StateUpdate', HistorySummary: 'Alarm updated from OK to ALARM' },
      { AlarmName: 'web-cpu-high', Timestamp: new Date('2026-11-27T09:50:00.000Z'), HistoryItemType: 'StateUpdate', HistorySummary: 'Alarm updated from ALARM to OK' },
    ],
  });
  cloudWatch.on(GetMetricDataCommand).callsFake(metricData);
  logs.on(FilterLogEventsCommand).callsFake(logEvents(2));
  cloudTrail.on(LookupEventsCommand).resolves({
    Events: [
      {
        EventId: 'e1',
        EventName: 'StartInstanceRefresh',
        EventTime: new Date('2026-11-27T09:55:00.000Z'),
        EventSource: 'autoscaling.amazonaws.com',
        Username: 'deployer',
        ReadOnly: 'false',
        CloudTrailEvent: JSON.stringify({ requestParameters: { autoScalingGroupName: 'web' } }),
      },
    ],
  });
  dynamo.on(QueryCommand).resolves({ Items: [historyItem] });
});

const event = () => ({ incident: testIncident(), attempt: 0 });
const optionsOf = (call: { args: unknown[] }) => call.args[1] as { abortSignal?: AbortSignal } | undefined;

describe('build-context handler', () => {
  it("gathers the group, the alarm, the history and the scope's limits and mode", async () => {
    // Act
    const context = await invoke(handler, event());

    // Assess
    expect(IncidentContextSchema.safeParse(context).success).toBe(true);
    expect(context.mode).toBe('dry-run');
    expect(context.limits).toMatchObject({ maxStep: 2, maxCapacity: 8, maxAttempts: 3, approvalTimeoutSeconds: 3_600 });
    expect(context.resource).toEqual({ id: 'autoscaling-group/web', dependencies: ['waf-ip-set/REGIONAL/site-blocklist'] });
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
    expect(context.trimmed).toEqual([]);
    expect(context.gatheredAt).toBe('2026-11-27T10:05:00.000Z');

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

  it("reads the alarm's state history from an hour before the onset, newest first", async () => {
    // Act
    const context = await invoke(handler, event());

    // Assess
    expect(context.alarmHistory).toEqual([
      { at: '2026-11-27T10:00:00.000Z', summary: 'Alarm updated from OK to ALARM' },
      { at: '2026-11-27T09:50:00.000Z', summary: 'Alarm updated from ALARM to OK' },
    ]);
    const [call] = cloudWatch.commandCalls(DescribeAlarmHistoryCommand);
    expect(call!.args[0].input).toEqual({
      AlarmName: 'web-cpu-high',
      HistoryItemType: 'StateUpdate',
      StartDate: new Date('2026-11-27T09:00:00.000Z'),
      EndDate: NOW,
      MaxRecords: 10,
      ScanBy: 'TimestampDescending',
    });
    expect(optionsOf(call!)?.abortSignal).toBeInstanceOf(AbortSignal);
  });

  it("reads the alarm's metric and the related metrics from 30 minutes before the onset, with a baseline", async () => {
    // Act
    const context = await invoke(handler, event());

    // Assess
    const [call] = cloudWatch.commandCalls(GetMetricDataCommand);
    expect(call!.args[0].input).toMatchObject({
      StartTime: new Date('2026-11-27T09:30:00.000Z'),
      EndTime: NOW,
      ScanBy: 'TimestampAscending',
      MetricDataQueries: [
        {
          Id: 'alarm',
          MetricStat: {
            Metric: { Namespace: 'AWS/EC2', MetricName: 'CPUUtilization', Dimensions: [{ Name: 'AutoScalingGroupName', Value: 'web' }] },
            Period: 60,
            Stat: 'Average',
          },
        },
        { Id: 'related0', MetricStat: { Metric: { Namespace: 'AWS/ApplicationELB', MetricName: 'TargetResponseTime' }, Stat: 'p99' } },
      ],
    });
    expect(optionsOf(call!)?.abortSignal).toBeInstanceOf(AbortSignal);
    const [cpu, latency] = context.metrics;
    expect(cpu).toMatchObject({ label: 'AWS/EC2 CPUUtilization Average {AutoScalingGroupName=web}', role: 'alarm', min: 40, max: 95, last: 95, baseline: 40 });
    expect(cpu!.points).toHaveLength(35);
    expect(latency).toMatchObject({ role: 'related', last: 0.25, baseline: 0.25 });
  });

  it('reads matching log lines of each log group from 15 minutes before the onset', async () => {
    // Act
    const context = await invoke(handler, event());

    // Assess
    expect(context.logs.map((excerpt) => [excerpt.logGroupName, excerpt.matchedLines, excerpt.lines.length])).toEqual(
      LOG_GROUPS.map((name) => [name, 2, 2]),
    );
    expect(context.logs[0]!.lines[0]).toMatchObject({ at: '2026-11-27T09:59:00.000Z', stream: 'i-0123' });
    const calls = logs.commandCalls(FilterLogEventsCommand);
    expect(calls.map((call) => call.args[0].input)).toEqual(
      LOG_GROUPS.map((logGroupName) => ({
        logGroupName,
        startTime: Date.parse('2026-11-27T09:45:00.000Z'),
        endTime: NOW.getTime(),
        filterPattern: DEFAULT_LOG_FILTER_PATTERN,
        limit: 500,
      })),
    );
    expect(optionsOf(calls[0]!)?.abortSignal).toBeInstanceOf(AbortSignal);
  });

  it("reads the group's scaling activities and deploy-like CloudTrail events from an hour before the onset", async () => {
    // Act
    const context = await invoke(handler, event());

    // Assess
    expect(context.changes).toEqual([
      {
        at: '2026-11-27T09:55:00.000Z',
        source: 'cloudtrail',
        event: 'StartInstanceRefresh',
        actor: 'deployer',
        summary: 'autoscaling.amazonaws.com StartInstanceRefresh {"autoScalingGroupName":"web"}',
      },
      {
        at: '2026-11-27T09:40:00.000Z',
        source: 'autoscaling',
        event: 'ScalingActivity',
        summary:
          '[Successful] Launching a new EC2 instance: i-1. Cause: a user request explicitly set group desired capacity changing the desired capacity from 2 to 4',
      },
    ]);
    expect(autoScaling.commandCalls(DescribeScalingActivitiesCommand)[0]!.args[0].input).toEqual({ AutoScalingGroupName: 'web', MaxRecords: 20 });
    const [lookup] = cloudTrail.commandCalls(LookupEventsCommand);
    expect(lookup!.args[0].input).toEqual({
      LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: 'web' }],
      StartTime: new Date('2026-11-27T09:00:00.000Z'),
      EndTime: NOW,
      MaxResults: 50,
    });
    expect(optionsOf(lookup!)?.abortSignal).toBeInstanceOf(AbortSignal);
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

  it('fails with TransientAwsError when the group gives no answer within the total time', async () => {
    // Prepare
    autoScaling.on(DescribeAutoScalingGroupsCommand).callsFake(never);

    // Act
    const error = await rejectionOf(invoke(handler, event()));

    // Assess
    expect(error.name).toBe('TransientAwsError');
    expect(error.message).toBe(`DescribeAutoScalingGroups timed out after ${TOTAL_TIME_MS} ms`);
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

  it('reads only the related metrics when the alarm cannot be read', async () => {
    // Prepare
    cloudWatch.on(DescribeAlarmsCommand).rejects(throttlingError());

    // Act
    const context = await invoke(handler, event());

    // Assess
    expect(cloudWatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input.MetricDataQueries!.map((query) => query.Id)).toEqual(['related0']);
    expect(context.metrics.map((series) => series.role)).toEqual(['related']);
  });

  it('reads the related metrics without the alarm when the alarm is too slow to name its metric', async () => {
    // Prepare
    cloudWatch.on(DescribeAlarmsCommand).callsFake(never);

    // Act
    const context = await invoke(handler, event());

    // Assess
    expect(context.gaps).toEqual([`alarm: timed out after ${PART_TIME_MS} ms`]);
    expect(context.metrics.map((series) => series.role)).toEqual(['related']);
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

  it.each([
    {
      part: 'the alarm history',
      fail: () => cloudWatch.on(DescribeAlarmHistoryCommand).rejects(throttlingError()),
      gap: /^alarmHistory: TransientAwsError: DescribeAlarmHistory failed transiently \(ThrottlingException\): Rate exceeded$/,
      empty: (context: { alarmHistory: unknown[] }) => context.alarmHistory,
    },
    {
      part: 'the metrics',
      fail: () => cloudWatch.on(GetMetricDataCommand).rejects(throttlingError()),
      gap: /^metrics: TransientAwsError: GetMetricData failed transiently \(ThrottlingException\): Rate exceeded$/,
      empty: (context: { metrics: unknown[] }) => context.metrics,
    },
    {
      part: 'the scaling activities',
      fail: () => autoScaling.on(DescribeScalingActivitiesCommand).rejects(accessDeniedError('no DescribeScalingActivities')),
      gap: /^changes autoscaling: AccessDeniedException: no DescribeScalingActivities$/,
      empty: (context: { changes: { source: string }[] }) => context.changes.filter((change) => change.source === 'autoscaling'),
    },
    {
      part: 'the CloudTrail events',
      fail: () => cloudTrail.on(LookupEventsCommand).rejects(throttlingError()),
      gap: /^changes cloudtrail: TransientAwsError: LookupEvents failed transiently \(ThrottlingException\): Rate exceeded$/,
      empty: (context: { changes: { source: string }[] }) => context.changes.filter((change) => change.source === 'cloudtrail'),
    },
  ])('still returns the context when $part cannot be read, with a gap that says why', async ({ fail, gap, empty }) => {
    // Prepare
    fail();

    // Act
    const context = await invoke(handler, event());

    // Assess
    expect(context.gaps).toHaveLength(1);
    expect(context.gaps[0]).toMatch(gap);
    expect(empty(context)).toEqual([]);
    expect(context.alarm?.name).toBe('web-cpu-high');
    expect(context.logs).toHaveLength(3);
    expect(IncidentContextSchema.safeParse(context).success).toBe(true);
  });

  it('names a log group it cannot read and keeps the others', async () => {
    // Prepare
    logs
      .on(FilterLogEventsCommand, { logGroupName: '/app/worker' })
      .rejects(Object.assign(new Error('The specified log group does not exist.'), { name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 400 } }));

    // Act
    const context = await invoke(handler, event());

    // Assess
    expect(context.gaps).toEqual(['logs /app/worker: ResourceNotFoundException: The specified log group does not exist.']);
    expect(context.logs.map((excerpt) => excerpt.logGroupName)).toEqual(['/app/web', '/app/nginx']);
  });

  it.each([
    { part: 'alarmHistory', hang: () => cloudWatch.on(DescribeAlarmHistoryCommand).callsFake(never), calls: () => cloudWatch.commandCalls(DescribeAlarmHistoryCommand) },
    { part: 'metrics', hang: () => cloudWatch.on(GetMetricDataCommand).callsFake(never), calls: () => cloudWatch.commandCalls(GetMetricDataCommand) },
    {
      part: 'logs /app/web',
      hang: () => logs.on(FilterLogEventsCommand, { logGroupName: '/app/web' }).callsFake(never),
      calls: () => logs.commandCalls(FilterLogEventsCommand, { logGroupName: '/app/web' }),
    },
    {
      part: 'changes autoscaling',
      hang: () => autoScaling.on(DescribeScalingActivitiesCommand).callsFake(never),
      calls: () => autoScaling.commandCalls(DescribeScalingActivitiesCommand),
    },
    { part: 'changes cloudtrail', hang: () => cloudTrail.on(LookupEventsCommand).callsFake(never), calls: () => cloudTrail.commandCalls(LookupEventsCommand) },
  ])('gives up on $part after its time budget, aborts the call, and names the gap', async ({ part, hang, calls }) => {
    // Prepare
    hang();
    const started = performance.now();

    // Act
    const context = await invoke(handler, event());

    // Assess
    expect(performance.now() - started).toBeLessThan(TOTAL_TIME_MS);
    expect(context.gaps).toEqual([`${part}: timed out after ${PART_TIME_MS} ms`]);
    expect(optionsOf(calls()[0]!)?.abortSignal?.aborted).toBe(true);
    expect(IncidentContextSchema.safeParse(context).success).toBe(true);
  });

  it('returns within the part budget when every optional part hangs, with a gap for each', async () => {
    // Prepare
    cloudWatch.on(DescribeAlarmsCommand).callsFake(never);
    cloudWatch.on(DescribeAlarmHistoryCommand).callsFake(never);
    cloudWatch.on(GetMetricDataCommand).callsFake(never);
    logs.on(FilterLogEventsCommand).callsFake(never);
    autoScaling.on(DescribeScalingActivitiesCommand).callsFake(never);
    cloudTrail.on(LookupEventsCommand).callsFake(never);
    dynamo.on(QueryCommand).callsFake(never);
    const started = performance.now();

    // Act
    const context = await invoke(handler, event());

    // Assess
    expect(performance.now() - started).toBeLessThan(TOTAL_TIME_MS);
    expect(context.gaps).toEqual(
      ['alarm', 'alarmHistory', 'metrics', ...LOG_GROUPS.map((name) => `logs ${name}`), 'changes autoscaling', 'changes cloudtrail', 'history'].map(
        (part) => `${part}: timed out after ${PART_TIME_MS} ms`,
      ),
    );
    expect(context.autoScalingGroup?.desiredCapacity).toBe(4);
    expect(IncidentContextSchema.safeParse(context).success).toBe(true);
  });

  it('trims the context to its size budget, log lines first, and says what it cut', async () => {
    // Prepare: three groups of many long, distinct error lines
    logs.on(FilterLogEventsCommand).callsFake(logEvents(500, 1_000));

    // Act
    const context = await invoke(handler, event());

    // Assess
    expect(contextSize(context)).toBeLessThanOrEqual(12_000);
    expect(context.logs.every((excerpt) => excerpt.matchedLines === 500)).toBe(true);
    expect(context.logs.every((excerpt) => excerpt.lines.every((line) => line.message.length <= 300))).toBe(true);
    expect(context.trimmed).toHaveLength(1);
    expect(context.trimmed[0]).toMatch(/^logs: kept \d+ of 60 lines/);
    expect(context.metrics[0]!.points).toHaveLength(35);
    expect(context.changes).toHaveLength(2);
    expect(IncidentContextSchema.safeParse(context).success).toBe(true);
  });

  it('refuses a resource that is no longer in scope with OutOfScopeError, reading nothing', async () => {
    // Prepare
    const incident = testIncident({ resource: { kind: 'autoscaling-group', name: 'legacy', id: 'autoscaling-group/legacy' } });

    // Act
    const error = await rejectionOf(invoke(handler, { incident, attempt: 0 }));

    // Assess
    expect(error.name).toBe('OutOfScopeError');
    expect(error.message).toContain('autoscaling-group/legacy is no longer registered');
    for (const mock of [autoScaling, cloudWatch, dynamo, logs, cloudTrail]) expect(mock.calls()).toHaveLength(0);
  });

  it('refuses malformed input as MalformedEventError, reading nothing', async () => {
    // Act
    const error = await rejectionOf(invoke(handler, { incident: { ...testIncident(), account: '42' }, attempt: 'first' }));

    // Assess
    expect(error.name).toBe('MalformedEventError');
    expect(error.message).toMatch(/incident\.account: /);
    expect(error.message).toMatch(/attempt: /);
    for (const mock of [autoScaling, cloudWatch, dynamo, logs, cloudTrail]) expect(mock.calls()).toHaveLength(0);
  });
});
