/**
 * Named errors of the index advisor and its database edge. As in
 * `../errors.ts`, each class name is exactly the string a Step Functions
 * `Catch` matches in `ErrorEquals`. Stale targets and missing tables use the
 * shared `StalePlanError` and `TargetNotFoundError`.
 */

/** `EXPLAIN (FORMAT JSON)` output was not the shape PostgreSQL produces; nothing was decided from it. */
export class ExplainPlanParseError extends Error {
  override readonly name = 'ExplainPlanParseError';
}

/** The query cannot be planned safely (not a SELECT/WITH/UPDATE/DELETE, or the server refused to plan it). */
export class QueryNotExplainableError extends Error {
  override readonly name = 'QueryNotExplainableError';
}

/** The index is not one this system created (by its name), so it may not be dropped by it. */
export class NotOurIndexError extends Error {
  override readonly name = 'NotOurIndexError';
}

/**
 * `CREATE INDEX CONCURRENTLY` failed or left an INVALID index. `leftInvalid`
 * says whether the invalid index is still there (its cleanup failed too);
 * undo, or the next attempt, drops it, since it carries our name.
 */
export class IndexBuildFailedError extends Error {
  override readonly name = 'IndexBuildFailedError';
  constructor(
    message: string,
    readonly indexName: string,
    readonly leftInvalid: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The guardrails refuse an index on this table now (size, write rate, index count, maintenance window). */
export class IndexGuardrailError extends Error {
  override readonly name = 'IndexGuardrailError';
  constructor(
    message: string,
    readonly reasons: readonly string[],
  ) {
    super(message);
  }
}
