import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AnomalyDetector,
  DEFAULT_THRESHOLD,
  scoreFromTailProbability,
  tailProbability,
} from '../../../../lambdas/shared/metrics/anomaly-detector.js';
import { RollingWindow } from '../../../../lambdas/shared/metrics/rolling-window.js';
import { alertEvents, scoreSeries } from '../../../../lambdas/shared/metrics/score-series.js';

const MINUTE = 60_000;
const STEP = 5 * MINUTE;
const DAY = 24 * 60 * MINUTE;
const START = Date.UTC(2026, 0, 5); // a Monday, 00:00 UTC

/** A seeded normal generator (mulberry32 + Box-Muller), so every run sees the same noise. */
function normals(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

/**
 * A week of 5-minute points: a daily swing of ±20 around 50, a nightly job
 * that adds 40 for two points at 03:00 give or take 30 minutes, and noise.
 */
function dailySeries(days: number, seed: number): Array<{ timestamp: number; value: number }> {
  const noise = normals(seed);
  const jitter = normals(seed + 1);
  const points: Array<{ timestamp: number; value: number }> = [];
  const jobSlot = new Map<number, number>();
  for (let day = 0; day < days; day += 1) jobSlot.set(day, 36 + Math.round(3 * jitter()));
  for (let index = 0; index < (days * DAY) / STEP; index += 1) {
    const timestamp = START + index * STEP;
    const slotOfDay = index % (DAY / STEP);
    const job = jobSlot.get(Math.floor(index / (DAY / STEP)))!;
    const value =
      50 + 20 * Math.sin((2 * Math.PI * slotOfDay) / (DAY / STEP)) + (slotOfDay === job || slotOfDay === job + 1 ? 40 : 0) + noise();
    points.push({ timestamp, value });
  }
  return points;
}

function scoreAll(points: ReadonlyArray<{ timestamp: number; value: number }>, detector = new AnomalyDetector()): number[] {
  return points.map((point) => detector.update(point.timestamp, point.value));
}

function eventsAfter(points: ReadonlyArray<{ timestamp: number }>, scores: readonly number[], fromIndex: number) {
  return alertEvents(
    points.map((point) => point.timestamp),
    scores,
    DEFAULT_THRESHOLD,
    12 * STEP,
  ).filter((event) => event.startIndex >= fromIndex);
}

describe('AnomalyDetector', () => {
  it('detects a step change within a few points of the step, and nothing before it', () => {
    // Prepare
    const noise = normals(7);
    const points = Array.from({ length: 600 }, (_, index) => ({
      timestamp: START + index * STEP,
      value: 50 + noise() + (index >= 400 ? 10 : 0),
    }));

    // Act
    const result = scoreSeries(points);

    // Assess
    expect(result.onsetIndex).toBeGreaterThanOrEqual(400);
    expect(result.onsetIndex).toBeLessThanOrEqual(402);
    expect(result.maxScore).toBeGreaterThanOrEqual(DEFAULT_THRESHOLD);
    expect(eventsAfter(points, result.scores, 0).filter((event) => event.startIndex < 400)).toEqual([]);
  });

  it.each([11, 23, 42])('raises no alert on a daily pattern with a nightly job once two days are known (seed %i)', (seed) => {
    // Prepare
    const points = dailySeries(7, seed);

    // Act
    const events = eventsAfter(points, scoreAll(points), (2 * DAY) / STEP);

    // Assess
    expect(events).toEqual([]);
  });

  it('explains the nightly job by the time of day once two days are known', () => {
    // Prepare: the job's points are the ones far above the daily swing
    const points = dailySeries(7, 11);
    const detector = new AnomalyDetector();
    const jobPoints: Array<{ baselineZ: number; dailyZ: number | undefined }> = [];

    // Act
    points.forEach((point, index) => {
      detector.update(point.timestamp, point.value);
      const slotOfDay = index % (DAY / STEP);
      const swing = 50 + 20 * Math.sin((2 * Math.PI * slotOfDay) / (DAY / STEP));
      if (index >= (3 * DAY) / STEP && point.value - swing > 30) {
        jobPoints.push({ baselineZ: detector.lastDetail!.baselineZ, dailyZ: detector.lastDetail!.dailyZ });
      }
    });

    // Assess
    expect(jobPoints.length).toBeGreaterThanOrEqual(6);
    for (const point of jobPoints) {
      expect(point.baselineZ).toBeGreaterThan(20);
      expect(point.dailyZ).toBeLessThan(3);
    }
  });

  it('detects a spike at an unusual time of day, which the detector without seasonality misses', () => {
    // Prepare: day 6 at 15:00, +15 on a series that swings by 40 every day and has a +40 nightly job
    const points = dailySeries(7, 11);
    const spikeIndex = (6 * DAY + 15 * 60 * MINUTE) / STEP;
    points[spikeIndex] = { ...points[spikeIndex]!, value: points[spikeIndex]!.value + 15 };

    // Act
    const seasonal = scoreAll(points);
    const flat = scoreAll(points, new AnomalyDetector({ daily: false, weekly: false }));

    // Assess
    expect(seasonal[spikeIndex]).toBeGreaterThanOrEqual(DEFAULT_THRESHOLD);
    expect(eventsAfter(points, seasonal, (2 * DAY) / STEP).map((event) => event.startIndex)).toEqual([spikeIndex]);
    expect(flat[spikeIndex]).toBeLessThan(DEFAULT_THRESHOLD);
  });

  it('scores every point in 0..1, whatever the values', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.constant(0), fc.constant(1e12)), {
          minLength: 1,
          maxLength: 300,
        }),
        (values) => {
          const scores = scoreAll(values.map((value, index) => ({ timestamp: START + index * MINUTE, value })));
          return scores.every((score) => Number.isFinite(score) && score >= 0 && score <= 1);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('scores 0 while warming up and infers the sampling interval', () => {
    // Prepare
    const detector = new AnomalyDetector({ warmupPoints: 20 });

    // Act
    const scores = Array.from({ length: 20 }, (_, index) => detector.update(new Date(START + index * STEP), index === 19 ? 1e6 : 1 + (index % 3)));

    // Assess
    expect(scores).toEqual(Array.from({ length: 20 }, () => 0));
    expect(detector.stepMs).toBe(STEP);
  });

  it('ignores values that are not finite numbers', () => {
    // Prepare
    const noise = normals(3);
    const detector = new AnomalyDetector();
    for (let index = 0; index < 100; index += 1) detector.update(START + index * STEP, 10 + noise());

    // Act
    const score = detector.update(START + 100 * STEP, Number.NaN);
    const next = detector.update(START + 101 * STEP, 10);

    // Assess
    expect(score).toBe(0);
    expect(next).toBeLessThan(DEFAULT_THRESHOLD);
  });

  it('refuses points that go back in time', () => {
    // Prepare
    const detector = new AnomalyDetector();
    detector.update(START + STEP, 1);

    // Act / Assess
    expect(() => detector.update(START, 1)).toThrow(RangeError);
  });
});

describe('scoreFromTailProbability', () => {
  it('maps tail probabilities to 0..1 on a log scale', () => {
    expect(scoreFromTailProbability(1)).toBe(0);
    expect(scoreFromTailProbability(0.1)).toBeCloseTo(0.2, 10);
    expect(scoreFromTailProbability(1e-4)).toBeCloseTo(0.8, 10);
    expect(scoreFromTailProbability(1e-9)).toBe(1);
    expect(scoreFromTailProbability(0)).toBe(1);
  });
});

describe('tailProbability', () => {
  it('follows the empirical frequency in the body and falls off past the history', () => {
    // Prepare: surprises 0.00 .. 0.99
    const history = new RollingWindow(100);
    for (let index = 0; index < 100; index += 1) history.push(index / 100);

    // Act
    const body = tailProbability(history, 0.5);
    const edge = tailProbability(history, 1);
    const far = tailProbability(history, 5);
    const farther = tailProbability(history, 10);

    // Assess
    expect(body).toBeCloseTo(0.5, 10);
    expect(edge).toBeLessThan(0.1);
    expect(far).toBeLessThan(edge);
    expect(farther).toBeLessThan(far);
    expect(scoreFromTailProbability(farther)).toBeGreaterThanOrEqual(DEFAULT_THRESHOLD);
  });
});
