import { causeMessage } from '../shared/step-functions-errors.js';

/** The parts of the workflow's state that say why automation stopped. */
export interface EscalationState {
  error?: { Error?: string; Cause?: string };
  decision?: { action?: string; rationale?: string; target?: string; source?: string };
  policy?: { allowed?: boolean; reasons?: string[]; summary?: string };
  verification?: { healthy?: boolean; summary?: string; undo?: boolean; verdict?: string };
  /** What the undo step did; absent when it never ran, `undone: false` when nothing was reversed. */
  undo?: { undone?: boolean; summary?: string } | null;
  attempt?: { number?: number };
  context?: { limits?: { maxAttempts?: number; cooldownSeconds?: number; flapGuard?: unknown } };
  attemptResult?: { circuit?: string; circuitOpened?: boolean; reason?: string; failuresInWindow?: number };
  action?: { changed?: boolean };
  approval?: unknown;
}

/** Why the incident is being handed to a human, in one sentence. */
export function explainEscalation(state: EscalationState): string {
  if (state.error?.Error === 'ApprovalRejected') {
    return `a human rejected the plan: ${causeMessage(state.error.Cause)}`;
  }
  if (state.error?.Error === 'States.Timeout' && state.policy?.allowed === true && state.approval === undefined) {
    return 'nobody approved the plan before the approval timed out';
  }
  if (state.error?.Error === 'CircuitOpenError') {
    return `automation is stopped for this resource: ${causeMessage(state.error.Cause)}`;
  }
  if (state.error?.Error === 'AttemptBudgetExhaustedError') {
    return `the resource has used its attempt budget: ${causeMessage(state.error.Cause)}`;
  }
  if (state.error?.Error === 'PingPongDetectedError') {
    return `flapping stopped: ${causeMessage(state.error.Cause)}`;
  }
  if (state.error?.Error === 'UndoneFixRepeatedError') {
    const why = state.verification?.summary === undefined ? '' : ` (${state.verification.summary})`;
    return `the fix failed verification${why} and was undone${undoneText(state)}; the next plan repeats it, which would be flapping: ${causeMessage(state.error.Cause)}`;
  }
  if (state.error?.Error === 'GitOpsManagedError') {
    return `the workload is managed by GitOps, so the fix belongs in git, not in the cluster: ${causeMessage(state.error.Cause)}`;
  }
  if (state.error?.Error !== undefined && state.verification?.undo === true && state.undo === undefined) {
    return `the action failed verification and undoing it failed too (${state.error.Error}: ${causeMessage(state.error.Cause)}); check the target by hand — ${state.verification.summary ?? ''}`;
  }
  if (state.error?.Error !== undefined) {
    return `the workflow failed with ${state.error.Error}: ${causeMessage(state.error.Cause)}`;
  }
  if (state.policy?.allowed === false) {
    return `the policy denied the plan (${state.decision?.action ?? '?'} on ${state.decision?.target ?? '?'}): ${(state.policy.reasons ?? []).join('; ')}`;
  }
  if (state.decision?.action === 'escalateOnly') {
    return `no safe automatic action: ${state.decision.rationale ?? 'no reason given'}`;
  }
  if (state.attemptResult?.circuit === 'open' && state.verification?.healthy !== true) {
    return `the fix does not stick, the circuit is open: ${state.attemptResult.reason ?? 'too many failed remediations'}`;
  }
  if (state.verification !== undefined && state.verification.healthy !== true) {
    const attempts = state.attempt?.number ?? 0;
    const budget = state.context?.limits?.maxAttempts;
    return `still unhealthy after ${attempts} attempt(s)${budget === undefined ? '' : ` of ${budget}`}: ${state.verification.summary ?? 'no summary'}${undoneText(state)}`;
  }
  return 'automation stopped without a recorded reason';
}

/** `; undone: …` when the last action was reversed. */
function undoneText(state: EscalationState): string {
  return state.undo?.undone === true ? `; undone: ${state.undo.summary ?? 'the action was reversed'}` : '';
}
