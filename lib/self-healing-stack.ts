import { ArnFormat, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import type { AutoScalingGroupTarget } from './auto-scaling-group-target.js';
import { ContainerInsightsAlarms } from './container-insights-alarms.js';
import { subscribeHumans } from './notification-topic.js';
import type { EksDeploymentTarget } from './eks-deployment-target.js';
import type { DatabaseNetworkProps, PostgresDatabaseTarget } from './postgres-database-target.js';
import type { RemediationTarget } from './remediation-target.js';
import { SelfHealing } from './self-healing.js';
import { parseSelfHealingConfig, type SelfHealingConfig } from './self-healing-config.js';
import type { WebAclTarget } from './web-acl-target.js';

export interface SelfHealingStackProps extends StackProps {
  /** The `selfHealing` context; validated again here, so any caller gets the same checks. */
  readonly config: SelfHealingConfig;
}

/** The fields every kind of target shares, as the config writes them. */
type TargetConfig = NonNullable<SelfHealingConfig['autoScalingGroups']>[number] &
  NonNullable<SelfHealingConfig['eksDeployments']>[number] &
  NonNullable<SelfHealingConfig['webAcls']>[number];
type SharedTargetConfig = Pick<
  TargetConfig,
  | 'alarmNames'
  | 'dependentAlarmNames'
  | 'maxAttempts'
  | 'cooldownMinutes'
  | 'leaseMinutes'
  | 'verifyAfterSeconds'
  | 'autonomy'
  | 'dependencies'
  | 'logGroupNames'
  | 'relatedMetrics'
  | 'anomalyAlarms'
  | 'approvalTimeoutMinutes'
>;

const minutes = (value: number | undefined) => (value === undefined ? undefined : Duration.minutes(value));

/** `cpu-stress-web.1` → `CpuStressWeb1`: an output id from a template's name. */
const pascalCase = (text: string) =>
  text
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join('');

/**
 * Deploys `SelfHealing` for the Auto Scaling groups, EKS Deployments and web
 * ACLs named in the config. Alarms are referenced by name in the stack's own
 * account and region.
 */
export class SelfHealingStack extends Stack {
  readonly selfHealing: SelfHealing;

  constructor(scope: Construct, id: string, props: SelfHealingStackProps) {
    super(scope, id, {
      description: 'Self-healing: alarm-driven, verified remediation of registered Auto Scaling groups, EKS Deployments and WAF-protected sites',
      ...props,
    });
    const config = parseSelfHealingConfig(props.config);

    // Imported alarms create no resources, so positional ids are safe
    // (alarm names may hold characters construct ids cannot).
    const importAlarms = (prefix: string, names: readonly string[] | undefined) =>
      (names ?? []).map((alarmName, alarmIndex) =>
        cloudwatch.Alarm.fromAlarmArn(
          this,
          `${prefix}-${alarmIndex}`,
          this.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: alarmName, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
        ),
      );
    const shared = (prefix: string, target: SharedTargetConfig): RemediationTarget => ({
      alarms: importAlarms(`${prefix}`, target.alarmNames),
      dependentAlarms: importAlarms(`Dependent${prefix}`, target.dependentAlarmNames),
      maxAttempts: target.maxAttempts,
      cooldown: minutes(target.cooldownMinutes),
      leaseDuration: minutes(target.leaseMinutes),
      verifyAfter: target.verifyAfterSeconds === undefined ? undefined : Duration.seconds(target.verifyAfterSeconds),
      autonomy: target.autonomy,
      dependencies: target.dependencies,
      logGroupNames: target.logGroupNames,
      relatedMetrics: target.relatedMetrics,
      anomalyAlarms: target.anomalyAlarms?.map(({ metric: { stat, periodSeconds, ...metric }, ...alarm }) => ({
        ...alarm,
        metric: { ...metric, statistic: stat, ...(periodSeconds === undefined ? {} : { period: Duration.seconds(periodSeconds) }) },
      })),
      approvalTimeout: minutes(target.approvalTimeoutMinutes),
    });

    const autoScalingGroups = (config.autoScalingGroups ?? []).map(
      (group, index): AutoScalingGroupTarget => ({
        ...shared(`Alarm${index}`, group),
        autoScalingGroupName: group.autoScalingGroupName,
        maxStep: group.maxStep,
        maxCapacity: group.maxCapacity,
      }),
    );
    const eksDeployments = (config.eksDeployments ?? []).map((deployment, index): EksDeploymentTarget => {
      const target = shared(`EksAlarm${index}`, deployment);
      const insights =
        deployment.containerInsightsAlarms === undefined
          ? undefined
          : new ContainerInsightsAlarms(this, `ContainerInsights${index}`, {
              cluster: deployment.cluster,
              namespace: deployment.namespace,
              deployment: deployment.deployment,
              ...deployment.containerInsightsAlarms,
            });
      return {
        ...target,
        alarms: [...target.alarms, ...(insights?.alarms ?? [])],
        dependentAlarms: [...(target.dependentAlarms ?? []), ...(insights?.dependentAlarms ?? [])],
        cluster: deployment.cluster,
        namespace: deployment.namespace,
        deployment: deployment.deployment,
        configMapDefaults: deployment.configMapDefaults,
        ...(deployment.parameterStorePath === undefined ? {} : { parameterStorePath: deployment.parameterStorePath }),
      };
    });
    const webAcls = (config.webAcls ?? []).map(
      (webAcl, index): WebAclTarget => ({
        ...shared(`WafAlarm${index}`, webAcl),
        webAclName: webAcl.webAclName,
        scope: webAcl.scope,
        ipSet: webAcl.ipSet,
        blockDuration: minutes(webAcl.blockMinutes),
      }),
    );

    // Imported by identifier and ARN: nothing is looked up, the ids are taken as written.
    const postgresDatabases = (config.postgresDatabases ?? []).map((database, index): PostgresDatabaseTarget => {
      const securityGroups = (database.securityGroupIds ?? []).map((groupId, groupIndex) =>
        ec2.SecurityGroup.fromSecurityGroupId(this, `PostgresDatabase${index}SecurityGroup${groupIndex}`, groupId),
      );
      const port = database.port ?? 5432;
      return {
        ...shared(`PostgresAlarm${index}`, database),
        ...(database.instanceIdentifier === undefined
          ? {}
          : {
              instance: rds.DatabaseInstance.fromDatabaseInstanceAttributes(this, `PostgresDatabase${index}`, {
                instanceIdentifier: database.instanceIdentifier,
                // Never read: the functions connect to the host in the secrets.
                instanceEndpointAddress: `${database.instanceIdentifier}.endpoint-from-the-secrets`,
                port,
                securityGroups,
              }),
            }),
        ...(database.clusterIdentifier === undefined
          ? {}
          : {
              cluster: rds.DatabaseCluster.fromDatabaseClusterAttributes(this, `PostgresCluster${index}`, {
                clusterIdentifier: database.clusterIdentifier,
                port,
                securityGroups,
              }),
            }),
        databaseName: database.databaseName,
        readerSecret: secretsmanager.Secret.fromSecretCompleteArn(this, `PostgresReaderSecret${index}`, database.readerSecretArn),
        actorSecret: secretsmanager.Secret.fromSecretCompleteArn(this, `PostgresActorSecret${index}`, database.actorSecretArn),
        ...(database.secretsKmsKeyArn === undefined ? {} : { secretsEncryptionKey: kms.Key.fromKeyArn(this, `PostgresSecretsKey${index}`, database.secretsKmsKeyArn) }),
        schemas: database.schemas,
        performanceInsightsResourceId: database.performanceInsightsResourceId,
        minCostReduction: database.minCostReduction,
        minImprovement: database.minImprovement,
        guardrails: database.guardrails,
      };
    });
    const network = config.databaseNetwork;
    const databaseNetwork: DatabaseNetworkProps | undefined =
      network === undefined
        ? undefined
        : {
            vpc: ec2.Vpc.fromVpcAttributes(this, 'DatabaseVpc', {
              vpcId: network.vpcId,
              availabilityZones: network.availabilityZones,
              privateSubnetIds: network.subnetIds,
              ...(network.routeTableIds === undefined ? {} : { privateSubnetRouteTableIds: network.routeTableIds }),
            }),
            ...(network.securityGroupId === undefined
              ? {}
              : { securityGroup: ec2.SecurityGroup.fromSecurityGroupId(this, 'DatabaseFunctionsSecurityGroup', network.securityGroupId, { mutable: false }) }),
            createVpcEndpoints: network.createVpcEndpoints,
          };

    this.selfHealing = new SelfHealing(this, 'SelfHealing', {
      mode: config.mode,
      autoScalingGroups,
      eksDeployments,
      webAcls,
      postgresDatabases,
      databaseNetwork,
      wafBlockLimits: config.wafBlockLimits,
      logIntake: config.logIntake,
      autonomy: config.autonomy,
      guardrails: config.guardrails,
      flapGuard: config.flapGuard && {
        attemptBudget: config.flapGuard.attemptBudget,
        budgetWindow: config.flapGuard.budgetWindowHours === undefined ? undefined : Duration.minutes(Math.round(config.flapGuard.budgetWindowHours * 60)),
        circuitFailureThreshold: config.flapGuard.circuitFailureThreshold,
        maxCooldown: minutes(config.flapGuard.maxCooldownMinutes),
      },
      decision: config.decision && {
        modelId: config.decision.modelId,
        minConfidence: config.decision.minConfidence,
        timeout: config.decision.timeoutSeconds === undefined ? undefined : Duration.seconds(config.decision.timeoutSeconds),
      },
      gameDay: config.gameDay && {
        cpuStress: config.gameDay.cpuStress && {
          autoScalingGroupNames: config.gameDay.cpuStress.autoScalingGroupNames,
          duration: minutes(config.gameDay.cpuStress.durationMinutes),
          loadPercent: config.gameDay.cpuStress.loadPercent,
          instancePercent: config.gameDay.cpuStress.instancePercent,
        },
        apiErrors: config.gameDay.apiErrors && { ...config.gameDay.apiErrors, duration: minutes(config.gameDay.apiErrors.durationMinutes) },
        stopConditionAlarms: importAlarms('GameDayStopAlarm', config.gameDay.stopConditionAlarmNames),
        experimentLogs: config.gameDay.experimentLogs,
      },
      chatbotSlack: config.chatbotSlack,
    });

    if (config.notificationEmail) {
      // Email gets what needs a human only: approvals, escalations, recommended
      // plans, open circuits and the healer's own alarms (NEEDS_A_HUMAN_FILTER_POLICY).
      subscribeHumans(
        this.selfHealing.topic,
        new subscriptions.EmailSubscription(config.notificationEmail, {
          // An undeliverable notification is kept for review next to the
          // alarm events that could not be processed.
          deadLetterQueue: this.selfHealing.deadLetterQueue,
        }),
      );
    }

    new CfnOutput(this, 'Mode', { value: config.mode, description: 'dry-run records plans only; auto acts' });
    new CfnOutput(this, 'StateMachineArn', { value: this.selfHealing.stateMachine.stateMachineArn });
    new CfnOutput(this, 'StateTableName', { value: this.selfHealing.table.tableName });
    new CfnOutput(this, 'NotificationTopicArn', { value: this.selfHealing.topic.topicArn });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.selfHealing.deadLetterQueue.queueUrl });
    if (this.selfHealing.logIntake !== undefined) {
      new CfnOutput(this, 'LogIntakeDeadLetterQueueUrl', {
        value: this.selfHealing.logIntake.deadLetterQueue.queue.queueUrl,
        description: 'Log batches the log intake could not mine, with their payloads',
      });
    }
    new CfnOutput(this, 'DashboardName', { value: this.selfHealing.dashboard.dashboardName });
    new CfnOutput(this, 'DashboardUrl', { value: this.selfHealing.dashboard.dashboardUrl, description: 'The healer\'s CloudWatch dashboard' });
    if (this.selfHealing.incidentReports !== undefined) {
      new CfnOutput(this, 'IncidentReportsBucketName', {
        value: this.selfHealing.incidentReports.bucket.bucketName,
        description: 'The incident report of every finished run: reports/<yyyy>/<mm>/<dd>/<execution name>.html',
      });
    }
    for (const { name, template } of this.selfHealing.gameDay?.templates ?? []) {
      new CfnOutput(this, `GameDay${pascalCase(name)}TemplateId`, {
        value: template.attrId,
        description: `FIS experiment template ${name}: aws fis start-experiment --experiment-template-id <this>`,
      });
    }
    if (this.selfHealing.wafBlockExpiry !== undefined) {
      new CfnOutput(this, 'WafBlockExpiryDeadLetterQueueUrl', {
        value: this.selfHealing.wafBlockExpiry.deadLetterQueue.queueUrl,
        description: 'WAF block expiries that failed: the address may still be blocked',
      });
    }
  }
}
