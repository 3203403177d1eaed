import type { ActionExecutor } from '../actions/executor.js';
import type { CreateIndexParams, QueryStats } from '../index-advisor/advisor-schemas.js';
import type { RdsPostgresScope } from '../scope.js';
import type { ConnectionResolver } from './connections.js';
import { IndexActor, type IndexApplied, type IndexBefore } from './index-actor.js';
import { ReadOnlySession } from './read-only-session.js';
import { type IndexRecommendationReport, recommendIndex, type RecommendIndexOptions, type RecommendIndexRequest } from './recommend-index.js';

/**
 * What the PostgreSQL functions need from a database, and nothing more: a
 * read-only view (statistics, the advisor) and the index actor. The
 * deployed functions use `RdsPostgresEdge` (logins from Secrets Manager,
 * TLS); the local runtime installs either the same edge with a workload
 * driver against a local PostgreSQL, or an in-memory simulated database
 * (`local/simulated-database.ts`), through `installPostgresEdge`.
 */

/** A read-only session on the database; close it when done. */
export interface DatabaseReader {
  /** The busiest statements an index could help, with their text, busiest first. */
  topQueries(limit: number): Promise<QueryStats[]>;
  /** The advisor end to end (see `recommend-index.ts`). */
  recommend(request: RecommendIndexRequest, options: RecommendIndexOptions): Promise<IndexRecommendationReport>;
  /** Cumulative pg_stat_statements counters (no text) of the busiest statements and of `include`. */
  statsSnapshot(include: readonly string[]): Promise<QueryStats[]>;
  close(): Promise<void>;
}

/** The index actor as the handlers use it; `undo` returns an `IndexUndone`. */
export type IndexExecutor = ActionExecutor<CreateIndexParams, IndexBefore, IndexApplied>;

/** Timeouts of the index actor, below the CreatePostgresIndex Lambda's 900 s and the ASL's 930 s. */
export interface IndexActorTimeouts {
  readonly lockTimeoutMs: number;
  readonly buildTimeoutMs: number;
  readonly cleanupLockTimeoutMs: number;
  readonly writeRateSampleMs: number;
}

export const INDEX_ACTOR_TIMEOUTS: IndexActorTimeouts = {
  lockTimeoutMs: 5_000,
  // 13 minutes: the build, then its checks, must end inside the function's 15.
  buildTimeoutMs: 780_000,
  cleanupLockTimeoutMs: 30_000,
  writeRateSampleMs: 2_000,
};

export interface PostgresEdge {
  /** `postgres` for a real server (RDS, Aurora or local), `simulated` for the in-memory one. */
  readonly kind: 'postgres' | 'simulated';
  /** A read-only session with the resource's reader login. */
  openReader(resource: RdsPostgresScope): Promise<DatabaseReader>;
  /** The index actor with the resource's actor login; guardrails checked again right before a build. */
  indexActor(resource: RdsPostgresScope): Promise<IndexExecutor>;
}

/** Statement timeout of the reader: well inside InspectPostgres's 120 s. */
const READER_STATEMENT_TIMEOUT_MS = 15_000;

export class RdsPostgresEdge implements PostgresEdge {
  readonly kind = 'postgres' as const;

  constructor(
    private readonly connections: ConnectionResolver,
    private readonly timeouts: IndexActorTimeouts = INDEX_ACTOR_TIMEOUTS,
  ) {}

  async openReader(resource: RdsPostgresScope): Promise<DatabaseReader> {
    const connection = await this.connections.connectionFor(resource.readerSecretArn, resource.database);
    const session = await ReadOnlySession.open({ connection, statementTimeoutMs: READER_STATEMENT_TIMEOUT_MS });
    return {
      topQueries: (limit) => session.topQueries({ limit }),
      recommend: (request, options) => recommendIndex(session, request, options),
      statsSnapshot: (include) => session.queryStatsSnapshot({ include }),
      close: () => session.close(),
    };
  }

  async indexActor(resource: RdsPostgresScope): Promise<IndexExecutor> {
    const connection = await this.connections.connectionFor(resource.actorSecretArn, resource.database);
    return new IndexActor({ connection, guardrails: resource.indexGuardrails, ...this.timeouts });
  }
}

/**
 * Where an installed edge is kept: on the global object, under a registered
 * symbol, so a test runner that loads the handler modules afresh (module
 * registry reset) still finds the edge the runtime installed.
 */
const INSTALLED_EDGE = Symbol.for('self-heal.postgres-edge');
type EdgeHolder = { [INSTALLED_EDGE]?: PostgresEdge };

/**
 * Replaces the edge every PostgreSQL function uses, for the local runtime
 * and tests (as aws-sdk-client-mock replaces the AWS clients); `undefined`
 * restores the default. Never called in AWS.
 */
export function installPostgresEdge(edge: PostgresEdge | undefined): void {
  if (edge === undefined) delete (globalThis as EdgeHolder)[INSTALLED_EDGE];
  else (globalThis as EdgeHolder)[INSTALLED_EDGE] = edge;
}

/** The installed edge, or the default one. */
export function postgresEdge(defaultEdge: () => PostgresEdge): PostgresEdge {
  return (globalThis as EdgeHolder)[INSTALLED_EDGE] ?? defaultEdge();
}
