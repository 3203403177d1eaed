import { describe, expect, it } from 'vitest';
import {
  nabFileScore,
  normalizeNabScore,
  parseNabTimestamp,
  parsePublishedScores,
  probationaryLength,
  publishedSubsetScores,
  scaledSigmoid,
  scoreDetections,
  windowRanges,
} from '../../bench/nab-scoring.js';

const MINUTE = 60_000;
/** 100 one-minute rows, so the probationary period is the first 15. */
const timestamps = Array.from({ length: 100 }, (_, index) => Date.UTC(2014, 1, 14) + index * MINUTE);
const windows = [
  { start: 40, end: 49 },
  { start: 70, end: 79 },
];
const alertsAt = (...rows: number[]) => timestamps.map((_, index) => (rows.includes(index) ? 1 : 0));

describe('NAB helpers', () => {
  it('reads NAB timestamps as UTC, with or without microseconds', () => {
    expect(parseNabTimestamp('2014-02-26 13:45:00')).toBe(Date.UTC(2014, 1, 26, 13, 45));
    expect(parseNabTimestamp('2014-02-26 13:45:00.000000')).toBe(Date.UTC(2014, 1, 26, 13, 45));
    expect(() => parseNabTimestamp('26/02/2014')).toThrow(/not a NAB timestamp/);
  });

  it('uses 15% of the rows as the probationary period, at most 750', () => {
    expect(probationaryLength(4032)).toBe(604);
    expect(probationaryLength(4730)).toBe(709);
    expect(probationaryLength(1243)).toBe(186);
    expect(probationaryLength(10_000)).toBe(750);
  });

  it('maps windows to the rows they cover and drops those covering none', () => {
    const ranges = windowRanges(timestamps, [
      [timestamps[70]!, timestamps[79]! + 30_000],
      [timestamps[40]! - 30_000, timestamps[49]!],
      [timestamps[99]! + MINUTE, timestamps[99]! + 2 * MINUTE],
    ]);
    expect(ranges).toEqual(windows);
  });

  it('scales positions like NAB: about 0.987 at a window start, 0 at its end, -1 from 3 on', () => {
    expect(scaledSigmoid(-1)).toBeCloseTo(0.98661, 5);
    expect(scaledSigmoid(0)).toBe(0);
    expect(scaledSigmoid(3)).toBe(-1);
  });
});

describe('scoreDetections', () => {
  it('counts the first onset in each window, its delay, and onsets outside every window', () => {
    // Prepare: 10 is probationary; 20-21 one event; 43 and 46 two events in window 1; 60 outside; 78 in window 2
    const scores = alertsAt(10, 20, 21, 43, 46, 60, 78);

    // Act
    const result = scoreDetections(timestamps, scores, windows, 0.8, 2 * MINUTE);

    // Assess
    expect(result).toEqual({ windows: 2, detected: 2, falsePositives: 2, delaysMs: [3 * MINUTE, 8 * MINUTE], onsets: [20, 43, 46, 60, 78] });
  });

  it('counts an event that starts before a window as a false positive, not a detection', () => {
    const result = scoreDetections(timestamps, alertsAt(38, 39, 40, 41), windows, 0.8, 2 * MINUTE);
    expect(result).toMatchObject({ windows: 2, detected: 0, falsePositives: 1, delaysMs: [] });
  });
});

describe('nabFileScore', () => {
  it('scores a hand-made file by NAB rules', () => {
    // Prepare: 10 probationary (ignored), 20 before any window, 40 at window 1's start, 45 inside it,
    // 55 six rows after window 1, nothing in window 2
    const scores = alertsAt(10, 20, 40, 45, 55);
    const fpJustAfter = 0.11 * (2 / (1 + Math.exp(5 * (6 / 9))) - 1);

    // Act
    const result = nabFileScore(scores, windows, 0.5);

    // Assess
    expect(result.score).toBeCloseTo(1 - 1 - 0.11 + fpJustAfter, 10);
    expect(result).toMatchObject({ nullScore: -2, perfectScore: 2, tp: 2, fp: 2, fn: 18, tn: 63 });
  });

  it('rewards a detection halfway into a window less than one at its start', () => {
    const halfway = nabFileScore(alertsAt(45, 75), windows, 0.5);
    expect(halfway.score).toBeCloseTo((2 * (2 / (1 + Math.exp(-2.5)) - 1)) / (2 / (1 + Math.exp(-5)) - 1), 10);
  });

  it('gives the null detector -1 per window, and leaves out windows inside the probationary period', () => {
    const result = nabFileScore(alertsAt(), [{ start: 5, end: 10 }, ...windows], 0.5);
    expect(result.score).toBe(-2);
    expect(result.nullScore).toBe(-2);
  });

  it('only counts rows at or above the threshold', () => {
    const scores = timestamps.map((_, index) => (index === 40 ? 0.79 : 0));
    expect(nabFileScore(scores, windows, 0.8).score).toBe(-2);
    expect(nabFileScore(scores, windows, 0.79).score).toBeCloseTo(0, 10);
  });
});

describe('normalization', () => {
  it('maps the null detector to 0 and a perfect one to 100, like the derived subset scores', () => {
    expect(normalizeNabScore(-30, -30, 30)).toBe(0);
    expect(normalizeNabScore(30, -30, 30)).toBe(100);
    expect(normalizeNabScore(14.0514, -30, 30)).toBeCloseTo(73.42, 2);
  });

  it('normalizes published per-file scores over a subset of files, leaving out detectors that miss one', () => {
    // Prepare
    const csv = [
      'Detector,Profile,File,Threshold,Score,TP,TN,FP,FN,Total_Count',
      'good,standard,c/a.csv,0.5,1.5,1,1,0,1,3',
      'good,standard,c/b.csv,0.5,0.5,1,1,0,1,3',
      'good,standard,c/z.csv,0.5,-9,1,1,0,1,3',
      'good,reward_low_FP_rate,c/a.csv,0.5,-5,1,1,0,1,3',
      'partial,standard,c/a.csv,0.5,1,1,1,0,1,3',
      'null,standard,c/a.csv,0.5,-2,0,1,0,1,3',
      'null,standard,c/b.csv,0.5,-1,0,1,0,1,3',
    ].join('\n');

    // Act
    const scores = publishedSubsetScores(parsePublishedScores(csv), ['c/a.csv', 'c/b.csv'], -3, 3);

    // Assess
    expect(scores).toEqual([
      { detector: 'good', raw: 2, normalized: (100 * 5) / 6 },
      { detector: 'null', raw: -3, normalized: 0 },
    ]);
  });
});
