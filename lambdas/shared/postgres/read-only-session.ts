import type { Client } from 'pg';
import type { PlanSource } from '../index-advisor/advise-index.js';
import type { ExistingIndex, IndexCandidate, QueryStats, Relation, TableStats } from '../index-advisor/advisor-schemas.js';
import { type PlanNode, parseExplainOutput, planUsesIndex } from '../index-advisor/explain-plan.js';
import { QueryNotExplainableError } from '../index-advisor/index-advisor-errors.js';
import { hypotheticalIndexSql } from '../index-advisor/index-ddl.js';
import { type ExplainableStatement, explainableStatement } from '../index-advisor/query-text.js';
import { readIndexes, readTableStats } from './catalog-queries.js';
import { openClient, type PostgresConnectOptions, querySingleStatement, setSetting } from './pg-client.js';
import { ExtensionMissingError, isConnectionFailure, PostgresUnavailableError, sqlStateOf } from './postgres-errors.js';

/**
 * The advisor's view of the database: statistics, catalogs and plans,
 * through a session that cannot write. Every transaction of the session is
 * READ ONLY (`SET SESSION CHARACTERISTICS`), every statement has a
 * timeout, and query texts are planned, never run.
 *
 * Plans of normalized queries. `pg_stat_statements` keeps `WHERE id = $1`,
 * not the value. PostgreSQL 16+ plans such text directly with
 * `EXPLAIN (GENERIC_PLAN)`. On 14–15 the session sets
 * `plan_cache_mode = force_generic_plan`, PREPAREs the text (the server
 * infers the parameter types from their use) and runs
 * `EXPLAIN EXECUTE stmt(NULL, …)`: a generic plan never looks at the
 * parameter values, so the NULLs do not skew selectivity; estimates use the
 * column statistics (1/n_distinct for `=`, the default fractions for
 * ranges), exactly as the plan the application gets after five executions.
 * A fresh statement is prepared for every EXPLAIN, because a cached plan
 * would not see a hypothetical index come or go. A sample with literal
 * values (from the slow-query log or auto_explain) plans with the real
 * selectivities instead; pass it as the query text when you have one.
 *
 * Hypothetical indexes (HypoPG) live in the backend's memory only:
 * `hypopg_create_index` writes nothing, works in a READ ONLY transaction
 * and on a hot standby, so scoring runs in this same read-only session.
 * Each hypothetical index is dropped right after its EXPLAIN.
 */

export type ReadOnlySessionOptions = PostgresConnectOptions;

export interface TopQueriesOptions {
  /**
   * How many queries, busiest (total execution time) first.
   * @default 20
   */
  readonly limit?: number;
  /**
   * Leave out queries called fewer times.
   * @default 1
   */
  readonly minCalls?: number;
}

interface QueryStatsRow {
  query_id: string;
  query: string | null;
  calls: number;
  total_ms: number;
}

const toQueryStats = (row: QueryStatsRow, withText: boolean): QueryStats => ({
  queryId: row.query_id,
  ...(withText && row.query !== null ? { query: row.query } : {}),
  calls: Math.round(row.calls),
  totalExecTimeMs: row.total_ms,
});

/**
 * Statements of this database, less the advisor's own: its EXPLAIN EXECUTE
 * of a prepared copy of the query counts, under pg_stat_statements.track =
 * all, as a nested (not top-level) call of the same queryid by the
 * advisor's role, and must not dilute the query's mean time.
 */
const OWN_DATABASE_STATEMENTS = `s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND NOT (s.userid = (SELECT oid FROM pg_roles WHERE rolname = current_user) AND NOT s.toplevel)`;

/** Server errors that mean "this text cannot be planned here", not "the database is broken". */
const UNPLANNABLE = /^(42|0A|22|2F|3F|P0001)/;

let statementCounter = 0;

export class ReadOnlySession implements PlanSource {
  private constructor(
    private readonly client: Client,
    /** `server_version_num`, e.g. 150018. */
    readonly serverVersion: number,
  ) {}

