import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { healerMetric } from './healer-metrics.js';

/** A function whose failures mean signals are not turning into incidents. */
export interface IntakeFunction {
  /** What it takes in, for the alarm's name and description: e.g. "alarm intake". */
  readonly name: string;
  readonly function: lambda.IFunction;
}

export interface SelfMonitoringProps {
  /** The remediation workflow. */
  readonly stateMachine: sfn.IStateMachine;

  /** The functions that turn signals into incidents (the alarm intake; the log intake when on). */
  readonly intakeFunctions: readonly IntakeFunction[];

  /**
   * Alarms that already watch the healer (dead-letter queues, failed
   * destinations): listed in `alarms`, never created twice.
   *
   * @default []
   */
  readonly existingAlarms?: readonly cloudwatch.IAlarm[];

  /** Where every alarm created here notifies, on ALARM and on OK. */
  readonly topic: sns.ITopic;

  /**
   * Whether a Bedrock model decides: then the Decide function emits
   * `BedrockThrottles` (an EMF metric, one per call Bedrock throttled) and
   * an alarm watches it.
   *
   * @default false - no model, so no Bedrock throttling alarm
   */
  readonly modelDecides?: boolean;

  /**
   * Throttled model calls, within 15 minutes, that raise the Bedrock alarm.
   * Each one fell back to the runbooks, so a single throttle is no emergency.
   *
   * @default 3
   */
  readonly bedrockThrottleThreshold?: number;
}

/**
 * Alarms on the healer itself, each notifying the topic:
 *
 * - `workflowFailures`: runs that failed for a reason other than an
 *   escalation (an escalation ends the run in the `IncidentEscalated` Fail
 *   state, and is already a notification of its own);
 * - `workflowTimeouts`: runs that hit the workflow's 24-hour timeout;
 * - `intakeErrors`: errors of each intake function (a signal delayed, or on
 *   its way to the dead-letter queue);
 * - `bedrockThrottles`: model calls Bedrock throttled, when a model decides;
 * - `undeliveredNotifications`: escalations or lifecycle notifications SNS refused;
 *
 * and, reused as they are, the dead-letter alarms the other constructs own.
 */
export class SelfMonitoring extends Construct {
  readonly workflowFailures: cloudwatch.Alarm;
  readonly workflowTimeouts: cloudwatch.Alarm;
  readonly intakeErrors: readonly cloudwatch.Alarm[];
  /** Only when a model decides. */
  readonly bedrockThrottles?: cloudwatch.Alarm;
  readonly undeliveredNotifications: cloudwatch.Alarm;
  /** Every alarm on the healer: those created here, then the existing ones. */
  readonly alarms: readonly cloudwatch.IAlarm[];
  /**
   * The alarms that mean the healer itself is broken, for an experiment's
   * stop conditions: workflow failures, intake errors, then the existing
   * (dead-letter) alarms.
   */
  readonly healerBroken: readonly cloudwatch.IAlarm[];

  constructor(scope: Construct, id: string, props: SelfMonitoringProps) {
    super(scope, id);
    const period = Duration.minutes(5);
    const action = new cloudwatchActions.SnsAction(props.topic);
    // Each fires at the first bad datapoint: `threshold` or more in one period.
    const alarm = (alarmId: string, alarmProps: Pick<cloudwatch.AlarmProps, 'alarmDescription' | 'metric' | 'threshold'>): cloudwatch.Alarm => {
      const created = new cloudwatch.Alarm(this, alarmId, {
        ...alarmProps,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(action);
      created.addOkAction(action);
      return created;
    };

    this.workflowFailures = alarm('WorkflowFailures', {
      alarmDescription:
        'Self-healing runs failed for a reason other than an escalation (a step broke in a way the workflow could not ' +
        'hand over). Open the failed executions in the Step Functions console: the incident may have no owner.',
      metric: new cloudwatch.MathExpression({
        expression: 'MAX([0, FILL(failed, 0) - FILL(escalated, 0)])',
        usingMetrics: {
          failed: props.stateMachine.metricFailed({ period, statistic: cloudwatch.Stats.SUM }),
          escalated: healerMetric('IncidentsEscalated', { period }),
        },
        label: 'Failed runs, escalations excluded',
        period,
      }),
      threshold: 1,
    });

    this.workflowTimeouts = alarm('WorkflowTimeouts', {
      alarmDescription:
        'A self-healing run hit the workflow timeout: its incident was never closed. Find it in the Step Functions ' +
        'console, take the incident over, and release its lease if the run still held one.',
      metric: props.stateMachine.metricTimedOut({ period, statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
    });

    this.intakeErrors = props.intakeFunctions.map(({ name, function: fn }, index) =>
      alarm(`IntakeErrors${index}`, {
        alarmDescription:
          `The self-healing ${name} failed: a signal is delayed while Lambda retries, or on its way to the ` +
          "dead-letter queue. Read the function's log for the error.",
        metric: fn.metricErrors({ period, statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
      }),
    );

    if (props.modelDecides === true) {
      const window = Duration.minutes(15);
      this.bedrockThrottles = alarm('BedrockThrottles', {
        alarmDescription:
          'Bedrock throttled the self-healing model calls: the runbooks decided instead. Check the model\'s quotas ' +
          '(tokens and requests per minute) and whether something else shares them.',
        metric: healerMetric('BedrockThrottles', { period: window }),
        threshold: props.bedrockThrottleThreshold ?? 3,
      });
    }

    this.undeliveredNotifications = alarm('UndeliveredNotifications', {
      alarmDescription:
        'SNS refused self-healing notifications: they are only in the functions\' logs (search for ' +
        '"ESCALATION NOT DELIVERED" and "notification not delivered"). Check the topic, its key policy and its subscriptions.',
      metric: new cloudwatch.MathExpression({
        expression: 'FILL(escalations, 0) + FILL(notifications, 0)',
        usingMetrics: {
          escalations: healerMetric('EscalationsUndelivered', { period }),
          notifications: healerMetric('NotificationsUndelivered', { period }),
        },
        label: 'Undelivered notifications',
        period,
      }),
      threshold: 1,
    });

    const existing = props.existingAlarms ?? [];
    this.alarms = [
      this.workflowFailures,
      this.workflowTimeouts,
      ...this.intakeErrors,
      ...(this.bedrockThrottles === undefined ? [] : [this.bedrockThrottles]),
      this.undeliveredNotifications,
      ...existing,
    ];
    this.healerBroken = [this.workflowFailures, ...this.intakeErrors, ...existing];
  }
}
