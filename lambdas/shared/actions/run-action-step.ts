import { MalformedEventError } from '../errors.js';
import type { SafetyLedger } from '../safety-ledger.js';
import type { Scope } from '../scope.js';
import type { StateStore } from '../state-store.js';
import { checkTarget } from './check-target.js';
import { recordedBefore } from './recorded-before.js';
import type { ActionResult, ApplyInput, UndoInput, UndoResult } from './action-step.js';
import { ACTIONS, type ActionName, parseActionParams } from './catalog.js';
import type { ActionExecutor } from './executor.js';

type Json = Record<string, unknown>;

export interface ActionStepDeps {
  /** The deployed scope: the action re-checks its target against it before any call. */
  readonly scope: Scope;
  readonly store: StateStore;
  readonly ledger: SafetyLedger;
  /** @default () => new Date() */
  readonly clock?: () => Date;
}

/** What the action says about its own change, beyond the common fields. */
export interface ApplyReport {
  readonly changed: boolean;
  readonly summary: string;
}

/** Validates the plan's params against the catalog for the action this function carries out. */
export function paramsFor(input: ApplyInput | UndoInput, accepted: readonly ActionName[]): { action: ActionName; params: Json } {
  const action = input.decision.action;
  if (!accepted.includes(action)) throw new MalformedEventError(`decision.action: this function carries out ${accepted.join(', ')}, not ${action}`);
  const parsed = parseActionParams(action, input.decision.params);
  if (!parsed.ok) throw new MalformedEventError(`invalid ${action} params: ${parsed.error}`);
  return { action, params: parsed.params };
}

/**
 * The order every action follows: read the before-state, record it (and the
 * action in the resource's safety ledger) before anything changes, then
 * apply. A retry of the same attempt finds the first record and applies
 * against the before-state recorded then, so the undo always restores what
 * was there before the first try.
 */
export async function applyAction<TParams, TBefore extends object, TApplied extends object>(
  executor: ActionExecutor<TParams, TBefore, TApplied>,
  input: ApplyInput,
  action: ActionName,
  params: Json,
  report: (before: TBefore, applied: TApplied) => ApplyReport,
  deps: ActionStepDeps,
): Promise<ActionResult> {
  const clock = deps.clock ?? (() => new Date());
  const { incident, attempt } = input;
  checkTarget(deps.scope, incident, action, params);
  const target = (ACTIONS[action].targetOf as (params: Json) => string)(params);
  const before = await executor.readBefore(params as TParams);
  const recorded = await deps.store.recordAttempt(
    { incidentId: incident.incidentId, attempt, action, params, before: before as Json, startedAt: clock().toISOString(), executionId: input.executionId },
    clock(),
  );
  await deps.ledger.recordAction(
    incident.resource.id,
    { incidentId: incident.incidentId, attempt, action, target, at: recorded.startedAt, result: 'pending' },
    clock(),
  );
  const firstBefore = recorded.before as TBefore;
  const applied = await executor.apply(params as TParams, firstBefore, {
    incidentId: incident.incidentId,
    attempt,
    reason: input.decision.rationale,
    now: clock(),
  });
  const { changed, summary } = report(firstBefore, applied);
  return {
    attempt,
    action,
    target,
    changed,
    // When the change began (the first try's, on a retry): verification judges every alarm transition from then on.
    actedAt: recorded.startedAt,
    summary,
    undoable: ACTIONS[action].reversible,
    before: firstBefore as Json,
    applied: applied as Json,
  };
}

/**
 * Reverses what apply changed, and records that the attempt was undone in
 * the resource's ledger (an undone attempt counts as a failure for the
 * circuit breaker, and is not ping-pong when the inverse follows).
 */
export async function undoAction<TParams, TBefore extends object, TApplied extends object>(
  executor: ActionExecutor<TParams, TBefore, TApplied>,
  input: UndoInput,
  action: ActionName,
  params: Json,
  report: (details: Json) => { undone: boolean; inPlace: boolean; summary: string },
  deps: ActionStepDeps,
): Promise<UndoResult> {
  const clock = deps.clock ?? (() => new Date());
  const { incident, attempt } = input;
  checkTarget(deps.scope, incident, action, params);
  const before = await recordedBefore(deps.store, incident.incidentId, attempt, action, params);
  const details = await executor.undo(params as TParams, before as TBefore, input.action.applied as TApplied, { incidentId: incident.incidentId, now: clock() });
  const { undone, inPlace, summary } = report(details);
  // Only a reversed action is `undone` in the ledger; one left standing still counts as in place.
  if (!inPlace) await deps.ledger.setResult(incident.resource.id, incident.incidentId, attempt, 'undone', clock());
  return { action, target: input.action.target, undone, inPlace, summary, undoneAt: clock().toISOString(), details };
}
