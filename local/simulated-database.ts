import type { ApplyContext, UndoContext } from '../lambdas/shared/actions/executor.js';
import { TargetNotFoundError } from '../lambdas/shared/errors.js';
import {
  type CreateIndexParams,
  type ExistingIndex,
  type IndexRecommendation,
  type QueryStats,
  type Relation,
  type TableStats,
} from '../lambdas/shared/index-advisor/advisor-schemas.js';
import { coversCandidate } from '../lambdas/shared/index-advisor/coverage.js';
import { checkGuardrails } from '../lambdas/shared/index-advisor/guardrails.js';
import { IndexGuardrailError } from '../lambdas/shared/index-advisor/index-advisor-errors.js';
import { createIndexSql, dropIndexSql } from '../lambdas/shared/index-advisor/index-ddl.js';
import { indexNameFor } from '../lambdas/shared/index-advisor/index-name.js';
import { assertRecordedIndex, type IndexApplied, type IndexBefore, type IndexUndone, planIndex, undoPrecondition } from '../lambdas/shared/postgres/index-actor.js';
import type { DatabaseReader, IndexExecutor, PostgresEdge } from '../lambdas/shared/postgres/postgres-edge.js';
import type { IndexRecommendationReport, RecommendIndexOptions, RecommendIndexRequest } from '../lambdas/shared/postgres/recommend-index.js';
import type { RdsPostgresScope } from '../lambdas/shared/scope.js';

/**
 * An in-memory PostgreSQL for the local runtime and the tests, behind the
 * same edge the PostgreSQL functions use: tables with their indexes, and
 * an application that keeps running its queries. Each read of the query
 * statistics is a moment later: every query has run `callsPerRead` more
 * times, at its speed without or with the index that serves it. The
 * advisor's part is a model (the planner cost drop is declared per query,
 * as HypoPG would estimate it); the index's DDL, naming, guardrails and
 * "undo only our own" rules are the real ones.
 */

export interface SimulatedQuery {
  readonly queryId: string;
  /** Normalized text, as pg_stat_statements keeps it. */
  readonly text: string;
  readonly relation: Relation;
  /** The columns an index needs for this query, in order. */
  readonly indexColumns: readonly string[];
  /** Mean time without the index, and with it in place. */
  readonly meanMs: number;
  readonly meanMsWithIndex: number;
  /** HypoPG's planner cost drop with the index: what the advisor sees (it may be wrong about the real effect). */
  readonly plannedCostReduction: number;
  /** @default 25 */
  readonly callsPerRead?: number;
}

export interface SimulatedTable {
  readonly relation: Relation;
  readonly rows: number;
  readonly bytes: number;
  /** Rows written per second, for the guardrails. @default 10 */
  readonly writesPerSecond?: number;
  /** Index names and key columns it has (its primary key, say). */
  readonly indexes?: ReadonlyArray<{ name: string; columns: string[] }>;
}

export interface SimulatedDatabaseProps {
  readonly tables: readonly SimulatedTable[];
  readonly queries: readonly SimulatedQuery[];
  /** Calls already counted when the world starts. @default callsPerRead of each query */
  readonly now?: () => Date;
}

interface Counters {
  calls: number;
  totalExecTimeMs: number;
}

export class SimulatedDatabase implements PostgresEdge {
  readonly kind = 'simulated' as const;
  /** Every DDL statement run, in order. */
  readonly ddl: string[] = [];
  private readonly indexes = new Map<string, ExistingIndex[]>();
  private readonly counters = new Map<string, Counters>();
  private readonly tables = new Map<string, SimulatedTable>();
  private readonly now: () => Date;

  constructor(private readonly props: SimulatedDatabaseProps) {
    this.now = props.now ?? (() => new Date());
    for (const table of props.tables) {
      const key = keyOf(table.relation);
      this.tables.set(key, table);
      this.indexes.set(
        key,
        (table.indexes ?? []).map((index) => ({ relation: table.relation, name: index.name, columns: index.columns, method: 'btree', valid: true, unique: false, partial: false })),
      );
    }
    for (const query of props.queries) this.counters.set(query.queryId, { calls: 0, totalExecTimeMs: 0 });
    this.runWorkload();
  }

