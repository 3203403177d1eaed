import { clip } from '../shared/clip.js';
import { meanExecTimeMs, type QueryStats } from '../shared/index-advisor/advisor-schemas.js';
import type { TopSqlByLoad } from '../shared/postgres/performance-insights.js';
import type { IndexRecommendationReport } from '../shared/postgres/recommend-index.js';
import type { DatabaseReader } from '../shared/postgres/postgres-edge.js';
import type { RdsPostgresScope } from '../shared/scope.js';
import type { DatabaseContext, TopQuery } from '../shared/workflow.js';

/**
 * The read-only look at a database for a PostgreSQL incident: rank the
 * slow statements (Performance Insights top SQL by load when the resource
 * has it, else pg_stat_statements by total time), run the index advisor
 * on them in that order until one gets a recommendation, and check the
 * guardrails for its table. Query texts are only planned (EXPLAIN, in a
 * read-only session), never run; they go into the context clipped, as
 * untrusted evidence.
 */

/** Longest statement text kept in the context. */
export const MAX_QUERY_TEXT = 500;
const TOP_QUERIES = 10;
/** How many of the busiest statements the advisor tries before it gives up. */
const ADVISED_QUERIES = 5;
/** How many statements are tried in all: those that cannot be planned (a dropped table, a utility statement) do not count as advised. */
const TRIED_QUERIES = 15;
/** How many of the busiest statements are read as candidates (their ids and texts): those naming an allowed schema are advised first. */
const CANDIDATE_QUERIES = 200;

export interface InspectOptions {
  /** Top SQL by load from Performance Insights; undefined when the resource has no PI id. */
  readonly topSql?: () => Promise<TopSqlByLoad[]>;
  /**
   * How long the advisor may keep trying queries; no new one is started after it (InspectPostgres has 120 s).
   * @default 60_000
   */
  readonly adviseBudgetMs?: number;
  /** How long the table's write rate is sampled for the guardrails. @default 5_000 */
  readonly writeRateSampleMs?: number;
  readonly now?: () => Date;
  /** Where a Performance Insights failure is reported; the inspection goes on with pg_stat_statements. */
  readonly onGap?: (gap: string) => void;
}

const toTopQuery = (stats: QueryStats, load?: number): TopQuery => ({
  queryId: stats.queryId,
  query: clip(stats.query ?? '', MAX_QUERY_TEXT),
  calls: stats.calls,
  meanExecTimeMs: meanExecTimeMs(stats),
  totalExecTimeMs: stats.totalExecTimeMs,
  ...(load === undefined ? {} : { loadAverageActiveSessions: load }),
});

/** The order the queries are advised in, and how they are shown. */
async function rankQueries(
  reader: DatabaseReader,
  options: InspectOptions,
): Promise<{ source: DatabaseContext['source']; ranked: TopQuery[]; candidates: Array<{ queryId: string; text: string }> }> {
  const busiest = await reader.topQueries(CANDIDATE_QUERIES);
  const withIds = (queries: readonly { queryId?: string }[]) =>
    queries
      .filter((query): query is { queryId: string } => query.queryId !== undefined)
      .map((query) => ({ queryId: query.queryId, text: byId.get(query.queryId)?.query ?? '' }));
  const byId = new Map(busiest.map((stats) => [stats.queryId, stats]));
  if (options.topSql !== undefined) {
    try {
      const byLoad = await options.topSql();
      const ranked = byLoad
        .map((sql): TopQuery | undefined => {
          const stats = sql.queryId === undefined ? undefined : byId.get(sql.queryId);
          if (stats !== undefined) return toTopQuery(stats, sql.load);
          // Known to Performance Insights only: shown, but the advisor needs pg_stat_statements' text.
          return sql.statement === undefined ? undefined : { ...(sql.queryId === undefined ? {} : { queryId: sql.queryId }), query: clip(sql.statement, MAX_QUERY_TEXT), loadAverageActiveSessions: sql.load };
        })
        .filter((query): query is TopQuery => query !== undefined)
        .slice(0, TOP_QUERIES);
      if (ranked.length > 0) {
        const known = byLoad.filter((sql) => sql.queryId !== undefined && byId.has(sql.queryId));
        return { source: 'performance-insights', ranked, candidates: withIds(known) };
      }
    } catch (error) {
      options.onGap?.(`Performance Insights unreadable, ranked by pg_stat_statements: ${(error as Error).message}`);
    }
  }
  return { source: 'pg_stat_statements', ranked: busiest.slice(0, TOP_QUERIES).map((stats) => toTopQuery(stats)), candidates: withIds(busiest) };
}

