import {
  type Activity,
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  type DescribeAutoScalingGroupsCommandInput,
  DescribeScalingActivitiesCommand,
  type DescribeScalingActivitiesCommandInput,
  SetDesiredCapacityCommand,
  type SetDesiredCapacityCommandInput,
} from '@aws-sdk/client-auto-scaling';
import { CloudTrailClient, LookupEventsCommand, type LookupEventsCommandInput } from '@aws-sdk/client-cloudtrail';
import {
  CloudWatchClient,
  DescribeAlarmHistoryCommand,
  type DescribeAlarmHistoryCommandInput,
  DescribeAlarmsCommand,
  type DescribeAlarmsCommandInput,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, FilterLogEventsCommand, type FilterLogEventsCommandInput } from '@aws-sdk/client-cloudwatch-logs';
import { GenerateMacCommand, type GenerateMacCommandInput, KMSClient, VerifyMacCommand, type VerifyMacCommandInput } from '@aws-sdk/client-kms';
import {
  ExecutionAlreadyExists,
  SendTaskFailureCommand,
  type SendTaskFailureCommandInput,
  SendTaskSuccessCommand,
  type SendTaskSuccessCommandInput,
  SFNClient,
  StartExecutionCommand,
  type StartExecutionCommandInput,
} from '@aws-sdk/client-sfn';
import { PublishCommand, type PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import * as z from 'zod';
import { SimulatedHmacKey, SimulatedTaskTokens } from './simulated-callbacks.js';

/**
 * A small, deterministic model of the AWS account a scenario runs in.
 *
 * It answers the SDK calls the handlers make — Auto Scaling, CloudWatch,
 * SNS and Step Functions — by stubbing the SDK clients' `send`, so the
 * handlers run unchanged. Its physics are simple on purpose: a group's CPU
 * is its total demand spread over its in-service instances, and a CPU alarm
 * is in ALARM while that exceeds the threshold. New capacity is in service
 * at once.
 */

export const WorldGroupSchema = z.object({
  name: z.string(),
  minSize: z.number().int().min(0),
  maxSize: z.number().int().min(1),
  desiredCapacity: z.number().int().min(0),
  /** Total CPU demand in percent-of-one-instance: 450 keeps 4.5 instances fully busy. */
  cpuDemand: z.number().min(0),
});
export type WorldGroup = z.infer<typeof WorldGroupSchema>;

export const WorldAlarmSchema = z.object({
  name: z.string(),
  autoScalingGroupName: z.string(),
  metricName: z.string().default('CPUUtilization'),
  namespace: z.string().default('AWS/EC2'),
  threshold: z.number(),
  /** An alarm that stays in ALARM whatever the capacity: the fix does not address the cause. */
  stuck: z.boolean().default(false),
});
export type WorldAlarm = z.infer<typeof WorldAlarmSchema>;

export const WorldFaultSchema = z.object({
  /** SDK command name without the `Command` suffix, e.g. `SetDesiredCapacity`. */
  operation: z.string(),
  /** AWS error name, e.g. `Throttling` or `AccessDenied`. */
  error: z.string(),
  /** How many calls fail before the operation works again. */
  times: z.number().int().min(1),
  httpStatusCode: z.number().int().default(400),
});
export type WorldFault = z.infer<typeof WorldFaultSchema>;

/**
 * Seeded random faults on every simulated AWS call, for the reliability
 * suite: transient errors before the call takes effect, and lost responses
 * after a mutating call took effect (the caller cannot tell the two apart).
 */
export const WorldChaosSchema = z.object({
  seed: z.number().int(),
  /** Chance that a call fails before it takes effect. */
  failureRate: z.number().min(0).max(1),
  /** Chance that a mutating call takes effect but its response is lost. */
  lostResponseRate: z.number().min(0).max(1).default(0),
  errors: z.array(z.string()).min(1).default(['ThrottlingException', 'ServiceUnavailable', 'InternalFailure']),
  /** Operations that are never disturbed (e.g. the start of runs, when intake is not retried). */
  spare: z.array(z.string()).default([]),
});
export type WorldChaos = z.infer<typeof WorldChaosSchema>;

const MUTATING = new Set(['SetDesiredCapacity', 'Publish', 'StartExecution', 'SendTaskSuccess', 'SendTaskFailure']);

/** A small seeded PRNG (mulberry32): the same seed gives the same faults. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A change CloudTrail recorded on a resource: a deploy, a config edit. */
export const WorldChangeSchema = z.object({
  /** The API call, e.g. `StartInstanceRefresh`. */
  eventName: z.string(),
  /** The resource it touched, as CloudTrail's ResourceName lookup matches it (the group's name). */
  resourceName: z.string(),
  eventSource: z.string().default('autoscaling.amazonaws.com'),
  username: z.string().default('deployer'),
  minutesAgo: z.number().min(0).default(10),
  requestParameters: z.record(z.string(), z.unknown()).optional(),
});
export type WorldChange = z.infer<typeof WorldChangeSchema>;

export const WorldSchema = z.object({
  account: z.string().regex(/^\d{12}$/).default('123456789012'),
  region: z.string().default('us-east-1'),
  autoScalingGroups: z.array(WorldGroupSchema),
  alarms: z.array(WorldAlarmSchema),
  faults: z.array(WorldFaultSchema).default([]),
  /** Seeded random trouble on every call: see `WorldChaosSchema`. */
  chaos: WorldChaosSchema.optional(),
  /**
   * Log lines per log group, oldest first; the last line was written a second
   * ago and each earlier one a second before. A group not listed does not exist.
   */
  logs: z.record(z.string(), z.array(z.string())).default({}),
  /** Changes CloudTrail returns from LookupEvents. */
  changes: z.array(WorldChangeSchema).default([]),
});
export type WorldConfig = z.infer<typeof WorldSchema>;

/** A call that reached the world, for assertions and the timeline. */
export interface WorldCall {
  operation: string;
  input: unknown;
  failed?: string;
}

export interface StartedExecution {
  name: string;
  input: string;
  executionArn: string;
}

/** What the world does when the state machine is asked to start. */
export type ExecutionStarter = (execution: StartedExecution) => void;

function awsError(name: string, message: string, httpStatusCode: number): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: httpStatusCode >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode },
  });
}

