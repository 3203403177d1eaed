import type { MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import { planMetricQueries, type SeriesSpec, summariseSeries, toMetricsRead } from '../../../lambdas/build-context/read-metrics.js';
import { MetricSeriesSchema } from '../../../lambdas/shared/workflow.js';

const ONSET = new Date('2026-11-27T10:00:00.000Z');
const WINDOW = { start: new Date('2026-11-27T09:30:00.000Z'), end: new Date('2026-11-27T10:05:00.000Z') };

const alarm: MetricAlarm = {
  AlarmName: 'web-cpu-high',
  MetricName: 'CPUUtilization',
  Namespace: 'AWS/EC2',
  Statistic: 'Average',
  Period: 60,
  Unit: 'Percent',
  Dimensions: [{ Name: 'AutoScalingGroupName', Value: 'web' }],
};
const related = [
  { namespace: 'AWS/ApplicationELB', metricName: 'TargetResponseTime', dimensions: { LoadBalancer: 'app/web/1' }, stat: 'p99' },
];

const minutes = (count: number, from: Date) => Array.from({ length: count }, (_, i) => new Date(from.getTime() + i * 60_000));

describe('planMetricQueries', () => {
  it("asks for the alarm's own metric, statistic, dimensions and unit, and each related metric", () => {
    // Act
    const plan = planMetricQueries(alarm, related, WINDOW, 60);

    // Assess
    expect(plan.queries).toEqual([
      {
        Id: 'alarm',
        MetricStat: {
          Metric: { Namespace: 'AWS/EC2', MetricName: 'CPUUtilization', Dimensions: [{ Name: 'AutoScalingGroupName', Value: 'web' }] },
          Period: 60,
          Stat: 'Average',
          Unit: 'Percent',
        },
        ReturnData: true,
      },
      {
        Id: 'related0',
        MetricStat: {
          Metric: { Namespace: 'AWS/ApplicationELB', MetricName: 'TargetResponseTime', Dimensions: [{ Name: 'LoadBalancer', Value: 'app/web/1' }] },
          Period: 60,
          Stat: 'p99',
        },
        ReturnData: true,
      },
    ]);
    expect(plan.series).toEqual([
      { id: 'alarm', label: 'AWS/EC2 CPUUtilization Average {AutoScalingGroupName=web}', role: 'alarm', periodSeconds: 60, unit: 'Percent' },
      { id: 'related0', label: 'AWS/ApplicationELB TargetResponseTime p99 {LoadBalancer=app/web/1}', role: 'related', periodSeconds: 60 },
    ]);
  });

  it('uses an extended statistic and defaults the period to 60 s', () => {
    // Act
    const plan = planMetricQueries({ ...alarm, Statistic: undefined, ExtendedStatistic: 'p95', Period: undefined }, [], WINDOW, 60);

    // Assess
    expect(plan.queries[0]!.MetricStat).toMatchObject({ Stat: 'p95', Period: 60 });
  });

  it('lengthens the period so no series exceeds the point cap', () => {
    // Act: 35 minutes in at most 10 points
    const plan = planMetricQueries(alarm, related, WINDOW, 10);

    // Assess
    expect(plan.queries.map((query) => query.MetricStat?.Period)).toEqual([240, 240]);
  });

  it("passes a metric math alarm's queries through, returning only its result series", () => {
    // Prepare
    const mathAlarm: MetricAlarm = {
      AlarmName: 'web-errors',
      Metrics: [
        { Id: 'errors', MetricStat: { Metric: { Namespace: 'App', MetricName: 'Errors' }, Period: 60, Stat: 'Sum' }, ReturnData: false },
        { Id: 'requests', MetricStat: { Metric: { Namespace: 'App', MetricName: 'Requests' }, Period: 60, Stat: 'Sum' }, ReturnData: false },
        { Id: 'rate', Expression: '100 * errors / requests', Label: 'error rate', ReturnData: true },
      ],
    };

    // Act
    const plan = planMetricQueries(mathAlarm, related, WINDOW, 60);

    // Assess
    expect(plan.queries.map((query) => query.Id)).toEqual(['errors', 'requests', 'rate', 'related0']);
    expect(plan.series.map((series) => [series.id, series.label, series.role])).toEqual([
      ['rate', 'web-errors: error rate', 'alarm'],
      ['related0', 'AWS/ApplicationELB TargetResponseTime p99 {LoadBalancer=app/web/1}', 'related'],
    ]);
  });

  it('reads only the related metrics when the alarm could not be read', () => {
    // Act
    const plan = planMetricQueries(undefined, related, WINDOW, 60);

    // Assess
    expect(plan.series.map((series) => series.role)).toEqual(['related']);
    expect(planMetricQueries(undefined, [], WINDOW, 60)).toEqual({ queries: [], series: [] });
  });
});

describe('summariseSeries', () => {
  const spec: SeriesSpec = { id: 'alarm', label: 'cpu', role: 'alarm', periodSeconds: 60, unit: 'Percent' };

  it('orders the points, and gives min, max, last and the baseline before the onset', () => {
    // Prepare: 09:57, 09:58, 09:59 at 40, 50, 60; 10:00, 10:01 at 90, 95 — given newest first
    const timestamps = minutes(5, new Date('2026-11-27T09:57:00.000Z')).reverse();
    const values = [40, 50, 60, 90, 95].reverse();

    // Act
    const series = summariseSeries(spec, timestamps, values, ONSET, 60);

    // Assess
    expect(series).toEqual({
      label: 'cpu',
      role: 'alarm',
      unit: 'Percent',
      periodSeconds: 60,
      points: [
        { t: '2026-11-27T09:57:00Z', v: 40 },
        { t: '2026-11-27T09:58:00Z', v: 50 },
        { t: '2026-11-27T09:59:00Z', v: 60 },
        { t: '2026-11-27T10:00:00Z', v: 90 },
        { t: '2026-11-27T10:01:00Z', v: 95 },
      ],
      min: 40,
      max: 95,
      last: 95,
      baseline: 50,
    });
    expect(MetricSeriesSchema.safeParse(series).success).toBe(true);
  });

  it('keeps the latest points within the cap, and rounds values', () => {
    // Act
    const series = summariseSeries(spec, minutes(100, new Date('2026-11-27T08:30:00.000Z')), Array.from({ length: 100 }, (_, i) => i + 0.123456), ONSET, 60);

    // Assess
    expect(series.points).toHaveLength(60);
    expect(series.points.at(-1)).toEqual({ t: '2026-11-27T10:09:00Z', v: 99.123 });
    expect(series.min).toBe(40.123);
  });

  it('has no statistics for a series without data, and no baseline without points before the onset', () => {
    // Act & Assess
    const empty = summariseSeries(spec, [], [], ONSET, 60);
    expect(empty.points).toEqual([]);
    expect(empty).not.toHaveProperty('min');
    expect(empty).not.toHaveProperty('baseline');
    expect(summariseSeries(spec, [new Date('2026-11-27T10:02:00.000Z')], [80], ONSET, 60)).not.toHaveProperty('baseline');
  });

  it('scores the series around the onset: a step at 09:50 is the deviation, upwards', () => {
    // Prepare: 09:30 to 10:05, 40 then 80 from 09:50
    const timestamps = minutes(36, new Date('2026-11-27T09:30:00.000Z'));
    const values = timestamps.map((at) => (at.getTime() < Date.parse('2026-11-27T09:50:00.000Z') ? 40 : 80));

    // Act
    const series = summariseSeries(spec, timestamps, values, ONSET, 60);

    // Assess
    expect(series).toMatchObject({ baseline: 53.333, anomalyScore: 1, deviatedAt: '2026-11-27T09:50:00Z', direction: 'up' });
    expect(MetricSeriesSchema.safeParse(series).success).toBe(true);
  });

  it('leaves a series too short to score without anomaly fields', () => {
    // Act
    const series = summariseSeries(spec, minutes(5, new Date('2026-11-27T09:57:00.000Z')), [40, 50, 60, 90, 95], ONSET, 60);

    // Assess
    for (const field of ['anomalyScore', 'deviatedAt', 'direction', 'likelyCause']) expect(series).not.toHaveProperty(field);
  });

  it('skips values that are not finite numbers', () => {
    // Act
    const series = summariseSeries(spec, minutes(3, ONSET), [1, Number.NaN, 3], ONSET, 60);

    // Assess
    expect(series.points.map((point) => point.v)).toEqual([1, 3]);
  });
});

describe('toMetricsRead', () => {
  it('names a series CloudWatch could not answer, and keeps an unanswered series without points', () => {
    // Prepare
    const plan = planMetricQueries(alarm, related, WINDOW, 60);

    // Act
    const read = toMetricsRead(
      plan,
      [{ Id: 'related0', StatusCode: 'Forbidden', Messages: [{ Code: 'Forbidden', Value: 'not allowed' }] }],
      ONSET,
      60,
    );

    // Assess
    expect(read.series.map((series) => series.points.length)).toEqual([0, 0]);
    expect(read.issues).toEqual(['AWS/ApplicationELB TargetResponseTime p99 {LoadBalancer=app/web/1}: Forbidden (not allowed)']);
  });
});
