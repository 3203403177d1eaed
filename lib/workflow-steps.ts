import { Aws, Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { DeclaredClusterRef } from './declared-resources.js';
import { EKS_READER_GROUP, EKS_REMEDIATOR_GROUP, grantEksClusterAccess } from './eks-access.js';
import { IDEMPOTENCY_TABLE_ACTIONS } from './idempotency-grants.js';
import { allowLifecycleNotifications } from './lifecycle-notifications.js';
import type { RemediationFunction } from './remediation-function.js';
import { BLOCK_SCHEDULE_ACTIONS, type WafBlockExpiry } from './waf-block-expiry.js';
import type { WorkflowFunctionId } from './workflow-functions.js';

/** What the workflow's functions may read, write or act on. */
export interface WorkflowResources {
  readonly table: dynamodb.ITable;
  readonly topic: sns.ITopic;
  /** `JSON.stringify` of the validated `Scope`, handed over as `RESOURCE_SCOPE`. */
  readonly resourceScope: string;
  /** ARNs of every registered alarm, of every kind of target, and of their dependent alarms. */
  readonly alarmArns: readonly string[];
  /** Names of every registered Auto Scaling group. */
  readonly autoScalingGroupNames: readonly string[];
  /** Log groups read into incident contexts, across all targets. */
  readonly logGroupNames: readonly string[];
  /** The clusters of the registered EKS Deployments. */
  readonly eksClusters: readonly DeclaredClusterRef[];
  /** Parameter Store paths that hold values for missing ConfigMap keys (`parameterStorePath` of the EKS targets). */
  readonly parameterStorePaths: readonly string[];
  /**
   * The WAF block machinery (IP sets, expiry schedules, `WAF_SETTINGS`).
   *
   * @default - none: no web ACL is registered, and BlockIpInWaf gets no WAF permission
   */
  readonly waf?: WafBlockExpiry;
  /**
   * The registered PostgreSQL databases: the secrets each PostgreSQL function
   * may read and the Performance Insights resources InspectPostgres may query.
   *
   * @default - none: the PostgreSQL functions get no secret and no Performance Insights permission
   */
  readonly postgresDatabases?: readonly PostgresDatabaseAccess[];
  /** The validated runbooks, as the JSON the Decide function embeds. */
  readonly runbooksJson: string;
  /** How the Decide function decides. */
  readonly decision: DecisionConfig;
}

/** What the PostgreSQL functions need to reach one registered database. */
export interface PostgresDatabaseAccess {
  /** Instance or cluster identifier, as in the scope. */
  readonly name: string;
  /** Login of the read-only role; both PostgreSQL functions read it. */
  readonly readerSecret: secretsmanager.ISecret;
  /** Login of the role that creates and drops indexes; only CreatePostgresIndex reads it. */
  readonly actorSecret: secretsmanager.ISecret;
  /**
   * Customer-managed keys the two secrets are encrypted with; `kms:Decrypt` is
   * allowed on each, through Secrets Manager only.
   */
  readonly secretKeys: readonly kms.IKey[];
  /**
   * `DbiResourceId` (`db-…`) or `DbClusterResourceId` (`cluster-…`) whose Performance Insights metrics InspectPostgres reads.
   *
   * @default - no Performance Insights permission
   */
  readonly performanceInsightsResourceId?: string;
}

/** How plans are made: the model, if any, and its limits. */
export interface DecisionConfig {
  /** Bedrock model or inference profile id; `undefined` lets the runbooks decide alone. */
  readonly modelId?: string;
  readonly maxTokens: number;
  readonly timeout: Duration;
  readonly minConfidence: number;
  readonly maxPromptChars: number;
}

/** How one workflow function is set up: its limits, its environment and its permissions. */
export interface WorkflowStep {
  readonly description: string;
  /** Kept below the `TimeoutSeconds` of every ASL state that calls the function. */
  readonly timeout: Duration;
  /** Adds the function's environment variables and grants it exactly what its job needs. */
  configure(fn: RemediationFunction, resources: WorkflowResources): void;
  /** Values replaced in the bundle at build time (esbuild `define`). */
  define?(resources: WorkflowResources): Record<string, string>;
  /**
   * Where the function runs: `'database'` places it in the registered
   * databases' network (the construct's `databaseNetwork`), with a security
   * group the databases admit on their port.
   *
   * @default - outside any VPC
   */
  readonly network?: 'database';
}

/**
 * Node.js 20 and later runtimes no longer trust the Amazon RDS certificate
 * authorities by default; the runtime ships them in this bundle, and the
 * PostgreSQL functions verify the server certificate against it.
 */
const RDS_CA_CERTIFICATES = ['NODE_EXTRA_CA_CERTS', '/var/runtime/ca-cert.pem'] as const;

const DESCRIBE_AUTO_SCALING_REASON =
  'Auto Scaling Describe* actions support no resource-level permissions (the service authorization ' +
  'reference lists no resource type for them), so they can only be granted on "*"; they are read-only.';

/**
 * Every function the state machine calls, keyed like `WORKFLOW_FUNCTIONS`;
 * adding a function there without setting it up here fails to compile.
 */
export const WORKFLOW_STEPS: Record<WorkflowFunctionId, WorkflowStep> = {
  BuildContext: {
    description: "Gathers an incident's context: the group's live state, the alarm, recent incidents, the limits",
    timeout: Duration.seconds(50),
    configure(fn, { table, resourceScope, alarmArns, logGroupNames, eksClusters, parameterStorePaths }) {
      fn.addEnvironment('TABLE_NAME', table.tableName);
      fn.addEnvironment('RESOURCE_SCOPE', resourceScope);
      table.grant(fn, 'dynamodb:Query');
      // Reads the incident's Deployment, ReplicaSets, pods and declared ConfigMaps (read-only RBAC).
      grantEksClusterAccess(fn, eksClusters, EKS_READER_GROUP);
      fn.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['cloudwatch:DescribeAlarms', 'cloudwatch:DescribeAlarmHistory'], resources: [...alarmArns] }),
      );
      if (logGroupNames.length > 0) {
        fn.addToRolePolicy(
          new iam.PolicyStatement({
            actions: ['logs:FilterLogEvents'],
            resources: logGroupNames.map((name) => `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:${name}:*`),
          }),
        );
        Validations.of(fn.role.node.findChild('DefaultPolicy')).acknowledge(
          ...logGroupNames.map((name) => ({
            id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:${name}:*]`,
            reason: `FilterLogEvents is authorised on the log group's ARN with its ":*" stream suffix; the group name "${name}" is pinned.`,
          })),
        );
      }
      if (parameterStorePaths.length > 0) {
        // String values for missing ConfigMap keys, under the declared paths only; never decrypted (no kms:Decrypt).
        fn.addToRolePolicy(
          new iam.PolicyStatement({
            actions: ['ssm:GetParameter'],
            resources: parameterStorePaths.map((path) => `arn:${Aws.PARTITION}:ssm:${Aws.REGION}:${Aws.ACCOUNT_ID}:parameter${path}*`),
          }),
        );
        Validations.of(fn.role.node.findChild('DefaultPolicy')).acknowledge(
          ...parameterStorePaths.map((path) => ({
            id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter${path}*]`,
            reason: `Read-only: a missing ConfigMap key's value is read as <path><configMap>/<key>, and only under the declared path "${path}".`,
          })),
        );
      }
      fn.addUnscopedPermissions(
        'ReadWithoutResourceTypes',
        ['autoscaling:DescribeAutoScalingGroups', 'autoscaling:DescribeScalingActivities', 'cloudwatch:GetMetricData', 'cloudtrail:LookupEvents'],
        'Read-only context for the incident. Auto Scaling Describe* actions, cloudwatch:GetMetricData and ' +
          'cloudtrail:LookupEvents support no resource-level permissions (no resource type in the service ' +
          'authorization reference), so they can only be granted on "*".',
      );
    },
  },
  Decide: {
    description: 'Proposes a remediation plan: Amazon Bedrock with tool use over the action catalog, or the runbooks',
    timeout: Duration.seconds(50),
    define: ({ runbooksJson }) => ({ 'process.env.RUNBOOKS_JSON': JSON.stringify(runbooksJson) }),
    configure(fn, { decision }) {
      fn.addEnvironment('BEDROCK_MODEL_ID', decision.modelId ?? '');
      fn.addEnvironment('BEDROCK_MAX_TOKENS', String(decision.maxTokens));
      fn.addEnvironment('BEDROCK_TIMEOUT_MS', String(decision.timeout.toMilliseconds()));
      fn.addEnvironment('DECISION_MIN_CONFIDENCE', String(decision.minConfidence));
      fn.addEnvironment('DECISION_MAX_PROMPT_CHARS', String(decision.maxPromptChars));
      if (decision.modelId === undefined) return;
      const model = bedrockModelResources(decision.modelId);
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['bedrock:InvokeModel'], resources: model.arns }));
      Validations.of(fn.role.node.findChild('DefaultPolicy')).acknowledge(
        ...model.wildcardFindings.map((findingId) => ({
          id: `AwsSolutions-IAM5[Resource::${findingId}]`,
          reason:
            `Cross-region inference profile "${decision.modelId}" routes each request to the model in any region of its ` +
            'geography, so the foundation-model ARN must allow every region; the model id itself is pinned.',
        })),
      );
    },
  },
  CheckPolicy: {
    description: 'Judges a plan with the deterministic policy: allowed action, own resource or declared dependency, limits, autonomy',
    timeout: Duration.seconds(15),
    configure(fn, { resourceScope }) {
      fn.addEnvironment('RESOURCE_SCOPE', resourceScope);
    },
  },
  RequestApproval: {
    description: 'Sends a plan for approval with signed, single-use links, and records the pending approval',
    timeout: Duration.seconds(25),
    // Wired by SelfHealing once the approval gateway exists (it needs the state machine).
    configure() {},
  },
  AcquireLease: {
    description: "Takes the resource's lease, then checks its circuit, attempt budget and ping-pong under it",
    timeout: Duration.seconds(15),
    configure(fn, { table }) {
      fn.addEnvironment('TABLE_NAME', table.tableName);
      table.grant(fn, ...IDEMPOTENCY_TABLE_ACTIONS, 'dynamodb:Query');
    },
  },
  ScaleOutAsg: {
    description: "Records the group's capacity, then raises its desired capacity to the planned target",
    timeout: Duration.seconds(50),
    configure(fn, { table, topic, resourceScope, autoScalingGroupNames }) {
      fn.addEnvironment('TABLE_NAME', table.tableName);
      fn.addEnvironment('RESOURCE_SCOPE', resourceScope);
      table.grant(fn, ...IDEMPOTENCY_TABLE_ACTIONS);
      // Announces the scale-out it made, and its undo.
      allowLifecycleNotifications(fn, topic);
      // No registered group: nothing may be scaled (the guard refuses any plan before a call).
      if (autoScalingGroupNames.length === 0) return;
      const groups = autoScalingGroupNames.map(autoScalingGroupArn);
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['autoscaling:SetDesiredCapacity'],
          resources: groups.map((group) => group.arn),
        }),
      );
      Validations.of(fn.role.node.findChild('DefaultPolicy')).acknowledge(
        ...groups.map((group) => ({
          id: `AwsSolutions-IAM5[Resource::${group.findingId}]`,
          reason:
            `The "*" stands for the group id of Auto Scaling group "${group.name}", which AWS generates ` +
            'when the group is created; the group name pins SetDesiredCapacity to this one registered group.',
        })),
      );
      fn.addUnscopedPermissions(
        'DescribeAutoScaling',
        ['autoscaling:DescribeAutoScalingGroups'],
        DESCRIBE_AUTO_SCALING_REASON,
      );
    },
  },
  BlockIpInWaf: {
    description: 'Blocks one flooding address in the site\'s WAF IP set, with its expiry scheduled first; undoes it when verification fails',
    timeout: Duration.seconds(50),
    configure(fn, { table, topic, resourceScope, waf }) {
      fn.addEnvironment('TABLE_NAME', table.tableName);
      fn.addEnvironment('RESOURCE_SCOPE', resourceScope);
      // Idempotency, the attempt record and the safety ledger, and the block ledger (conditional writes, no query).
      table.grant(fn, ...IDEMPOTENCY_TABLE_ACTIONS);
      // Announces the block it made, and its undo.
      allowLifecycleNotifications(fn, topic);
      // Without a registered web ACL the function has no WAF_SETTINGS and fails
      // at start-up: a plan that reaches it escalates without touching anything.
      if (waf === undefined) return;
      fn.addEnvironment('WAF_SETTINGS', waf.settingsJson);
      waf.grantIpSetEdits(fn);
      waf.grantSchedules(fn, BLOCK_SCHEDULE_ACTIONS);
      waf.grantPassSchedulerRole(fn);
    },
  },
  ActOnEks: {
    description: 'Rolls back, restarts or patches the ConfigMap of an EKS Deployment in an allowlisted namespace; undoes it when verification fails',
    timeout: Duration.seconds(50),
    configure(fn, { table, topic, resourceScope, eksClusters }) {
      fn.addEnvironment('TABLE_NAME', table.tableName);
      fn.addEnvironment('RESOURCE_SCOPE', resourceScope);
      // Idempotency, the attempt record and the safety ledger.
      table.grant(fn, ...IDEMPOTENCY_TABLE_ACTIONS);
      // Announces the change it made, and its undo.
      allowLifecycleNotifications(fn, topic);
      // DescribeCluster on exactly the declared clusters, and an access entry
      // per cluster into the Kubernetes group whose namespaced RBAC is in lib/eks-rbac/.
      grantEksClusterAccess(fn, eksClusters, EKS_REMEDIATOR_GROUP);
    },
  },
  InspectPostgres: {
    description: 'Reads a PostgreSQL database as a read-only role: query statistics, plans, hypothetical indexes, Performance Insights',
    timeout: Duration.seconds(120),
    network: 'database',
    configure(fn, { resourceScope, postgresDatabases = [] }) {
      fn.addEnvironment('RESOURCE_SCOPE', resourceScope);
      fn.addEnvironment(...RDS_CA_CERTIFICATES);
      grantSecretValues(fn, postgresDatabases.map((database) => database.readerSecret), postgresDatabases.flatMap((database) => database.secretKeys));
      const insights = postgresDatabases.flatMap((database) =>
        database.performanceInsightsResourceId === undefined ? [] : [performanceInsightsArn(database.performanceInsightsResourceId)],
      );
      if (insights.length > 0) {
        fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['pi:DescribeDimensionKeys', 'pi:GetResourceMetrics'], resources: insights }));
      }
    },
  },
  CreatePostgresIndex: {
    description: 'Creates a recommended PostgreSQL index CONCURRENTLY as the actor role, measures it, and drops it when verification fails',
    // Index builds on large tables take minutes; the guardrails cap the table size.
    timeout: Duration.seconds(900),
    network: 'database',
    configure(fn, { table, topic, resourceScope, postgresDatabases = [] }) {
      fn.addEnvironment('TABLE_NAME', table.tableName);
      fn.addEnvironment('RESOURCE_SCOPE', resourceScope);
      fn.addEnvironment(...RDS_CA_CERTIFICATES);
      // Idempotency, the attempt record and the safety ledger.
      table.grant(fn, ...IDEMPOTENCY_TABLE_ACTIONS);
      // Announces the index it created, and its undo.
      allowLifecycleNotifications(fn, topic);
      // The actor login to build and drop the index, the reader login to measure before and after.
      grantSecretValues(
        fn,
        postgresDatabases.flatMap((database) => [database.readerSecret, database.actorSecret]),
        postgresDatabases.flatMap((database) => database.secretKeys),
      );
    },
  },
  VerifyRecovery: {
    description: "Checks that the incident's alarms cleared and no dependent alarm tripped after the action (and, for a group, its capacity)",
    timeout: Duration.seconds(25),
    configure(fn, { alarmArns, resourceScope }) {
      fn.addEnvironment('RESOURCE_SCOPE', resourceScope);
      fn.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['cloudwatch:DescribeAlarms', 'cloudwatch:DescribeAlarmHistory'], resources: [...alarmArns] }),
      );
      fn.addUnscopedPermissions(
        'DescribeAutoScaling',
        ['autoscaling:DescribeAutoScalingGroups'],
        DESCRIBE_AUTO_SCALING_REASON,
      );
    },
  },
  RecordAttemptResult: {
    description: "Writes an attempt's verified result to the resource's ledger and opens its circuit when fixes keep failing",
    timeout: Duration.seconds(15),
    configure(fn, { table, topic }) {
      fn.addEnvironment('TABLE_NAME', table.tableName);
      table.grant(fn, ...IDEMPOTENCY_TABLE_ACTIONS, 'dynamodb:Query');
      // Announces a circuit it opened.
      allowLifecycleNotifications(fn, topic);
    },
  },
  RecordOutcome: {
    description: 'Records how an incident ended, releases the lease and starts the (exponential) cooldown',
    timeout: Duration.seconds(15),
    configure(fn, { table, topic }) {
      fn.addEnvironment('TABLE_NAME', table.tableName);
      table.grant(fn, ...IDEMPOTENCY_TABLE_ACTIONS, 'dynamodb:Query');
      // Announces a verified recovery.
      allowLifecycleNotifications(fn, topic);
    },
  },
  EscalateIncident: {
    description: 'Hands an incident to a human: notifies, records the escalation and releases the lease',
    timeout: Duration.seconds(25),
    configure(fn, { table, topic }) {
      fn.addEnvironment('TABLE_NAME', table.tableName);
      fn.addEnvironment('TOPIC_ARN', topic.topicArn);
      table.grant(fn, ...IDEMPOTENCY_TABLE_ACTIONS, 'dynamodb:Query');
      // `grantPublish` would allow `kms:GenerateDataKey*`; publishing to an
      // encrypted topic needs exactly these two key actions.
      sns.TopicGrants.fromTopic(topic).actions(fn, ['sns:Publish'], {
        keyActions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      });
    },
  },
};

