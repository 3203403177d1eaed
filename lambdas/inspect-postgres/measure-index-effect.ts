import * as z from 'zod';
import { MalformedEventError } from '../shared/errors.js';
import { QueryStatsSchema } from '../shared/index-advisor/advisor-schemas.js';
import { judgeIndexEffect, statsWindow } from '../shared/index-advisor/judge-index-effect.js';
import type { DatabaseReader } from '../shared/postgres/postgres-edge.js';
import type { RdsPostgresScope } from '../shared/scope.js';
import type { IndexEffect } from '../shared/workflow.js';

/**
 * Did the index help? The before window is what pg_stat_statements had
 * counted for the queries right before the build (recorded by
 * CreatePostgresIndex in the action's before-state); the after window is
 * everything since the build finished (the action's `statsAtApply` to
 * now). The index is kept only when its query's mean time fell by at least
 * the resource's `minImprovement` and no other busy query got slower.
 */

/** The parts of CreatePostgresIndex's result the measurement reads. */
export const MeasuredActionSchema = z.looseObject({
  action: z.literal('createIndexConcurrently'),
  changed: z.boolean(),
  before: z.looseObject({ stats: z.array(QueryStatsSchema) }),
  applied: z.looseObject({ statsAtApply: z.array(QueryStatsSchema), queryId: z.string().optional() }),
});

export interface MeasureOptions {
  /** Fewest runs of the query in each window for a verdict. @default 20 */
  readonly minCalls?: number;
  readonly now?: () => Date;
}

export async function measureIndexEffect(resource: RdsPostgresScope, rawAction: unknown, reader: DatabaseReader, options: MeasureOptions = {}): Promise<IndexEffect> {
  const now = options.now ?? (() => new Date());
  const parsed = MeasuredActionSchema.safeParse(rawAction);
  if (!parsed.success) throw new MalformedEventError(`action: not a createIndexConcurrently result with its pg_stat_statements snapshots (${parsed.error.issues.map((issue) => issue.path.join('.')).join(', ')})`);
  const action = parsed.data;
  const minImprovement = resource.minImprovement;
  const queryId = action.applied.queryId;
  if (queryId === undefined) {
    return {
      verdict: 'inconclusive',
      minImprovement,
      regressions: [],
      summary: 'the plan named no query to measure; the index cannot be shown to help',
      measuredAt: now().toISOString(),
    };
  }
  const statsNow = await reader.statsSnapshot([queryId]);
  const verdict = judgeIndexEffect(
    { targetQueryId: queryId, before: action.before.stats, after: statsWindow(action.applied.statsAtApply, statsNow) },
    { minImprovement, ...(options.minCalls === undefined ? {} : { minCalls: options.minCalls }) },
  );
  const finite = (value: number) => (Number.isFinite(value) ? value : null);
  return {
    queryId,
    verdict: verdict.outcome,
    ...(verdict.target === undefined
      ? {}
      : { meanBeforeMs: verdict.target.meanBeforeMs, meanAfterMs: verdict.target.meanAfterMs, improvement: finite(-verdict.target.change) }),
    minImprovement,
    regressions: verdict.regressions.map((change) => ({ ...change, change: finite(change.change) })),
    summary: verdict.summary,
    measuredAt: now().toISOString(),
  };
}
