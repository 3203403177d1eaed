import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RollingWindow } from '../../../../lambdas/shared/metrics/rolling-window.js';

function sortedMedian(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

describe('RollingWindow', () => {
  it('keeps only the last `capacity` values', () => {
    // Prepare
    const window = new RollingWindow(3);

    // Act
    for (const value of [10, 1, 2, 3]) window.push(value);

    // Assess
    expect(window.size).toBe(3);
    expect(window.median()).toBe(2);
    expect(window.mean()).toBe(2);
    expect(window.quantile(0)).toBe(1);
    expect(window.quantile(1)).toBe(3);
  });

  it('agrees with a full sort on the median of the last values, for any sequence', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 80 }), fc.integer({ min: 1, max: 12 }), (values, capacity) => {
        const window = new RollingWindow(capacity);
        for (const value of values) window.push(value);
        return window.median() === sortedMedian(values.slice(-capacity));
      }),
    );
  });

  it('counts values at or above a level and describes the excesses above one', () => {
    // Prepare
    const window = new RollingWindow(10);
    for (const value of [1, 2, 3, 4, 5]) window.push(value);

    // Act
    const excesses = window.excessMoments(3);

    // Assess
    expect(window.countAtLeast(3)).toBe(3);
    expect(window.countAtLeast(6)).toBe(0);
    expect(excesses).toEqual({ count: 2, mean: 1.5, variance: 0.25 });
  });

  it('answers NaN when empty and refuses a capacity below 1', () => {
    expect(new RollingWindow(2).median()).toBeNaN();
    expect(new RollingWindow(2).quantile(0.5)).toBeNaN();
    expect(() => new RollingWindow(0)).toThrow(RangeError);
  });
});