/** CloudWatch's own timestamp format: `2024-05-01T10:00:00.000+0000`. */
function cloudWatchTimestamp(date: Date): string {
  return date.toISOString().replace('Z', '+0000');
}

export class SimulatedWorld {
  readonly account: string;
  readonly region: string;
  readonly groups = new Map<string, WorldGroup>();
  readonly alarms = new Map<string, WorldAlarm>();
  readonly calls: WorldCall[] = [];
  readonly notifications: PublishCommandInput[] = [];
  readonly executions = new Map<string, StartedExecution>();
  /** Log lines per log group, oldest first. */
  readonly logs = new Map<string, string[]>();
  readonly changes: WorldChange[];
  /** Scaling activities per group, newest first: every capacity change the world made. */
  private readonly activities = new Map<string, Activity[]>();
  private readonly faults: WorldFault[];
  private readonly chaos?: WorldChaos;
  private readonly random: () => number;
  /** Every change of a group's desired capacity, in order. */
  readonly capacityChanges: { group: string; from: number; to: number }[] = [];
  private readonly stateMachineArn: string;
  private starter: ExecutionStarter = () => undefined;
  private mocks: { restore(): void }[] = [];
  /** The KMS HMAC key that signs approval links. */
  readonly hmacKey: SimulatedHmacKey;
  /** Step Functions callback tasks (`.waitForTaskToken`), by token. */
  readonly taskTokens = new SimulatedTaskTokens();

