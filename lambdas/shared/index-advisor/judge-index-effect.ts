import * as z from 'zod';
import { meanExecTimeMs, type QueryStats } from './advisor-schemas.js';

/**
 * Did the index help? Judged from `pg_stat_statements` over two windows,
 * the way Azure SQL's automatic tuning validates its own indexes:
 * - `improved`: the target query's mean time fell by at least `minImprovement`,
 *   and no other busy query got slower by more than `maxOtherRegression`;
 * - `regressed-other`: some other busy query got slower by that much (and by
 *   at least `minRegressionMs`): the index costs more than it saves;
 * - `not-improved`: the target did not get faster enough;
 * - `inconclusive`: the target ran fewer than `minCalls` times in a window.
 * The before window can be the cumulative counters at apply time, or the
 * difference of two snapshots (`statsWindow`); the after window is always a
 * difference.
 */

export const JudgeSettingsSchema = z
  .object({
    minImprovement: z.number().gt(0).lt(1).default(0.5),
    maxOtherRegression: z.number().gt(0).default(0.5),
    minRegressionMs: z.number().min(0).default(0.1),
    minCalls: z.number().int().min(1).default(20),
    /** How many of the busiest other queries (by total time in the before window) are checked for regressions. */
    otherTopN: z.number().int().min(0).default(20),
  })
  .strict();
export type JudgeSettings = z.infer<typeof JudgeSettingsSchema>;
export type JudgeSettingsInput = z.input<typeof JudgeSettingsSchema>;

export const INDEX_EFFECT_OUTCOMES = ['improved', 'not-improved', 'regressed-other', 'inconclusive'] as const;
export type IndexEffectOutcome = (typeof INDEX_EFFECT_OUTCOMES)[number];

export interface QueryChange {
  readonly queryId: string;
  readonly callsBefore: number;
  readonly callsAfter: number;
  readonly meanBeforeMs: number;
  readonly meanAfterMs: number;
  /** afterMean / beforeMean - 1: negative is faster. */
  readonly change: number;
}

export interface IndexEffectVerdict {
  readonly outcome: IndexEffectOutcome;
  /** The target query in both windows; absent when it did not run in one of them. */
  readonly target?: QueryChange;
  /** Other queries that got slower beyond the limit. */
  readonly regressions: readonly QueryChange[];
  readonly summary: string;
}

export interface JudgeInput {
  readonly targetQueryId: string;
  readonly before: readonly QueryStats[];
  readonly after: readonly QueryStats[];
}

/** Sums entries of the same queryid (pg_stat_statements keeps one per user and database). */
function byQueryId(stats: readonly QueryStats[]): Map<string, QueryStats> {
  const merged = new Map<string, QueryStats>();
  for (const entry of stats) {
    const earlier = merged.get(entry.queryId);
    merged.set(
      entry.queryId,
      earlier === undefined
        ? { queryId: entry.queryId, calls: entry.calls, totalExecTimeMs: entry.totalExecTimeMs }
        : { queryId: entry.queryId, calls: earlier.calls + entry.calls, totalExecTimeMs: earlier.totalExecTimeMs + entry.totalExecTimeMs },
    );
  }
  return merged;
}

/**
 * What ran between two cumulative snapshots. A query missing from the
 * start, or whose counters went down (a reset, or eviction and re-entry),
 * counts from zero. Queries that did not run are left out.
 */
export function statsWindow(start: readonly QueryStats[], end: readonly QueryStats[]): QueryStats[] {
  const earlier = byQueryId(start);
  const window: QueryStats[] = [];
  for (const current of byQueryId(end).values()) {
    const first = earlier.get(current.queryId);
    const reset = first === undefined || current.calls < first.calls || current.totalExecTimeMs < first.totalExecTimeMs;
    const calls = reset ? current.calls : current.calls - first.calls;
    const totalExecTimeMs = reset ? current.totalExecTimeMs : current.totalExecTimeMs - first.totalExecTimeMs;
    if (calls > 0) window.push({ queryId: current.queryId, calls, totalExecTimeMs });
  }
  return window;
}

function changeOf(queryId: string, before: QueryStats, after: QueryStats): QueryChange {
  const meanBeforeMs = meanExecTimeMs(before);
  const meanAfterMs = meanExecTimeMs(after);
  return {
    queryId,
    callsBefore: before.calls,
    callsAfter: after.calls,
    meanBeforeMs,
    meanAfterMs,
    change: meanBeforeMs === 0 ? (meanAfterMs === 0 ? 0 : Number.POSITIVE_INFINITY) : meanAfterMs / meanBeforeMs - 1,
  };
}

const ms = (value: number) => (value >= 100 ? value.toFixed(0) : value.toPrecision(3));
const percent = (value: number) => `${(value * 100).toFixed(0)}%`;

export function judgeIndexEffect(input: JudgeInput, settings: JudgeSettingsInput = {}): IndexEffectVerdict {
  const limits = JudgeSettingsSchema.parse(settings);
  const before = byQueryId(input.before);
  const after = byQueryId(input.after);
  const targetBefore = before.get(input.targetQueryId);
  const targetAfter = after.get(input.targetQueryId);
  if (targetBefore === undefined || targetAfter === undefined || targetBefore.calls < limits.minCalls || targetAfter.calls < limits.minCalls) {
    return {
      outcome: 'inconclusive',
      ...(targetBefore !== undefined && targetAfter !== undefined ? { target: changeOf(input.targetQueryId, targetBefore, targetAfter) } : {}),
      regressions: [],
      summary: `query ${input.targetQueryId} ran ${targetBefore?.calls ?? 0} times before and ${targetAfter?.calls ?? 0} after; at least ${limits.minCalls} each are needed`,
    };
  }
  const target = changeOf(input.targetQueryId, targetBefore, targetAfter);

  const others = [...before.values()]
    .filter((stats) => stats.queryId !== input.targetQueryId && stats.calls >= limits.minCalls)
    .sort((a, b) => b.totalExecTimeMs - a.totalExecTimeMs)
    .slice(0, limits.otherTopN);
  const regressions: QueryChange[] = [];
  for (const other of others) {
    const later = after.get(other.queryId);
    if (later === undefined || later.calls < limits.minCalls) continue;
    const change = changeOf(other.queryId, other, later);
    if (change.change > limits.maxOtherRegression && change.meanAfterMs - change.meanBeforeMs >= limits.minRegressionMs) regressions.push(change);
  }
  const targetLine = `query ${target.queryId}: mean ${ms(target.meanBeforeMs)} ms → ${ms(target.meanAfterMs)} ms (${target.change <= 0 ? '-' : '+'}${percent(Math.abs(target.change))})`;
  if (regressions.length > 0) {
    const worst = regressions.reduce((a, b) => (b.change > a.change ? b : a));
    return {
      outcome: 'regressed-other',
      target,
      regressions,
      summary: `${targetLine}; but ${regressions.length} other quer${regressions.length === 1 ? 'y' : 'ies'} got slower, worst ${worst.queryId}: ${ms(worst.meanBeforeMs)} ms → ${ms(worst.meanAfterMs)} ms`,
    };
  }
  if (-target.change >= limits.minImprovement) return { outcome: 'improved', target, regressions, summary: targetLine };
  return { outcome: 'not-improved', target, regressions, summary: `${targetLine}; needed at least -${percent(limits.minImprovement)}` };
}
