import { describe, expect, it } from 'vitest';
import { groupingAccuracy } from '../../../../bench/grouping-accuracy.js';

describe('groupingAccuracy', () => {
  it('is 1 when the groups are the true groups, whatever they are called', () => {
    expect(groupingAccuracy(['x', 'x', 'y', 'z'], ['E1', 'E1', 'E2', 'E3'])).toBe(1);
  });

  it('counts none of the lines of a true group split in two', () => {
    // E1 (3 lines) is split; E2 (1 line) is exact.
    expect(groupingAccuracy([1, 1, 2, 3], ['E1', 'E1', 'E1', 'E2'])).toBe(0.25);
  });

  it('counts none of the lines of two true groups merged into one', () => {
    // E1 and E2 share group 1; E3 is exact.
    expect(groupingAccuracy([1, 1, 1, 2, 2], ['E1', 'E1', 'E2', 'E3', 'E3'])).toBe(0.4);
  });

  it('counts a pure group that misses some of its true lines as wrong', () => {
    // Group 1 holds only E1 lines but not all of them; the stray E1 line in group 2 mixes with E2.
    expect(groupingAccuracy([1, 1, 2, 2], ['E1', 'E1', 'E1', 'E2'])).toBe(0);
  });

  it('is 0 when everything is in one group and there are several true groups', () => {
    expect(groupingAccuracy(['g', 'g', 'g'], ['a', 'b', 'b'])).toBe(0);
  });

  it('refuses label lists of different lengths', () => {
    expect(() => groupingAccuracy([1, 2], ['a'])).toThrow(RangeError);
  });

  it('is 1 for no lines', () => {
    expect(groupingAccuracy([], [])).toBe(1);
  });
});
