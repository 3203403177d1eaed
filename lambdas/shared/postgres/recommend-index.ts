import { TargetNotFoundError } from '../errors.js';
import { type AdviseOptions, adviseIndex, type IndexAdvice } from '../index-advisor/advise-index.js';
import type { IndexRecommendation, QueryStats, TableStats } from '../index-advisor/advisor-schemas.js';
import { checkGuardrails, type GuardrailSettingsInput, type GuardrailVerdict, writeRatePerSecond } from '../index-advisor/guardrails.js';
import { QueryNotExplainableError } from '../index-advisor/index-advisor-errors.js';
import type { ReadOnlySession } from './read-only-session.js';

/**
 * The advise step end to end, read-only: pick the slow query (named, or
 * the busiest ones in `pg_stat_statements`), run the advisor on it, and
 * check the guardrails for the recommended index's table. The result is
 * plain JSON for the state machine; `recommendation` is set only when an
 * index is worth building and the guardrails allow it now.
 */

export interface RecommendIndexRequest {
  /** The slow query's pg_stat_statements queryid; its normalized text is planned. */
  readonly queryId?: string;
  /**
   * A sample of the query with literal values (slow log, auto_explain),
   * planned instead of the normalized text: better selectivity estimates.
   */
  readonly sampleQuery?: string;
  /**
   * Without a queryId or sample, how many of the busiest statements (by
   * total execution time) are tried, in order, until one gets a recommendation.
   * @default 5
   */
  readonly busiestQueries?: number;
}

export interface RecommendIndexOptions extends AdviseOptions {
  readonly guardrails?: GuardrailSettingsInput;
  /**
   * How long the table's write rate is sampled for the guardrails.
   * @default 5_000
   */
  readonly writeRateSampleMs?: number;
  /**
   * Busiest statements kept in `statsSnapshot` (verification's starting point).
   * @default 50
   */
  readonly snapshotSize?: number;
  readonly now?: () => Date;
}

export interface QueryAdvice {
  readonly queryId?: string;
  readonly query: string;
  /** The advice, or why the query could not be planned. */
  readonly advice?: IndexAdvice;
  readonly error?: string;
}

export interface IndexRecommendationReport extends Record<string, unknown> {
  /** Set when an index should be built now. */
  readonly recommendation?: IndexRecommendation;
  /** Every query looked at, with its advice. */
  readonly queries: readonly QueryAdvice[];
  readonly table?: TableStats;
  readonly writesPerSecond?: number;
  readonly guardrails?: GuardrailVerdict;
  /** Cumulative pg_stat_statements counters now: the before-side of verification. */
  readonly statsSnapshot: readonly QueryStats[];
  readonly summary: string;
}

async function adviseOne(session: ReadOnlySession, query: string, queryId: string | undefined, options: AdviseOptions): Promise<QueryAdvice> {
  const id = queryId === undefined ? {} : { queryId };
  try {
    return { ...id, query, advice: await adviseIndex(session, { text: query, ...id }, options) };
  } catch (error) {
    if (error instanceof QueryNotExplainableError) return { ...id, query, error: error.message };
    throw error;
  }
}

export async function recommendIndex(session: ReadOnlySession, request: RecommendIndexRequest, options: RecommendIndexOptions = {}): Promise<IndexRecommendationReport> {
  const now = options.now ?? (() => new Date());
  const targets: Array<{ queryId?: string; text: string }> = [];
  if (request.queryId !== undefined) {
    const stats = await session.queryById(request.queryId);
    if (stats?.query === undefined && request.sampleQuery === undefined) {
      throw new TargetNotFoundError(`pg_stat_statements has no query ${request.queryId} in this database`);
    }
    targets.push({ queryId: request.queryId, text: request.sampleQuery ?? stats!.query! });
  } else if (request.sampleQuery !== undefined) {
    targets.push({ text: request.sampleQuery });
  } else {
    for (const stats of await session.topQueries({ limit: request.busiestQueries ?? 5 })) targets.push({ queryId: stats.queryId, text: stats.query! });
  }

  const queries: QueryAdvice[] = [];
  let chosen: IndexRecommendation | undefined;
  for (const target of targets) {
    const advice = await adviseOne(session, target.text, target.queryId, options);
    queries.push(advice);
    if (advice.advice?.recommendation !== undefined) {
      chosen = advice.advice.recommendation;
      break;
    }
  }
  const include = chosen?.params.queryId === undefined ? [] : [chosen.params.queryId];
  const statsSnapshot = await session.queryStatsSnapshot({ limit: options.snapshotSize ?? 50, include });
  if (chosen === undefined) {
    return { queries, statsSnapshot, summary: `no index recommended for ${queries.length} quer${queries.length === 1 ? 'y' : 'ies'}` };
  }

  const [first, second] = await session.sampleTableStats(chosen.relation, options.writeRateSampleMs ?? 5_000);
  const writesPerSecond = writeRatePerSecond(first, second);
  const guardrails = checkGuardrails({ table: second, writesPerSecond, now: now() }, options.guardrails);
  const what = `${chosen.indexName} on ${chosen.relation.schema}.${chosen.relation.table} (${chosen.columns.join(', ')}), planner cost -${Math.floor(chosen.costReduction * 100)}%`;
  return {
    ...(guardrails.allowed ? { recommendation: chosen } : {}),
    queries,
    table: second,
    ...(writesPerSecond === undefined ? {} : { writesPerSecond }),
    guardrails,
    statsSnapshot,
    summary: guardrails.allowed ? `recommend ${what}` : `${what} refused: ${guardrails.findings.map((finding) => finding.reason).join(', ')}`,
  };
}