  constructor(config: WorldConfig) {
    this.account = config.account;
    this.region = config.region;
    for (const group of config.autoScalingGroups) this.groups.set(group.name, { ...group });
    for (const alarm of config.alarms) this.alarms.set(alarm.name, { ...alarm });
    this.faults = config.faults.map((fault) => ({ ...fault }));
    this.chaos = config.chaos;
    this.random = seededRandom(config.chaos?.seed ?? 0);
    for (const [logGroupName, lines] of Object.entries(config.logs)) this.logs.set(logGroupName, [...lines]);
    this.changes = config.changes.map((change) => ({ ...change }));
    this.stateMachineArn = `arn:aws:states:${this.region}:${this.account}:stateMachine:remediate-incident`;
    this.hmacKey = new SimulatedHmacKey(this.region, this.account);
  }

  get remediationStateMachineArn(): string {
    return this.stateMachineArn;
  }

  /** ARN of the world's HMAC key: the approval functions' `APPROVAL_KEY_ID`. */
  get approvalKeyArn(): string {
    return this.hmacKey.keyArn;
  }

  /** Registers a task waiting on `token`; SendTaskSuccess or SendTaskFailure for the token settles it. */
  waitForTask(token: string): Promise<unknown> {
    return this.taskTokens.waitForTask(token);
  }

  /** The waiting task's timeout passes: it fails with `States.Timeout`, and later callbacks are too late. */
  timeOutTask(token: string): void {
    this.taskTokens.timeOut(token);
  }

  /** The task stopped waiting without a callback (its function failed); later callbacks are too late. */
  closeTask(token: string, why: string): void {
    this.taskTokens.abandon(token, why);
  }

  /** The load on a group changes: a traffic spike, a leak, a fix elsewhere. */
  setCpuDemand(groupName: string, cpuDemand: number): void {
    this.requireGroup(groupName).cpuDemand = cpuDemand;
  }

  /** CPU utilisation of a group, in percent. */
  cpuOf(groupName: string): number {
    const group = this.requireGroup(groupName);
    if (group.desiredCapacity === 0) return 100;
    return Math.min(100, Math.round((group.cpuDemand / group.desiredCapacity) * 10) / 10);
  }

  alarmState(alarmName: string): 'OK' | 'ALARM' {
    const alarm = this.requireAlarm(alarmName);
    if (alarm.stuck) return 'ALARM';
    return this.cpuOf(alarm.autoScalingGroupName) > alarm.threshold ? 'ALARM' : 'OK';
  }

  /** The EventBridge event CloudWatch emits when this alarm goes into ALARM. */
  alarmEvent(alarmName: string, at = new Date()): Record<string, unknown> {
    const alarm = this.requireAlarm(alarmName);
    const cpu = this.cpuOf(alarm.autoScalingGroupName);
    const timestamp = cloudWatchTimestamp(at);
    return {
      version: '0',
      id: `evt-${alarmName}-${at.getTime()}`,
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      account: this.account,
      time: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: this.region,
      resources: [`arn:aws:cloudwatch:${this.region}:${this.account}:alarm:${alarmName}`],
      detail: {
        alarmName,
        state: {
          value: 'ALARM',
          reason: `Threshold Crossed: 1 datapoint [${cpu}] was greater than the threshold (${alarm.threshold}).`,
          reasonData: JSON.stringify({ version: '1.0', recentDatapoints: [cpu], threshold: alarm.threshold }),
          timestamp,
        },
        previousState: { value: 'OK', reason: 'Threshold not crossed', timestamp },
        configuration: {
          description: `CPU high on ${alarm.autoScalingGroupName}`,
          metrics: [
            {
              id: 'm1',
              metricStat: {
                metric: {
                  name: alarm.metricName,
                  namespace: alarm.namespace,
                  dimensions: { AutoScalingGroupName: alarm.autoScalingGroupName },
                },
                period: 60,
                stat: 'Average',
              },
              returnData: true,
            },
          ],
        },
      },
    };
  }

