import { causeMessage } from '../shared/step-functions-errors.js';
import type { Decision, Outcome, ScaleOutResult, Verification } from '../shared/workflow.js';

export interface OutcomeFacts {
  outcome: Exclude<Outcome, 'escalated'>;
  decision?: Decision;
  action?: ScaleOutResult;
  verification?: Verification;
  skip?: { Error?: string; Cause?: string };
  attempt?: number;
}

/** One line a human can read in the incident list. */
export function describeOutcome(facts: OutcomeFacts): string {
  switch (facts.outcome) {
    case 'resolved': {
      const action = facts.action;
      const change = action?.changed
        ? `scaled ${action.autoScalingGroupName} ${action.beforeCapacity} → ${action.targetCapacity}`
        : `${action?.autoScalingGroupName ?? 'the group'} already had the capacity`;
      return `resolved after ${facts.attempt ?? 1} attempt(s): ${change}; ${facts.verification?.summary ?? 'verified'}`;
    }
    case 'skipped':
      return `skipped: ${causeMessage(facts.skip?.Cause)}`;
    case 'dry-run':
      return `dry run: would ${facts.decision?.action ?? 'act'}: ${facts.decision?.rationale ?? ''}`.trim();
  }
}
