import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface AlarmedDeadLetterQueueProps {
  /**
   * What failed to land here, for the cdk-nag acknowledgements: e.g.
   * "the log intake function's failed async invocations".
   */
  readonly holds: string;

  /** What the alarm tells the operator: what is in the queue and what to do about it. */
  readonly alarmDescription: string;

  /**
   * Topic the alarm notifies.
   *
   * @default - the alarm has no action
   */
  readonly alarmTopic?: sns.ITopic;
}

/**
 * A dead-letter queue of last resort and the alarm that fires at its first
 * message: encrypted (SQS-managed), TLS only, messages kept 14 days.
 *
 * Nothing consumes it: an operator reads the messages after the alarm
 * fires, fixes the cause and redrives them or acts by hand.
 */
export class AlarmedDeadLetterQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly alarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: AlarmedDeadLetterQueueProps) {
    super(scope, id);

    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.queue).acknowledge(
      {
        id: 'AwsSolutions-SQS3',
        reason: `This queue is itself a dead-letter destination (${props.holds}); it is alarmed, and a dead-letter queue for it would add nothing.`,
      },
      {
        id: 'Serverless-SQSRedrivePolicy',
        reason:
          'Dead-letter queue of last resort: nothing consumes it automatically, so there is nothing to ' +
          'redrive from it; an operator inspects and redrives its messages after its alarm fires.',
      },
    );

    this.alarm = new cloudwatch.Alarm(this, 'Alarm', {
      alarmDescription: props.alarmDescription,
      metric: this.queue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmTopic) this.alarm.addAlarmAction(new cloudwatchActions.SnsAction(props.alarmTopic));
  }
}