  /** Routes the SDK clients to this world until `uninstall`. */
  install(starter: ExecutionStarter): void {
    this.starter = starter;
    const autoScaling = mockClient(AutoScalingClient);
    autoScaling.onAnyCommand().callsFake((input) => this.unsupported('AutoScaling', input));
    autoScaling
      .on(DescribeAutoScalingGroupsCommand)
      .callsFake((input: DescribeAutoScalingGroupsCommandInput) => this.call('DescribeAutoScalingGroups', input, () => this.describeGroups(input)));
    autoScaling
      .on(SetDesiredCapacityCommand)
      .callsFake((input: SetDesiredCapacityCommandInput) => this.call('SetDesiredCapacity', input, () => this.setDesiredCapacity(input)));
    autoScaling
      .on(DescribeScalingActivitiesCommand)
      .callsFake((input: DescribeScalingActivitiesCommandInput) =>
        this.call('DescribeScalingActivities', input, () => this.describeScalingActivities(input)),
      );

    const cloudWatch = mockClient(CloudWatchClient);
    cloudWatch.onAnyCommand().callsFake((input) => this.unsupported('CloudWatch', input));
    cloudWatch
      .on(DescribeAlarmsCommand)
      .callsFake((input: DescribeAlarmsCommandInput) => this.call('DescribeAlarms', input, () => this.describeAlarms(input)));
    cloudWatch
      .on(DescribeAlarmHistoryCommand)
      .callsFake((input: DescribeAlarmHistoryCommandInput) => this.call('DescribeAlarmHistory', input, () => ({ AlarmHistoryItems: [] })));
    cloudWatch
      .on(GetMetricDataCommand)
      .callsFake((input: GetMetricDataCommandInput) => this.call('GetMetricData', input, () => this.getMetricData(input)));

    const logs = mockClient(CloudWatchLogsClient);
    logs.onAnyCommand().callsFake((input) => this.unsupported('CloudWatchLogs', input));
    logs
      .on(FilterLogEventsCommand)
      .callsFake((input: FilterLogEventsCommandInput) => this.call('FilterLogEvents', input, () => this.filterLogEvents(input)));

    const cloudTrail = mockClient(CloudTrailClient);
    cloudTrail.onAnyCommand().callsFake((input) => this.unsupported('CloudTrail', input));
    cloudTrail
      .on(LookupEventsCommand)
      .callsFake((input: LookupEventsCommandInput) => this.call('LookupEvents', input, () => this.lookupEvents(input)));

    const notifications = mockClient(SNSClient);
    notifications.onAnyCommand().callsFake((input) => this.unsupported('SNS', input));
    notifications.on(PublishCommand).callsFake((input: PublishCommandInput) =>
      this.call('Publish', input, () => {
        this.notifications.push(input);
        return { MessageId: `msg-${this.notifications.length}` };
      }),
    );

    const stepFunctions = mockClient(SFNClient);
    stepFunctions.onAnyCommand().callsFake((input) => this.unsupported('StepFunctions', input));
    stepFunctions
      .on(StartExecutionCommand)
      .callsFake((input: StartExecutionCommandInput) => this.call('StartExecution', input, () => this.startExecution(input)));

    this.mocks = [autoScaling, cloudWatch, logs, cloudTrail, notifications, stepFunctions];

    // Callback tasks (`.waitForTaskToken`) and the HMAC key that signs approval links.
    stepFunctions
      .on(SendTaskSuccessCommand)
      .callsFake((input: SendTaskSuccessCommandInput) => this.call('SendTaskSuccess', input, () => this.taskTokens.sendTaskSuccess(input)));
    stepFunctions
      .on(SendTaskFailureCommand)
      .callsFake((input: SendTaskFailureCommandInput) => this.call('SendTaskFailure', input, () => this.taskTokens.sendTaskFailure(input)));
    const keyManagement = mockClient(KMSClient);
    keyManagement.onAnyCommand().callsFake((input) => this.unsupported('KMS', input));
    keyManagement
      .on(GenerateMacCommand)
      .callsFake((input: GenerateMacCommandInput) => this.call('GenerateMac', input, () => this.hmacKey.generateMac(input)));
    keyManagement
      .on(VerifyMacCommand)
      .callsFake((input: VerifyMacCommandInput) => this.call('VerifyMac', input, () => this.hmacKey.verifyMac(input)));
    this.mocks.push(keyManagement);
  }

