import { Arn, ArnFormat, Aws, Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct, type IConstruct } from 'constructs';
import { FINISHED_STATUSES } from '../lambdas/write-incident-report/execution-event.js';
import { REPORT_ENV, REPORT_KEY_PREFIX } from '../lambdas/write-incident-report/report-location.js';
import { AlarmedDeadLetterQueue } from './alarmed-dead-letter-queue.js';
import { allowLifecycleNotifications } from './lifecycle-notifications.js';
import { RemediationFunction } from './remediation-function.js';

/** How the reports are kept: what a user of `SelfHealing` may choose. */
export interface IncidentReportsOptions {
  /**
   * How long a report is kept; a lifecycle rule deletes it after that
   * (and, with versioning, its older versions after the same time).
   *
   * @default Duration.days(90)
   */
  readonly retention?: Duration;

  /**
   * A customer-managed KMS key to encrypt the reports with (SSE-KMS, with
   * an S3 Bucket Key). Readers then need `kms:Decrypt` on it too.
   *
   * @default - S3-managed keys (SSE-S3)
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * Keep every version of a report. A report is written once per run, and
   * rewritten only when the event is delivered again, so versions add little.
   *
   * @default false
   */
  readonly versioned?: boolean;

  /**
   * Bucket that receives the report bucket's S3 server access logs (who
   * read which report), under the `incident-reports/` prefix.
   *
   * @default - no server access logs; CloudTrail data events can record reads instead
   */
  readonly serverAccessLogsBucket?: s3.IBucket;
}

export interface IncidentReportsProps extends IncidentReportsOptions {
  /** The remediation workflow whose finished runs get a report. */
  readonly stateMachine: sfn.IStateMachine;

