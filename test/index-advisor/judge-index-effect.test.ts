import { describe, expect, it } from 'vitest';
import type { QueryStats } from '../../lambdas/shared/index-advisor/advisor-schemas.js';
import { judgeIndexEffect, statsWindow } from '../../lambdas/shared/index-advisor/judge-index-effect.js';

const q = (queryId: string, calls: number, meanMs: number): QueryStats => ({ queryId, calls, totalExecTimeMs: calls * meanMs });
const TARGET = '-4242';

describe('judgeIndexEffect', () => {
  it('calls a large drop of the target mean improved', () => {
    // Act
    const verdict = judgeIndexEffect({ targetQueryId: TARGET, before: [q(TARGET, 100, 80), q('7', 500, 2)], after: [q(TARGET, 90, 0.4), q('7', 480, 2.1)] });

    // Assess
    expect(verdict.outcome).toBe('improved');
    expect(verdict.target).toMatchObject({ queryId: TARGET, callsBefore: 100, callsAfter: 90, meanBeforeMs: 80, meanAfterMs: 0.4 });
    expect(verdict.target!.change).toBeCloseTo(-0.995);
    expect(verdict.summary).toMatch(/80\.0 ms → 0\.400 ms \(-100%\)/);
  });

  it('calls a small drop not improved', () => {
    // Act
    const verdict = judgeIndexEffect({ targetQueryId: TARGET, before: [q(TARGET, 100, 80)], after: [q(TARGET, 100, 60)] });

    // Assess
    expect(verdict.outcome).toBe('not-improved');
    expect(verdict.summary).toMatch(/needed at least -50%/);
  });

  it('calls a slower target not improved', () => {
    // Act & Assess
    expect(judgeIndexEffect({ targetQueryId: TARGET, before: [q(TARGET, 100, 80)], after: [q(TARGET, 100, 95)] }).outcome).toBe('not-improved');
  });

  it('calls it regressed-other when a busy query got much slower, even if the target improved', () => {
    // Prepare: the inserts into the table pay for the new index
    const before = [q(TARGET, 100, 80), q('11', 10_000, 1), q('12', 300, 5)];
    const after = [q(TARGET, 100, 1), q('11', 9_000, 2.5), q('12', 310, 5.2)];

    // Act
    const verdict = judgeIndexEffect({ targetQueryId: TARGET, before, after });

    // Assess
    expect(verdict.outcome).toBe('regressed-other');
    expect(verdict.regressions.map((change) => change.queryId)).toEqual(['11']);
    expect(verdict.summary).toMatch(/1 other query got slower, worst 11/);
  });

  it('ignores slowdowns that are tiny in absolute terms, rare, or outside the top N', () => {
    // Prepare
    const before = [q(TARGET, 100, 80), q('21', 10_000, 0.01), q('22', 5, 10), q('23', 50, 1)];
    const after = [q(TARGET, 100, 1), q('21', 10_000, 0.05), q('22', 5, 100), q('23', 50, 10)];

    // Act
    const verdict = judgeIndexEffect({ targetQueryId: TARGET, before, after }, { otherTopN: 1 });

    // Assess: 21 is +400% but +0.04 ms; 22 ran 5 times; 23 is not among the busiest 1
    expect(verdict.outcome).toBe('improved');
  });

  it('takes its thresholds from the settings', () => {
    // Prepare
    const input = { targetQueryId: TARGET, before: [q(TARGET, 100, 80), q('31', 100, 10)], after: [q(TARGET, 100, 60), q('31', 100, 13)] };

    // Act & Assess
    expect(judgeIndexEffect(input, { minImprovement: 0.2 }).outcome).toBe('improved');
    expect(judgeIndexEffect(input, { minImprovement: 0.2, maxOtherRegression: 0.2 }).outcome).toBe('regressed-other');
  });

  it.each([
    ['the target did not run after', [q(TARGET, 100, 80)], []],
    ['the target did not run before', [], [q(TARGET, 100, 1)]],
    ['too few calls after', [q(TARGET, 100, 80)], [q(TARGET, 19, 1)]],
    ['too few calls before', [q(TARGET, 3, 80)], [q(TARGET, 100, 1)]],
  ])('is inconclusive when %s', (_what, before, after) => {
    // Act
    const verdict = judgeIndexEffect({ targetQueryId: TARGET, before, after });

    // Assess
    expect(verdict.outcome).toBe('inconclusive');
    expect(verdict.summary).toMatch(/at least 20 each/);
  });

  it('sums entries of the same queryid (one per database user)', () => {
    // Act
    const verdict = judgeIndexEffect({ targetQueryId: TARGET, before: [q(TARGET, 10, 80), q(TARGET, 10, 40)], after: [q(TARGET, 20, 1)] });

    // Assess
    expect(verdict.outcome).toBe('improved');
    expect(verdict.target).toMatchObject({ callsBefore: 20, meanBeforeMs: 60 });
  });

  it('copes with a query that took no time before', () => {
    // Act
    const verdict = judgeIndexEffect({ targetQueryId: TARGET, before: [q(TARGET, 100, 1), q('41', 100, 0)], after: [q(TARGET, 100, 0.1), q('41', 100, 5)] });

    // Assess
    expect(verdict.outcome).toBe('regressed-other');
    expect(verdict.regressions[0]!.change).toBe(Number.POSITIVE_INFINITY);
  });

  it('refuses nonsense settings', () => {
    // Act & Assess
    expect(() => judgeIndexEffect({ targetQueryId: TARGET, before: [], after: [] }, { minImprovement: 1.5 })).toThrow();
    expect(() => judgeIndexEffect({ targetQueryId: TARGET, before: [], after: [] }, { minCalls: 0 })).toThrow();
  });
});

describe('statsWindow', () => {
  it('subtracts the start from the end, per query', () => {
    // Act
    const window = statsWindow([q('1', 100, 10), q('2', 50, 1)], [q('1', 150, 8), q('2', 50, 1), q('3', 7, 2)]);

    // Assess
    expect(window).toEqual([
      { queryId: '1', calls: 50, totalExecTimeMs: 200 },
      { queryId: '3', calls: 7, totalExecTimeMs: 14 },
    ]);
  });

  it('counts from zero after a reset (counters went down)', () => {
    // Act & Assess
    expect(statsWindow([q('1', 100, 10)], [q('1', 30, 2)])).toEqual([{ queryId: '1', calls: 30, totalExecTimeMs: 60 }]);
  });
});
