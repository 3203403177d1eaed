import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { SelfHealingStack } from '../../lib/self-healing-stack.js';
import type { SelfHealingConfig } from '../../lib/self-healing-config.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * An App with the feature flags from cdk.json (so tests see the template
 * `cdk synth` produces) and bundling switched off (so tests do not run esbuild).
 */
export function testApp(): App {
  const { context } = JSON.parse(readFileSync(path.join(projectRoot, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  const { selfHealing: _example, ...featureFlags } = context;
  return new App({ context: { ...featureFlags, 'aws:cdk:bundling-stacks': [] } });
}

/** A plain stack for constructing `SelfHealing` directly. */
export function testStack(): Stack {
  return new Stack(testApp(), 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
}

/**
 * Two groups: `web` with explicit limits, two alarms, its own autonomy, a dependency,
 * log groups, a related metric and an approval timeout; `api` on defaults. Plus
 * deployment-wide autonomy and guardrails, and an email subscriber. The decision
 * settings are left to their defaults (Bedrock with `DEFAULT_MODEL_ID`).
 */
export const TEST_CONFIG: SelfHealingConfig = {
  mode: 'auto',
  autoScalingGroups: [
    {
      autoScalingGroupName: 'web',
      alarmNames: ['web-cpu-high', 'web-latency-high'],
      maxStep: 3,
      maxCapacity: 12,
      maxAttempts: 4,
      cooldownMinutes: 20,
      leaseMinutes: 45,
      verifyAfterSeconds: 240,
      autonomy: { scaleOutAsg: 'approve' },
      dependencies: ['waf-ip-set/REGIONAL/web-blocklist'],
      logGroupNames: ['/ecs/web', '/ecs/web-proxy'],
      relatedMetrics: [
        { namespace: 'AWS/ApplicationELB', metricName: 'TargetResponseTime', dimensions: { LoadBalancer: 'app/web/0123456789abcdef' }, stat: 'p99' },
      ],
      approvalTimeoutMinutes: 30,
    },
    { autoScalingGroupName: 'api', alarmNames: ['api-cpu-high'] },
  ],
  notificationEmail: 'oncall@example.com',
  autonomy: { blockIpInWaf: 'recommend' },
  guardrails: { protectedCidrs: ['203.0.113.0/24', '2001:db8::/32'], allowedNamespaces: ['web'] },
};

/**
 * One group on defaults, in dry-run, with the model off through the config's
 * `decision.modelId: null` and the longest Bedrock timeout the config allows:
 * what must disappear (Bedrock, log reads) and what must still be there.
 */
export const RUNBOOKS_ONLY_CONFIG: SelfHealingConfig = {
  mode: 'dry-run',
  autoScalingGroups: [{ autoScalingGroupName: 'web', alarmNames: ['web-cpu-high'] }],
  decision: { modelId: null, minConfidence: 0.75, timeoutSeconds: 40 },
};

/** Like `RUNBOOKS_ONLY_CONFIG`, with an in-region foundation model instead of an inference profile. */
export const FOUNDATION_MODEL_CONFIG: SelfHealingConfig = {
  ...RUNBOOKS_ONLY_CONFIG,
  decision: { modelId: 'anthropic.claude-3-5-haiku-20241022-v1:0' },
};

/** The IP set of `EKS_AND_WAF_CONFIG`'s web ACL. */
export const SITE_IP_SET = {
  name: 'site-blocklist',
  id: 'a1b2c3d4-5678-90ab-cdef-000000000001',
  arn: 'arn:aws:wafv2:eu-west-1:123456789012:regional/ipset/site-blocklist/a1b2c3d4-5678-90ab-cdef-000000000001',
} as const;

/**
 * No Auto Scaling group: one EKS Deployment (`prod/payments/checkout`, with a
 * declared ConfigMap and a dependent alarm) and one REGIONAL web ACL (`site`,
 * its WAF log group, a 30-minute block), with a block cap and the namespace
 * allowlisted. What the new actions need, through the config path `cdk synth` takes.
 */
export const EKS_AND_WAF_CONFIG: SelfHealingConfig = {
  mode: 'auto',
  eksDeployments: [
    {
      cluster: 'prod',
      namespace: 'payments',
      deployment: 'checkout',
      alarmNames: ['checkout-5xx-high'],
      dependentAlarmNames: ['payments-db-connections-high'],
      logGroupNames: ['/aws/containerinsights/prod/application'],
      configMapDefaults: { 'checkout-config': { POOL_SIZE: '20' } },
    },
  ],
  webAcls: [
    {
      webAclName: 'site',
      scope: 'REGIONAL',
      ipSet: { ...SITE_IP_SET },
      alarmNames: ['site-request-flood'],
      dependentAlarmNames: ['checkout-5xx-high'],
      logGroupNames: ['aws-waf-logs-site'],
      blockMinutes: 30,
    },
  ],
  wafBlockLimits: { maxPerHour: 10 },
  guardrails: { protectedCidrs: ['203.0.113.0/24'], allowedNamespaces: ['payments'] },
};

/**
 * `EKS_AND_WAF_CONFIG`'s Deployment with its diagnosis options on: Container
 * Insights alarms (the failed-node one as a dependent alarm) and a Parameter
 * Store path for missing ConfigMap keys.
 */
export const EKS_DIAGNOSIS_CONFIG: SelfHealingConfig = {
  ...EKS_AND_WAF_CONFIG,
  eksDeployments: EKS_AND_WAF_CONFIG.eksDeployments!.map((deployment) => ({
    ...deployment,
    parameterStorePath: '/self-heal/payments/',
    containerInsightsAlarms: { failedNodes: true },
  })),
};

/** A user signature of `OBSERVE_CONFIG`, as the config writes it. */
export const DECLINE_STORM_SIGNATURE = {
  id: 'payment-declined-storm',
  title: 'The payment provider declines every card',
  pattern: String.raw`\bprovider (?<provider>\w+) declined\b`,
  flags: 'i',
  severity: 'high',
} as const;

/**
 * Observe: one group (`web`) whose incidents come from an alarm, an
 * anomaly-detection alarm on its p99 latency (both sides of a 3-σ band, 1-minute
 * periods) and the log intake on its log group, with every log-intake option set.
 */
export const OBSERVE_CONFIG: SelfHealingConfig = {
  mode: 'dry-run',
  autoScalingGroups: [
    {
      autoScalingGroupName: 'web',
      alarmNames: ['web-cpu-high'],
      logGroupNames: ['/ecs/web'],
      anomalyAlarms: [
        {
          metric: {
            namespace: 'AWS/ApplicationELB',
            metricName: 'TargetResponseTime',
            dimensions: { LoadBalancer: 'app/web/0123456789abcdef' },
            stat: 'p99',
            periodSeconds: 60,
          },
          direction: 'both',
          bandWidth: 3,
          evaluationPeriods: 5,
          datapointsToAlarm: 3,
        },
      ],
    },
  ],
  logIntake: {
    filterPattern: '?ERROR ?Exception ?declined',
    signatures: [{ ...DECLINE_STORM_SIGNATURE }],
    floodThresholdPerMinute: 600,
    burstMinCount: 30,
    burstStdDevs: 5,
    reservedConcurrentExecutions: 5,
  },
};

/**
 * A game day: two groups (`web` with log groups, `api`), CPU stress on both
 * (one template each), throttled EC2 calls for a workload role, one stop
 * alarm of the user's, experiment logs on, and a Slack channel through Chatbot.
 */
export const GAME_DAY_CONFIG: SelfHealingConfig = {
  mode: 'dry-run',
  autoScalingGroups: [
    { autoScalingGroupName: 'web', alarmNames: ['web-cpu-high'], logGroupNames: ['/ecs/web'] },
    { autoScalingGroupName: 'api', alarmNames: ['api-cpu-high'] },
  ],
  gameDay: {
    cpuStress: { durationMinutes: 5, loadPercent: 95 },
    apiErrors: { roleArn: 'arn:aws:iam::123456789012:role/web-app', operations: ['DescribeInstances', 'DescribeVolumes'], fault: 'throttle', percentage: 50 },
    stopConditionAlarmNames: ['web-5xx-high'],
  },
  chatbotSlack: { slackWorkspaceId: 'T0123ABCD', slackChannelId: 'C0123ABCDEF' },
};

/**
 * An RDS for PostgreSQL instance and an Aurora PostgreSQL cluster, imported by
 * identifier with their security groups and secrets by complete ARN, one with
 * Performance Insights and a customer-managed key; the functions in an
 * imported VPC with the VPC endpoints created.
 */
export const POSTGRES_CONFIG: SelfHealingConfig = {
  mode: 'auto',
  postgresDatabases: [
    {
      instanceIdentifier: 'orders-db',
      securityGroupIds: ['sg-0db0db0db0db0db00'],
      databaseName: 'orders',
      schemas: ['public', 'sales'],
      readerSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:selfheal-orders-reader-AbCdEf',
      actorSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:selfheal-orders-actor-GhIjKl',
      secretsKmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555',
      performanceInsightsResourceId: 'db-ABCDEFGHIJKLMNOPQRSTUVWXY0',
      guardrails: { maxTableBytes: 5_368_709_120, maintenanceWindow: { startHourUtc: 1, endHourUtc: 5 } },
      alarmNames: ['orders-db-slow-queries'],
      logGroupNames: ['/aws/rds/instance/orders-db/postgresql'],
    },
    {
      clusterIdentifier: 'billing-aurora',
      port: 5433,
      securityGroupIds: ['sg-0aa0aa0aa0aa0aa00'],
      databaseName: 'billing',
      readerSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:selfheal-billing-reader-MnOpQr',
      actorSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:selfheal-billing-actor-StUvWx',
      alarmNames: ['billing-aurora-cpu-high'],
    },
  ],
  databaseNetwork: {
    vpcId: 'vpc-0123456789abcdef0',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    subnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'],
    routeTableIds: ['rtb-0aaaaaaaaaaaaaaa1', 'rtb-0aaaaaaaaaaaaaaa2'],
    createVpcEndpoints: true,
  },
};

export interface SynthesizedStack {
  readonly app: App;
  readonly stack: SelfHealingStack;
  readonly template: Template;
}

/** Builds and synthesizes `SelfHealingStack` from `config` (by default `TEST_CONFIG`); call it once per test file and config. */
export function synthesizeTestStack(config: SelfHealingConfig = TEST_CONFIG): SynthesizedStack {
  const app = testApp();
  const stack = new SelfHealingStack(app, 'SelfHealing', {
    config,
    env: { account: '123456789012', region: 'eu-west-1' },
  });
  return { app, stack, template: Template.fromStack(stack) };
}

/** Every acknowledgement recorded with `Validations.of(...).acknowledge`, with where it was made. */
export function acknowledgementsIn(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}