  /** The indexes a table has now. */
  indexesOf(relation: Relation): ExistingIndex[] {
    return [...(this.indexes.get(keyOf(relation)) ?? [])];
  }

  /** The application runs each query `callsPerRead` times, at the speed the indexes give it now. */
  runWorkload(): void {
    for (const query of this.props.queries) {
      const served = this.indexesOf(query.relation).some((index) => coversCandidate(index, { relation: query.relation, columns: [...query.indexColumns], reasons: ['filter-equality'] }));
      const calls = query.callsPerRead ?? 25;
      const counters = this.counters.get(query.queryId)!;
      counters.calls += calls;
      counters.totalExecTimeMs += calls * (served ? query.meanMsWithIndex : query.meanMs);
    }
  }

  private stats(withText: boolean): QueryStats[] {
    return this.props.queries
      .map((query) => ({ queryId: query.queryId, ...(withText ? { query: query.text } : {}), ...this.counters.get(query.queryId)! }))
      .sort((a, b) => b.totalExecTimeMs - a.totalExecTimeMs);
  }

  private table(relation: Relation): SimulatedTable {
    const table = this.tables.get(keyOf(relation));
    if (table === undefined) throw new TargetNotFoundError(`table ${keyOf(relation)} does not exist`);
    return table;
  }

  tableStats(relation: Relation): TableStats {
    const table = this.table(relation);
    return {
      relation,
      seqScan: 0,
      idxScan: 0,
      nTupIns: 0,
      nTupUpd: 0,
      nTupDel: 0,
      liveTuples: table.rows,
      totalBytes: table.bytes,
      indexCount: this.indexesOf(relation).length,
      partitioned: false,
      sampledAt: this.now().toISOString(),
    };
  }

  private recommend(request: RecommendIndexRequest, options: RecommendIndexOptions): IndexRecommendationReport {
    const query = this.props.queries.find((candidate) => candidate.queryId === request.queryId);
    if (query === undefined) throw new TargetNotFoundError(`pg_stat_statements has no query ${request.queryId ?? '?'} in this database`);
    const statsSnapshot = this.stats(false);
    const covered = this.indexesOf(query.relation).some((index) => coversCandidate(index, { relation: query.relation, columns: [...query.indexColumns], reasons: ['filter-equality'] }));
    const minCostReduction = options.choose?.minCostReduction ?? 0.5;
    const queries = [{ queryId: query.queryId, query: query.text }];
    if (covered || query.plannedCostReduction < minCostReduction) {
      return { queries, statsSnapshot, summary: covered ? `an index already serves query ${query.queryId}` : `no index cuts query ${query.queryId}'s planner cost enough` };
    }
    const table = this.tableStats(query.relation);
    const writesPerSecond = this.table(query.relation).writesPerSecond ?? 10;
    const guardrails = checkGuardrails({ table, writesPerSecond, now: options.now?.() ?? this.now() }, options.guardrails);
    const indexName = indexNameFor(query.relation, query.indexColumns);
    const baselineCost = Math.round(table.liveTuples * 0.0125 + 5_000);
    const recommendation: IndexRecommendation = {
      relation: query.relation,
      columns: [...query.indexColumns],
      reasons: ['filter-equality'],
      indexName,
      createSql: createIndexSql(query.relation, query.indexColumns, indexName),
      baselineCost,
      hypotheticalCost: baselineCost * (1 - query.plannedCostReduction),
      costReduction: query.plannedCostReduction,
      params: { schema: query.relation.schema, table: query.relation.table, columns: [...query.indexColumns], queryId: query.queryId },
    };
    const what = `${indexName} on ${keyOf(query.relation)} (${query.indexColumns.join(', ')}), planner cost -${Math.floor(query.plannedCostReduction * 100)}%`;
    return {
      ...(guardrails.allowed ? { recommendation } : {}),
      queries,
      table,
      writesPerSecond,
      guardrails,
      statsSnapshot,
      summary: guardrails.allowed ? `recommend ${what}` : `${what} refused: ${guardrails.findings.map((finding) => finding.reason).join(', ')}`,
    };
  }

