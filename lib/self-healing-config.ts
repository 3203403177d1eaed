import * as z from 'zod';
import { SignatureSchema } from '../lambdas/log-intake/signatures.js';
import { AutonomyOverridesSchema, MetricRefSchema, ModeSchema } from '../lambdas/shared/scope.js';

/** An anomaly-detection alarm as written in the `selfHealing` context: the metric, as in `relatedMetrics`, plus its period. */
export const AnomalyAlarmConfigSchema = z
  .object({
    metric: MetricRefSchema.extend({ periodSeconds: z.number().int().min(10).max(86_400).optional() }).strict(),
    /** Width of the band in standard deviations (default 2). */
    bandWidth: z.number().positive().optional(),
    /** Which side of the band breaches (default upper). */
    direction: z.enum(['upper', 'lower', 'both']).optional(),
    evaluationPeriods: z.number().int().min(1).optional(),
    datapointsToAlarm: z.number().int().min(1).optional(),
    alarmName: z.string().min(1).max(255).optional(),
  })
  .strict();

/** What every kind of target takes in the `selfHealing` context; alarms are named in the stack's account and region. */
const TargetConfigFields = {
  /** Names of alarms whose ALARM state opens an incident for the target. */
  alarmNames: z.array(z.string().min(1).max(255)).min(1),
  /** Names of alarms that watch what an action could break: ALARM after the action undoes it. */
  dependentAlarmNames: z.array(z.string().min(1).max(255)).max(20).optional(),
  maxAttempts: z.number().int().min(1).max(10).optional(),
  cooldownMinutes: z.number().int().min(0).optional(),
  leaseMinutes: z.number().int().min(1).optional(),
  verifyAfterSeconds: z.number().int().min(0).optional(),
  /** Autonomy per action for this target. */
  autonomy: AutonomyOverridesSchema.optional(),
  /** Targets an action may change on this target's behalf. */
  dependencies: z.array(z.string().min(3)).optional(),
  logGroupNames: z.array(z.string().min(1)).max(5).optional(),
  relatedMetrics: z.array(MetricRefSchema).max(10).optional(),
  /** Anomaly-detection alarms to create; each opens incidents like the alarms in `alarmNames`. */
  anomalyAlarms: z.array(AnomalyAlarmConfigSchema).max(10).optional(),
  approvalTimeoutMinutes: z.number().int().min(1).max(1_440).optional(),
};

/** One Auto Scaling group as written in the `selfHealing` context. */
export const AutoScalingGroupConfigSchema = z
  .object({
    autoScalingGroupName: z.string().min(1).max(255),
    maxStep: z.number().int().min(1).optional(),
    maxCapacity: z.number().int().min(1).optional(),
    ...TargetConfigFields,
  })
  .strict();

/** One EKS Deployment as written in the `selfHealing` context; the cluster is in the stack's account and region. */
export const EksDeploymentConfigSchema = z
  .object({
    cluster: z.string().min(1).max(100),
    namespace: z.string().min(1).max(63),
    deployment: z.string().min(1).max(253),
    /** Known-good values for ConfigMap keys, by ConfigMap then key. */
    configMapDefaults: z.record(z.string().min(1), z.record(z.string(), z.string())).optional(),
    /** Parameter Store path of values for missing ConfigMap keys (`<path><configMap>/<key>`). */
    parameterStorePath: z.string().min(2).optional(),
    ...TargetConfigFields,
    /** Alarms to create from Container Insights metrics (see `ContainerInsightsAlarms`); they open incidents like `alarmNames`. */
    containerInsightsAlarms: z
      .object({
        restartThreshold: z.number().int().min(0).optional(),
        unavailableReplicasThreshold: z.number().int().min(0).optional(),
        /** A cluster-wide failed-node alarm, added to the dependent alarms. */
        failedNodes: z.boolean().optional(),
      })
      .strict()
      .optional(),
    /** With `containerInsightsAlarms`, named alarms are optional. */
    alarmNames: z.array(z.string().min(1).max(255)).default([]),
  })
  .strict()
  .refine((deployment) => deployment.alarmNames.length > 0 || deployment.containerInsightsAlarms !== undefined, {
    message: 'an EKS Deployment needs alarmNames, containerInsightsAlarms, or both',
    path: ['alarmNames'],
  });

