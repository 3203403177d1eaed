import { ArnFormat, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import type { AutoScalingGroupTarget } from './auto-scaling-group-target.js';
import { SelfHealing } from './self-healing.js';
import { parseSelfHealingConfig, type SelfHealingConfig } from './self-healing-config.js';

export interface SelfHealingStackProps extends StackProps {
  /** The `selfHealing` context; validated again here, so any caller gets the same checks. */
  readonly config: SelfHealingConfig;
}

/**
 * Deploys `SelfHealing` for the Auto Scaling groups and alarms named in the
 * config. Alarms are referenced by name in the stack's own account and region.
 */
export class SelfHealingStack extends Stack {
  readonly selfHealing: SelfHealing;

  constructor(scope: Construct, id: string, props: SelfHealingStackProps) {
    super(scope, id, {
      description: 'Self-healing: alarm-driven, verified scale-out of registered Auto Scaling groups',
      ...props,
    });
    const config = parseSelfHealingConfig(props.config);

    const autoScalingGroups = config.autoScalingGroups.map(
      (group, groupIndex): AutoScalingGroupTarget => ({
        autoScalingGroupName: group.autoScalingGroupName,
        // Imported alarms create no resources, so positional ids are safe
        // (alarm names may hold characters construct ids cannot).
        alarms: group.alarmNames.map((alarmName, alarmIndex) =>
          cloudwatch.Alarm.fromAlarmArn(
            this,
            `Alarm${groupIndex}-${alarmIndex}`,
            this.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: alarmName,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ),
        ),
        maxStep: group.maxStep,
        maxCapacity: group.maxCapacity,
        maxAttempts: group.maxAttempts,
        cooldown: group.cooldownMinutes === undefined ? undefined : Duration.minutes(group.cooldownMinutes),
        leaseDuration: group.leaseMinutes === undefined ? undefined : Duration.minutes(group.leaseMinutes),
        verifyAfter: group.verifyAfterSeconds === undefined ? undefined : Duration.seconds(group.verifyAfterSeconds),
        autonomy: group.autonomy,
        dependencies: group.dependencies,
        logGroupNames: group.logGroupNames,
        relatedMetrics: group.relatedMetrics,
        approvalTimeout: group.approvalTimeoutMinutes === undefined ? undefined : Duration.minutes(group.approvalTimeoutMinutes),
      }),
    );

    this.selfHealing = new SelfHealing(this, 'SelfHealing', {
      mode: config.mode,
      autoScalingGroups,
      autonomy: config.autonomy,
      guardrails: config.guardrails,
      flapGuard: config.flapGuard && {
        attemptBudget: config.flapGuard.attemptBudget,
        budgetWindow: config.flapGuard.budgetWindowHours === undefined ? undefined : Duration.minutes(Math.round(config.flapGuard.budgetWindowHours * 60)),
        circuitFailureThreshold: config.flapGuard.circuitFailureThreshold,
        maxCooldown: config.flapGuard.maxCooldownMinutes === undefined ? undefined : Duration.minutes(config.flapGuard.maxCooldownMinutes),
      },
      decision: config.decision && {
        modelId: config.decision.modelId,
        minConfidence: config.decision.minConfidence,
        timeout: config.decision.timeoutSeconds === undefined ? undefined : Duration.seconds(config.decision.timeoutSeconds),
      },
    });

    if (config.notificationEmail) {
      this.selfHealing.topic.addSubscription(
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
  }
}