  async openReader(_resource: RdsPostgresScope): Promise<DatabaseReader> {
    return {
      topQueries: async (limit) => {
        this.runWorkload();
        return this.stats(true).slice(0, limit);
      },
      recommend: async (request, options) => this.recommend(request, options),
      statsSnapshot: async () => {
        this.runWorkload();
        return this.stats(false);
      },
      close: async () => undefined,
    };
  }

  async indexActor(resource: RdsPostgresScope): Promise<IndexExecutor> {
    return new SimulatedIndexActor(this, resource);
  }

  /** Runs the DDL of the actor against the in-memory catalog. */
  createIndex(relation: Relation, columns: readonly string[], indexName: string): void {
    this.ddl.push(createIndexSql(relation, columns, indexName));
    this.indexes.get(keyOf(relation))!.push({ relation, name: indexName, columns: [...columns], method: 'btree', valid: true, unique: false, partial: false });
  }

  dropIndex(relation: Relation, indexName: string): boolean {
    this.ddl.push(dropIndexSql(relation.schema, indexName));
    const indexes = this.indexes.get(keyOf(relation))!;
    const position = indexes.findIndex((index) => index.name === indexName);
    if (position < 0) return false;
    indexes.splice(position, 1);
    return true;
  }
}

const keyOf = (relation: Relation) => `${relation.schema}.${relation.table}`;

/** The index actor's rules (own names, concurrent DDL, guardrails right before the build, undo only what this attempt built) on the simulated catalog. */
class SimulatedIndexActor implements IndexExecutor {
  constructor(
    private readonly database: SimulatedDatabase,
    private readonly resource: RdsPostgresScope,
  ) {}

  async readBefore(input: CreateIndexParams): Promise<IndexBefore> {
    const { relation, indexName } = planIndex(input);
    const table = this.database.tableStats(relation);
    const indexes = this.database.indexesOf(relation);
    return { relation, indexName, present: indexes.some((index) => index.name === indexName), invalidLeftover: false, indexes, table };
  }

  async apply(input: CreateIndexParams, before: IndexBefore, context?: ApplyContext): Promise<IndexApplied> {
    const planned = planIndex(input);
    assertRecordedIndex(planned, before);
    const { params, relation, indexName } = planned;
    const createSql = createIndexSql(relation, params.columns, indexName);
    if (this.database.indexesOf(relation).some((index) => index.name === indexName)) {
      return { indexName, schema: relation.schema, changed: false, outcome: 'already-present', createSql, summary: `index ${indexName} was already in place` };
    }
    const verdict = checkGuardrails({ table: this.database.tableStats(relation), writesPerSecond: 10, now: context?.now ?? new Date() }, this.resource.indexGuardrails);
    if (!verdict.allowed) throw new IndexGuardrailError(`not building on ${relation.schema}.${relation.table}`, verdict.findings.map((finding) => finding.reason));
    this.database.createIndex(relation, params.columns, indexName);
    return {
      indexName,
      schema: relation.schema,
      changed: true,
      outcome: 'created',
      createSql,
      buildMs: 1_200,
      indexBytes: 4_399_104,
      summary: `built index ${indexName} on ${relation.schema}.${relation.table} (${params.columns.join(', ')}) in 1.2 s`,
    };
  }

  async undo(input: CreateIndexParams, before: IndexBefore, applied: IndexApplied, _context?: UndoContext): Promise<IndexUndone> {
    const planned = planIndex(input);
    const leftInPlace = undoPrecondition(planned, before, applied);
    if (leftInPlace !== undefined) return leftInPlace;
    const { params, relation, indexName } = planned;
    const dropped = this.database.dropIndex(relation, indexName);
    return { dropped, indexName, summary: dropped ? `dropped index ${indexName} on ${relation.schema}.${relation.table} (${params.columns.join(', ')})` : `index ${indexName} was already gone` };
  }
}

/** The mean time a query runs at now, given the indexes in place. */
export function currentMeanMs(database: SimulatedDatabase, query: SimulatedQuery): number {
  const served = database.indexesOf(query.relation).some((index) => coversCandidate(index, { relation: query.relation, columns: [...query.indexColumns], reasons: ['filter-equality'] }));
  return served ? query.meanMsWithIndex : query.meanMs;
}