/** One web ACL as written in the `selfHealing` context. */
export const WebAclConfigSchema = z
  .object({
    webAclName: z.string().min(1).max(128),
    scope: z.enum(['REGIONAL', 'CLOUDFRONT']),
    /** The IP set a block rule of the ACL reads; `arn` defaults to the stack's account (and region, for REGIONAL). */
    ipSet: z.object({ name: z.string().min(1).max(128), id: z.string().min(1).max(36), arn: z.string().min(1).optional() }).strict(),
    blockMinutes: z.number().int().min(5).max(1_440).optional(),
    ...TargetConfigFields,
  })
  .strict();

/**
 * One RDS for PostgreSQL instance or Aurora PostgreSQL cluster as written in
 * the `selfHealing` context: imported by identifier (exactly one of
 * `instanceIdentifier` and `clusterIdentifier`), with its security groups,
 * and the two logins' secrets by complete ARN; everything in the stack's
 * account and region. Needs `databaseNetwork`.
 */
export const PostgresDatabaseConfigSchema = z
  .object({
    /** DB instance identifier of an RDS for PostgreSQL instance. */
    instanceIdentifier: z.string().min(1).max(63).optional(),
    /** DB cluster identifier of an Aurora PostgreSQL cluster. */
    clusterIdentifier: z.string().min(1).max(63).optional(),
    /** Port the database listens on (default 5432). */
    port: z.number().int().min(1).max(65_535).optional(),
    /** Security groups of the database, opened to the functions on `port`; without them, open the database yourself. */
    securityGroupIds: z.array(z.string().regex(/^sg-[0-9a-f]+$/, 'a security group id (sg-…)')).max(5).optional(),
    databaseName: z.string().min(1).max(63),
    /** Complete ARN (with its 6-character suffix) of the read-only login's secret. */
    readerSecretArn: z.string().min(20),
    /** Complete ARN of the secret of the login that creates and drops indexes. */
    actorSecretArn: z.string().min(20),
    /** ARN of the customer-managed KMS key of the secrets, if any. */
    secretsKmsKeyArn: z.string().min(20).optional(),
    schemas: z.array(z.string().min(1)).min(1).optional(),
    /** `db-…` (DbiResourceId) or `cluster-…` id whose Performance Insights metrics are read. */
    performanceInsightsResourceId: z.string().min(4).optional(),
    minCostReduction: z.number().optional(),
    minImprovement: z.number().optional(),
    /** Which tables may get an index, and when (see `IndexGuardrails`). */
    guardrails: z
      .object({
        maxTableBytes: z.number().int().min(0).optional(),
        maxWritesPerSecond: z.number().min(0).optional(),
        maxIndexesPerTable: z.number().int().min(0).optional(),
        maintenanceWindow: z
          .object({ days: z.array(z.number().int()).optional(), startHourUtc: z.number().int(), endHourUtc: z.number().int() })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
    ...TargetConfigFields,
  })
  .strict()
  .refine((database) => (database.instanceIdentifier === undefined) !== (database.clusterIdentifier === undefined), {
    message: 'give exactly one of instanceIdentifier (RDS for PostgreSQL) and clusterIdentifier (Aurora PostgreSQL)',
    path: ['instanceIdentifier'],
  });

/**
 * Where the PostgreSQL functions run, as written in the `selfHealing`
 * context: an existing VPC by id, with the private subnets (and their route
 * tables, for the DynamoDB endpoint) the functions use. No lookup is made:
 * the ids are taken as written.
 */
export const DatabaseNetworkConfigSchema = z
  .object({
    vpcId: z.string().regex(/^vpc-[0-9a-f]+$/, 'a VPC id (vpc-…)'),
    /** Availability zones of `subnetIds`, in the same order. */
    availabilityZones: z.array(z.string().min(1)).min(1),
    /** Private subnets with a route to the AWS APIs (a NAT gateway), or with `createVpcEndpoints`. */
    subnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]+$/, 'a subnet id (subnet-…)')).min(1),
    /** Route tables of `subnetIds`, in the same order; needed by `createVpcEndpoints` (DynamoDB gateway endpoint). */
    routeTableIds: z.array(z.string().regex(/^rtb-[0-9a-f]+$/, 'a route table id (rtb-…)')).optional(),
    /** Security group for the functions (default: a new one). */
    securityGroupId: z.string().regex(/^sg-[0-9a-f]+$/, 'a security group id (sg-…)').optional(),
    createVpcEndpoints: z.boolean().optional(),
  })
  .strict()
  .refine((network) => network.subnetIds.length % network.availabilityZones.length === 0, {
    message: 'subnetIds must be spread evenly over availabilityZones (one subnet per zone, in the same order)',
    path: ['subnetIds'],
  })
  .refine((network) => network.routeTableIds === undefined || network.routeTableIds.length === network.subnetIds.length, {
    message: 'routeTableIds must name one route table per subnet, in the same order',
    path: ['routeTableIds'],
  })
  .refine((network) => network.createVpcEndpoints !== true || network.routeTableIds !== undefined, {
    message: 'createVpcEndpoints needs routeTableIds, for the DynamoDB gateway endpoint',
    path: ['routeTableIds'],
  });

