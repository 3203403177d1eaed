import { Duration, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { compileSignatures, type Signature } from '../lambdas/log-intake/signatures.js';
import { LOG_DETECTION_DETAIL_TYPE, LOG_DETECTION_SOURCE } from '../lambdas/shared/log-detection.js';
import type { AlarmIntake } from './alarm-intake.js';
import { AlarmedDeadLetterQueue } from './alarmed-dead-letter-queue.js';
import { LogSubscriptionIntake } from './log-subscription-intake.js';
import { RemediationFunction } from './remediation-function.js';
import { InvalidResourceScopeError } from './resource-scope.js';

/** Most bytes the `SIGNATURES` variable may take: Lambda caps all of a function's variables at 4 KB together. */
export const MAX_SIGNATURES_BYTES = 3_000;

/** CloudWatch Logs refuses a subscription filter pattern longer than this. */
const MAX_FILTER_PATTERN_LENGTH = 1_024;

/** How the log intake mines the declared log groups. */
export interface LogIntakeOptions {
  /**
   * Whether to subscribe the log intake to the declared log groups at all.
   *
   * @default - on when any target declares `logGroupNames`, off otherwise
   */
  readonly enabled?: boolean;

  /**
   * Which events the subscriptions deliver, in CloudWatch Logs filter
   * pattern syntax. Narrow it (e.g. `?ERROR ?Exception`) to pay for fewer
   * invocations; error bursts and new templates are then judged on what passes.
   *
   * @default '' - every event
   */
  readonly filterPattern?: string;

  /**
   * Error signatures besides the built-in ones (connection refused, out of
   * memory, crash loop, missing environment variable, timeout, upstream 5xx,
   * disk full, too many connections); one with a built-in's id replaces it.
   * Checked at synth with the function's own `SignatureSchema` and compiler,
   * and handed over as the `SIGNATURES` variable (at most 3,000 bytes of JSON).
   *
   * @default - the built-in signatures only
   */
  readonly signatures?: readonly Signature[];

  /**
   * Requests per minute from one client, in an access log, above which the
   * client counts as flooding (a `client-flood` detection names it).
   *
   * @default 300
   */
  readonly floodThresholdPerMinute?: number;

  /**
   * Fewest lines of one error template in a minute that can make a burst.
   *
   * @default 20
   */
  readonly burstMinCount?: number;

  /**
   * Standard deviations above a template's own per-minute baseline that make a burst.
   *
   * @default 4
   */
  readonly burstStdDevs?: number;

  /**
   * The bus detections are published on and the incident intake listens to.
   *
   * @default - the account's default event bus
   */
  readonly eventBus?: events.IEventBus;

  /**
   * Concurrent executions reserved for (and capping) the log intake function.
   * CloudWatch Logs invokes it once per log stream batch, in parallel; a cap
   * protects the rest of the account, and throttled batches wait in Lambda's
   * async queue (then, after an hour, in the dead-letter queue).
   *
   * @default - no reservation
   */
  readonly reservedConcurrentExecutions?: number;
}

export interface LogIntakeProps extends Omit<LogIntakeOptions, 'enabled'> {
  /** Log groups to mine, each once. CloudWatch Logs allows two subscription filters per log group. */
  readonly logGroupNames: readonly string[];

  /** Where each log group's mining state is kept (`pk = LOGSTATE#<logGroup>`). */
  readonly table: dynamodb.ITable;

  /** The incident intake, which the detections are routed to. */
  readonly incidentIntake: AlarmIntake;

  /**
   * Topic the dead-letter alarms notify.
   *
   * @default - the alarms have no action
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
 * Problems with the log intake's options, each naming the option under
 * `where`: the same checks the function makes of its settings at start-up,
 * made at synth instead.
 */
export function logIntakeProblems(options: LogIntakeOptions, where = 'logIntake'): string[] {
  const problems: string[] = [];
  const pattern = options.filterPattern ?? '';
  if (!Token.isUnresolved(pattern) && pattern.length > MAX_FILTER_PATTERN_LENGTH) {
    problems.push(`${where}.filterPattern: at most ${MAX_FILTER_PATTERN_LENGTH} characters, got ${pattern.length}`);
  }
  for (const [name, value] of [
    ['floodThresholdPerMinute', options.floodThresholdPerMinute],
    ['burstMinCount', options.burstMinCount],
    ['burstStdDevs', options.burstStdDevs],
  ] as const) {
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) problems.push(`${where}.${name}: must be a number above 0, got ${value}`);
  }
  const reserved = options.reservedConcurrentExecutions;
  if (reserved !== undefined && !(Number.isInteger(reserved) && reserved >= 1)) {
    problems.push(`${where}.reservedConcurrentExecutions: must be a whole number of at least 1, got ${reserved}`);
  }
  if (options.signatures !== undefined) {
    try {
      compileSignatures(options.signatures);
    } catch (error) {
      problems.push(`${where}.signatures: ${(error as Error).message}`);
    }
    const bytes = Buffer.byteLength(JSON.stringify(options.signatures), 'utf8');
    if (bytes > MAX_SIGNATURES_BYTES) {
      problems.push(`${where}.signatures: ${bytes} bytes of JSON, more than the ${MAX_SIGNATURES_BYTES} that fit in the function's environment`);
    }
  }
  return problems;
}

/**
 * Mines the declared log groups for error templates, bursts, known error
 * signatures and flooding clients, and turns what it finds into incidents.
 *
 * A subscription filter on each log group delivers batches to the log intake
 * function (asynchronously); the function keeps each log group's state in the
 * state table and publishes detections (`self-healing.logs` / `Log Detection`)
 * on the event bus, where a rule routes those about the declared log groups
 * to the incident intake, with its retries and dead-letter queue.
 *
 * A batch the function cannot process (a corrupt payload; state or publish
 * failures that outlast two retries; an hour of throttling) lands with its
 * original payload in the log intake's dead-letter queue, which alarms at the
 * first message; a record Lambda could not deliver there (too large, say)
 * raises a second alarm on `DestinationDeliveryFailures`.
 */
export class LogIntake extends Construct {
  readonly function: RemediationFunction;
  /** The bus detections are published on. */
  readonly eventBus: events.IEventBus;
  readonly subscriptions: LogSubscriptionIntake;
  /** The rule that routes detections about the declared log groups to the incident intake. */
  readonly detectionRule: events.Rule;
  /** Failed async invocations of the log intake function, with their payloads. */
  readonly deadLetterQueue: AlarmedDeadLetterQueue;
  /** Fires when Lambda could not put a failed invocation's record in the dead-letter queue. */
  readonly destinationFailureAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: LogIntakeProps) {
    super(scope, id);
    const problems = logIntakeProblems(props);
    const logGroupNames = [...new Set(props.logGroupNames)];
    if (logGroupNames.length === 0) problems.push('logIntake: no log group to subscribe to; declare logGroupNames on a target');
    if (problems.length > 0) throw new InvalidResourceScopeError(problems);

    this.eventBus = props.eventBus ?? events.EventBus.fromEventBusName(this, 'DefaultBus', 'default');

    this.deadLetterQueue = new AlarmedDeadLetterQueue(this, 'DeadLetterQueue', {
      holds: "the log intake function's failed async invocations",
      alarmDescription:
        'Self-healing could not mine a batch of log events: the message holds the error and the original ' +
        'CloudWatch Logs payload. Fix the cause, then redrive the payload to the log intake function or read it by hand.',
      alarmTopic: props.alarmTopic,
    });

    this.function = new RemediationFunction(this, 'Function', {
      directory: 'log-intake',
      description: 'Mines CloudWatch Logs batches of the declared log groups and publishes detections on the event bus',
      timeout: Duration.seconds(60),
      memorySize: 512,
      logRetention: props.logRetention,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      environment: {
        TABLE_NAME: props.table.tableName,
        EVENT_BUS_NAME: this.eventBus.eventBusName,
        ...(props.signatures === undefined ? {} : { SIGNATURES: JSON.stringify(props.signatures) }),
        ...(props.floodThresholdPerMinute === undefined ? {} : { FLOOD_THRESHOLD_PER_MINUTE: String(props.floodThresholdPerMinute) }),
        ...(props.burstMinCount === undefined ? {} : { BURST_MIN_COUNT: String(props.burstMinCount) }),
        ...(props.burstStdDevs === undefined ? {} : { BURST_STD_DEVS: String(props.burstStdDevs) }),
      },
    });
    this.function.configureAsyncInvoke({
      onFailure: new destinations.SqsDestination(this.deadLetterQueue.queue),
      // Retries help with state conflicts and refused PutEvents entries; the
      // batch key makes a retry of a saved batch a no-op.
      retryAttempts: 2,
      // A detection older than an hour describes a situation that has moved
      // on; park the batch for a human instead of opening a stale incident.
      maxEventAge: Duration.hours(1),
    });
    Validations.of(this.function).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        'Async failures go to an on-failure destination (an alarmed SQS queue), which keeps the error and ' +
        'the original payload that a DeadLetterConfig would drop; configuring both would duplicate messages.',
    });
    // The mining state: one item per log group, read, then written under a version condition.
    props.table.grant(this.function, 'dynamodb:GetItem', 'dynamodb:PutItem');
    this.eventBus.grantPutEventsTo(this.function);

    this.destinationFailureAlarm = new cloudwatch.Alarm(this, 'DestinationFailureAlarm', {
      alarmDescription:
        'Self-healing could not keep a failed log batch in the log intake dead-letter queue (the record may be too ' +
        "large): the batch is lost to the intake; read the function's own log for its error and the log group.",
      metric: this.function.metric('DestinationDeliveryFailures', { period: Duration.minutes(1), statistic: cloudwatch.Stats.SUM }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmTopic) this.destinationFailureAlarm.addAlarmAction(new cloudwatchActions.SnsAction(props.alarmTopic));

    this.subscriptions = new LogSubscriptionIntake(this, 'Subscriptions', {
      function: this.function,
      logGroupNames,
      filterPattern: props.filterPattern,
    });

    this.detectionRule = props.incidentIntake.addEventSource('LogDetections', {
      description: 'The log intake found something in a declared log group',
      eventBus: props.eventBus,
      eventPattern: {
        source: [LOG_DETECTION_SOURCE],
        detailType: [LOG_DETECTION_DETAIL_TYPE],
        // Only the declared log groups: anyone may put a `self-healing.logs` event on the bus.
        detail: { logGroup: logGroupNames },
      },
    });
  }
}
