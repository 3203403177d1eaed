import { describe, expect, it } from 'vitest';
import type { IndexCandidate } from '../../lambdas/shared/index-advisor/advisor-schemas.js';
import { chooseIndex, type ScoredCandidate } from '../../lambdas/shared/index-advisor/choose-index.js';

const relation = { schema: 'app', table: 'orders' };
const scored = (columns: string[], hypotheticalCost: number, usedInPlan = true): ScoredCandidate => ({
  candidate: { relation, columns, reasons: ['filter-equality'] } satisfies IndexCandidate,
  hypotheticalCost,
  usedInPlan,
});

describe('chooseIndex', () => {
  it('picks the cheapest plan when it cuts the cost enough', () => {
    // Act
    const choice = chooseIndex(20_000, [scored(['a'], 9_000), scored(['b'], 50), scored(['c'], 19_000)]);

    // Assess
    expect(choice).toMatchObject({ kind: 'chosen', candidate: { columns: ['b'] }, hypotheticalCost: 50, baselineCost: 20_000 });
    expect(choice.kind === 'chosen' && choice.costReduction).toBeCloseTo(0.9975);
  });

  it('settles a near tie by fewer columns', () => {
    // Act
    const choice = chooseIndex(20_000, [scored(['a', 'b'], 8.3), scored(['a'], 8.6), scored(['b'], 400)]);

    // Assess
    expect(choice).toMatchObject({ kind: 'chosen', candidate: { columns: ['a'] } });
  });

  it('keeps the wider index when it is clearly cheaper', () => {
    // Act
    const choice = chooseIndex(20_000, [scored(['a'], 48), scored(['a', 'b'], 12)]);

    // Assess
    expect(choice).toMatchObject({ kind: 'chosen', candidate: { columns: ['a', 'b'] } });
  });

  it('settles an exact tie of the same width by cost order, deterministically', () => {
    // Act
    const choice = chooseIndex(1_000, [scored(['a'], 10), scored(['b'], 10)]);

    // Assess
    expect(choice).toMatchObject({ kind: 'chosen', candidate: { columns: ['a'] } });
  });

  it('declines a cut below the threshold, and reports the best one', () => {
    // Act
    const choice = chooseIndex(20_000, [scored(['status'], 16_000)]);

    // Assess
    expect(choice).toMatchObject({ kind: 'none', reason: 'below-threshold', baselineCost: 20_000 });
    expect(choice.kind === 'none' && choice.bestCostReduction).toBeCloseTo(0.2);
  });

  it('takes the threshold from the options', () => {
    // Act
    const lenient = chooseIndex(20_000, [scored(['status'], 16_000)], { minCostReduction: 0.1 });
    const strict = chooseIndex(20_000, [scored(['a'], 2_000)], { minCostReduction: 0.95 });

    // Assess
    expect(lenient.kind).toBe('chosen');
    expect(strict).toMatchObject({ kind: 'none', reason: 'below-threshold' });
  });

  it('accepts a cut of exactly the threshold', () => {
    // Act & Assess
    expect(chooseIndex(1_000, [scored(['a'], 500)]).kind).toBe('chosen');
  });

  it('ignores candidates the plan did not use, and broken costs', () => {
    // Act
    const choice = chooseIndex(20_000, [scored(['a'], 10, false), scored(['b'], Number.NaN), scored(['c'], -5)]);

    // Assess
    expect(choice).toEqual({ kind: 'none', reason: 'no-candidates', baselineCost: 20_000 });
  });

  it('declines when there are no candidates', () => {
    // Act & Assess
    expect(chooseIndex(20_000, [])).toEqual({ kind: 'none', reason: 'no-candidates', baselineCost: 20_000 });
  });

  it('leaves a query alone whose plan is already cheap', () => {
    // Act
    const choice = chooseIndex(12, [scored(['a'], 8)]);

    // Assess
    expect(choice).toMatchObject({ kind: 'none', reason: 'baseline-too-cheap' });
  });

  it.each([Number.NaN, -1, Number.POSITIVE_INFINITY])('refuses a baseline cost of %s', (baseline) => {
    // Act & Assess
    expect(() => chooseIndex(baseline, [scored(['a'], 1)])).toThrow(RangeError);
  });

  it.each([0, 1, 1.5])('refuses a threshold of %s', (minCostReduction) => {
    // Act & Assess
    expect(() => chooseIndex(1_000, [scored(['a'], 1)], { minCostReduction })).toThrow(RangeError);
  });
});
