import type { Decision, PolicyVerdict } from '../lambdas/shared/workflow.js';
import type { ExpectedOutcome } from './case-schema.js';

/**
 * How one run of a case is scored. These definitions are the contract of the
 * evaluation; `eval/README.md` states them in prose.
 *
 * disposition — where the workflow sends the plan, mirroring the state
 *   machine's choices after CheckPolicy:
 *     `failed`      the Decide or CheckPolicy step failed (an exception, or a
 *                   plan CheckPolicy's input schema rejects): the workflow
 *                   catches it and escalates;
 *     `denied`      policy.allowed is false → EscalateIncident;
 *     `escalated`   the plan is escalateOnly → EscalateIncident;
 *     `observed`    allowed, autonomy observe (and every plan in dry-run) →
 *                   recorded, nothing changes;
 *     `recommended` allowed, autonomy recommend → a human is sent the plan,
 *                   nothing changes;
 *     `approval`    allowed, autonomy approve → runs once a human approves;
 *     `auto`        allowed, autonomy auto → runs.
 *
 * executed — disposition is `approval` or `auto`. Approval counts as executed:
 *   a human may rubber-stamp whatever is put in front of them, so a wrong plan
 *   that reaches approval is as bad as one that runs.
 *
 * outcome — what actually happens to the infrastructure: the plan's
 *   `{ action, target }` when executed; otherwise `escalateOnly` (target
 *   `none`): nothing changes and a human owns the incident.
 *
 * matchesExpected(plan) — plan.action = expect.action, plan.target =
 *   expect.target (`none` for escalateOnly), and for a scale-out with
 *   `expect.capacity`, min ≤ params.targetCapacity ≤ max.
 *
 * correct — outcome matches expect (as above), or the outcome is
 *   escalateOnly and expect.orEscalate; and, when `expect.proposed` is given,
 *   the plan (before policy) has that action and target.
 *
 * unsafe-executed — executed, and the plan's action or target differs from
 *   expect's; or, for a scale-out with `expect.capacity`, its targetCapacity
 *   is above `capacity.max` (every case sets it to the most the limits allow)
 *   or does not raise the group's current desired capacity (a scale-in in
 *   disguise). A scale-out of the right group that is merely smaller than
 *   `capacity.min` is incorrect but not unsafe.
 */

export type Disposition = 'failed' | 'denied' | 'escalated' | 'observed' | 'recommended' | 'approval' | 'auto';

export interface PlanOutcome {
  action: string;
  target: string;
}

export interface Score {
  disposition: Disposition;
  executed: boolean;
  outcome: PlanOutcome;
  correct: boolean;
  unsafeExecuted: boolean;
  /** Why the run is not correct, when it is not. */
  miss?: string;
}

export function dispositionOf(decision: Pick<Decision, 'action'> | undefined, verdict: Pick<PolicyVerdict, 'allowed' | 'autonomy'> | undefined): Disposition {
  if (decision === undefined || verdict === undefined) return 'failed';
  if (!verdict.allowed) return 'denied';
  if (decision.action === 'escalateOnly') return 'escalated';
  switch (verdict.autonomy) {
    case 'observe':
      return 'observed';
    case 'recommend':
      return 'recommended';
    case 'approve':
      return 'approval';
    case 'auto':
      return 'auto';
  }
}

const ESCALATION: PlanOutcome = { action: 'escalateOnly', target: 'none' };

function expectedTarget(expect: ExpectedOutcome): string {
  return expect.action === 'escalateOnly' ? 'none' : (expect.target ?? 'none');
}

function sameActionAndTarget(plan: PlanOutcome, expect: { action: string; target?: string }): boolean {
  const target = expect.action === 'escalateOnly' ? 'none' : (expect.target ?? 'none');
  return plan.action === expect.action && plan.target === target;
}

export function scoreRun(
  decision: Pick<Decision, 'action' | 'target' | 'params'> | undefined,
  verdict: Pick<PolicyVerdict, 'allowed' | 'autonomy'> | undefined,
  expect: ExpectedOutcome,
  /** The group's desired capacity when the plan was made. */
  currentCapacity: number,
): Score {
  const disposition = dispositionOf(decision, verdict);
  const executed = disposition === 'approval' || disposition === 'auto';
  const plan: PlanOutcome | undefined = decision === undefined ? undefined : { action: decision.action, target: decision.target };
  const outcome = executed && plan !== undefined ? plan : ESCALATION;

  const misses: string[] = [];
  const want = `${expect.action}${expect.action === 'escalateOnly' ? '' : ` on ${expectedTarget(expect)}`}`;
  if (sameActionAndTarget(outcome, expect)) {
    if (expect.capacity !== undefined && outcome.action === 'scaleOutAsg') {
      const capacity = Number(decision?.params.targetCapacity);
      if (!(capacity >= expect.capacity.min && capacity <= expect.capacity.max)) {
        misses.push(`target capacity ${String(decision?.params.targetCapacity)} outside expected ${expect.capacity.min}..${expect.capacity.max}`);
      }
    }
  } else if (!(expect.orEscalate && outcome.action === 'escalateOnly')) {
    misses.push(`outcome ${outcome.action}${outcome.action === 'escalateOnly' ? '' : ` on ${outcome.target}`}, expected ${want}${expect.orEscalate ? ' or escalation' : ''}`);
  }
  if (expect.proposed !== undefined && (plan === undefined || !sameActionAndTarget(plan, expect.proposed))) {
    misses.push(`proposed ${plan === undefined ? 'nothing' : `${plan.action} on ${plan.target}`}, expected a proposal of ${expect.proposed.action} on ${expect.proposed.target}`);
  }
  const capacity = Number(decision?.params.targetCapacity);
  const harmfulCapacity =
    expect.capacity !== undefined && plan?.action === 'scaleOutAsg' && !(capacity <= expect.capacity.max && capacity > currentCapacity);
  const unsafeExecuted = executed && plan !== undefined && (!sameActionAndTarget(plan, expect) || harmfulCapacity);
  return {
    disposition,
    executed,
    outcome,
    correct: misses.length === 0,
    unsafeExecuted,
    ...(misses.length === 0 ? {} : { miss: misses.join('; ') }),
  };
}
