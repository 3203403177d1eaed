import {
  type CloudWatchClient,
  GetMetricDataCommand,
  type MetricAlarm,
  type MetricDataQuery,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import { callAws } from '../shared/aws-errors.js';
import type { MetricRef } from '../shared/scope.js';
import type { MetricPoint, MetricSeries } from '../shared/workflow.js';
import { metricPeriodSeconds, type TimeWindow } from './context-window.js';
import { scoreAnomaly } from './rank-metrics.js';

/** The period used when the alarm names none (and for related metrics). */
export const DEFAULT_METRIC_PERIOD_SECONDS = 60;

/** One series the query plan returns, and how to describe it. */
export interface SeriesSpec {
  readonly id: string;
  readonly label: string;
  readonly role: MetricSeries['role'];
  readonly periodSeconds: number;
  readonly unit?: string;
}

export interface MetricQueryPlan {
  readonly queries: MetricDataQuery[];
  /** The queries whose data is returned, in the order the context lists them. */
  readonly series: SeriesSpec[];
}

export interface MetricsRead {
  readonly series: MetricSeries[];
  /** Series CloudWatch could not answer in full, as gap messages. */
  readonly issues: string[];
}

function labelOf(namespace: string, metricName: string, stat: string, dimensions: Record<string, string>): string {
  const entries = Object.entries(dimensions);
  const dims = entries.length === 0 ? '' : ` {${entries.map(([name, value]) => `${name}=${value}`).join(', ')}}`;
  return `${namespace} ${metricName} ${stat}${dims}`;
}

function dimensionsOf(alarm: MetricAlarm): Record<string, string> {
  return Object.fromEntries((alarm.Dimensions ?? []).map((dimension) => [dimension.Name ?? '', dimension.Value ?? '']));
}

/**
 * What to ask GetMetricData for: the alarm's own metric (or, for a metric
 * math alarm, its queries as they are) and each related metric, with a
 * period that keeps every series within `maxPoints` over the window.
 */
export function planMetricQueries(
  alarm: MetricAlarm | undefined,
  related: readonly MetricRef[],
  window: TimeWindow,
  maxPoints: number,
): MetricQueryPlan {
  const queries: MetricDataQuery[] = [];
  const series: SeriesSpec[] = [];
  const periodFor = (preferred: number | undefined) =>
    metricPeriodSeconds(window, preferred ?? DEFAULT_METRIC_PERIOD_SECONDS, maxPoints);

  if (alarm?.MetricName !== undefined && alarm.Namespace !== undefined) {
    const stat = alarm.Statistic ?? alarm.ExtendedStatistic ?? 'Average';
    const periodSeconds = periodFor(alarm.Period);
    queries.push({
      Id: 'alarm',
      MetricStat: {
        Metric: { Namespace: alarm.Namespace, MetricName: alarm.MetricName, Dimensions: alarm.Dimensions ?? [] },
        Period: periodSeconds,
        Stat: stat,
        ...(alarm.Unit === undefined ? {} : { Unit: alarm.Unit }),
      },
      ReturnData: true,
    });
    series.push({
      id: 'alarm',
      label: labelOf(alarm.Namespace, alarm.MetricName, stat, dimensionsOf(alarm)),
      role: 'alarm',
      periodSeconds,
      ...(alarm.Unit === undefined ? {} : { unit: alarm.Unit }),
    });
  } else if (alarm?.Metrics !== undefined && alarm.Metrics.length > 0) {
    for (const query of alarm.Metrics) {
      const periodSeconds = periodFor(query.MetricStat?.Period ?? query.Period ?? alarm.Period);
      const copy: MetricDataQuery = query.MetricStat === undefined ? { ...query } : { ...query, MetricStat: { ...query.MetricStat, Period: periodSeconds } };
      queries.push(copy);
      if (query.ReturnData === false || query.Id === undefined) continue;
      const metric = query.MetricStat?.Metric;
      const described =
        query.Label ??
        query.Expression ??
        (metric === undefined ? query.Id : `${metric.Namespace ?? ''} ${metric.MetricName ?? ''} ${query.MetricStat?.Stat ?? ''}`.trim());
      series.push({ id: query.Id, label: `${alarm.AlarmName ?? 'alarm'}: ${described}`, role: 'alarm', periodSeconds });
    }
  }

  const usedIds = new Set(queries.map((query) => query.Id));
  related.forEach((ref, index) => {
    let id = `related${index}`;
    while (usedIds.has(id)) id = `${id}x`;
    usedIds.add(id);
    const periodSeconds = periodFor(DEFAULT_METRIC_PERIOD_SECONDS);
    queries.push({
      Id: id,
      MetricStat: {
        Metric: {
          Namespace: ref.namespace,
          MetricName: ref.metricName,
          Dimensions: Object.entries(ref.dimensions).map(([Name, Value]) => ({ Name, Value })),
        },
        Period: periodSeconds,
        Stat: ref.stat,
      },
      ReturnData: true,
    });
    series.push({ id, label: labelOf(ref.namespace, ref.metricName, ref.stat, ref.dimensions), role: 'related', periodSeconds });
  });
  return { queries, series };
}

const round = (value: number) => Math.round(value * 1000) / 1000;

/** `2026-11-27T10:00:00Z`: a point's time, to the second. */
export function pointTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * One series as the context shows it: at most `maxPoints` points, oldest
 * first, and its min, max, last value and baseline (the mean before the
 * onset), computed from those points; and, when there are enough of them,
 * how anomalous it is around the onset (`anomalyScore`, `deviatedAt`,
 * `direction`: see `scoreAnomaly`).
 */
export function summariseSeries(
  spec: SeriesSpec,
  timestamps: readonly Date[],
  values: readonly number[],
  onsetAt: Date,
  maxPoints: number,
): MetricSeries {
  const read = timestamps
    .map((at, index) => ({ at, value: values[index] }))
    .filter((point): point is { at: Date; value: number } => typeof point.value === 'number' && Number.isFinite(point.value))
    .sort((a, b) => a.at.getTime() - b.at.getTime())
    .slice(-maxPoints);
  const points: MetricPoint[] = read.map((point) => ({ t: pointTime(point.at), v: round(point.value) }));
  const before = read.filter((point) => point.at.getTime() < onsetAt.getTime());
  const numbers = read.map((point) => point.value);
  const anomaly = scoreAnomaly(read, spec.periodSeconds, onsetAt);
  return {
    label: spec.label,
    role: spec.role,
    ...(spec.unit === undefined ? {} : { unit: spec.unit }),
    periodSeconds: spec.periodSeconds,
    points,
    ...(numbers.length === 0
      ? {}
      : { min: round(Math.min(...numbers)), max: round(Math.max(...numbers)), last: round(numbers.at(-1)!) }),
    ...(before.length === 0 ? {} : { baseline: round(before.reduce((sum, point) => sum + point.value, 0) / before.length) }),
    ...anomaly,
  };
}

/** The series of a plan from GetMetricData's results; a series CloudWatch did not answer has no points. */
export function toMetricsRead(plan: MetricQueryPlan, results: readonly MetricDataResult[], onsetAt: Date, maxPoints: number): MetricsRead {
  const issues: string[] = [];
  const series = plan.series.map((spec) => {
    const result = results.find((candidate) => candidate.Id === spec.id);
    if (result?.StatusCode === 'InternalError' || result?.StatusCode === 'Forbidden') {
      const messages = (result.Messages ?? []).map((message) => message.Value ?? message.Code).filter(Boolean);
      issues.push(`${spec.label}: ${result.StatusCode}${messages.length > 0 ? ` (${messages.join('; ')})` : ''}`);
    }
    return summariseSeries(spec, result?.Timestamps ?? [], result?.Values ?? [], onsetAt, maxPoints);
  });
  return { series, issues };
}

/** Reads every series of the plan in one GetMetricData call. */
export async function readMetrics(
  client: CloudWatchClient,
  plan: MetricQueryPlan,
  window: TimeWindow,
  onsetAt: Date,
  maxPoints: number,
  abortSignal?: AbortSignal,
): Promise<MetricsRead> {
  if (plan.queries.length === 0) return { series: [], issues: [] };
  const result = await callAws('GetMetricData', () =>
    client.send(
      new GetMetricDataCommand({
        MetricDataQueries: plan.queries,
        StartTime: window.start,
        EndTime: window.end,
        ScanBy: 'TimestampAscending',
      }),
      { abortSignal },
    ),
  );
  return toMetricsRead(plan, result.MetricDataResults ?? [], onsetAt, maxPoints);
}