function refusalOf(report: IndexRecommendationReport | undefined, advised: number): string | undefined {
  if (report === undefined) return advised === 0 ? 'pg_stat_statements has no statement an index could help' : 'no index on the allowed schemas would help the busiest queries';
  if (report.recommendation !== undefined) return undefined;
  if (report.guardrails !== undefined && !report.guardrails.allowed) {
    return `the guardrails refuse an index now: ${report.guardrails.findings.map((finding) => `${finding.reason} (${finding.detail})`).join('; ')}`;
  }
  const reasons = report.queries
    .map((query) => query.error ?? (query.advice === undefined ? undefined : `${query.queryId ?? 'query'}: ${query.advice.choice.kind === 'none' ? query.advice.choice.reason : query.advice.choice.kind}`))
    .filter((reason): reason is string => reason !== undefined);
  return clip(`no index would make the busiest queries cheaper enough${reasons.length === 0 ? '' : ` (${reasons.join('; ')})`}`, 1_000);
}

export async function inspectDatabase(resource: RdsPostgresScope, reader: DatabaseReader, options: InspectOptions = {}): Promise<DatabaseContext> {
  const now = options.now ?? (() => new Date());
  const { source, ranked, candidates: byRank } = await rankQueries(reader, options);
  // Statements that name an allowed schema are advised first (in rank order), then the rest (unqualified names may be in one too).
  const schemaPatterns = resource.schemas.map((schema) => new RegExp(`(^|[^\\w$"])"?${schema.replaceAll('$', '\\$')}"?\\.`));
  const namesAllowedSchema = (text: string) => schemaPatterns.some((pattern) => pattern.test(text));
  const candidates = [...byRank.filter((query) => namesAllowedSchema(query.text)), ...byRank.filter((query) => !namesAllowedSchema(query.text))];
  const adviseOptions = {
    choose: { minCostReduction: resource.minCostReduction },
    guardrails: resource.indexGuardrails,
    writeRateSampleMs: options.writeRateSampleMs ?? 5_000,
    now,
  };
  let report: IndexRecommendationReport | undefined;
  let advised = 0;
  let tried = 0;
  const elsewhere: string[] = [];
  const started = Date.now();
  for (const query of candidates) {
    if (advised >= ADVISED_QUERIES || tried >= TRIED_QUERIES || Date.now() - started > (options.adviseBudgetMs ?? 60_000)) break;
    tried += 1;
    const candidate = await reader.recommend({ queryId: query.queryId }, adviseOptions);
    if (candidate.queries.every((advice) => advice.error !== undefined)) continue;
    const schema = candidate.recommendation?.relation.schema;
    if (schema !== undefined && !resource.schemas.includes(schema)) {
      // An index outside the allowed schemas is never built, and the query does not count as advised: look at the next one.
      elsewhere.push(`${schema}.${candidate.recommendation!.relation.table}`);
      continue;
    }
    advised += 1;
    report = candidate;
    // A recommendation, or one the guardrails refused: either way this is the answer for the database now.
    if (report.recommendation !== undefined || report.guardrails !== undefined) break;
  }
  const refused = refusalOf(report, advised);
  const refusal =
    refused === undefined || elsewhere.length === 0 ? refused : clip(`${refused}; indexes outside the allowed schemas were not considered (${elsewhere.join(', ')})`, 1_000);
  const recommendation = report?.recommendation;
  return {
    database: resource.name,
    source,
    topQueries: ranked,
    tables: report?.table === undefined ? [] : [report.table],
    ...(recommendation === undefined ? {} : { recommendation }),
    ...(refusal === undefined ? {} : { refusal }),
    ...(report?.guardrails === undefined ? {} : { guardrails: { allowed: report.guardrails.allowed, findings: report.guardrails.findings.map((finding) => ({ ...finding })) } }),
    summary: clip(
      recommendation !== undefined
        ? `${report!.summary} for query ${recommendation.params.queryId ?? '?'} (ranked by ${source})`
        : `no index recommended: ${refusal ?? 'nothing to advise'}`,
      1_000,
    ),
    inspectedAt: now().toISOString(),
  };
}
