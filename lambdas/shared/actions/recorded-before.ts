import { isDeepStrictEqual } from 'node:util';
import { StalePlanError } from '../errors.js';
import type { StateStore } from '../state-store.js';

/**
 * The before-state an undo restores, read from the attempt record the
 * action wrote before it changed anything, never taken from the undo's
 * input: whatever travels through the workflow, the undo puts back what was
 * really there. The record must exist and be for the same action and params.
 */
export async function recordedBefore(
  store: StateStore,
  incidentId: string,
  attempt: number,
  action: string,
  params: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const record = await store.getAttempt(incidentId, attempt);
  if (record === undefined) throw new StalePlanError(`no attempt record for ${incidentId} attempt ${attempt}: nothing recorded to undo to`);
  if (record.action !== action || !isDeepStrictEqual(withoutUndefined(record.params), withoutUndefined(params))) {
    throw new StalePlanError(`attempt ${attempt} of ${incidentId} recorded ${record.action} with other params; refusing to undo what was not recorded`);
  }
  return record.before;
}

function withoutUndefined(value: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}
