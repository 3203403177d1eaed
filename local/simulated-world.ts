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
  type AlarmHistoryItem,
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
import { DescribeClusterCommand, type DescribeClusterCommandInput, EKSClient } from '@aws-sdk/client-eks';
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
import {
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  DeleteScheduleCommand,
  type DeleteScheduleCommandInput,
  GetScheduleCommand,
  type GetScheduleCommandInput,
  ListSchedulesCommand,
  type ListSchedulesCommandInput,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { PublishCommand, type PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import {
  GetIPSetCommand,
  type GetIPSetCommandInput,
  ListIPSetsCommand,
  type ListIPSetsCommandInput,
  UpdateIPSetCommand,
  type UpdateIPSetCommandInput,
  WAFV2Client,
} from '@aws-sdk/client-wafv2';
import { mockClient } from 'aws-sdk-client-mock';
import * as z from 'zod';
import type { KubeObject } from './fake-kube-api.js';
import { matchesFilterPattern } from './log-filter-pattern.js';
import { SimulatedHmacKey, SimulatedTaskTokens } from './simulated-callbacks.js';
import { clusterNotFound, type PodHealth, SimulatedCluster, WorldClusterSchema } from './simulated-cluster.js';
import { type ScheduleView, SimulatedScheduler } from './simulated-scheduler.js';
import { SimulatedWaf, type WafScope, WorldClientSchema, WorldIpSetSchema, WorldWebAclSchema } from './simulated-waf.js';

/**
 * A small, deterministic model of the AWS account a scenario runs in.
 *
 * It answers the SDK calls the handlers make — Auto Scaling, CloudWatch,
 * SNS and Step Functions — by stubbing the SDK clients' `send`, so the
 * handlers run unchanged. Its physics are simple on purpose: a group's CPU
 * is its total demand spread over its in-service instances, and a CPU alarm
 * is in ALARM while that exceeds the threshold. New capacity is in service
 * at once.
 *
 * It also holds WAF (IP sets, web ACLs and the clients whose traffic they
 * allow or block: `simulated-waf.ts`), EventBridge Scheduler one-time
 * schedules (`simulated-scheduler.ts`) and EKS clusters, each served by a
 * fake Kubernetes API server once the world starts (`simulated-cluster.ts`).
 * Alarms watch any of them; every state change the world observes — it
 * evaluates the alarms whenever it changes or is read — is in the alarm's
 * history.
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

/** What every alarm of the world has, whatever it watches. */
const WorldAlarmFields = {
  name: z.string(),
  /** An alarm that stays in ALARM, its metric where it was first read, whatever the world does: the fix does not address the cause. */
  stuck: z.boolean().default(false),
};

/** A group's CPU alarm: in ALARM while the group's CPU (demand / capacity) exceeds the threshold. */
export const WorldCpuAlarmSchema = z.object({
  ...WorldAlarmFields,
  source: z.literal('cpu').default('cpu'),
  autoScalingGroupName: z.string(),
  metricName: z.string().default('CPUUtilization'),
  namespace: z.string().default('AWS/EC2'),
  threshold: z.number(),
});

/** In ALARM while the requests per minute a web ACL allows (its clients not blocked by its IP sets) exceed the threshold. */
export const WorldRequestRateAlarmSchema = z.object({
  ...WorldAlarmFields,
  source: z.literal('request-rate'),
  webAcl: z.string(),
  threshold: z.number(),
});

/** In ALARM while the pods of a Deployment's running template fail (crash loop or config error). */
export const WorldDeploymentAlarmSchema = z.object({
  ...WorldAlarmFields,
  source: z.literal('deployment'),
  cluster: z.string(),
  namespace: z.string().default('default'),
  deployment: z.string(),
});

/**
 * In ALARM while a group's desired capacity (times `valuePerInstance`)
 * exceeds the threshold: a dependent alarm, e.g. more web instances
 * exhausting the database's connections.
 */
export const WorldCapacityAlarmSchema = z.object({
  ...WorldAlarmFields,
  source: z.literal('capacity'),
  autoScalingGroupName: z.string(),
  threshold: z.number(),
  metricName: z.string().default('GroupDesiredCapacity'),
  namespace: z.string().default('AWS/AutoScaling'),
  /** What one instance adds to the metric (e.g. database connections per web instance). */
  valuePerInstance: z.number().min(0).default(1),
});

/**
 * In ALARM while the mean time of a PostgreSQL database's slow query (in
 * ms, as the application measures it) exceeds the threshold. The value
 * comes from the scenario's database (`attachQueryLatency`), simulated or real.
 */
export const WorldQueryLatencyAlarmSchema = z.object({
  ...WorldAlarmFields,
  source: z.literal('query-latency'),
  /** The rds-postgres resource's name (DB instance identifier). */
  database: z.string(),
  threshold: z.number(),
  metricName: z.string().default('QueryLatency'),
  namespace: z.string().default('Shop/Database'),
});

/** An alarm of any source; one without `source` is a group's CPU alarm. */
export const WorldAlarmSchema = z.union([WorldCpuAlarmSchema, WorldRequestRateAlarmSchema, WorldDeploymentAlarmSchema, WorldCapacityAlarmSchema, WorldQueryLatencyAlarmSchema]);
export type WorldAlarm = z.infer<typeof WorldAlarmSchema>;

type AlarmStateValue = 'OK' | 'ALARM';

/** One state change of an alarm, as the world observed it. */
export interface AlarmTransition {
  readonly at: Date;
  readonly from: 'INSUFFICIENT_DATA' | AlarmStateValue;
  readonly to: AlarmStateValue;
  /** The datapoint that decided it. */
  readonly value: number;
}

interface AlarmRecord {
  state: AlarmStateValue;
  updatedAt: Date;
  readonly transitions: AlarmTransition[];
}

/** The metric an alarm watches, as CloudWatch describes it. */
interface AlarmMetric {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: { Name: string; Value: string }[];
  readonly statistic: 'Average' | 'Sum';
  readonly period: number;
  readonly description: string;
}

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
  /**
   * Also disturb the DynamoDB calls the workflow's steps make:
   * ProvisionedThroughputExceeded before a call takes effect, and
   * InternalServerError after a write did. Calls outside a step (the
   * intake, the scenario's own reads) are left alone. The rates are their
   * own: a step makes several DynamoDB calls (its idempotency record, the
   * lease, the ledger) for each call to another service.
   */
  dynamoDb: z
    .object({
      /** Chance that a call fails (throttled) before it takes effect. */
      failureRate: z.number().min(0).max(1),
      /** Chance that a write takes effect but its response is lost. */
      lostResponseRate: z.number().min(0).max(1).default(0),
    })
    .optional(),
});
export type WorldChaos = z.infer<typeof WorldChaosSchema>;

