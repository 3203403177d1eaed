import { describe, expect, it } from 'vitest';
import { describeOutcome } from '../../../lambdas/record-outcome/describe-outcome.js';
import type { Decision, ScaleOutResult, Verification } from '../../../lambdas/shared/workflow.js';
import { testScaleOutResult, testVerification } from '../../support/fixtures.js';

const decision: Decision = {
  source: 'runbook',
  runbookId: 'asg-cpu-high-scale-out',
  action: 'scaleOutAsg',
  rationale: 'CPU alarm web-cpu-high on web: scaling out 4 → 6.',
  params: { autoScalingGroupName: 'web', targetCapacity: 6 },
  target: 'autoscaling-group/web',
  confidence: 0.8,
  evidence: [],
};
const action: ScaleOutResult = testScaleOutResult({ attempt: 2 });
const verification: Verification = testVerification({
  checkedAt: '2026-11-27T10:06:00.000Z',
  summary: 'alarm web-cpu-high is OK at 48; web desired 6, 6 in service (target 6)',
});

describe('describeOutcome', () => {
  it('describes a resolved incident by its change and its verification', () => {
    // Act
    const summary = describeOutcome({ outcome: 'resolved', decision, action, verification, attempt: 2 });

    // Assess
    expect(summary).toBe(
      'resolved after 2 attempt(s): raised the desired capacity of web from 4 to 6; alarm web-cpu-high is OK at 48; web desired 6, 6 in service (target 6)',
    );
  });

  it('says when the group already had the capacity', () => {
    // Act
    const summary = describeOutcome({
      outcome: 'resolved',
      action: { ...action, changed: false, beforeCapacity: 6, summary: 'web already had desired capacity 6' },
      verification,
      attempt: 1,
    });

    // Assess
    expect(summary).toMatch(/^resolved after 1 attempt\(s\): web already had desired capacity 6; alarm web-cpu-high is OK/);
  });

  it("describes a resolved incident of any action by the action's own summary", () => {
    // Act
    const summary = describeOutcome({
      outcome: 'resolved',
      action: {
        attempt: 1,
        action: 'rollbackEksDeployment',
        target: 'eks-deployment/prod/shop/checkout',
        changed: true,
        actedAt: '2026-11-27T10:00:10.000Z',
        summary: 'rolled shop/checkout back from revision 2 to 1 (checkout=checkout:1)',
        undoable: true,
        before: {},
        applied: {},
      },
      verification: { ...verification, summary: 'recovered: checkout-5xx is OK at 0' },
      attempt: 1,
    });

    // Assess
    expect(summary).toBe('resolved after 1 attempt(s): rolled shop/checkout back from revision 2 to 1 (checkout=checkout:1); recovered: checkout-5xx is OK at 0');
  });

  it('fills in what a resolved outcome does not say', () => {
    // Act
    const summary = describeOutcome({ outcome: 'resolved' });

    // Assess
    expect(summary).toBe('resolved after 1 attempt(s): no action recorded; verified');
  });

  it("describes a skip by the message inside a Lambda error's JSON cause", () => {
    // Prepare
    const skip = {
      Error: 'LeaseHeldError',
      Cause: JSON.stringify({
        errorType: 'LeaseHeldError',
        errorMessage: 'autoscaling-group/web is being remediated by inc-other until 2026-11-27T10:30:00.000Z',
        trace: ['LeaseHeldError: ...'],
      }),
    };

    // Act
    const summary = describeOutcome({ outcome: 'skipped', decision, skip });

    // Assess
    expect(summary).toBe('skipped: autoscaling-group/web is being remediated by inc-other until 2026-11-27T10:30:00.000Z');
  });

  it('describes a skip with a plain-text cause, or none', () => {
    // Act & Assess
    expect(describeOutcome({ outcome: 'skipped', skip: { Error: 'CooldownActiveError', Cause: 'cooling down' } })).toBe(
      'skipped: cooling down',
    );
    expect(describeOutcome({ outcome: 'skipped' })).toBe('skipped: no cause given');
  });

  it('describes an observed plan by what it would have done, its source and the verdict', () => {
    // Act & Assess
    expect(describeOutcome({ outcome: 'observed', decision })).toBe(
      'observed: would scaleOutAsg on autoscaling-group/web [runbook:asg-cpu-high-scale-out]: CPU alarm web-cpu-high on web: scaling out 4 → 6.',
    );
    expect(
      describeOutcome({
        outcome: 'observed',
        decision,
        policy: { allowed: true, autonomy: 'observe', checks: [], reasons: [], summary: 'allowed: scaleOutAsg on autoscaling-group/web, autonomy observe' },
      }),
    ).toContain('(allowed: scaleOutAsg on autoscaling-group/web, autonomy observe)');
    expect(describeOutcome({ outcome: 'observed' })).toBe('observed: would act:');
  });
});
