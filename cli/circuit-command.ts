import type { CircuitState } from '../lambdas/shared/flap-guard.js';
import type { SafetyLedger } from '../lambdas/shared/safety-ledger.js';

export interface CircuitResetResult {
  resourceId: string;
  /** The circuit as it was before the reset. */
  was: CircuitState;
  now: CircuitState;
}

/** Resource ids are `kind/name`, as notifications and the README print them. */
const RESOURCE_ID = /^[a-z][a-z0-9-]*\/[^\s]{1,500}$/;

export class InvalidResourceIdError extends Error {
  override readonly name = 'InvalidResourceIdError';
}

export function checkResourceId(resourceId: string): string {
  if (!RESOURCE_ID.test(resourceId)) {
    throw new InvalidResourceIdError(`"${resourceId}" is not a resource id; expected kind/name, e.g. autoscaling-group/web`);
  }
  return resourceId;
}

/**
 * Closes a resource's circuit after a human has looked at it. Failures
 * before the reset stop counting, so the resource gets a fresh attempt
 * budget; the reset is recorded with who did it and when.
 */
export async function resetCircuit(ledger: SafetyLedger, resourceId: string, by: string, now: Date): Promise<CircuitResetResult> {
  const was = await ledger.resetCircuit(checkResourceId(resourceId), by, now);
  return { resourceId, was, now: await ledger.circuit(resourceId) };
}

/** One line a human reads after a reset. */
export function describeReset(result: CircuitResetResult): string {
  const before =
    result.was.status === 'open'
      ? `was open since ${result.was.openedAt ?? '?'} (${result.was.reason ?? 'no reason recorded'})`
      : 'was already closed';
  return `circuit of ${result.resourceId} closed by ${result.now.resetBy ?? '?'} at ${result.now.resetAt ?? '?'}; it ${before}`;
}