  uninstall(): void {
    for (const mock of this.mocks) mock.restore();
    this.mocks = [];
  }

  private call<T>(operation: string, input: unknown, answer: () => T): T {
    const fault = this.faults.find((candidate) => candidate.operation === operation && candidate.times > 0);
    if (fault !== undefined) {
      fault.times -= 1;
      this.calls.push({ operation, input, failed: fault.error });
      throw awsError(fault.error, `simulated ${fault.error} on ${operation}`, fault.httpStatusCode);
    }
    const chaos = this.chaos;
    if (chaos !== undefined && !chaos.spare.includes(operation)) {
      if (this.random() < chaos.failureRate) {
        const error = chaos.errors[Math.floor(this.random() * chaos.errors.length)]!;
        this.calls.push({ operation, input, failed: error });
        throw awsError(error, `chaos: ${error} on ${operation}`, error === 'ThrottlingException' ? 400 : 503);
      }
      if (MUTATING.has(operation) && this.random() < chaos.lostResponseRate) {
        this.calls.push({ operation, input, failed: 'lost response' });
        answer();
        throw awsError('InternalFailure', `chaos: ${operation} took effect but its response was lost`, 500);
      }
    }
    this.calls.push({ operation, input });
    return answer();
  }

  private unsupported(service: string, input: unknown): never {
    throw new Error(`the simulated world does not implement this ${service} call: ${JSON.stringify(input)}`);
  }

  private describeGroups(input: DescribeAutoScalingGroupsCommandInput) {
    const names = input.AutoScalingGroupNames ?? [...this.groups.keys()];
    const groups = names.flatMap((name) => {
      const group = this.groups.get(name);
      if (group === undefined) return [];
      return [
        {
          AutoScalingGroupName: group.name,
          AutoScalingGroupARN: `arn:aws:autoscaling:${this.region}:${this.account}:autoScalingGroup:00000000-0000-0000-0000-000000000000:autoScalingGroupName/${group.name}`,
          MinSize: group.minSize,
          MaxSize: group.maxSize,
          DesiredCapacity: group.desiredCapacity,
          Instances: Array.from({ length: group.desiredCapacity }, (_, index) => ({
            InstanceId: `i-${group.name}-${index}`,
            LifecycleState: 'InService' as const,
            HealthStatus: 'Healthy',
          })),
        },
      ];
    });
    return { AutoScalingGroups: groups };
  }

  private setDesiredCapacity(input: SetDesiredCapacityCommandInput) {
    const group = this.groups.get(input.AutoScalingGroupName ?? '');
    if (group === undefined) throw awsError('ValidationError', `AutoScalingGroup name not found - ${input.AutoScalingGroupName}`, 400);
    const desired = input.DesiredCapacity ?? group.desiredCapacity;
    if (desired > group.maxSize || desired < group.minSize) {
      throw awsError('ValidationError', `New SetDesiredCapacity value ${desired} is outside the group's bounds`, 400);
    }
    if (desired !== group.desiredCapacity) {
      this.recordActivity(group, desired);
      this.capacityChanges.push({ group: group.name, from: group.desiredCapacity, to: desired });
    }
    group.desiredCapacity = desired;
    return {};
  }

  private recordActivity(group: WorldGroup, desired: number): void {
    const activities = this.activities.get(group.name) ?? [];
    const now = new Date();
    const delta = desired - group.desiredCapacity;
    const what = delta > 0 ? `Launching ${delta} new EC2 instance(s)` : `Terminating ${-delta} EC2 instance(s)`;
    activities.unshift({
      ActivityId: `act-${group.name}-${activities.length + 1}`,
      AutoScalingGroupName: group.name,
      Description: what,
      Cause:
        `At ${now.toISOString()} a user request explicitly set group desired capacity changing the desired capacity ` +
        `from ${group.desiredCapacity} to ${desired}.`,
      StartTime: now,
      EndTime: now,
      StatusCode: 'Successful',
      Progress: 100,
    });
    this.activities.set(group.name, activities);
  }

