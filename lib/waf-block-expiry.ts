import { Aws, Duration, Names, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { WafSettingsSchema } from '../lambdas/shared/waf/waf-settings.js';
import type { DeclaredIpSetRef } from './declared-resources.js';
import { RemediationFunction } from './remediation-function.js';

/** The scheduler actions the BlockIpInWaf function needs: create a block's expiry, and drop it on undo. */
export const BLOCK_SCHEDULE_ACTIONS = ['scheduler:CreateSchedule', 'scheduler:GetSchedule', 'scheduler:DeleteSchedule'] as const;

/** The scheduler actions the ExpireIpBlock function gets: look at and drop a block's schedule. */
export const EXPIRE_SCHEDULE_ACTIONS = ['scheduler:GetSchedule', 'scheduler:DeleteSchedule'] as const;

/** What the WAF functions do to the IP sets: read them, and write them with the lock token. */
export const IP_SET_ACTIONS = ['wafv2:GetIPSet', 'wafv2:UpdateIPSet'] as const;

/** The block ledger's reads and conditional writes in the state table (`BlockLedger`: no query, no delete). */
export const BLOCK_LEDGER_TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'] as const;

/**
 * How EventBridge Scheduler retries delivering an expiry to the function
 * before it sends the event to the dead-letter queue: for up to a day, as
 * often as Scheduler allows. A block must not outlive its expiry by much.
 */
export const EXPIRY_RETRY_POLICY = { maximumEventAgeInSeconds: 86_400, maximumRetryAttempts: 185 } as const;

export interface WafBlockExpiryProps {
  /** The IP sets blocks may be written to. */
  readonly ipSets: readonly DeclaredIpSetRef[];

  /** Caps per IP set. */
  readonly limits: { readonly maxPerHour: number; readonly maxTotal: number };

  /** The state table that holds the block ledger. */
  readonly table: dynamodb.ITable;

  /** `JSON.stringify` of the validated `Scope`, handed over as `RESOURCE_SCOPE`. */
  readonly resourceScope: string;

  /**
   * Topic the dead-letter alarm notifies.
   *
   * @default - the alarm has no action
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * How long the function's log group keeps its events.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The expiry side of WAF IP blocks.
 *
 * BlockIpInWaf creates one one-time EventBridge Scheduler schedule per block,
 * in this construct's schedule group, before the address goes into the IP
 * set; when the block ends, Scheduler (assuming `schedulerRole`, which may do
 * nothing but invoke `function` and write to the dead-letter queue) invokes
 * the ExpireIpBlock function, which takes the address out again and records
 * it in the block ledger.
 *
 * An expiry that Scheduler cannot deliver (after `EXPIRY_RETRY_POLICY`), or
 * that the function fails to carry out (after Lambda's two async retries),
 * lands in `deadLetterQueue`, and `deadLetterAlarm` fires at once: an address
 * may still be blocked, so a human removes it.
 *
 * `settings` is the `WAF_SETTINGS` both functions read.
 */
export class WafBlockExpiry extends Construct {
  /** Holds every expiry schedule; the Scheduler permissions are scoped to it. */
  readonly scheduleGroup: scheduler.ScheduleGroup;
  /** The schedule group's literal name. */
  readonly scheduleGroupName: string;
  /** ARN pattern of the schedules in the group: `…:schedule/<group>/*`. */
  readonly scheduleArns: string;
  /** The role Scheduler assumes to invoke the function. */
  readonly schedulerRole: iam.Role;
  /** The ExpireIpBlock function. */
  readonly function: RemediationFunction;
  /** Expiries that could not be delivered or carried out. */
  readonly deadLetterQueue: sqs.Queue;
  /** Fires as soon as the dead-letter queue holds a message. */
  readonly deadLetterAlarm: cloudwatch.Alarm;
  /** The `WAF_SETTINGS` object (values may be tokens). */
  readonly settings: Record<string, unknown>;
  /** The `WAF_SETTINGS` environment value. */
  readonly settingsJson: string;

  private readonly ipSetArns: string[];

  constructor(scope: Construct, id: string, props: WafBlockExpiryProps) {
    super(scope, id);
    this.ipSetArns = props.ipSets.map((ipSet) => ipSet.arn);

    // Literal names: the IAM scope and the cdk-nag finding name the group,
    // and the function's own ARN goes into its environment (a reference to
    // itself would be a circular dependency).
    const baseName = Names.uniqueResourceName(this, { maxLength: 56 });
    this.scheduleGroupName = baseName;
    const functionName = `${baseName}-expire`;

    // Deleting the group deletes its schedules: blocks then in place stay
    // until removed by hand (the state table, retained, lists them).
    this.scheduleGroup = new scheduler.ScheduleGroup(this, 'Schedules', {
      scheduleGroupName: this.scheduleGroupName,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.scheduleArns = `arn:${Aws.PARTITION}:scheduler:${Aws.REGION}:${Aws.ACCOUNT_ID}:schedule/${this.scheduleGroupName}/*`;

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge(
      {
        id: 'AwsSolutions-SQS3',
        reason:
          'This queue is itself the dead-letter destination of the block-expiry schedules and of the expiry ' +
          "function's failed async invocations; it is alarmed, and a dead-letter queue for it would add nothing.",
      },
      {
        id: 'Serverless-SQSRedrivePolicy',
        reason:
          'Dead-letter queue of last resort: nothing consumes it automatically. After the alarm fires, an operator ' +
          'removes the still-blocked address by hand (the message holds the block id, IP set and CIDR) or redrives it.',
      },
    );

    const targetArn = `arn:${Aws.PARTITION}:lambda:${Aws.REGION}:${Aws.ACCOUNT_ID}:function:${functionName}`;
    this.schedulerRole = new iam.Role(this, 'SchedulerRole', {
      description: 'Assumed by EventBridge Scheduler to deliver self-healing WAF block expiries',
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: {
            'aws:SourceAccount': Aws.ACCOUNT_ID,
            'aws:SourceArn': this.scheduleGroup.scheduleGroupArn,
          },
        },
      }),
    });

    this.settings = {
      ipSets: props.ipSets.map(({ name, id: ipSetId, scope: ipSetScope, arn }) => ({ name, id: ipSetId, scope: ipSetScope, arn })),
      limits: { maxPerHour: props.limits.maxPerHour, maxTotal: props.limits.maxTotal },
      schedule: {
        groupName: this.scheduleGroupName,
        targetArn,
        roleArn: this.schedulerRole.roleArn,
        // For the schedule's DeadLetterConfig and RetryPolicy (CreateSchedule).
        deadLetterArn: this.deadLetterQueue.queueArn,
        retryPolicy: { ...EXPIRY_RETRY_POLICY },
      },
    };
    const checked = WafSettingsSchema.safeParse(this.settings);
    if (!checked.success) throw new Error(`WAF_SETTINGS would be refused by the WAF functions: ${checked.error.message}`);
    this.settingsJson = Stack.of(this).toJsonString(this.settings);

    this.function = new RemediationFunction(this, 'ExpireIpBlock', {
      directory: 'expire-ip-block',
      functionName,
      description: "Removes a WAF IP block when its time is up (invoked by the block's one-time EventBridge Scheduler schedule)",
      timeout: Duration.seconds(60),
      logRetention: props.logRetention,
      environment: {
        TABLE_NAME: props.table.tableName,
        RESOURCE_SCOPE: props.resourceScope,
        WAF_SETTINGS: this.settingsJson,
      },
    });
    this.function.configureAsyncInvoke({
      onFailure: new destinations.SqsDestination(this.deadLetterQueue),
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
    });
    Validations.of(this.function).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        'Async failures go to an on-failure destination (the expiry dead-letter queue), which records the error ' +
        'and request context that a DeadLetterConfig would drop; configuring both would duplicate messages.',
    });
    props.table.grant(this.function, ...BLOCK_LEDGER_TABLE_ACTIONS);
    this.grantIpSetEdits(this.function);
    this.grantSchedules(this.function, EXPIRE_SCHEDULE_ACTIONS);

    // Scheduler invokes the function by its unqualified ARN and writes what it cannot deliver to the queue; nothing else.
    this.schedulerRole.addToPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.function.functionArn] }));
    this.schedulerRole.addToPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.deadLetterQueue.queueArn] }));

    this.deadLetterAlarm = new cloudwatch.Alarm(this, 'DeadLetterAlarm', {
      alarmDescription:
        'A WAF IP block did not expire: EventBridge Scheduler could not deliver its expiry, or the expiry function ' +
        'failed. The address may still be blocked: read the message in the block-expiry dead-letter queue, remove ' +
        'the address from the IP set by hand (or fix the cause and redrive), then delete the message.',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmTopic) {
      this.deadLetterAlarm.addAlarmAction(new cloudwatchActions.SnsAction(props.alarmTopic));
    }
  }

  /** Lets a function read and update exactly the declared IP sets. */
  grantIpSetEdits(fn: RemediationFunction): void {
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: [...IP_SET_ACTIONS], resources: [...this.ipSetArns] }));
  }

  /**
   * Lets a function call `actions` on the schedules of this group only. The
   * schedules are named per block at run time, so the ARN ends in `*`: the
   * acknowledgement names that exact resource and says why.
   */
  grantSchedules(fn: RemediationFunction, actions: readonly string[]): void {
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: [...actions], resources: [this.scheduleArns] }));
    Validations.of(fn.role.node.findChild('DefaultPolicy')).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${this.scheduleGroupName}/*]`,
      reason:
        `Expiry schedules are created at run time, one per WAF block and named after it (unblock-blk-…), so their ARNs ` +
        `cannot be listed; the "*" is confined to this stack's own schedule group "${this.scheduleGroupName}".`,
    });
  }

  /** Lets a function hand the scheduler role to EventBridge Scheduler (and to nothing else) when it creates a schedule. */
  grantPassSchedulerRole(fn: RemediationFunction): void {
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.schedulerRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
  }
}