  /** Connects, and makes every transaction of the session READ ONLY before anything else runs. */
  static async open(options: ReadOnlySessionOptions): Promise<ReadOnlySession> {
    const client = await openClient({ applicationName: 'self-heal-index-advisor', ...options });
    try {
      await client.query('SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY');
      await setSetting(client, 'default_transaction_read_only', 'on');
      const { rows } = await client.query<{ read_only: string; version: string }>(
        "SELECT current_setting('transaction_read_only') AS read_only, current_setting('server_version_num') AS version",
      );
      if (rows[0]?.read_only !== 'on') throw new Error('the session did not become read-only');
      const serverVersion = Number(rows[0].version);
      if (serverVersion < 140_000) throw new Error(`PostgreSQL ${serverVersion} is too old: the advisor needs 14 or later`);
      // Generic plans on 14–15 (see above); harmless on 16+.
      await setSetting(client, 'plan_cache_mode', 'force_generic_plan');
      return new ReadOnlySession(client, serverVersion);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.client.end();
  }

  /** Runs a read, reporting a dropped connection as `PostgresUnavailableError`. */
  private async guarded<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      if (isConnectionFailure(error)) throw new PostgresUnavailableError(`PostgreSQL connection failed: ${(error as Error).message}`, { cause: error });
      throw error;
    }
  }

  private async query<T extends object>(text: string, values: unknown[] = []): Promise<T[]> {
    return this.guarded(async () => (await this.client.query(text, values)).rows as T[]);
  }

  private async statements(sql: string, values: unknown[], withText: boolean): Promise<QueryStats[]> {
    try {
      const rows = await this.query<QueryStatsRow>(sql, values);
      return rows.map((row) => toQueryStats(row, withText));
    } catch (error) {
      if (sqlStateOf(error) === '42P01' || sqlStateOf(error) === '55000') {
        throw new ExtensionMissingError(`pg_stat_statements is not usable: ${(error as Error).message}`, { cause: error });
      }
      throw error;
    }
  }

  /** The busiest statements of this database that an index could help (SELECT, WITH, UPDATE, DELETE), with their text. */
  async topQueries(options: TopQueriesOptions = {}): Promise<QueryStats[]> {
    const limit = options.limit ?? 20;
    // Fetch more than asked: utility statements (SET, EXPLAIN …) are dropped below.
    const rows = await this.statements(
      `SELECT s.queryid::text AS query_id, (array_agg(s.query ORDER BY s.calls DESC))[1] AS query, sum(s.calls)::float8 AS calls, sum(s.total_exec_time)::float8 AS total_ms
         FROM pg_stat_statements s
        WHERE ${OWN_DATABASE_STATEMENTS} AND s.queryid IS NOT NULL
        GROUP BY s.queryid
       HAVING sum(s.calls) >= $2
        ORDER BY total_ms DESC
        LIMIT $1`,
      [limit * 4, options.minCalls ?? 1],
      true,
    );
    return rows.filter((row) => row.query !== undefined && isExplainable(row.query)).slice(0, limit);
  }

  /** One statement by its queryid, with its text; undefined when pg_stat_statements does not have it. */
  async queryById(queryId: string): Promise<QueryStats | undefined> {
    const rows = await this.statements(
      `SELECT s.queryid::text AS query_id, (array_agg(s.query ORDER BY s.calls DESC))[1] AS query, sum(s.calls)::float8 AS calls, sum(s.total_exec_time)::float8 AS total_ms
         FROM pg_stat_statements s
        WHERE ${OWN_DATABASE_STATEMENTS} AND s.queryid = $1::bigint
        GROUP BY s.queryid`,
      [queryId],
      true,
    );
    return rows[0];
  }

  /**
   * Cumulative counters (no text, to keep the result small) of the busiest
   * statements, plus those named in `include`: a snapshot to difference
   * later (`statsWindow`) for verification.
   */
  async queryStatsSnapshot(options: { limit?: number; include?: readonly string[] } = {}): Promise<QueryStats[]> {
    return this.statements(
      `SELECT s.queryid::text AS query_id, NULL AS query, sum(s.calls)::float8 AS calls, sum(s.total_exec_time)::float8 AS total_ms
         FROM pg_stat_statements s
        WHERE ${OWN_DATABASE_STATEMENTS} AND s.queryid IS NOT NULL
        GROUP BY s.queryid
        ORDER BY (s.queryid = ANY ($2::bigint[])) DESC, total_ms DESC
        LIMIT $1`,
      [(options.limit ?? 50) + (options.include?.length ?? 0), options.include ?? []],
      false,
    );
  }

  /** `pg_stat_user_tables` counters, size and index count of a table. */
  async tableStats(relation: Relation): Promise<TableStats> {
    return this.guarded(() => readTableStats(this.client, relation));
  }

  /** Two samples of the table's counters `intervalMs` apart; feed them to `writeRatePerSecond`. */
  async sampleTableStats(relation: Relation, intervalMs: number): Promise<readonly [TableStats, TableStats]> {
    const first = await this.tableStats(relation);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    return [first, await this.tableStats(relation)];
  }

  /** The table's indexes with their key columns in order (INCLUDE columns left out; null for an expression). */
  async existingIndexes(relation: Relation): Promise<ExistingIndex[]> {
    return this.guarded(() => readIndexes(this.client, relation));
  }

  /** The plan of a query text (see the class comment for normalized texts); never runs it. */
  async explain(statement: ExplainableStatement): Promise<PlanNode> {
    try {
      if (statement.parameterCount === 0) {
        return parseExplainOutput(await this.explainRows(`EXPLAIN (VERBOSE, FORMAT JSON) ${statement.text}`));
      }
      if (this.serverVersion >= 160_000) {
        return parseExplainOutput(await this.explainRows(`EXPLAIN (GENERIC_PLAN, VERBOSE, FORMAT JSON) ${statement.text}`));
      }
      statementCounter += 1;
      const name = `selfheal_advisor_${process.pid}_${statementCounter}`;
      await querySingleStatement(this.client, `PREPARE ${name} AS ${statement.text}`);
      try {
        const nulls = Array.from({ length: statement.parameterCount }, () => 'NULL').join(', ');
        return parseExplainOutput(await this.explainRows(`EXPLAIN (VERBOSE, FORMAT JSON) EXECUTE ${name}(${nulls})`));
      } finally {
        await this.client.query(`DEALLOCATE ${name}`);
      }
    } catch (error) {
      if (isConnectionFailure(error)) throw new PostgresUnavailableError(`PostgreSQL connection failed: ${(error as Error).message}`, { cause: error });
      const code = sqlStateOf(error);
      if (code !== undefined && UNPLANNABLE.test(code)) {
        throw new QueryNotExplainableError(`PostgreSQL cannot plan the query (${code}): ${(error as Error).message}`, { cause: error });
      }
      throw error;
    }
  }

  private async explainRows(sql: string): Promise<unknown> {
    const { rows } = await querySingleStatement<{ 'QUERY PLAN': unknown }>(this.client, sql);
    return rows[0]?.['QUERY PLAN'];
  }

  /** The plan with the candidate added as a HypoPG hypothetical index, which is dropped again before this returns. */
  async explainWithHypotheticalIndex(statement: ExplainableStatement, candidate: IndexCandidate): Promise<{ plan: PlanNode; usesIndex: boolean }> {
    let created: { oid: string; name: string } | undefined;
    try {
      const rows = await this.query<{ oid: string; name: string }>('SELECT indexrelid::int8::text AS oid, indexname::text AS name FROM hypopg_create_index($1)', [
        hypotheticalIndexSql(candidate.relation, candidate.columns),
      ]);
      created = rows[0];
    } catch (error) {
      if (sqlStateOf(error) === '42883') throw new ExtensionMissingError(`HypoPG is not installed in this database: ${(error as Error).message}`, { cause: error });
      throw error;
    }
    if (created === undefined) throw new ExtensionMissingError('hypopg_create_index returned no index');
    try {
      const plan = await this.explain(statement);
      return { plan, usesIndex: planUsesIndex(plan, created.name) };
    } finally {
      await this.query('SELECT hypopg_drop_index($1::oid)', [created.oid]);
    }
  }
}

function isExplainable(query: string): boolean {
  try {
    explainableStatement(query);
    return true;
  } catch {
    return false;
  }
}
