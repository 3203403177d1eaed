import type { IndexCandidate } from './advisor-schemas.js';

/**
 * Picks the candidate to build from planner costs measured with HypoPG
 * (each candidate alone, as a hypothetical index): the cheapest plan wins
 * if it cuts the query's cost by at least `minCostReduction`; plans within
 * `tieTolerance` of the cheapest count as a tie, settled by fewer columns
 * (a smaller index, cheaper to maintain), then by cost.
 */

export interface ChooseIndexOptions {
  /**
   * The least relative cost reduction worth an index (0.5 = the plan must cost at most half).
   * @default 0.5
   */
  readonly minCostReduction?: number;
  /**
   * Costs within this fraction of the best count as equal.
   * @default 0.05
   */
  readonly tieTolerance?: number;
  /**
   * Queries whose plan costs less than this are left alone: too cheap for an index to matter.
   * @default 100
   */
  readonly minBaselineCost?: number;
}

export interface ScoredCandidate {
  readonly candidate: IndexCandidate;
  /** Total cost of the query's plan with this candidate as a hypothetical index. */
  readonly hypotheticalCost: number;
  /** Whether that plan used the hypothetical index at all. */
  readonly usedInPlan: boolean;
}

export type IndexChoice =
  | {
      readonly kind: 'chosen';
      readonly candidate: IndexCandidate;
      readonly baselineCost: number;
      readonly hypotheticalCost: number;
      readonly costReduction: number;
    }
  | {
      readonly kind: 'none';
      readonly reason: 'no-candidates' | 'baseline-too-cheap' | 'below-threshold';
      readonly baselineCost: number;
      /** The best reduction any candidate achieved, when there were candidates. */
      readonly bestCostReduction?: number;
    };

const reductionOf = (baselineCost: number, cost: number) => (baselineCost <= 0 ? 0 : 1 - cost / baselineCost);

export function chooseIndex(baselineCost: number, scored: readonly ScoredCandidate[], options: ChooseIndexOptions = {}): IndexChoice {
  const minCostReduction = options.minCostReduction ?? 0.5;
  const tieTolerance = options.tieTolerance ?? 0.05;
  const minBaselineCost = options.minBaselineCost ?? 100;
  if (!Number.isFinite(baselineCost) || baselineCost < 0) throw new RangeError(`baseline cost must be a finite number >= 0, got ${baselineCost}`);
  if (!(minCostReduction > 0 && minCostReduction < 1)) throw new RangeError(`minCostReduction must be in (0, 1), got ${minCostReduction}`);

  const usable = scored.filter((entry) => entry.usedInPlan && Number.isFinite(entry.hypotheticalCost) && entry.hypotheticalCost >= 0);
  if (usable.length === 0) return { kind: 'none', reason: 'no-candidates', baselineCost };
  const cheapest = Math.min(...usable.map((entry) => entry.hypotheticalCost));
  const bestCostReduction = reductionOf(baselineCost, cheapest);
  if (baselineCost < minBaselineCost) return { kind: 'none', reason: 'baseline-too-cheap', baselineCost, bestCostReduction };
  if (bestCostReduction < minCostReduction) return { kind: 'none', reason: 'below-threshold', baselineCost, bestCostReduction };

  const tied = usable
    .filter((entry) => entry.hypotheticalCost <= cheapest * (1 + tieTolerance) && reductionOf(baselineCost, entry.hypotheticalCost) >= minCostReduction)
    .sort((a, b) => a.candidate.columns.length - b.candidate.columns.length || a.hypotheticalCost - b.hypotheticalCost);
  const winner = tied[0]!;
  return {
    kind: 'chosen',
    candidate: winner.candidate,
    baselineCost,
    hypotheticalCost: winner.hypotheticalCost,
    costReduction: reductionOf(baselineCost, winner.hypotheticalCost),
  };
}
