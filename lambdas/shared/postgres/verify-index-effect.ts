import type { QueryStats } from '../index-advisor/advisor-schemas.js';
import { type IndexEffectVerdict, type JudgeSettingsInput, judgeIndexEffect, statsWindow } from '../index-advisor/judge-index-effect.js';
import type { ReadOnlySession } from './read-only-session.js';

/**
 * The verify step: difference `pg_stat_statements` since the index was
 * built and judge it. The before window is `beforeWindow` when given (e.g.
 * `statsWindow(atAdvice, atApply)`), else the cumulative counters at apply
 * time (everything since the statistics were last reset).
 */

export interface VerifyIndexEffectInput {
  readonly targetQueryId: string;
  /** Cumulative counters taken right after the build. */
  readonly statsAtApply: readonly QueryStats[];
  readonly beforeWindow?: readonly QueryStats[];
}

export interface IndexEffectReport extends Record<string, unknown> {
  readonly verdict: IndexEffectVerdict;
  /** The counters now, for a later, longer look. */
  readonly statsNow: readonly QueryStats[];
}

export async function verifyIndexEffect(
  session: ReadOnlySession,
  input: VerifyIndexEffectInput,
  settings: JudgeSettingsInput = {},
  snapshotSize = 50,
): Promise<IndexEffectReport> {
  const statsNow = await session.queryStatsSnapshot({ limit: snapshotSize, include: [input.targetQueryId] });
  const verdict = judgeIndexEffect(
    { targetQueryId: input.targetQueryId, before: input.beforeWindow ?? input.statsAtApply, after: statsWindow(input.statsAtApply, statsNow) },
    settings,
  );
  return { verdict, statsNow };
}
