import { StalePlanError } from '../errors.js';
import { callKube, isConflict } from './kube-client.js';

/** What to do with the object as read now. */
export type WriteDecision<TResult> =
  /** The object already shows the change (a retry of our own write): nothing to send. */
  | { readonly done: TResult }
  /** Send this write; it carries the resourceVersion of the object the decision was made on. */
  | { readonly write: (resourceVersion: string) => Promise<TResult> };

/** Conflicts tolerated before giving up; each one means someone else wrote in between. */
export const MAX_CONFLICTS = 3;

/**
 * Read, decide, write with the read resourceVersion as precondition. A 409
 * means the object changed between the read and the write: read it again
 * and decide again, so a change by someone else is judged (and refused by
 * `decide` with a named error) instead of overwritten. Refuses with
 * `StalePlanError` when the object keeps changing.
 */
export async function writeOptimistically<TObject extends { metadata?: { resourceVersion?: string } }, TResult>(options: {
  readonly operation: string;
  readonly read: () => Promise<TObject>;
  readonly decide: (current: TObject) => WriteDecision<TResult>;
}): Promise<TResult> {
  for (let conflicts = 0; conflicts < MAX_CONFLICTS; conflicts++) {
    const current = await options.read();
    const decision = options.decide(current);
    if ('done' in decision) return decision.done;
    const resourceVersion = current.metadata?.resourceVersion;
    if (resourceVersion === undefined) throw new Error(`${options.operation}: the object read has no resourceVersion`);
    try {
      return await callKube(options.operation, () => decision.write(resourceVersion), { conflict: 'raw' });
    } catch (error) {
      if (!isConflict(error)) throw error;
    }
  }
  throw new StalePlanError(`${options.operation}: the object kept changing (${MAX_CONFLICTS} conflicts in a row); not overwriting it`);
}
