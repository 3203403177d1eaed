/**
 * How the workflow carries out one catalog action. Every implementation
 * follows the same order: read the before-state (and let the workflow record
 * it), then apply, then (when verification fails) undo. Each step returns
 * plain JSON, because it travels through the state machine.
 */

/** Who is acting, on which attempt, and why; the same incident and attempt always mean the same change. */
export interface ApplyContext {
  readonly incidentId: string;
  readonly attempt: number;
  /** Why the action is taken: the decision's rationale or an evidence summary, kept with the change. */
  readonly reason: string;
  readonly now: Date;
}

export interface UndoContext {
  readonly incidentId: string;
  readonly now: Date;
}

export interface ActionExecutor<TParams, TBefore, TApplied> {
  /** Reads the target as it is now, for the audit record; changes nothing. */
  readBefore(params: TParams): Promise<TBefore>;
  /** Makes the change. Calling it again for the same incident and attempt changes nothing more. */
  apply(params: TParams, before: TBefore, context: ApplyContext): Promise<TApplied>;
  /** Reverses what `apply` changed, and only that; calling it again changes nothing more. */
  undo(params: TParams, before: TBefore, applied: TApplied, context: UndoContext): Promise<Record<string, unknown>>;
}
