import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  type DescribeAutoScalingGroupsCommandInput,
  SetDesiredCapacityCommand,
  type SetDesiredCapacityCommandInput,
} from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, DescribeAlarmsCommand, type DescribeAlarmsCommandInput } from '@aws-sdk/client-cloudwatch';
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand, type StartExecutionCommandInput } from '@aws-sdk/client-sfn';
import { PublishCommand, type PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import * as z from 'zod';

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

export const WorldSchema = z.object({
  account: z.string().regex(/^\d{12}$/).default('123456789012'),
  region: z.string().default('us-east-1'),
  autoScalingGroups: z.array(WorldGroupSchema),
  alarms: z.array(WorldAlarmSchema),
  faults: z.array(WorldFaultSchema).default([]),
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
  private readonly faults: WorldFault[];
  private readonly stateMachineArn: string;
  private starter: ExecutionStarter = () => undefined;
  private mocks: { restore(): void }[] = [];

  constructor(config: WorldConfig) {
    this.account = config.account;
    this.region = config.region;
    for (const group of config.autoScalingGroups) this.groups.set(group.name, { ...group });
    for (const alarm of config.alarms) this.alarms.set(alarm.name, { ...alarm });
    this.faults = config.faults.map((fault) => ({ ...fault }));
    this.stateMachineArn = `arn:aws:states:${this.region}:${this.account}:stateMachine:remediate-incident`;
  }

  get remediationStateMachineArn(): string {
    return this.stateMachineArn;
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

    const cloudWatch = mockClient(CloudWatchClient);
    cloudWatch.onAnyCommand().callsFake((input) => this.unsupported('CloudWatch', input));
    cloudWatch
      .on(DescribeAlarmsCommand)
      .callsFake((input: DescribeAlarmsCommandInput) => this.call('DescribeAlarms', input, () => this.describeAlarms(input)));

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

    this.mocks = [autoScaling, cloudWatch, notifications, stepFunctions];
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
    group.desiredCapacity = desired;
    return {};
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
