import type { ActionResult, ApplyInput, UndoInput, UndoResult } from '../shared/actions/action-step.js';
import { ACTIONS, CreateIndexConcurrentlyParamsSchema, indexParamsOf, targetAllowedBy } from '../shared/actions/catalog.js';
import { recordedBefore } from '../shared/actions/recorded-before.js';
import { MalformedEventError, OutOfScopeError } from '../shared/errors.js';
import type { CreateIndexParams, QueryStats } from '../shared/index-advisor/advisor-schemas.js';
import type { IndexApplied, IndexBefore, IndexUndone } from '../shared/postgres/index-actor.js';
import type { PostgresEdge } from '../shared/postgres/postgres-edge.js';
import { databaseOf } from '../shared/postgres/resource.js';
import type { SafetyLedger } from '../shared/safety-ledger.js';
import { allowedTargetsOf, type RdsPostgresScope, type Scope } from '../shared/scope.js';
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

/** Validates the plan and re-checks its target against the deployed scope, before any call. */
export function checkIndexPlan(scope: Scope, input: ApplyInput | UndoInput): { resource: RdsPostgresScope; params: Params; index: CreateIndexParams; target: string } {
  if (input.decision.action !== 'createIndexConcurrently') {
    throw new MalformedEventError(`decision.action: CreatePostgresIndex carries out createIndexConcurrently, not ${input.decision.action}`);
  }
  const parsed = CreateIndexConcurrentlyParamsSchema.safeParse(input.decision.params);
  if (!parsed.success) throw new MalformedEventError(`invalid createIndexConcurrently params: ${describeParseFailure(parsed.error)}`);
  const params = parsed.data;
  const resource = databaseOf(scope, input.incident);
  const target = ACTIONS.createIndexConcurrently.targetOf(params);
  if (params.database !== resource.name) throw new OutOfScopeError(`the plan names database ${params.database}, not the incident's ${resource.name}`);
  if (!resource.schemas.includes(params.schema)) throw new OutOfScopeError(`schema ${params.schema} is not one of ${resource.name}'s allowed schemas [${resource.schemas.join(', ')}]`);
  if (!targetAllowedBy(allowedTargetsOf(resource), target)) throw new OutOfScopeError(`${target} is not a target ${input.incident.resource.id} allows`);
  return { resource, params, index: indexParamsOf(params), target };
}

const includeOf = (index: CreateIndexParams) => (index.queryId === undefined ? [] : [index.queryId]);

export async function applyCreateIndex(input: ApplyInput, deps: CreateIndexDeps): Promise<CreateIndexResult> {
  const clock = deps.clock ?? (() => new Date());
  const { incident, attempt } = input;
  const { resource, params, index, target } = checkIndexPlan(deps.scope, input);
  const actor = await deps.edge.indexActor(resource);
  const reader = await deps.edge.openReader(resource);
  try {
    const indexBefore = await actor.readBefore(index);
    const stats = await reader.statsSnapshot(includeOf(index));
    const before: IndexActionBefore = { ...indexBefore, stats, statsTakenAt: clock().toISOString() };
    const recorded = await deps.store.recordAttempt(
      { incidentId: incident.incidentId, attempt, action: 'createIndexConcurrently', params, before, startedAt: clock().toISOString(), executionId: input.executionId },
      clock(),
    );
    await deps.ledger.recordAction(
      incident.resource.id,
      { incidentId: incident.incidentId, attempt, action: 'createIndexConcurrently', target, at: recorded.startedAt, result: 'pending' },
      clock(),
    );
    // A retry builds against what the first try recorded, so the undo restores what was there before the first.
    const firstBefore = recorded.before as IndexActionBefore;
    const applied = await actor.apply(index, firstBefore, { incidentId: incident.incidentId, attempt, reason: input.decision.rationale, now: clock() });
    const statsAtApply = await reader.statsSnapshot(includeOf(index));
    // This attempt built it unless it was there, valid, before the first try.
    const changed = !firstBefore.present;
    return {
      attempt,
      action: 'createIndexConcurrently',
      target,
      changed,
      actedAt: recorded.startedAt,
      summary: changed && !applied.changed ? `index ${applied.indexName} built by an earlier try of this attempt is in place` : applied.summary,
      undoable: ACTIONS.createIndexConcurrently.reversible,
      before: firstBefore,
      applied: { ...applied, statsAtApply, ...(index.queryId === undefined ? {} : { queryId: index.queryId }) },
      edge: deps.edge.kind,
    };
  } finally {
    await reader.close().catch(() => undefined);
  }
}

/**
 * Drops the index this attempt built, and only that: the name must be the
 * one derived from the recorded params and carry the `selfheal_` prefix
 * (`NotOurIndexError` otherwise), and an index that was in place before the
 * attempt is left alone.
 */
export async function undoCreateIndex(input: UndoInput, deps: CreateIndexDeps): Promise<UndoResult> {
  const clock = deps.clock ?? (() => new Date());
  const { incident, attempt } = input;
  const { resource, params, index } = checkIndexPlan(deps.scope, input);
  const before = (await recordedBefore(deps.store, incident.incidentId, attempt, 'createIndexConcurrently', params)) as IndexActionBefore;
  const actor = await deps.edge.indexActor(resource);
  const details = (await actor.undo(index, before, input.action.applied as IndexApplied, { incidentId: incident.incidentId, now: clock() })) as IndexUndone;
  // Gone either way unless it was there before the attempt.
  const inPlace = before.present;
  if (!inPlace) await deps.ledger.setResult(incident.resource.id, incident.incidentId, attempt, 'undone', clock());
  return {
    action: 'createIndexConcurrently',
    target: input.action.target,
    undone: details.dropped,
    inPlace,
    summary: details.summary,
    undoneAt: clock().toISOString(),
    details: { indexName: details.indexName, dropped: details.dropped },
  };
}
