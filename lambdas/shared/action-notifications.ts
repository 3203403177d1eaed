import type { ActionResult, ApplyInput, UndoInput, UndoResult } from './actions/action-step.js';
import { notify, type NotifyResult } from './notify.js';

/** Tells the topic that an action step changed its target (best effort: see `notify`). */
export function notifyActionTaken(input: Pick<ApplyInput, 'incident' | 'decision' | 'executionId'>, result: ActionResult): Promise<NotifyResult> {
  return notify({
    type: 'action-taken',
    incidentId: input.incident.incidentId,
    resourceId: input.incident.resource.id,
    summary: result.summary,
    executionArn: input.executionId,
    details: {
      action: result.action,
      target: result.target,
      attempt: result.attempt,
      source: input.decision.source,
      rationale: input.decision.rationale,
      before: result.before,
      applied: result.applied,
    },
  });
}

/** Tells the topic that an action step reversed its own change after verification failed (best effort). */
export function notifyActionUndone(input: Pick<UndoInput, 'incident' | 'attempt' | 'reason' | 'executionId'>, result: UndoResult): Promise<NotifyResult> {
  return notify({
    type: 'action-undone',
    incidentId: input.incident.incidentId,
    resourceId: input.incident.resource.id,
    summary: result.summary,
    executionArn: input.executionId,
    details: { action: result.action, target: result.target, attempt: input.attempt, ...(input.reason === undefined ? {} : { reason: input.reason }) },
  });
}