/**
 * The `selfHealing` context of `cdk.json` (or `-c selfHealing='{...}'`).
 * Unknown keys are rejected, so a misspelt limit fails the synth instead of
 * silently falling back to its default.
 */
export const SelfHealingConfigSchema = z
  .object({
    mode: ModeSchema,
    autoScalingGroups: z.array(AutoScalingGroupConfigSchema).optional(),
    eksDeployments: z.array(EksDeploymentConfigSchema).optional(),
    webAcls: z.array(WebAclConfigSchema).optional(),
    /** RDS for PostgreSQL instances and Aurora PostgreSQL clusters that may get missing indexes (see docs/postgres-index-advisor.md). */
    postgresDatabases: z.array(PostgresDatabaseConfigSchema).optional(),
    /** Where the PostgreSQL functions run; required with `postgresDatabases`. */
    databaseNetwork: DatabaseNetworkConfigSchema.optional(),
    /** Caps on WAF blocks per IP set. */
    wafBlockLimits: z
      .object({ maxPerHour: z.number().int().min(1).optional(), maxTotal: z.number().int().min(1).max(2_000).optional() })
      .strict()
      .optional(),
    /**
     * An address that receives, by email, what needs a human: approval requests,
     * escalations, recommended plans, opened circuits and the healer's own alarms.
     * A subscription filter policy on the message body drops the rest (incident
     * opened, action taken or undone, verified healthy, report ready); subscribe
     * a chat channel or a queue to the topic for the whole story.
     */
    notificationEmail: z.email().optional(),
    /** Autonomy per action for every group. */
    autonomy: AutonomyOverridesSchema.optional(),
    guardrails: z
      .object({ protectedCidrs: z.array(z.string()).optional(), allowedNamespaces: z.array(z.string()).optional() })
      .strict()
      .optional(),
    /** Flap protection for every group. */
    flapGuard: z
      .object({
        attemptBudget: z.number().int().min(1).max(100).optional(),
        budgetWindowHours: z.number().min(0.1).max(168).optional(),
        circuitFailureThreshold: z.number().int().min(1).max(100).optional(),
        maxCooldownMinutes: z.number().int().min(0).max(10_080).optional(),
      })
      .strict()
      .optional(),
    /** Log mining of the targets' `logGroupNames`; on by default when any target declares one. */
    logIntake: z
      .object({
        enabled: z.boolean().optional(),
        filterPattern: z.string().max(1_024).optional(),
        signatures: z.array(SignatureSchema).max(100).optional(),
        floodThresholdPerMinute: z.number().positive().optional(),
        burstMinCount: z.number().positive().optional(),
        burstStdDevs: z.number().positive().optional(),
        reservedConcurrentExecutions: z.number().int().min(1).optional(),
      })
      .strict()
      .optional(),
    /** Opt-in AWS FIS experiment templates for a game day (see docs/game-day.md). */
    gameDay: z
      .object({
        /** CPU stress on the instances of registered groups; every registered group when the names are left out. */
        cpuStress: z
          .object({
            autoScalingGroupNames: z.array(z.string().min(1).max(255)).optional(),
            durationMinutes: z.number().int().min(1).max(720).optional(),
            loadPercent: z.number().int().min(1).max(100).optional(),
            instancePercent: z.number().int().min(1).max(100).optional(),
          })
          .strict()
          .optional(),
        /** Errors injected into a role's EC2 API calls. */
        apiErrors: z
          .object({
            roleArn: z.string().min(20),
            operations: z.array(z.string().min(1)).min(1),
            fault: z.enum(['throttle', 'internal-error', 'unavailable']).optional(),
            percentage: z.number().int().min(1).max(100).optional(),
            durationMinutes: z.number().int().min(1).max(720).optional(),
          })
          .strict()
          .optional(),
        /** Names of your own alarms that stop every experiment, in the stack's account and region. */
        stopConditionAlarmNames: z.array(z.string().min(1).max(255)).max(3).optional(),
        experimentLogs: z.boolean().optional(),
      })
      .strict()
      .optional(),
    /** A Slack channel for every notification, through AWS Chatbot (the workspace authorised in its console first). */
    chatbotSlack: z.object({ slackWorkspaceId: z.string().min(1), slackChannelId: z.string().min(1) }).strict().optional(),
    decision: z
      .object({
        /** Bedrock model or inference profile id; null turns the model off. */
        modelId: z.string().min(1).nullable().optional(),
        minConfidence: z.number().min(0).max(1).optional(),
        timeoutSeconds: z.number().int().min(1).max(40).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine(
    (config) =>
      (config.autoScalingGroups?.length ?? 0) + (config.eksDeployments?.length ?? 0) + (config.webAcls?.length ?? 0) + (config.postgresDatabases?.length ?? 0) > 0,
    {
      message: 'register at least one target: autoScalingGroups, eksDeployments, webAcls or postgresDatabases',
      path: ['autoScalingGroups'],
    },
  )
  .refine((config) => (config.postgresDatabases?.length ?? 0) === 0 || config.databaseNetwork !== undefined, {
    message: "databaseNetwork is required with postgresDatabases: the PostgreSQL functions run in the databases' VPC",
    path: ['databaseNetwork'],
  });

export type SelfHealingConfig = z.infer<typeof SelfHealingConfigSchema>;

/** Thrown when the `selfHealing` context is missing or invalid. */
export class InvalidSelfHealingConfigError extends Error {
  override name = 'InvalidSelfHealingConfigError';
}

/**
 * Validates the `selfHealing` context. Accepts the object from `cdk.json`
 * or the JSON string that `-c selfHealing=...` passes.
 *
 * @throws InvalidSelfHealingConfigError naming every problem
 */
export function parseSelfHealingConfig(raw: unknown): SelfHealingConfig {
  if (raw === undefined) {
    throw new InvalidSelfHealingConfigError(
      'Missing "selfHealing" context: add it to cdk.json or pass -c selfHealing=\'{"mode":"dry-run",...}\'',
    );
  }
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch (error) {
      throw new InvalidSelfHealingConfigError(`"selfHealing" context is not valid JSON: ${(error as Error).message}`);
    }
  }
  const parsed = SelfHealingConfigSchema.safeParse(value);
  if (!parsed.success) {
    throw new InvalidSelfHealingConfigError(`Invalid "selfHealing" context:\n${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}
