import { causeMessage } from '../shared/step-functions-errors.js';

/** The parts of the workflow's state that say why automation stopped. */
export interface EscalationState {
  error?: { Error?: string; Cause?: string };
  decision?: { action?: string; rationale?: string };
  verification?: { healthy?: boolean; summary?: string };
  attempt?: { number?: number };
  context?: { limits?: { maxAttempts?: number; cooldownSeconds?: number } };
  action?: { changed?: boolean };
}

/** Why the incident is being handed to a human, in one sentence. */
export function explainEscalation(state: EscalationState): string {
  if (state.error?.Error !== undefined) {
    return `the workflow failed with ${state.error.Error}: ${causeMessage(state.error.Cause)}`;
  }
  if (state.decision?.action === 'escalateOnly') {
    return `no safe automatic action: ${state.decision.rationale ?? 'no reason given'}`;
  }
  if (state.verification !== undefined && state.verification.healthy !== true) {
    const attempts = state.attempt?.number ?? 0;
    const budget = state.context?.limits?.maxAttempts;
    return `still unhealthy after ${attempts} attempt(s)${budget === undefined ? '' : ` of ${budget}`}: ${state.verification.summary ?? 'no summary'}`;
  }
  return 'automation stopped without a recorded reason';
}