  private describeScalingActivities(input: DescribeScalingActivitiesCommandInput) {
    const names = input.AutoScalingGroupName === undefined ? [...this.activities.keys()] : [input.AutoScalingGroupName];
    const activities = names
      .flatMap((name) => this.activities.get(name) ?? [])
      .sort((a, b) => b.StartTime!.getTime() - a.StartTime!.getTime());
    return { Activities: activities.slice(0, input.MaxRecords ?? 100) };
  }

  /**
   * Metric data with a simple shape: a group's CPUUtilization is half its
   * current value until five minutes before the end of the window, then its
   * current value (the load that raised the alarm). Any other metric has no
   * data.
   */
  private getMetricData(input: GetMetricDataCommandInput) {
    const start = input.StartTime?.getTime() ?? Date.now() - 3_600_000;
    const end = input.EndTime?.getTime() ?? Date.now();
    const results: MetricDataResult[] = (input.MetricDataQueries ?? [])
      .filter((query) => query.ReturnData !== false)
      .map((query) => {
        const metric = query.MetricStat?.Metric;
        const groupName = metric?.Dimensions?.find((dimension) => dimension.Name === 'AutoScalingGroupName')?.Value;
        const group = groupName === undefined ? undefined : this.groups.get(groupName);
        if (metric?.MetricName !== 'CPUUtilization' || group === undefined) {
          return { Id: query.Id, Label: metric?.MetricName ?? query.Id, Timestamps: [], Values: [], StatusCode: 'Complete' as const };
        }
        const periodMs = (query.MetricStat?.Period ?? 60) * 1000;
        const cpu = this.cpuOf(group.name);
        const timestamps: Date[] = [];
        const values: number[] = [];
        for (let t = Math.ceil(start / periodMs) * periodMs; t < end; t += periodMs) {
          timestamps.push(new Date(t));
          values.push(t >= end - 5 * 60_000 ? cpu : Math.round(cpu * 5) / 10);
        }
        if (input.ScanBy !== 'TimestampAscending') {
          timestamps.reverse();
          values.reverse();
        }
        return { Id: query.Id, Label: metric.MetricName, Timestamps: timestamps, Values: values, StatusCode: 'Complete' as const };
      });
    return { MetricDataResults: results, Messages: [] };
  }

  /** Matches CloudWatch Logs' term patterns: `?a ?b` is any of the terms, `a b` all of them, empty everything. */
  private static matches(filterPattern: string | undefined, message: string): boolean {
    const terms = (filterPattern ?? '').split(/\s+/).filter((term) => term !== '');
    if (terms.length === 0) return true;
    const optional = terms.filter((term) => term.startsWith('?')).map((term) => term.slice(1).replace(/^"|"$/g, ''));
    const required = terms.filter((term) => !term.startsWith('?')).map((term) => term.replace(/^"|"$/g, ''));
    return required.every((term) => message.includes(term)) && (optional.length === 0 || optional.some((term) => message.includes(term)));
  }

  private filterLogEvents(input: FilterLogEventsCommandInput) {
    const name = input.logGroupName ?? input.logGroupIdentifier ?? '';
    const lines = this.logs.get(name);
    if (lines === undefined) throw awsError('ResourceNotFoundException', 'The specified log group does not exist.', 400);
    const now = Date.now();
    const events = lines
      .map((message, index) => ({
        logStreamName: `${name.split('/').at(-1) ?? 'app'}/i-0000000000000000${index % 4}`,
        timestamp: now - (lines.length - index) * 1000,
        message,
        eventId: `${name}-${index}`,
      }))
      .filter((event) => event.timestamp >= (input.startTime ?? 0) && event.timestamp <= (input.endTime ?? now))
      .filter((event) => SimulatedWorld.matches(input.filterPattern, event.message));
    return { events: events.slice(0, input.limit ?? 10_000), searchedLogStreams: [] };
  }