/**
 * ARN pattern of an Auto Scaling group known by name, and the cdk-nag
 * finding id that pattern produces. Built from pseudo parameters (not the
 * stack's account and region) so the finding id is the same in every
 * environment.
 */
function autoScalingGroupArn(name: string): { name: string; arn: string; findingId: string } {
  const suffix = `:autoScalingGroup:*:autoScalingGroupName/${name}`;
  return {
    name,
    arn: `arn:${Aws.PARTITION}:autoscaling:${Aws.REGION}:${Aws.ACCOUNT_ID}${suffix}`,
    findingId: `arn:<AWS::Partition>:autoscaling:<AWS::Region>:<AWS::AccountId>${suffix}`,
  };
}

/**
 * `secretsmanager:GetSecretValue` on exactly these secrets (by their complete
 * ARN, so no `-??????` wildcard), and `kms:Decrypt` on their customer-managed
 * keys only when Secrets Manager asks on the function's behalf.
 */
function grantSecretValues(fn: RemediationFunction, secrets: readonly secretsmanager.ISecret[], keys: readonly kms.IKey[]): void {
  const arns = [...new Set(secrets.map((secret) => secret.secretFullArn ?? secret.secretArn))];
  if (arns.length === 0) return;
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: arns }));
  const keyArns = [...new Set(keys.map((key) => key.keyArn))];
  if (keyArns.length === 0) return;
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['kms:Decrypt'],
      resources: keyArns,
      conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Aws.REGION}.amazonaws.com` } },
    }),
  );
}

/** ARN of a database's Performance Insights metrics, as `pi:GetResourceMetrics` and `pi:DescribeDimensionKeys` authorise them. */
export function performanceInsightsArn(resourceId: string): string {
  return `arn:${Aws.PARTITION}:pi:${Aws.REGION}:${Aws.ACCOUNT_ID}:metrics/rds/${resourceId}`;
}

/** Inference-profile prefixes: the id routes across the regions of a geography (or globally). */
const PROFILE_PREFIXES = ['global.', 'us.', 'eu.', 'apac.', 'jp.', 'au.', 'ca.', 'us-gov.'];

/**
 * ARNs `bedrock:InvokeModel` needs for a model id: the foundation model, or
 * for an inference profile the profile plus the model in every region it
 * may route to. Returns the cdk-nag finding ids of the region wildcards.
 */
export function bedrockModelResources(modelId: string): { arns: string[]; wildcardFindings: string[] } {
  const prefix = PROFILE_PREFIXES.find((candidate) => modelId.startsWith(candidate));
  if (prefix === undefined) {
    return { arns: [`arn:${Aws.PARTITION}:bedrock:${Aws.REGION}::foundation-model/${modelId}`], wildcardFindings: [] };
  }
  const baseModel = modelId.slice(prefix.length);
  const anyRegionModel = `arn:${Aws.PARTITION}:bedrock:*::foundation-model/${baseModel}`;
  return {
    arns: [
      `arn:${Aws.PARTITION}:bedrock:${Aws.REGION}:${Aws.ACCOUNT_ID}:inference-profile/${modelId}`,
      anyRegionModel,
      // Global profiles are authorised against the region-less model ARN.
      `arn:${Aws.PARTITION}:bedrock:::foundation-model/${baseModel}`,
    ],
    wildcardFindings: [`arn:<AWS::Partition>:bedrock:*::foundation-model/${baseModel}`],
  };
}
