import { beforeAll, describe, expect, it } from 'vitest';
import type { handler as DecideHandler } from '../../../lambdas/decide/index.js';
import { runbooksJson } from '../../../lib/runbook-files.js';
import { testContext, testGroupState, testIncident } from '../../support/fixtures.js';
import { invoke, rejectionOf } from '../harness.js';

const RUNBOOK_ID = 'asg-cpu-high-scale-out';
let handler: typeof DecideHandler;

beforeAll(async () => {
  // No model configured: the runbooks decide alone.
  process.env.RUNBOOKS_JSON = runbooksJson();
  delete process.env.BEDROCK_MODEL_ID;
  ({ handler } = await import('../../../lambdas/decide/index.js'));
});

describe('decide handler', () => {
  it('returns the runbook decision for the incident and its context', async () => {
    // Prepare
    const event = { incident: testIncident(), context: testContext(), attempt: 0 };

    // Act
    const decision = await invoke(handler, event);

    // Assess: 4 × 95 / 63 → 7 needed, capped by maxStep 2
    expect(decision).toMatchObject({
      source: 'runbook',
      runbookId: RUNBOOK_ID,
      action: 'scaleOutAsg',
      params: { autoScalingGroupName: 'web', targetCapacity: 6 },
      target: 'autoscaling-group/web',
      confidence: 0.8,
    });
    expect(decision.model).toBeUndefined();
    expect(decision.fallbackReason).toBeUndefined();
  });

  it('returns escalateOnly when the group is at its ceiling', async () => {
    // Prepare
    const event = {
      incident: testIncident(),
      context: testContext({ autoScalingGroup: testGroupState({ desiredCapacity: 10, maxSize: 10 }) }),
      attempt: 1,
    };

    // Act
    const decision = await invoke(handler, event);

    // Assess
    expect(decision.action).toBe('escalateOnly');
  });

  it.each([
    ['no context', { incident: testIncident(), attempt: 0 }, /context: /],
    ['a negative attempt', { incident: testIncident(), context: testContext(), attempt: -1 }, /attempt: /],
    ['a malformed incident id', { incident: testIncident({ incidentId: 'INC-1' }), context: testContext(), attempt: 0 }, /incident\.incidentId: /],
    ['a context with a bad limit', { incident: testIncident(), context: testContext({ limits: { ...testContext().limits, maxStep: 0 } }), attempt: 0 }, /context\.limits\.maxStep: /],
    ['nothing at all', {}, /incident: .*context: .*attempt: /],
  ])('refuses input with %s as MalformedEventError, naming the field', async (_title, event, field) => {
    // Act
    const error = await rejectionOf(invoke(handler, event));

    // Assess
    expect(error.name).toBe('MalformedEventError');
    expect(error.message).toMatch(/^input rejected: /);
    expect(error.message).toMatch(field);
  });
});
