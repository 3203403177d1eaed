import { describe, expect, it } from 'vitest';
import { explainEscalation } from '../../../lambdas/escalate-incident/explain-escalation.js';

describe('explainEscalation', () => {
  it("names the error and the message inside a Lambda error's JSON cause", () => {
    // Act
    const reason = explainEscalation({ error: { Error: 'X', Cause: '{"errorType":"X","errorMessage":"boom"}' } });

    // Assess
    expect(reason).toBe('the workflow failed with X: boom');
  });

  it('keeps a plain-text cause, such as a Step Functions timeout', () => {
    // Act
    const reason = explainEscalation({ error: { Error: 'States.Timeout', Cause: 'Task timed out after 60 seconds' } });

    // Assess
    expect(reason).toBe('the workflow failed with States.Timeout: Task timed out after 60 seconds');
  });

  it('keeps a JSON cause with no errorMessage whole', () => {
    // Act
    const reason = explainEscalation({ error: { Error: 'Lambda.Unknown', Cause: '{"errorType":"Runtime.ExitError"}' } });

    // Assess
    expect(reason).toBe('the workflow failed with Lambda.Unknown: {"errorType":"Runtime.ExitError"}');
  });

  it('says when the error gave no cause', () => {
    // Act & Assess
    expect(explainEscalation({ error: { Error: 'OutOfScopeError' } })).toBe('the workflow failed with OutOfScopeError: no cause given');
  });

  it('puts an error before anything else in the state', () => {
    // Act
    const reason = explainEscalation({
      error: { Error: 'StalePlanError', Cause: '{"errorType":"StalePlanError","errorMessage":"web was scaled in"}' },
      decision: { action: 'escalateOnly', rationale: 'at the ceiling' },
      verification: { healthy: false, summary: 'still in ALARM' },
    });

    // Assess
    expect(reason).toBe('the workflow failed with StalePlanError: web was scaled in');
  });

  it('passes on the rationale of an escalateOnly decision', () => {
    // Act
    const reason = explainEscalation({
      decision: { action: 'escalateOnly', rationale: 'web is already at its capacity ceiling (10 of max 10)' },
    });

    // Assess
    expect(reason).toBe('no safe automatic action: web is already at its capacity ceiling (10 of max 10)');
  });

  it('says when an escalateOnly decision gave no reason', () => {
    // Act & Assess
    expect(explainEscalation({ decision: { action: 'escalateOnly' } })).toBe('no safe automatic action: no reason given');
  });

  it('counts the attempts against the budget when the resource is still unhealthy', () => {
    // Act
    const reason = explainEscalation({
      decision: { action: 'scaleOutAsg', rationale: 'scaling out' },
      verification: { healthy: false, summary: 'alarm web-cpu-high is ALARM at 91' },
      attempt: { number: 3 },
      context: { limits: { maxAttempts: 3 } },
      action: { changed: true },
    });

    // Assess
    expect(reason).toBe('still unhealthy after 3 attempt(s) of 3: alarm web-cpu-high is ALARM at 91');
  });

  it('leaves out the budget when it is not known', () => {
    // Act
    const reason = explainEscalation({ verification: { healthy: false }, attempt: { number: 1 } });

    // Assess
    expect(reason).toBe('still unhealthy after 1 attempt(s): no summary');
  });

  it('has a fallback when nothing in the state explains the escalation', () => {
    // Act & Assess
    expect(explainEscalation({})).toBe('automation stopped without a recorded reason');
    expect(explainEscalation({ decision: { action: 'scaleOutAsg' }, verification: { healthy: true } })).toBe(
      'automation stopped without a recorded reason',
    );
  });
});
