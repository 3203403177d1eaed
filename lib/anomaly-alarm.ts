import { ArnFormat, Duration, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';

/** Which side of the band breaches: above it, below it, or either. */
export type AnomalyDirection = 'upper' | 'lower' | 'both';

/** A metric named by its parts, as the CloudWatch console shows it. */
export interface AnomalyMetricRef {
  /** Namespace, e.g. `AWS/ApplicationELB`. */
  readonly namespace: string;

  /** Metric name, e.g. `TargetResponseTime`. */
  readonly metricName: string;

  /**
   * Dimensions, by name.
   *
   * @default - none
   */
  readonly dimensions?: Readonly<Record<string, string>>;

  /**
   * Statistic: `Average`, `Sum`, `Maximum`, `p99`, …
   *
   * @default 'Average'
   */
  readonly statistic?: string;

  /**
   * Period of each datapoint.
   *
   * @default Duration.minutes(5)
   */
  readonly period?: Duration;
}

/**
 * A CloudWatch anomaly-detection alarm on a metric you declare: it breaches
 * when the metric leaves the band `ANOMALY_DETECTION_BAND(metric, bandWidth)`
 * that CloudWatch's model of the metric's own history draws. The alarm is
 * registered with its target like the target's own `alarms`: it opens
 * incidents, and verification waits for it to clear.
 */
export interface AnomalyAlarmSpec {
  /** The metric: any `cloudwatch.IMetric` (a metric or a math expression), or its namespace, name, dimensions and statistic. */
  readonly metric: cloudwatch.IMetric | AnomalyMetricRef;

  /**
   * Width of the band, in standard deviations of the model; wider alarms less.
   *
   * @default 2
   */
  readonly bandWidth?: number;

  /**
   * Which side of the band breaches.
   *
   * @default 'upper'
   */
  readonly direction?: AnomalyDirection;

  /**
   * Periods the alarm looks at.
   *
   * @default 3
   */
  readonly evaluationPeriods?: number;

  /**
   * Datapoints out of `evaluationPeriods` that must be outside the band.
   *
   * @default - all of `evaluationPeriods`
   */
  readonly datapointsToAlarm?: number;

  /**
   * The alarm's name, which the intake and verification know it by.
   *
   * @default - `<stack>-<resource>-<metric name>-anomaly`, made of letters, digits, `.`, `_` and `-`
   */
  readonly alarmName?: string;
}

/** Defaults applied to every `AnomalyAlarmSpec` field left unset. */
export const ANOMALY_ALARM_DEFAULTS = {
  bandWidth: 2,
  direction: 'upper' as AnomalyDirection,
  evaluationPeriods: 3,
  period: Duration.minutes(5),
  statistic: 'Average',
} as const;

/** The anomaly-detection comparison operator for each direction. */
export const ANOMALY_COMPARISON_OPERATORS: Record<AnomalyDirection, cloudwatch.ComparisonOperator> = {
  upper: cloudwatch.ComparisonOperator.GREATER_THAN_UPPER_THRESHOLD,
  lower: cloudwatch.ComparisonOperator.LESS_THAN_LOWER_THRESHOLD,
  both: cloudwatch.ComparisonOperator.LESS_THAN_LOWER_OR_GREATER_THAN_UPPER_THRESHOLD,
};

const MAX_ALARM_NAME_LENGTH = 255;

function isMetric(metric: AnomalyAlarmSpec['metric']): metric is cloudwatch.IMetric {
  return typeof (metric as Partial<cloudwatch.IMetric>).toMetricConfig === 'function';
}

/** The spec's metric as a `cloudwatch.IMetric`. */
export function anomalyMetricOf(spec: AnomalyAlarmSpec): cloudwatch.IMetric {
  if (isMetric(spec.metric)) return spec.metric;
  const ref = spec.metric;
  return new cloudwatch.Metric({
    namespace: ref.namespace,
    metricName: ref.metricName,
    dimensionsMap: { ...ref.dimensions },
    statistic: ref.statistic ?? ANOMALY_ALARM_DEFAULTS.statistic,
    period: ref.period ?? ANOMALY_ALARM_DEFAULTS.period,
  });
}

/** Problems with a spec, each under `where`; none means the alarm can be made. */
export function anomalyAlarmProblems(where: string, spec: AnomalyAlarmSpec): string[] {
  const problems: string[] = [];
  const bandWidth = spec.bandWidth ?? ANOMALY_ALARM_DEFAULTS.bandWidth;
  if (!(Number.isFinite(bandWidth) && bandWidth > 0)) problems.push(`${where}.bandWidth: must be a number of standard deviations above 0, got ${bandWidth}`);
  const direction = spec.direction ?? ANOMALY_ALARM_DEFAULTS.direction;
  if (!(direction in ANOMALY_COMPARISON_OPERATORS)) problems.push(`${where}.direction: must be 'upper', 'lower' or 'both', got ${String(direction)}`);
  const evaluationPeriods = spec.evaluationPeriods ?? ANOMALY_ALARM_DEFAULTS.evaluationPeriods;
  if (!(Number.isInteger(evaluationPeriods) && evaluationPeriods >= 1)) {
    problems.push(`${where}.evaluationPeriods: must be a whole number of at least 1, got ${evaluationPeriods}`);
  } else if (spec.datapointsToAlarm !== undefined && !(Number.isInteger(spec.datapointsToAlarm) && spec.datapointsToAlarm >= 1 && spec.datapointsToAlarm <= evaluationPeriods)) {
    problems.push(`${where}.datapointsToAlarm: must be a whole number from 1 to evaluationPeriods (${evaluationPeriods}), got ${spec.datapointsToAlarm}`);
  }
  if (spec.alarmName !== undefined) {
    if (Token.isUnresolved(spec.alarmName)) problems.push(`${where}.alarmName: must be a literal string known at synth time, got a token`);
    else if (spec.alarmName.trim() === '' || spec.alarmName.length > MAX_ALARM_NAME_LENGTH || /[\u0000-\u001f\u007f]/.test(spec.alarmName)) {
      problems.push(`${where}.alarmName: must be 1 to ${MAX_ALARM_NAME_LENGTH} characters without control characters, got "${spec.alarmName}"`);
    }
  }
  if (!isMetric(spec.metric)) {
    const { namespace, metricName, period } = spec.metric;
    if (!namespace || !metricName) problems.push(`${where}.metric: needs a namespace and a metricName`);
    if (period !== undefined) {
      let seconds = Number.NaN;
      try {
        seconds = period.toSeconds();
      } catch (error) {
        problems.push(`${where}.metric.period: ${(error as Error).message}`);
      }
      if (Number.isFinite(seconds) && !(seconds === 10 || seconds === 30 || (seconds >= 60 && seconds % 60 === 0))) {
        problems.push(`${where}.metric.period: must be 10 s, 30 s or a whole number of minutes, got ${seconds} s`);
      }
    }
  }
  return problems;
}

/**
 * The default name of an anomaly alarm: `<prefix>-<resource>-<metric name>-anomaly`,
 * with every character other than letters, digits, `.`, `_` and `-` made a `-`,
 * shortened to CloudWatch's 255 characters.
 */
export function defaultAnomalyAlarmName(prefix: string, resource: string, spec: AnomalyAlarmSpec): string {
  const metricName = isMetric(spec.metric) ? (spec.metric.toMetricConfig().metricStat?.metricName ?? 'expression') : spec.metric.metricName;
  const name = [prefix, resource, metricName, 'anomaly']
    .filter((part) => part !== '')
    .join('-')
    .replace(/[^A-Za-z0-9._-]+/g, '-');
  return name.length <= MAX_ALARM_NAME_LENGTH ? name : name.slice(name.length - MAX_ALARM_NAME_LENGTH);
}

export interface AnomalyAlarmProps extends AnomalyAlarmSpec {
  /** The alarm's name; must be literal, so the scope can name it. */
  readonly alarmName: string;

  /**
   * What the alarm watches, for people.
   *
   * @default - the metric, the band and the direction
   */
  readonly alarmDescription?: string;
}

/**
 * An anomaly-detection alarm: the metric against
 * `ANOMALY_DETECTION_BAND(metric, bandWidth)`, with the band as the
 * `ThresholdMetricId`, breaching above, below or on either side of it, and
 * missing data treated as not breaching.
 *
 * CloudWatch trains the band's model from up to two weeks of the metric's
 * history when the alarm is created: no `AWS::CloudWatch::AnomalyDetector`
 * is needed, and the band of a young metric is less reliable.
 */
export class AnomalyAlarm extends Construct {
  readonly alarm: cloudwatch.AnomalyDetectionAlarm;
  /** The alarm by its literal name and ARN, the way targets register their alarms. */
  readonly registeredAlarm: cloudwatch.IAlarm;
  readonly alarmName: string;

  constructor(scope: Construct, id: string, props: AnomalyAlarmProps) {
    super(scope, id);
    const problems = anomalyAlarmProblems('anomalyAlarm', props);
    if (problems.length > 0) throw new Error(`Invalid anomaly alarm:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);

    const direction = props.direction ?? ANOMALY_ALARM_DEFAULTS.direction;
    const bandWidth = props.bandWidth ?? ANOMALY_ALARM_DEFAULTS.bandWidth;
    const evaluationPeriods = props.evaluationPeriods ?? ANOMALY_ALARM_DEFAULTS.evaluationPeriods;
    const metric = anomalyMetricOf(props);
    this.alarmName = props.alarmName;
    this.alarm = new cloudwatch.AnomalyDetectionAlarm(this, 'Alarm', {
      alarmName: props.alarmName,
      alarmDescription:
        props.alarmDescription ??
        `Self-healing: ${String(metric)} ${direction === 'both' ? 'outside' : direction === 'upper' ? 'above' : 'below'} its anomaly detection band (${bandWidth} standard deviations)`,
      metric,
      stdDevs: bandWidth,
      comparisonOperator: ANOMALY_COMPARISON_OPERATORS[direction],
      evaluationPeriods,
      datapointsToAlarm: props.datapointsToAlarm ?? evaluationPeriods,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    // By name, not by reference: the scope, the intake rule and the IAM for
    // DescribeAlarms need the name at synth, and the alarm's own name and ARN are tokens.
    this.registeredAlarm = cloudwatch.Alarm.fromAlarmArn(
      this,
      'Registered',
      Stack.of(this).formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: props.alarmName, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
    );
  }
}