  /**
   * Topic the function announces each report on (`report-ready`, with a
   * link to the report in the S3 console).
   *
   * @default - reports are written but not announced
   */
  readonly notificationTopic?: sns.ITopic;

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

/** The default of `retention`. */
export const DEFAULT_REPORT_RETENTION = Duration.days(90);

/**
 * The incident report of every finished run of the remediation workflow,
 * as a self-contained HTML page in S3:
 * `reports/<yyyy>/<mm>/<dd>/<execution name>.html`, dated by the run's start.
 *
 * An EventBridge rule on the workflow's status changes (succeeded, failed,
 * timed out, aborted) invokes a function that reads the execution and its
 * history, renders the report and writes it; then it publishes a
 * `report-ready` notification with the S3 URI and a link to the object in
 * the S3 console. The bucket is private (all public access blocked, TLS
 * only, owner-enforced), encrypted, and forgets a report after `retention`.
 * The function may read this state machine's executions, write under
 * `reports/` and publish to the topic, nothing else. An event it cannot
 * process ends in an alarmed dead-letter queue.
 */
export class IncidentReports extends Construct {
  readonly bucket: s3.Bucket;
  readonly function: RemediationFunction;
  readonly rule: events.Rule;
  readonly deadLetterQueue: AlarmedDeadLetterQueue;
  /** The alarm on the dead-letter queue: a run whose report could not be written. */
  readonly deadLetterAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: IncidentReportsProps) {
    super(scope, id);
    const retention = props.retention ?? DEFAULT_REPORT_RETENTION;
    if (retention.toMilliseconds() < Duration.days(1).toMilliseconds()) {
      throw new Error(`IncidentReports: retention must be at least one day, not ${retention.toHumanString()}`);
    }
    // A lifecycle rule counts whole days: 36 hours fails here, not at deploy.
    const retentionDays = retention.toDays();

    this.bucket = new s3.Bucket(this, 'Bucket', {
      ...(props.encryptionKey === undefined
        ? { encryption: s3.BucketEncryption.S3_MANAGED }
        : { encryption: s3.BucketEncryption.KMS, encryptionKey: props.encryptionKey, bucketKeyEnabled: true }),
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: props.versioned ?? false,
      lifecycleRules: [
        {
          id: 'ExpireReports',
          prefix: REPORT_KEY_PREFIX,
          expiration: Duration.days(retentionDays),
          ...(props.versioned === true ? { noncurrentVersionExpiration: Duration.days(retentionDays) } : {}),
        },
      ],
      ...(props.serverAccessLogsBucket === undefined
        ? {}
        : { serverAccessLogsBucket: props.serverAccessLogsBucket, serverAccessLogsPrefix: 'incident-reports/' }),
    });
    if (props.serverAccessLogsBucket === undefined) {
      Validations.of(this.bucket).acknowledge({
        id: 'AwsSolutions-S1',
        reason:
          'Only the report function writes here, and its writes are in its own log; reads need IAM access to a private, ' +
          'TLS-only bucket. Access logs need a second bucket to land in: set serverAccessLogsBucket to turn them on.',
      });
    }

    this.deadLetterQueue = new AlarmedDeadLetterQueue(this, 'DeadLetterQueue', {
      holds: "finished-run events the incident report function could not process, from the rule and from the function's failed async invocations",
      alarmDescription:
        'Self-healing could not write the incident report of a finished run: the event is in the incident reports ' +
        "dead-letter queue. Read the function's log for the error, fix it, and redrive the message to write the report.",
      alarmTopic: props.alarmTopic,
    });
    this.deadLetterAlarm = this.deadLetterQueue.alarm;

    this.function = new RemediationFunction(this, 'Function', {
      directory: 'write-incident-report',
      description: 'Writes the HTML incident report of a finished self-healing run to S3 and announces it',
      // The whole history, with every state's data (a few MB at most), is read and rendered in memory.
      timeout: Duration.minutes(2),
      logRetention: props.logRetention,
      environment: {
        [REPORT_ENV.bucket]: this.bucket.bucketName,
        [REPORT_ENV.stateMachineArn]: props.stateMachine.stateMachineArn,
        ...(props.encryptionKey === undefined ? {} : { [REPORT_ENV.kmsKeyArn]: props.encryptionKey.keyArn }),
      },
    });
    this.function.configureAsyncInvoke({
      onFailure: new destinations.SqsDestination(this.deadLetterQueue.queue),
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
    });
    Validations.of(this.function).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        'Async failures go to an on-failure destination (the alarmed dead-letter queue), which records the error and ' +
        'request context that a DeadLetterConfig would drop; configuring both would duplicate messages.',
    });

    // Least privilege: this state machine's executions, the report prefix, the topic.
    const stateMachineName = stateMachineNameOf(props.stateMachine);
    const executions = `arn:${Aws.PARTITION}:states:${Aws.REGION}:${Aws.ACCOUNT_ID}:execution:${stateMachineName}:*`;
    this.function.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['states:DescribeExecution', 'states:GetExecutionHistory'], resources: [executions] }),
    );
    this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [this.bucket.arnForObjects(`${REPORT_KEY_PREFIX}*`)] }));
    // SSE-KMS: S3 asks the key for a data key on the writer's behalf.
    props.encryptionKey?.grant(this.function, 'kms:GenerateDataKey');
    if (props.notificationTopic !== undefined) allowLifecycleNotifications(this.function, props.notificationTopic);

    const policy = this.function.role.node.findChild('DefaultPolicy');
    Validations.of(policy).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${nagValue(this, stateMachineName)}:*]`,
        reason:
          'Execution ARNs end in a name chosen when each run starts (the incident and a timestamp), unknown at deploy time; ' +
          'the wildcard covers the runs of this one state machine, for DescribeExecution and GetExecutionHistory only.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::${nagValue(this, this.bucket.bucketArn)}/${REPORT_KEY_PREFIX}*]`,
        reason:
          'Report keys name the day and the execution, unknown at deploy time; s3:PutObject is limited to the reports/ ' +
          'prefix of this bucket, the only place the function writes.',
      },
    );

    this.rule = new events.Rule(this, 'RunFinished', {
      description: 'A run of the self-healing remediation workflow finished: write its incident report',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { stateMachineArn: [props.stateMachine.stateMachineArn], status: [...FINISHED_STATUSES] },
      },
      targets: [new targets.LambdaFunction(this.function, { deadLetterQueue: this.deadLetterQueue.queue, retryAttempts: 8, maxEventAge: Duration.hours(6) })],
    });
  }
}

/** The state machine's name: its own attribute when it is defined here, else the last part of its ARN. */
function stateMachineNameOf(stateMachine: sfn.IStateMachine): string {
  if ('stateMachineName' in stateMachine && typeof stateMachine.stateMachineName === 'string') return stateMachine.stateMachineName;
  return Arn.split(stateMachine.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME).resourceName!;
}

/**
 * A token as cdk-nag writes it in a finding's id: `<LogicalId.Attribute>`
 * for `Fn::GetAtt`, `<LogicalId>` for `Ref`, the value itself when it is
 * known at synth.
 */
function nagValue(scope: IConstruct, value: string): string {
  const resolved: unknown = Stack.of(scope).resolve(value);
  if (typeof resolved === 'string') return resolved;
  const intrinsic = resolved as { 'Fn::GetAtt'?: unknown[]; Ref?: unknown } | null;
  if (Array.isArray(intrinsic?.['Fn::GetAtt'])) return `<${intrinsic['Fn::GetAtt'].join('.')}>`;
  if (typeof intrinsic?.Ref === 'string') return `<${intrinsic.Ref}>`;
  return JSON.stringify(resolved);
}
