import { causeMessage } from '../shared/step-functions-errors.js';
import type { ActionResult } from '../shared/actions/action-step.js';
import type { Decision, Outcome, PolicyVerdict, Verification } from '../shared/workflow.js';

export interface OutcomeFacts {
  outcome: Exclude<Outcome, 'escalated' | 'recommended'>;
  decision?: Decision;
  action?: ActionResult;
  verification?: Verification;
  skip?: { Error?: string; Cause?: string };
  policy?: PolicyVerdict;
  attempt?: number;
}

/** One line a human can read in the incident list. */
export function describeOutcome(facts: OutcomeFacts): string {
  switch (facts.outcome) {
    case 'resolved': {
      const action = facts.action;
      const change = action?.summary ?? 'no action recorded';
      return `resolved after ${facts.attempt ?? 1} attempt(s): ${change}; ${facts.verification?.summary ?? 'verified'}`;
    }
    case 'skipped':
      return `skipped: ${causeMessage(facts.skip?.Cause)}`;
    case 'observed': {
      const plan = facts.decision === undefined ? 'act' : `${facts.decision.action} on ${facts.decision.target}`;
      const source = facts.decision === undefined ? '' : ` [${facts.decision.source}${facts.decision.runbookId ? `:${facts.decision.runbookId}` : ''}]`;
      return `observed: would ${plan}${source}: ${facts.decision?.rationale ?? ''}${facts.policy ? ` (${facts.policy.summary})` : ''}`.trim();
    }
  }
}