  private lookupEvents(input: LookupEventsCommandInput) {
    const resourceName = input.LookupAttributes?.find((attribute) => attribute.AttributeKey === 'ResourceName')?.AttributeValue;
    const now = Date.now();
    const events = this.changes
      .map((change, index) => ({ change, at: new Date(now - change.minutesAgo * 60_000), index }))
      .filter(({ change }) => resourceName === undefined || change.resourceName === resourceName)
      .filter(({ at }) => (input.StartTime === undefined || at >= input.StartTime) && (input.EndTime === undefined || at <= input.EndTime))
      .sort((a, b) => b.at.getTime() - a.at.getTime())
      .slice(0, input.MaxResults ?? 50)
      .map(({ change, at, index }) => ({
        EventId: `evt-${index}`,
        EventName: change.eventName,
        ReadOnly: 'false',
        EventTime: at,
        EventSource: change.eventSource,
        Username: change.username,
        Resources: [{ ResourceType: 'AWS::AutoScaling::AutoScalingGroup', ResourceName: change.resourceName }],
        CloudTrailEvent: JSON.stringify({
          eventName: change.eventName,
          eventSource: change.eventSource,
          userIdentity: { arn: `arn:aws:iam::${this.account}:user/${change.username}` },
          requestParameters: change.requestParameters ?? null,
        }),
      }));
    return { Events: events };
  }

  private describeAlarms(input: DescribeAlarmsCommandInput) {
    const names = input.AlarmNames ?? [...this.alarms.keys()];
    const alarms = names.flatMap((name) => {
      const alarm = this.alarms.get(name);
      if (alarm === undefined) return [];
      const cpu = this.cpuOf(alarm.autoScalingGroupName);
      return [
        {
          AlarmName: alarm.name,
          AlarmArn: `arn:aws:cloudwatch:${this.region}:${this.account}:alarm:${alarm.name}`,
          StateValue: this.alarmState(alarm.name),
          StateReasonData: JSON.stringify({ version: '1.0', recentDatapoints: [cpu], threshold: alarm.threshold }),
          StateUpdatedTimestamp: new Date(),
          MetricName: alarm.metricName,
          Namespace: alarm.namespace,
          Threshold: alarm.threshold,
          ComparisonOperator: 'GreaterThanThreshold' as const,
          Dimensions: [{ Name: 'AutoScalingGroupName', Value: alarm.autoScalingGroupName }],
        },
      ];
    });
    return { MetricAlarms: alarms, CompositeAlarms: [] };
  }

  private startExecution(input: StartExecutionCommandInput) {
    const name = input.name ?? `anonymous-${this.executions.size}`;
    const existing = this.executions.get(name);
    if (existing !== undefined) {
      if (existing.input === input.input) return { executionArn: existing.executionArn, startDate: new Date() };
      throw new ExecutionAlreadyExists({
        message: `Execution Already Exists: '${existing.executionArn}'`,
        $metadata: { httpStatusCode: 400 },
      });
    }
    const execution = {
      name,
      input: input.input ?? '{}',
      executionArn: `arn:aws:states:${this.region}:${this.account}:execution:remediate-incident:${name}`,
    };
    this.executions.set(name, execution);
    this.starter(execution);
    return { executionArn: execution.executionArn, startDate: new Date() };
  }

  private requireGroup(name: string): WorldGroup {
    const group = this.groups.get(name);
    if (group === undefined) throw new Error(`the world has no Auto Scaling group named ${name}`);
    return group;
  }

  private requireAlarm(name: string): WorldAlarm {
    const alarm = this.alarms.get(name);
    if (alarm === undefined) throw new Error(`the world has no alarm named ${name}`);
    return alarm;
  }
}
