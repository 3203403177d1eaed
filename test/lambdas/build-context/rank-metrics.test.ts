import { describe, expect, it } from 'vitest';
import {
  CAUSE_WINDOW_MS,
  DEVIATION_THRESHOLD,
  LIKELY_CAUSE_SUMMARY_CHARS,
  linkLikelyCauses,
  type ObservedPoint,
  rankMetrics,
  scoreAnomaly,
} from '../../../lambdas/build-context/rank-metrics.js';
import { type Change, type MetricSeries, MetricSeriesSchema } from '../../../lambdas/shared/workflow.js';

/** The metric window as BuildContext reads it: 30 minutes before a 10:00 onset to 10:05, one point a minute. */
const WINDOW_START_MS = Date.parse('2026-11-27T09:30:00.000Z');
const ONSET = new Date('2026-11-27T10:00:00.000Z');
const minute = (m: number) => new Date(WINDOW_START_MS + m * 60_000);
const iso = (m: number) => minute(m).toISOString().replace('.000Z', 'Z');

/** Deterministic Gaussian noise (a seeded LCG and Box–Muller), so every run sees the same series. */
function noise(seed: number): () => number {
  let state = seed;
  const uniform = () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return (state + 1) / 2_147_483_649;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** `count` one-minute points from 09:30: `level(m)` plus noise of standard deviation `sd`. */
function series(level: (m: number) => number, { count = 36, sd = 0, seed = 1 } = {}): ObservedPoint[] {
  const next = noise(seed);
  return Array.from({ length: count }, (_, m) => ({ at: minute(m), value: level(m) + sd * next() }));
}

const stepAt = (stepMinute: number, from: number, to: number) => (m: number) => (m >= stepMinute ? to : from);

function change(m: number, event: string, summary = `${event} at minute ${m}`, source = 'cloudtrail'): Change {
  return { at: minute(m).toISOString(), source, event, actor: 'deployer', summary };
}

function metric(label: string, fields: Partial<MetricSeries> = {}): MetricSeries {
  return { label, role: 'related', periodSeconds: 60, points: [], ...fields };
}

describe('scoreAnomaly', () => {
  it('scores a flat series that steps up at minute 20 high, deviating at the step, upwards', () => {
    // Prepare: 40 % CPU, then 80 % from 09:50 on
    const points = series(stepAt(20, 40, 80));

    // Act
    const anomaly = scoreAnomaly(points, 60, ONSET);

    // Assess
    expect(anomaly).toEqual({ anomalyScore: 1, deviatedAt: iso(20), direction: 'up' });
  });

  it('finds the same step through noise', () => {
    // Prepare: 50 ± 3, then +30 (10 standard deviations) from minute 20
    const points = series(stepAt(20, 50, 80), { sd: 3, seed: 11 });

    // Act
    const anomaly = scoreAnomaly(points, 60, ONSET);

    // Assess
    expect(anomaly?.anomalyScore).toBeGreaterThanOrEqual(0.9);
    expect(anomaly).toMatchObject({ deviatedAt: iso(20), direction: 'up' });
  });

  it.each([11, 12, 13])('scores the same noise without a step low, with no deviation (seed %i)', (seed) => {
    // Prepare: 50 ± 3 all along
    const points = series(() => 50, { sd: 3, seed });

    // Act
    const anomaly = scoreAnomaly(points, 60, ONSET);

    // Assess
    expect(anomaly?.anomalyScore).toBeLessThan(DEVIATION_THRESHOLD);
    expect(anomaly).not.toHaveProperty('deviatedAt');
  });

  it('scores a perfectly flat series 0', () => {
    // Act
    const anomaly = scoreAnomaly(series(() => 40), 60, ONSET);

    // Assess
    expect(anomaly).toEqual({ anomalyScore: 0 });
  });

  it('tells a drop from a rise', () => {
    // Prepare: healthy hosts 6, then 2 from 09:52
    const points = series(stepAt(22, 6, 2), { sd: 0.05, seed: 5 });

    // Act
    const anomaly = scoreAnomaly(points, 60, ONSET);

    // Assess
    expect(anomaly).toMatchObject({ deviatedAt: iso(22), direction: 'down' });
    expect(anomaly?.anomalyScore).toBeGreaterThanOrEqual(0.9);
  });

  it('learns from the points more than 15 minutes before the onset instead of scoring them', () => {
    // Prepare: a two-minute spike at 09:43–09:44, after the detector's warm-up but before the scored span (from 09:45)
    const points = series((m) => (m === 13 || m === 14 ? 90 : 40), { sd: 1, seed: 3 });

    // Act
    const anomaly = scoreAnomaly(points, 60, ONSET);

    // Assess
    expect(anomaly?.anomalyScore).toBeLessThan(DEVIATION_THRESHOLD);
    expect(anomaly).not.toHaveProperty('deviatedAt');
  });

  it('shortens the warm-up to the points before the scored span, so a late-starting series still scores its first minutes', () => {
    // Prepare: data only from 09:37 (8 points before 09:45), stepping at 09:45, the first scored minute
    const points = series(stepAt(15, 40, 80)).slice(7);

    // Act
    const anomaly = scoreAnomaly(points, 60, ONSET);

    // Assess
    expect(anomaly).toEqual({ anomalyScore: 1, deviatedAt: iso(15), direction: 'up' });
  });

  it('takes the points in any order', () => {
    // Prepare
    const points = series(stepAt(20, 50, 80), { sd: 3, seed: 11 });

    // Act & Assess
    expect(scoreAnomaly([...points].reverse(), 60, ONSET)).toEqual(scoreAnomaly(points, 60, ONSET));
  });

  it('leaves a series too short to score unscored', () => {
    // Prepare: a 5-minute alarm period gives 7 points over the window
    const points = Array.from({ length: 7 }, (_, i) => ({ at: minute(i * 5), value: i < 6 ? 40 : 95 }));

    // Act & Assess
    expect(scoreAnomaly(points, 300, ONSET)).toBeUndefined();
    expect(scoreAnomaly([], 60, ONSET)).toBeUndefined();
  });

  it('stays within the schema', () => {
    // Act
    const anomaly = scoreAnomaly(series(stepAt(20, 40, 80)), 60, ONSET);

    // Assess
    expect(MetricSeriesSchema.safeParse(metric('cpu', anomaly)).success).toBe(true);
  });
});

describe('linkLikelyCauses', () => {
  const deviated = metric('latency', { anomalyScore: 1, deviatedAt: iso(20) });

  it('links a deviation to the latest change at or before it, within 15 minutes', () => {
    // Prepare: a config change at 09:40, a deploy at 09:49, a scaling activity after the deviation
    const changes = [
      change(25, 'ScalingActivity', '[Successful] Launching a new EC2 instance', 'autoscaling'),
      change(19, 'StartInstanceRefresh', 'autoscaling.amazonaws.com StartInstanceRefresh {"autoScalingGroupName":"web"}'),
      change(10, 'UpdateAutoScalingGroup'),
    ];

    // Act
    const [linked] = linkLikelyCauses([deviated], changes);

    // Assess
    expect(linked!.likelyCause).toEqual({
      at: minute(19).toISOString(),
      source: 'cloudtrail',
      event: 'StartInstanceRefresh',
      summary: 'autoscaling.amazonaws.com StartInstanceRefresh {"autoScalingGroupName":"web"}',
    });
    expect(MetricSeriesSchema.safeParse(linked).success).toBe(true);
  });

  it('counts a change at the deviation itself, and one within its sampling period (a point is stamped with its start)', () => {
    // Act
    const atDeviation = linkLikelyCauses([deviated], [change(20, 'SetDesiredCapacity')]);
    const withinPeriod = linkLikelyCauses([deviated], [{ ...change(20, 'ModifyLaunchTemplate'), at: '2026-11-27T09:50:40.000Z' }]);
    const nextPeriod = linkLikelyCauses([deviated], [change(21, 'ModifyLaunchTemplate')]);

    // Assess
    expect(atDeviation[0]!.likelyCause?.event).toBe('SetDesiredCapacity');
    expect(withinPeriod[0]!.likelyCause?.at).toBe('2026-11-27T09:50:40.000Z');
    expect(nextPeriod[0]).not.toHaveProperty('likelyCause');
  });

  it('clips a long change summary in the link (the change itself stays whole in the context)', () => {
    // Prepare
    const long = change(19, 'CreateLaunchTemplateVersion', `ec2.amazonaws.com CreateLaunchTemplateVersion ${'{"userData":"…"}'.repeat(40)}`);

    // Act
    const [linked] = linkLikelyCauses([deviated], [long]);

    // Assess
    expect(linked!.likelyCause!.summary).toHaveLength(LIKELY_CAUSE_SUMMARY_CHARS);
    expect(linked!.likelyCause!.summary).toBe(`${long.summary.slice(0, LIKELY_CAUSE_SUMMARY_CHARS - 1)}…`);
  });

  it('links nothing when no change came within the window', () => {
    // Prepare: 20 minutes before, and a minute beyond the 15-minute window
    const changes = [change(0, 'UpdateAutoScalingGroup'), change(20 - CAUSE_WINDOW_MS / 60_000 - 1, 'PutScalingPolicy')];

    // Act
    const [linked] = linkLikelyCauses([deviated], changes);

    // Assess
    expect(linked).not.toHaveProperty('likelyCause');
    expect(linked).toEqual(deviated);
  });

  it('links exactly at the edge of the window', () => {
    // Act
    const [linked] = linkLikelyCauses([deviated], [change(5, 'PutScalingPolicy')]);

    // Assess
    expect(linked!.likelyCause?.event).toBe('PutScalingPolicy');
  });

  it('links nothing to a series that did not deviate, and replaces a stale link', () => {
    // Prepare
    const calm = metric('calm', { anomalyScore: 0.2, likelyCause: { at: minute(1).toISOString(), source: 'x', event: 'stale', summary: 's' } });

    // Act
    const [linked] = linkLikelyCauses([calm], [change(19, 'StartInstanceRefresh')]);

    // Assess
    expect(linked).toEqual(metric('calm', { anomalyScore: 0.2 }));
  });

  it('leaves its input alone', () => {
    // Prepare
    const input = [structuredClone(deviated)];

    // Act
    linkLikelyCauses(input, [change(19, 'StartInstanceRefresh')]);

    // Assess
    expect(input).toEqual([deviated]);
  });
});

describe('rankMetrics', () => {
  const labels = (ranked: MetricSeries[]) => ranked.map((entry) => entry.label);

  it('puts the highest anomaly score first', () => {
    // Prepare
    const input = [
      metric('cpu', { role: 'alarm', anomalyScore: 0.3 }),
      metric('latency', { anomalyScore: 0.95, deviatedAt: iso(21) }),
      metric('errors', { anomalyScore: 0.6, deviatedAt: iso(18) }),
    ];

    // Act & Assess
    expect(labels(rankMetrics(input))).toEqual(['latency', 'errors', 'cpu']);
  });

  it('breaks a tie (scores within 0.05) by the earliest deviation: the metric that deviated first', () => {
    // Prepare: the alarm's CPU scores highest but deviated after the latency did
    const input = [
      metric('cpu', { role: 'alarm', anomalyScore: 1, deviatedAt: iso(24) }),
      metric('latency', { anomalyScore: 0.96, deviatedAt: iso(20) }),
      metric('errors', { anomalyScore: 0.98, deviatedAt: iso(22) }),
    ];

    // Act
    const ranked = rankMetrics(input);

    // Assess: roles are kept
    expect(labels(ranked)).toEqual(['latency', 'errors', 'cpu']);
    expect(ranked.map((entry) => entry.role)).toEqual(['related', 'related', 'alarm']);
  });

  it('does not let an earlier deviation jump a clearly higher score', () => {
    // Prepare
    const input = [metric('early', { anomalyScore: 0.6, deviatedAt: iso(16) }), metric('strong', { anomalyScore: 0.9, deviatedAt: iso(22) })];

    // Act & Assess
    expect(labels(rankMetrics(input))).toEqual(['strong', 'early']);
  });

  it('groups ties from the top score down, so ties do not chain', () => {
    // Prepare: 1.0 ties 0.96, but 0.92 is 0.08 below the top: it ranks after both, however early
    const input = [
      metric('a', { anomalyScore: 1, deviatedAt: iso(25) }),
      metric('b', { anomalyScore: 0.96, deviatedAt: iso(20) }),
      metric('c', { anomalyScore: 0.92, deviatedAt: iso(15) }),
    ];

    // Act & Assess
    expect(labels(rankMetrics(input))).toEqual(['b', 'a', 'c']);
  });

  it('puts a tied series without a deviation after those with one', () => {
    // Prepare
    const input = [metric('none', { anomalyScore: 0.49 }), metric('deviated', { anomalyScore: 0.5, deviatedAt: iso(20) })];

    // Act & Assess
    expect(labels(rankMetrics(input))).toEqual(['deviated', 'none']);
  });

  it('keeps the input order for equal keys (the alarm first) and puts unscored series last', () => {
    // Prepare
    const input = [
      metric('short', { role: 'alarm' }),
      metric('cpu', { role: 'alarm', anomalyScore: 0 }),
      metric('memory', { anomalyScore: 0 }),
      metric('unread'),
      metric('latency', { anomalyScore: 0.7, deviatedAt: iso(20) }),
    ];

    // Act & Assess
    expect(labels(rankMetrics(input))).toEqual(['latency', 'cpu', 'memory', 'short', 'unread']);
  });

  it('returns a new list and leaves its input alone', () => {
    // Prepare
    const input = [metric('low', { anomalyScore: 0.1 }), metric('high', { anomalyScore: 0.9 })];

    // Act
    const ranked = rankMetrics(input);

    // Assess
    expect(labels(input)).toEqual(['low', 'high']);
    expect(ranked).not.toBe(input);
    expect(rankMetrics([])).toEqual([]);
  });
});
