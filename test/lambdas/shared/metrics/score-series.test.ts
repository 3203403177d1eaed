import { describe, expect, it } from 'vitest';
import { alertEvents, scoreSeries } from '../../../../lambdas/shared/metrics/score-series.js';

const STEP = 60_000;
const START = Date.UTC(2026, 10, 27, 9, 0);

/** A quiet series (a deterministic wiggle) that jumps by `jump` from `stepAt` on. */
function series(length: number, stepAt: number, jump: number): Array<{ timestamp: Date; value: number }> {
  return Array.from({ length }, (_, index) => ({
    timestamp: new Date(START + index * STEP),
    value: 20 + Math.sin(index * 1.7) + 0.5 * Math.cos(index * 0.9) + (index >= stepAt ? jump : 0),
  }));
}

describe('alertEvents', () => {
  it('merges alerts closer than the debounce into one event and starts a new one after a quiet spell', () => {
    // Prepare
    const timestamps = Array.from({ length: 12 }, (_, index) => index * STEP);
    const scores = [0, 0.9, 0.5, 0.95, 0.85, 0, 0, 0, 0, 0.81, 0, 0];

    // Act
    const events = alertEvents(timestamps, scores, 0.8, 2 * STEP);

    // Assess
    expect(events).toEqual([
      { startIndex: 1, endIndex: 4, peakIndex: 3, peakScore: 0.95 },
      { startIndex: 9, endIndex: 9, peakIndex: 9, peakScore: 0.81 },
    ]);
  });

  it('finds nothing below the threshold', () => {
    expect(alertEvents([0, STEP], [0.1, 0.79], 0.8, STEP)).toEqual([]);
  });
});

describe('scoreSeries', () => {
  it('returns one score per point, the peak and the onset of the strongest anomaly', () => {
    // Prepare
    const points = series(90, 60, 8);

    // Act
    const result = scoreSeries(points);

    // Assess
    expect(result.scores).toHaveLength(90);
    expect(result.onsetIndex).toBe(60);
    expect(result.peakIndex).toBeGreaterThanOrEqual(60);
    expect(result.maxScore).toBe(result.scores[result.peakIndex!]);
    expect(result.stepMs).toBe(STEP);
    expect(Math.max(...result.scores.slice(0, 60))).toBeLessThan(0.8);
  });

  it('scores points in time order but answers in the input order', () => {
    // Prepare
    const points = series(90, 60, 8);
    const shuffled = [...points].reverse();

    // Act
    const inOrder = scoreSeries(points);
    const reversed = scoreSeries(shuffled);

    // Assess
    expect(reversed.scores).toEqual([...inOrder.scores].reverse());
    expect(reversed.onsetIndex).toBe(89 - 60);
  });

  it('has no onset when nothing reaches the threshold, and handles an empty series', () => {
    expect(scoreSeries(series(90, 90, 0)).onsetIndex).toBeUndefined();
    expect(scoreSeries([])).toEqual({ scores: [], maxScore: 0 });
  });
});
