import type { ActionResult, ApplyInput, UndoInput, UndoResult } from '../shared/actions/action-step.js';
import { CreateIndexConcurrentlyParamsSchema, indexParamsOf } from '../shared/actions/catalog.js';
import type { ActionExecutor } from '../shared/actions/executor.js';
import { applyAction, undoAction } from '../shared/actions/run-action-step.js';
import { MalformedEventError, OutOfScopeError } from '../shared/errors.js';
import type { CreateIndexParams, QueryStats } from '../shared/index-advisor/advisor-schemas.js';
import type { IndexApplied, IndexBefore, IndexUndone } from '../shared/postgres/index-actor.js';
import type { DatabaseReader, IndexExecutor, PostgresEdge } from '../shared/postgres/postgres-edge.js';
import { databaseOf } from '../shared/postgres/resource.js';
import type { SafetyLedger } from '../shared/safety-ledger.js';
import type { RdsPostgresScope, Scope } from '../shared/scope.js';
import type { StateStore } from '../shared/state-store.js';
import { describeParseFailure } from '../shared/parse-failure.js';

/**
 * The `createIndexConcurrently` action and its undo, in the order every
 * action follows: check the target against the deployed scope, read the
 * before-state (the table's indexes, and pg_stat_statements' counters for
 * the query, through the read-only login), record it in the attempt record
 * and the resource's safety ledger, then build. Right after the build the
 * counters are read again: the measurement's starting point.
 */

export interface CreateIndexDeps {
  readonly scope: Scope;
  readonly store: StateStore;
  readonly ledger: SafetyLedger;
  readonly edge: PostgresEdge;
  readonly clock?: () => Date;
}

/** The before-state of an index action: the actor's, plus the query counters right before the build. */
export type IndexActionBefore = IndexBefore & { stats: QueryStats[]; statsTakenAt: string };
/** What apply changed: the actor's report, plus the counters right after the build. */
export type IndexActionApplied = IndexApplied & { statsAtApply: QueryStats[]; queryId?: string };

export type CreateIndexResult = ActionResult & { action: 'createIndexConcurrently'; before: IndexActionBefore; applied: IndexActionApplied; edge: PostgresEdge['kind'] };

type Params = ReturnType<typeof CreateIndexConcurrentlyParamsSchema.parse>;

/** Validates the plan, and that it stays in the incident's database and allowed schemas, before any connection is opened. */
export function checkIndexPlan(scope: Scope, input: ApplyInput | UndoInput): { resource: RdsPostgresScope; params: Params } {
  if (input.decision.action !== 'createIndexConcurrently') {
    throw new MalformedEventError(`decision.action: CreatePostgresIndex carries out createIndexConcurrently, not ${input.decision.action}`);
  }
  const parsed = CreateIndexConcurrentlyParamsSchema.safeParse(input.decision.params);
  if (!parsed.success) throw new MalformedEventError(`invalid createIndexConcurrently params: ${describeParseFailure(parsed.error)}`);
  const params = parsed.data;
  const resource = databaseOf(scope, input.incident);
  // Said plainly here; `checkTarget` (in applyAction and undoAction) holds the same line against the scope's targets.
  if (params.database !== resource.name) throw new OutOfScopeError(`the plan names database ${params.database}, not the incident's ${resource.name}`);
  if (!resource.schemas.includes(params.schema)) throw new OutOfScopeError(`schema ${params.schema} is not one of ${resource.name}'s allowed schemas [${resource.schemas.join(', ')}]`);
  return { resource, params };
}

const includeOf = (index: CreateIndexParams) => (index.queryId === undefined ? [] : [index.queryId]);

/** The query's counters, read by the reader login: before the build and right after it, the measurement's starting point. */
interface StatsReading {
  readonly reader: DatabaseReader;
  readonly clock: () => Date;
}

/**
 * The index actor, seen through the plan's params. With a stats reading,
 * the before-state and the applied report also carry the query's
 * pg_stat_statements counters; the undo reports whether the index stays
 * (it was in place before the attempt).
 */
function indexExecutor(actor: IndexExecutor, stats?: StatsReading): ActionExecutor<Params, IndexActionBefore, IndexActionApplied> {
  const reading = (): StatsReading => {
    if (stats === undefined) throw new Error('reading the query counters needs the reader login');
    return stats;
  };
  return {
    async readBefore(params) {
      const index = indexParamsOf(params);
      const before = await actor.readBefore(index);
      const { reader, clock } = reading();
      return { ...before, stats: await reader.statsSnapshot(includeOf(index)), statsTakenAt: clock().toISOString() };
    },
    async apply(params, before, context) {
      const index = indexParamsOf(params);
      const applied = await actor.apply(index, before, context);
      const statsAtApply = await reading().reader.statsSnapshot(includeOf(index));
      return { ...applied, statsAtApply, ...(index.queryId === undefined ? {} : { queryId: index.queryId }) };
    },
    // Gone either way unless it was there before the attempt.
    undo: async (params, before, applied, context) => ({ ...(await actor.undo(indexParamsOf(params), before, applied, context)), inPlace: before.present }),
  };
}

/** Builds the index through the steps every action follows (`applyAction`): record the before-state, then act. */
export async function applyCreateIndex(input: ApplyInput, deps: CreateIndexDeps): Promise<CreateIndexResult> {
  const clock = deps.clock ?? (() => new Date());
  const { resource, params } = checkIndexPlan(deps.scope, input);
  const actor = await deps.edge.indexActor(resource);
  const reader = await deps.edge.openReader(resource);
  try {
    const result = await applyAction(
      indexExecutor(actor, { reader, clock }),
      input,
      'createIndexConcurrently',
      params,
      // This attempt built it unless it was there, valid, before the first try.
      (before, applied) => ({
        changed: !before.present,
        summary: !before.present && !applied.changed ? `index ${applied.indexName} built by an earlier try of this attempt is in place` : applied.summary,
      }),
      { ...deps, clock },
    );
    return { ...result, action: 'createIndexConcurrently', before: result.before as IndexActionBefore, applied: result.applied as IndexActionApplied, edge: deps.edge.kind };
  } finally {
    await reader.close().catch(() => undefined);
  }
}

/**
 * Drops the index this attempt built, and only that (`undoAction`): the
 * name must be the one derived from the recorded params and carry the
 * `selfheal_` prefix (`NotOurIndexError` otherwise), and an index that was
 * in place before the attempt is left alone.
 */
export async function undoCreateIndex(input: UndoInput, deps: CreateIndexDeps): Promise<UndoResult> {
  const { resource, params } = checkIndexPlan(deps.scope, input);
  const actor = await deps.edge.indexActor(resource);
  return undoAction(
    indexExecutor(actor),
    input,
    'createIndexConcurrently',
    params,
    (details) => {
      const undone = details as IndexUndone & { inPlace: boolean };
      return { undone: undone.dropped, inPlace: undone.inPlace, summary: undone.summary };
    },
    deps,
  );
}
