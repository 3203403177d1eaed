import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { IDEMPOTENCY_TABLE_ACTIONS } from './idempotency-grants.js';
import { allowLifecycleNotifications } from './lifecycle-notifications.js';
import { RemediationFunction } from './remediation-function.js';

export interface AlarmIntakeProps {
  /** Alarms whose transition to ALARM opens an incident. */
  readonly alarms: readonly cloudwatch.IAlarm[];

  /** Where the intake function records incidents. */
  readonly table: dynamodb.ITable;

  /** The workflow the intake function starts for each new incident. */
  readonly stateMachine: sfn.IStateMachine;

  /** `JSON.stringify` of the validated `Scope`, handed over as `RESOURCE_SCOPE`. */
  readonly resourceScope: string;

  /**
   * Topic the dead-letter alarm notifies.
   *
   * @default - the alarm has no action
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * Topic the intake function announces each new incident on (`incident-opened`).
   *
   * @default - new incidents are not announced
   */
  readonly notificationTopic?: sns.ITopic;

  /**
   * How long the intake function's log group keeps its events.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/** Another source of incidents for the intake function: which events, on which bus. */
export interface IntakeEventSourceProps {
  /** What the rule is for, shown in the EventBridge console. */
  readonly description: string;

  /** Which events open (or join) incidents. */
  readonly eventPattern: events.EventPattern;

  /**
   * The bus the events are published on.
   *
   * @default - the account's default event bus
   */
  readonly eventBus?: events.IEventBus;
}

/**
 * Turns a registered alarm's transition to ALARM into a remediation run.
 *
 * An EventBridge rule matches the alarms' state-change events and invokes the
 * intake function, which records the incident and starts the state machine.
 * An event that cannot be delivered, or whose processing still fails after
 * Lambda's retries, ends in one dead-letter queue; an alarm fires as soon as
 * that queue holds a message, because a lost alarm event is an incident
 * nobody will remediate. `addEventSource` routes other sources (the log
 * intake's detections) to the same function, retries and queue.
 */
export class AlarmIntake extends Construct {
  readonly function: RemediationFunction;
  readonly rule: events.Rule;
  readonly deadLetterQueue: sqs.Queue;
  readonly deadLetterAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: AlarmIntakeProps) {
    super(scope, id);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge(
      {
        id: 'AwsSolutions-SQS3',
        reason:
          'This queue is itself the dead-letter destination of the alarm rule target and of the intake ' +
          "function's failed async invocations; it is alarmed, and a dead-letter queue for it would add nothing.",
      },
      {
        id: 'Serverless-SQSRedrivePolicy',
        reason:
          'Dead-letter queue of last resort: nothing consumes it automatically, so there is nothing to ' +
          'redrive from it; an operator inspects and redrives its messages after the dead-letter alarm fires.',
      },
    );

    this.function = new RemediationFunction(this, 'Function', {
      directory: 'intake',
      description: 'Records an incident for a registered alarm that entered ALARM, or for a log detection, and starts its remediation',
      timeout: Duration.seconds(30),
      logRetention: props.logRetention,
      environment: {
        TABLE_NAME: props.table.tableName,
        STATE_MACHINE_ARN: props.stateMachine.stateMachineArn,
        RESOURCE_SCOPE: props.resourceScope,
      },
    });
    this.function.configureAsyncInvoke({
      onFailure: new destinations.SqsDestination(this.deadLetterQueue),
      retryAttempts: 2,
      // An alarm event older than an hour describes a situation that has
      // moved on; park it for a human instead of acting on it.
      maxEventAge: Duration.hours(1),
    });
    Validations.of(this.function).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        'Async failures go to an on-failure destination (the same SQS dead-letter queue), which records ' +
        'the error and request context that a DeadLetterConfig would drop; configuring both would duplicate messages.',
    });
    props.table.grant(this.function, ...IDEMPOTENCY_TABLE_ACTIONS);
    props.stateMachine.grantStartExecution(this.function);
    if (props.notificationTopic) allowLifecycleNotifications(this.function, props.notificationTopic);

    this.rule = new events.Rule(this, 'AlarmStateChange', {
      description: 'A registered self-healing alarm entered the ALARM state',
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        resources: props.alarms.map((alarm) => alarm.alarmArn),
        detail: { state: { value: ['ALARM'] } },
      },
      targets: [this.intakeTarget()],
    });

    this.deadLetterAlarm = new cloudwatch.Alarm(this, 'DeadLetterAlarm', {
      alarmDescription:
        'Self-healing failed to process an alarm event, a log detection or a notification: inspect the messages in the ' +
        'intake dead-letter queue, fix the cause, and redrive or remediate by hand.',
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

  /**
   * Routes other events to the intake function (log detections, say), with
   * the alarm rule's retries and dead-letter queue: an event EventBridge
   * cannot deliver lands in the same queue, under the same alarm.
   */
  public addEventSource(id: string, props: IntakeEventSourceProps): events.Rule {
    return new events.Rule(this, id, {
      description: props.description,
      eventPattern: props.eventPattern,
      ...(props.eventBus === undefined ? {} : { eventBus: props.eventBus }),
      targets: [this.intakeTarget()],
    });
  }

  /** The intake function as a rule target: retried for an hour, then parked in the dead-letter queue. */
  private intakeTarget(): targets.LambdaFunction {
    return new targets.LambdaFunction(this.function, {
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: 8,
      maxEventAge: Duration.hours(1),
    });
  }
}
