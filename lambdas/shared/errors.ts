/**
 * Named errors. Each class name is exactly the string a Step Functions
 * `Retry` or `Catch` matches in `ErrorEquals`, so keep them in sync with
 * `statemachines/remediate-incident.asl.json`.
 */

/** The input is not what this handler accepts; nothing was changed. */
export class MalformedEventError extends Error {
  override readonly name = 'MalformedEventError';
}

/** Another run holds the resource's lease. */
export class LeaseHeldError extends Error {
  override readonly name = 'LeaseHeldError';
}

/** The resource is in its cooldown after an earlier remediation. */
export class CooldownActiveError extends Error {
  override readonly name = 'CooldownActiveError';
}

/** An AWS call failed in a way that is worth retrying (throttling, 5xx, network). */
export class TransientAwsError extends Error {
  override readonly name = 'TransientAwsError';
}

/** The requested change falls outside what the resource's scope allows. */
export class OutOfScopeError extends Error {
  override readonly name = 'OutOfScopeError';
}

/** The target changed between the decision and the action; the plan no longer applies. */
export class StalePlanError extends Error {
  override readonly name = 'StalePlanError';
}

/** The resource the incident names does not exist (any more). */
export class TargetNotFoundError extends Error {
  override readonly name = 'TargetNotFoundError';
}

/** The resource's circuit breaker is open: automation is stopped until a human resets it. */
export class CircuitOpenError extends Error {
  override readonly name = 'CircuitOpenError';
}

/** The resource has used its attempt budget for the window. */
export class AttemptBudgetExhaustedError extends Error {
  override readonly name = 'AttemptBudgetExhaustedError';
}

/** The plan would reverse a recent action, or push again what someone else reverted; the circuit is opened. */
export class PingPongDetectedError extends Error {
  override readonly name = 'PingPongDetectedError';
}

/** The plan repeats an action this incident already undid because it did not help. */
export class UndoneFixRepeatedError extends Error {
  override readonly name = 'UndoneFixRepeatedError';
}