const DYNAMODB_WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'TransactWriteItemsCommand', 'BatchWriteItemCommand']);

const MUTATING = new Set([
  'SetDesiredCapacity',
  'Publish',
  'StartExecution',
  'SendTaskSuccess',
  'SendTaskFailure',
  'UpdateIPSet',
  'CreateSchedule',
  'DeleteSchedule',
]);

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
  /** WAF IP sets, served by GetIPSet, UpdateIPSet and ListIPSets. */
  wafIpSets: z.array(WorldIpSetSchema).default([]),
  /** Web ACLs: which IP sets each blocks, and where its traffic is logged. */
  webAcls: z.array(WorldWebAclSchema).default([]),
  /** Traffic through the web ACLs. */
  clients: z.array(WorldClientSchema).default([]),
  /** EKS clusters, served by DescribeCluster and a fake Kubernetes API each once the world starts. */
  clusters: z.array(WorldClusterSchema).default([]),
});
export type WorldConfig = z.infer<typeof WorldSchema>;
/** A world as a scenario writes it, before defaults. */
export type WorldInput = z.input<typeof WorldSchema>;

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
  /** WAF: IP sets, web ACLs and their traffic. */
  readonly waf: SimulatedWaf;
  /** EventBridge Scheduler's schedules. */
  readonly scheduler: SimulatedScheduler;
  /** EKS clusters by name. */
  readonly clusters = new Map<string, SimulatedCluster>();
  /** Each alarm's state as last evaluated, and its history. */
  private readonly alarmRecords = new Map<string, AlarmRecord>();
  private lastTransitionAt = 0;

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
    this.waf = new SimulatedWaf({ ipSets: config.wafIpSets, webAcls: config.webAcls, clients: config.clients }, this.region, this.account);
    this.scheduler = new SimulatedScheduler(this.region, this.account);
    for (const cluster of config.clusters) {
      if (this.clusters.has(cluster.name)) throw new Error(`the world declares EKS cluster ${cluster.name} twice`);
      const simulated = new SimulatedCluster(cluster, this.region, this.account);
      simulated.onChange(() => this.evaluateAlarms());
      this.clusters.set(cluster.name, simulated);
    }
    for (const alarm of this.alarms.values()) this.checkAlarmSource(alarm);
    this.evaluateAlarms();
  }

  /** Starts what runs beside the world: each cluster's Kubernetes API server. Before it, DescribeCluster says CREATING. */
  async start(): Promise<void> {
    for (const cluster of this.clusters.values()) await cluster.start();
  }

  /** Stops the clusters' API servers; their objects stay readable through the helpers. */
  async stop(): Promise<void> {
    for (const cluster of this.clusters.values()) await cluster.stop();
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

  /** Latency of each database's slow query, in ms, read by its `query-latency` alarms. */
  private readonly queryLatencies = new Map<string, () => number>();

  /** Where a database's query latency comes from: the scenario's database, simulated or real. */
  attachQueryLatency(database: string, latencyMs: () => number): void {
    this.queryLatencies.set(database, latencyMs);
    this.evaluateAlarms();
  }

  /** The load on a group changes: a traffic spike, a leak, a fix elsewhere. */
  setCpuDemand(groupName: string, cpuDemand: number): void {
    this.requireGroup(groupName).cpuDemand = cpuDemand;
    this.evaluateAlarms();
  }

  // ---- WAF ------------------------------------------------------------------------------------

  /** The addresses of a WAF IP set now. */
  ipSetAddresses(scope: WafScope, name: string): string[] {
    return this.waf.addresses(scope, name);
  }

  /** Another writer (a human in the console) changes an IP set; its lock token changes. */
  changeIpSet(scope: WafScope, name: string, change: (addresses: string[]) => string[]): void {
    this.waf.changeIpSet(scope, name, change);
    this.evaluateAlarms();
  }

  /** A client starts (name its web ACL), changes or stops (0) its traffic. */
  setClientTraffic(ip: string, requestsPerMinute: number, webAcl?: string): void {
    this.waf.setClientTraffic(ip, requestsPerMinute, webAcl);
    this.evaluateAlarms();
  }

  /** Requests per minute a web ACL allows (`ALLOW`, the default) or blocks (`BLOCK`) now. */
  requestsPerMinute(webAcl: string, action: 'ALLOW' | 'BLOCK' = 'ALLOW'): number {
    return this.waf.requestsPerMinute(webAcl, action);
  }

  // ---- Scheduler ------------------------------------------------------------------------------

  /** Every schedule, soonest first. */
  schedules(): ScheduleView[] {
    return this.scheduler.all();
  }

  /** The one-time schedules due by `now` that have not run, soonest first. */
  dueSchedules(now: Date): ScheduleView[] {
    return this.scheduler.due(now);
  }

  /** The schedule ran (its target was invoked): deleted, as ActionAfterCompletion DELETE does. */
  completeSchedule(name: string, groupName?: string): ScheduleView {
    return this.scheduler.complete(name, groupName);
  }

  // ---- EKS ------------------------------------------------------------------------------------

  cluster(name: string): SimulatedCluster {
    const cluster = this.clusters.get(name);
    if (cluster === undefined) throw new Error(`the world has no EKS cluster named ${name}`);
    return cluster;
  }

  /** The image of a Deployment's first container, as its spec says now. */
  deploymentImage(cluster: string, namespace: string, name: string): string {
    return this.cluster(cluster).deploymentImage(namespace, name);
  }

  configMapData(cluster: string, namespace: string, name: string): Record<string, string> {
    return this.cluster(cluster).configMapData(namespace, name);
  }

  /** What a Deployment's running pods do. */
  deploymentHealth(cluster: string, namespace: string, name: string): PodHealth & { readonly replicas: number; readonly since: Date } {
    return this.cluster(cluster).health(namespace, name);
  }

  /** The pods of a namespace as the cluster lists them. */
  pods(cluster: string, namespace: string): KubeObject[] {
    return this.cluster(cluster).pods(namespace);
  }

  // ---- alarms ---------------------------------------------------------------------------------

  private checkAlarmSource(alarm: WorldAlarm): void {
    if (alarm.source === 'request-rate' && !this.waf.hasAcl(alarm.webAcl)) {
      throw new Error(`alarm ${alarm.name} watches web ACL ${alarm.webAcl}, which the world does not declare`);
    }
    if (alarm.source === 'deployment' && !this.cluster(alarm.cluster).hasDeployment(alarm.namespace, alarm.deployment)) {
      throw new Error(`alarm ${alarm.name} watches Deployment ${alarm.namespace}/${alarm.deployment}, which cluster ${alarm.cluster} does not declare`);
    }
  }

  /** The value a stuck alarm's metric was first read at: its cause is elsewhere, so nothing the system does moves it. */
  private readonly stuckValues = new Map<string, number>();

  /** The datapoint the alarm evaluates now. */
  private alarmValue(alarm: WorldAlarm): number {
    if (alarm.stuck) {
      const first = this.stuckValues.get(alarm.name) ?? this.liveValue(alarm);
      this.stuckValues.set(alarm.name, first);
      return first;
    }
    return this.liveValue(alarm);
  }

  private liveValue(alarm: WorldAlarm): number {
    switch (alarm.source) {
      case 'cpu':
        return this.cpuOf(alarm.autoScalingGroupName);
      case 'request-rate':
        return this.waf.requestsPerMinute(alarm.webAcl, 'ALLOW');
      case 'deployment':
        return this.cluster(alarm.cluster).restartsPerMinute(alarm.namespace, alarm.deployment);
      case 'capacity':
        return this.requireGroup(alarm.autoScalingGroupName).desiredCapacity * alarm.valuePerInstance;
      case 'query-latency': {
        const latency = this.queryLatencies.get(alarm.database);
        if (latency === undefined) throw new Error(`no database ${alarm.database} is attached`);
        return Math.round(latency() * 10) / 10;
      }
    }
  }

  private alarmThreshold(alarm: WorldAlarm): number {
    return alarm.source === 'deployment' ? 0 : alarm.threshold;
  }

  private computeAlarmState(alarm: WorldAlarm): AlarmStateValue {
    if (alarm.stuck) return 'ALARM';
    return this.alarmValue(alarm) > this.alarmThreshold(alarm) ? 'ALARM' : 'OK';
  }

  /**
   * Evaluates every alarm and records each change of state, at the time
   * it is observed. The world calls it whenever it changes or is read; the
   * first evaluation of an alarm is its change from INSUFFICIENT_DATA.
   */
  evaluateAlarms(now = Date.now()): void {
    for (const alarm of this.alarms.values()) {
      let state: AlarmStateValue;
      let value: number;
      try {
        state = this.computeAlarmState(alarm);
        value = this.alarmValue(alarm);
      } catch {
        // What it watches does not exist (yet): no data, no change.
        continue;
      }
      const record = this.alarmRecords.get(alarm.name);
      if (record !== undefined && record.state === state) continue;
      const at = new Date(Math.max(now, this.lastTransitionAt + 1));
      this.lastTransitionAt = at.getTime();
      const transition: AlarmTransition = { at, from: record?.state ?? 'INSUFFICIENT_DATA', to: state, value };
      if (record === undefined) this.alarmRecords.set(alarm.name, { state, updatedAt: at, transitions: [transition] });
      else {
        record.state = state;
        record.updatedAt = at;
        record.transitions.push(transition);
      }
    }
  }

  /** Every state change of the alarm the world observed, oldest first. */
  alarmHistory(alarmName: string): AlarmTransition[] {
    this.requireAlarm(alarmName);
    this.evaluateAlarms();
    return [...(this.alarmRecords.get(alarmName)?.transitions ?? [])];
  }

  private alarmMetric(alarm: WorldAlarm): AlarmMetric {
    switch (alarm.source) {
      case 'cpu':
        return {
          namespace: alarm.namespace,
          metricName: alarm.metricName,
          dimensions: [{ Name: 'AutoScalingGroupName', Value: alarm.autoScalingGroupName }],
          statistic: 'Average',
          period: 60,
          description: `CPU high on ${alarm.autoScalingGroupName}`,
        };
      case 'request-rate': {
        const acl = this.waf.requireAcl(alarm.webAcl);
        return {
          namespace: 'AWS/WAFV2',
          metricName: 'AllowedRequests',
          dimensions: [
            { Name: 'WebACL', Value: acl.name },
            ...(acl.scope === 'REGIONAL' ? [{ Name: 'Region', Value: this.region }] : []),
            { Name: 'Rule', Value: 'ALL' },
          ],
          statistic: 'Sum',
          period: 60,
          description: `Requests allowed through web ACL ${acl.name} above ${alarm.threshold} per minute`,
        };
      }
      case 'deployment':
        return {
          namespace: 'ContainerInsights',
          metricName: 'pod_number_of_container_restarts',
          dimensions: [
            { Name: 'ClusterName', Value: alarm.cluster },
            { Name: 'Namespace', Value: alarm.namespace },
            { Name: 'PodName', Value: alarm.deployment },
          ],
          statistic: 'Sum',
          period: 60,
          description: `Pods of Deployment ${alarm.namespace}/${alarm.deployment} on EKS cluster ${alarm.cluster} are failing`,
        };
      case 'capacity':
        return {
          namespace: alarm.namespace,
          metricName: alarm.metricName,
          dimensions: [{ Name: 'AutoScalingGroupName', Value: alarm.autoScalingGroupName }],
          statistic: 'Average',
          period: 60,
          description: `${alarm.metricName} of ${alarm.autoScalingGroupName} above ${alarm.threshold}`,
        };
      case 'query-latency':
        return {
          namespace: alarm.namespace,
          metricName: alarm.metricName,
          dimensions: [{ Name: 'DBInstanceIdentifier', Value: alarm.database }],
          statistic: 'Average',
          period: 60,
          description: `Mean query time on ${alarm.database} above ${alarm.threshold} ms`,
        };
    }
  }

  /** CPU utilisation of a group, in percent. */
  cpuOf(groupName: string): number {
    const group = this.requireGroup(groupName);
    if (group.desiredCapacity === 0) return 100;
    return Math.min(100, Math.round((group.cpuDemand / group.desiredCapacity) * 10) / 10);
  }

  /** The alarm's state now, for every kind of alarm. */
  alarmState(alarmName: string): 'OK' | 'ALARM' {
    const alarm = this.requireAlarm(alarmName);
    this.evaluateAlarms();
    return this.computeAlarmState(alarm);
  }

  /** The EventBridge event CloudWatch emits when this alarm goes into ALARM. */
  alarmEvent(alarmName: string, at = new Date()): Record<string, unknown> {
    const alarm = this.requireAlarm(alarmName);
    if (alarm.source !== 'cpu') return this.sourcedAlarmEvent(alarm, at);
    const cpu = this.alarmValue(alarm);
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

  /** The alarm event of a request-rate, deployment or capacity alarm. */
  private sourcedAlarmEvent(alarm: Exclude<WorldAlarm, { source: 'cpu' }>, at: Date): Record<string, unknown> {
    const value = this.alarmValue(alarm);
    const threshold = this.alarmThreshold(alarm);
    const metric = this.alarmMetric(alarm);
    const timestamp = cloudWatchTimestamp(at);
    return {
      version: '0',
      id: `evt-${alarm.name}-${at.getTime()}`,
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      account: this.account,
      time: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: this.region,
      resources: [`arn:aws:cloudwatch:${this.region}:${this.account}:alarm:${alarm.name}`],
      detail: {
        alarmName: alarm.name,
        state: {
          value: 'ALARM',
          reason: `Threshold Crossed: 1 datapoint [${value}] was greater than the threshold (${threshold}).`,
          reasonData: JSON.stringify({ version: '1.0', recentDatapoints: [value], threshold }),
          timestamp,
        },
        previousState: { value: 'OK', reason: 'Threshold not crossed', timestamp },
        configuration: {
          description: metric.description,
          metrics: [
            {
              id: 'm1',
              metricStat: {
                metric: {
                  name: metric.metricName,
                  namespace: metric.namespace,
                  dimensions: Object.fromEntries(metric.dimensions.map((dimension) => [dimension.Name, dimension.Value])),
                },
                period: metric.period,
                stat: metric.statistic,
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
      .callsFake((input: DescribeAlarmHistoryCommandInput) => this.call('DescribeAlarmHistory', input, () => this.describeAlarmHistory(input)));
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

    // WAF answers by the client's region: CLOUDFRONT only through us-east-1, REGIONAL only in the world's region.
    const waf = mockClient(WAFV2Client);
    waf.onAnyCommand().callsFake((input) => this.unsupported('WAFV2', input));
    waf.on(GetIPSetCommand).callsFake(async (input: GetIPSetCommandInput, getClient) => {
      const region = await getClient().config.region();
      return this.call('GetIPSet', input, () => this.waf.getIpSet(input, region));
    });
    waf.on(UpdateIPSetCommand).callsFake(async (input: UpdateIPSetCommandInput, getClient) => {
      const region = await getClient().config.region();
      return this.call('UpdateIPSet', input, () => this.waf.updateIpSet(input, region));
    });
    waf.on(ListIPSetsCommand).callsFake(async (input: ListIPSetsCommandInput, getClient) => {
      const region = await getClient().config.region();
      return this.call('ListIPSets', input, () => this.waf.listIpSets(input, region));
    });

    const scheduler = mockClient(SchedulerClient);
    scheduler.onAnyCommand().callsFake((input) => this.unsupported('Scheduler', input));
    scheduler
      .on(CreateScheduleCommand)
      .callsFake((input: CreateScheduleCommandInput) => this.call('CreateSchedule', input, () => this.scheduler.createSchedule(input)));
    scheduler
      .on(GetScheduleCommand)
      .callsFake((input: GetScheduleCommandInput) => this.call('GetSchedule', input, () => this.scheduler.getSchedule(input)));
    scheduler
      .on(DeleteScheduleCommand)
      .callsFake((input: DeleteScheduleCommandInput) => this.call('DeleteSchedule', input, () => this.scheduler.deleteSchedule(input)));
    scheduler
      .on(ListSchedulesCommand)
      .callsFake((input: ListSchedulesCommandInput) => this.call('ListSchedules', input, () => this.scheduler.listSchedules(input)));

    const eks = mockClient(EKSClient);
    eks.onAnyCommand().callsFake((input) => this.unsupported('EKS', input));
    eks.on(DescribeClusterCommand).callsFake((input: DescribeClusterCommandInput) =>
      this.call('DescribeCluster', input, () => {
        const cluster = this.clusters.get(input.name ?? '');
        if (cluster === undefined) throw clusterNotFound(input.name);
        return { cluster: cluster.describe() };
      }),
    );
    this.mocks.push(waf, scheduler, eks);
  }

  uninstall(): void {
    for (const mock of this.mocks) mock.restore();
    this.mocks = [];
  }

  private call<T>(operation: string, input: unknown, act: () => T): T {
    // Alarms are evaluated whenever the world is read or changed: before the call, and after it took effect.
    this.evaluateAlarms();
    const answer = () => {
      try {
        return act();
      } finally {
        this.evaluateAlarms();
      }
    };
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

  /**
   * Seeded chaos for one DynamoDB call a workflow step makes (see
   * `WorldChaos.dynamoDb`): `fail` before it takes effect, `lose` its
   * response after it took effect, or nothing. Recorded with the world's calls.
   */
  dynamoDbChaos(command: string, input: unknown): 'fail' | 'lose' | undefined {
    const chaos = this.chaos?.dynamoDb;
    if (chaos === undefined) return undefined;
    const operation = `DynamoDB.${command.replace(/Command$/, '')}`;
    if (this.random() < chaos.failureRate) {
      this.calls.push({ operation, input, failed: 'ProvisionedThroughputExceededException' });
      return 'fail';
    }
    if (DYNAMODB_WRITES.has(command) && this.random() < chaos.lostResponseRate) {
      this.calls.push({ operation, input, failed: 'lost response' });
      return 'lose';
    }
    return undefined;
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
   * current value (the load that raised the alarm). A web ACL's
   * AllowedRequests and BlockedRequests are its clients' traffic (a client
   * counts from when it started), a Deployment alarm's container restarts
   * count from its rollout, and a capacity alarm's metric is the group's
   * capacity now. Any other metric has no data.
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
          const series = this.metricSeries(metric);
          if (series === undefined) {
            return { Id: query.Id, Label: metric?.MetricName ?? query.Id, Timestamps: [], Values: [], StatusCode: 'Complete' as const };
          }
          const periodSeconds = query.MetricStat?.Period ?? 60;
          const timestamps: Date[] = [];
          const values: number[] = [];
          for (let t = Math.ceil(start / (periodSeconds * 1000)) * periodSeconds * 1000; t < end; t += periodSeconds * 1000) {
            timestamps.push(new Date(t));
            values.push(series(t, periodSeconds));
          }
          if (input.ScanBy !== 'TimestampAscending') {
            timestamps.reverse();
            values.reverse();
          }
          return { Id: query.Id, Label: metric?.MetricName, Timestamps: timestamps, Values: values, StatusCode: 'Complete' as const };
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

  /** The values of a metric other than a group's CPU, per period starting at `t`; `undefined` when the world has no such metric. */
  private metricSeries(
    metric: { Namespace?: string; MetricName?: string; Dimensions?: { Name?: string; Value?: string }[] } | undefined,
  ): ((t: number, periodSeconds: number) => number) | undefined {
    if (metric === undefined) return undefined;
    const dimensions = new Map((metric.Dimensions ?? []).map((dimension) => [dimension.Name ?? '', dimension.Value ?? '']));
    const webAcl = dimensions.get('WebACL');
    if (metric.Namespace === 'AWS/WAFV2' && webAcl !== undefined && this.waf.hasAcl(webAcl) && (dimensions.get('Rule') ?? 'ALL') === 'ALL') {
      const action = metric.MetricName === 'AllowedRequests' ? 'ALLOW' : metric.MetricName === 'BlockedRequests' ? 'BLOCK' : undefined;
      if (action === undefined) return undefined;
      return (t, periodSeconds) => Math.round(this.waf.requestsBetween(webAcl, action, t, t + periodSeconds * 1000));
    }
    const same = (wanted: { Name: string; Value: string }[]) =>
      wanted.length === dimensions.size && wanted.every((dimension) => dimensions.get(dimension.Name) === dimension.Value);
    for (const alarm of this.alarms.values()) {
      if (alarm.source !== 'deployment' && alarm.source !== 'capacity') continue;
      const watched = this.alarmMetric(alarm);
      if (watched.namespace !== metric.Namespace || watched.metricName !== metric.MetricName || !same(watched.dimensions)) continue;
      if (alarm.source === 'deployment') {
        const cluster = this.cluster(alarm.cluster);
        return (t, periodSeconds) => (cluster.restartsPerMinute(alarm.namespace, alarm.deployment, t) * periodSeconds) / 60;
      }
      return () => this.alarmValue(alarm);
    }
    return undefined;
  }

  private filterLogEvents(input: FilterLogEventsCommandInput) {
    const name = input.logGroupName ?? input.logGroupIdentifier ?? '';
    const lines = this.logs.get(name);
    const wafGroup = this.waf.logGroupNames().includes(name);
    const clusters = [...this.clusters.values()].filter((cluster) => cluster.logGroupName === name);
    if (lines === undefined && !wafGroup && clusters.length === 0) {
      throw awsError('ResourceNotFoundException', 'The specified log group does not exist.', 400);
    }
    const now = Date.now();
    const written = (lines ?? []).map((message, index, all) => ({
      logStreamName: `${name.split('/').at(-1) ?? 'app'}/i-0000000000000000${index % 4}`,
      timestamp: now - (all.length - index) * 1000,
      message,
      eventId: `${name}-${index}`,
    }));
    // What the world's traffic and pods log, beside the lines the scenario wrote.
    const generated = [...(wafGroup ? this.waf.logEvents(name, now) : []), ...clusters.flatMap((cluster) => cluster.logEvents(now))].map(
      (event, index) => ({ ...event, eventId: `${name}-generated-${index}` }),
    );
    const all = generated.length === 0 ? written : [...written, ...generated].sort((a, b) => a.timestamp - b.timestamp);
    let events: typeof all;
    try {
      events = all
        .filter((event) => event.timestamp >= (input.startTime ?? 0) && event.timestamp <= (input.endTime ?? now))
        .filter((event) => matchesFilterPattern(input.filterPattern, event.message));
    } catch (error) {
      throw awsError('InvalidParameterException', `Invalid filter pattern: ${(error as Error).message}`, 400);
    }
    const start = input.nextToken === undefined ? 0 : Number(input.nextToken);
    const limit = input.limit ?? 10_000;
    return {
      events: events.slice(start, start + limit),
      searchedLogStreams: [],
      ...(start + limit < events.length ? { nextToken: String(start + limit) } : {}),
    };
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
    const names = input.AlarmNames ?? [...this.alarms.keys()].filter((name) => input.AlarmNamePrefix === undefined || name.startsWith(input.AlarmNamePrefix));
    const alarms = names.flatMap((name) => {
      const alarm = this.alarms.get(name);
      if (alarm === undefined) return [];
      const state = this.alarmState(alarm.name);
      if (input.StateValue !== undefined && input.StateValue !== state) return [];
      const updatedAt = this.alarmRecords.get(alarm.name)?.updatedAt ?? new Date();
      if (alarm.source === 'cpu') {
        const cpu = this.alarmValue(alarm);
        return [
          {
            AlarmName: alarm.name,
            AlarmArn: `arn:aws:cloudwatch:${this.region}:${this.account}:alarm:${alarm.name}`,
            StateValue: state,
            StateReasonData: JSON.stringify({ version: '1.0', recentDatapoints: [cpu], threshold: alarm.threshold }),
            StateUpdatedTimestamp: updatedAt,
            MetricName: alarm.metricName,
            Namespace: alarm.namespace,
            Threshold: alarm.threshold,
            ComparisonOperator: 'GreaterThanThreshold' as const,
            Dimensions: [{ Name: 'AutoScalingGroupName', Value: alarm.autoScalingGroupName }],
          },
        ];
      }
      const value = this.alarmValue(alarm);
      const threshold = this.alarmThreshold(alarm);
      const metric = this.alarmMetric(alarm);
      return [
        {
          AlarmName: alarm.name,
          AlarmArn: `arn:aws:cloudwatch:${this.region}:${this.account}:alarm:${alarm.name}`,
          AlarmDescription: metric.description,
          ActionsEnabled: true,
          StateValue: state,
          StateReason:
            state === 'ALARM'
              ? `Threshold Crossed: 1 datapoint [${value}] was greater than the threshold (${threshold}).`
              : `Threshold Crossed: 1 datapoint [${value}] was not greater than the threshold (${threshold}).`,
          StateReasonData: JSON.stringify({
            version: '1.0',
            statistic: metric.statistic,
            period: metric.period,
            recentDatapoints: [value],
            threshold,
          }),
          StateUpdatedTimestamp: updatedAt,
          MetricName: metric.metricName,
          Namespace: metric.namespace,
          Statistic: metric.statistic,
          Period: metric.period,
          EvaluationPeriods: 1,
          DatapointsToAlarm: 1,
          Threshold: threshold,
          ComparisonOperator: 'GreaterThanThreshold' as const,
          TreatMissingData: 'missing',
          Dimensions: metric.dimensions,
        },
      ];
    });
    return { MetricAlarms: alarms, CompositeAlarms: [] };
  }

  /** The state changes the world observed, as CloudWatch's alarm history items. */
  private describeAlarmHistory(input: DescribeAlarmHistoryCommandInput) {
    const wantsStateUpdates = input.HistoryItemType === undefined || input.HistoryItemType === 'StateUpdate';
    const wantsMetricAlarms = input.AlarmTypes === undefined || input.AlarmTypes.includes('MetricAlarm');
    const items: AlarmHistoryItem[] = [];
    if (wantsStateUpdates && wantsMetricAlarms) {
      for (const [name, record] of this.alarmRecords) {
        if (input.AlarmName !== undefined && input.AlarmName !== name) continue;
        const alarm = this.alarms.get(name);
        const threshold = alarm === undefined ? 0 : this.alarmThreshold(alarm);
        for (const transition of record.transitions) {
          if (input.StartDate !== undefined && transition.at < input.StartDate) continue;
          if (input.EndDate !== undefined && transition.at > input.EndDate) continue;
          const reason = `Threshold Crossed: 1 datapoint [${transition.value}] was ${transition.to === 'ALARM' ? '' : 'not '}greater than the threshold (${threshold}).`;
          items.push({
            AlarmName: name,
            AlarmType: 'MetricAlarm',
            Timestamp: transition.at,
            HistoryItemType: 'StateUpdate',
            HistorySummary: `Alarm updated from ${transition.from} to ${transition.to}`,
            HistoryData: JSON.stringify({
              version: '1.0',
              oldState: { stateValue: transition.from, ...(transition.from === 'INSUFFICIENT_DATA' ? { stateReason: 'Unchecked: Initial alarm creation' } : {}) },
              newState: { stateValue: transition.to, stateReason: reason, stateReasonData: { version: '1.0', recentDatapoints: [transition.value], threshold } },
            }),
          });
        }
      }
    }
    items.sort((a, b) => (input.ScanBy === 'TimestampAscending' ? 1 : -1) * (a.Timestamp!.getTime() - b.Timestamp!.getTime()));
    const start = input.NextToken === undefined ? 0 : Number(input.NextToken);
    const limit = input.MaxRecords ?? 100;
    return { AlarmHistoryItems: items.slice(start, start + limit), ...(start + limit < items.length ? { NextToken: String(start + limit) } : {}) };
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
