import { describe, expect, it } from 'vitest';
import { instancesNeeded } from '../../../lambdas/decide/planners.js';
import { decideWithRunbooks } from '../../../lambdas/decide/runbook-engine.js';
import type { Incident } from '../../../lambdas/shared/incident.js';
import { DecisionSchema, type Decision, type IncidentContext } from '../../../lambdas/shared/workflow.js';
import { loadRunbookDirectory } from '../../../lib/runbook-files.js';
import { testContext, testGroupState, testIncident } from '../../support/fixtures.js';

/** The shipped runbooks, as the Decide function runs them; the CPU one is under test here. */
const RUNBOOKS = loadRunbookDirectory();
const RUNBOOK_ID = 'asg-cpu-high-scale-out';
const decideScaleOut = (incident: Incident, context: IncidentContext) => decideWithRunbooks(RUNBOOKS, incident, context);
type Params = { autoScalingGroupName: string; targetCapacity: number; reason?: string };
const paramsOf = (decision: Decision) => decision.params as Params;

/** A context for group `web` with the given capacity, limits and CPU reading (undefined: no value reported). */
function contextWith(options: {
  desired: number;
  max: number;
  maxStep: number;
  maxCapacity?: number;
  cpu?: number;
  threshold?: number;
}): IncidentContext {
  const base = testContext();
  return testContext({
    limits: { ...base.limits, maxStep: options.maxStep, maxCapacity: options.maxCapacity },
    autoScalingGroup: testGroupState({ desiredCapacity: options.desired, inServiceInstances: options.desired, maxSize: options.max }),
    alarm: { ...base.alarm!, latestValue: options.cpu, threshold: options.threshold ?? 70 },
  });
}

function scaleOut(decision: Decision) {
  if (decision.action !== 'scaleOutAsg') throw new Error(`expected a scale-out, got escalateOnly: ${decision.rationale}`);
  return decision;
}

function escalation(decision: Decision) {
  if (decision.action !== 'escalateOnly') throw new Error(`expected escalateOnly, got a scale-out to ${paramsOf(decision).targetCapacity}`);
  return decision;
}

describe('instancesNeeded', () => {
  it('sizes the group so utilisation lands under the threshold with headroom', () => {
    // Act & Assess: 4 × 95 / (70 × 0.9) = 6.03 → 7
    expect(instancesNeeded(4, 95, 70)).toBe(7);
    // 10 × 63 / 63 = exactly 10: no rounding up past what is needed
    expect(instancesNeeded(10, 63, 70)).toBe(10);
  });

  it('has no answer without a value, a usable threshold or running capacity', () => {
    // Act & Assess
    expect(instancesNeeded(4, undefined, 70)).toBeUndefined();
    expect(instancesNeeded(4, 95, undefined)).toBeUndefined();
    expect(instancesNeeded(4, 95, 0)).toBeUndefined();
    expect(instancesNeeded(0, 95, 70)).toBeUndefined();
  });
});

describe('runbook asg-cpu-high-scale-out', () => {
  it('escalates a CPU alarm that fires on low CPU instead of scaling out', () => {
    const base = testContext();
    const context = testContext({ alarm: { ...base.alarm!, comparisonOperator: 'LessThanThreshold', latestValue: 3 } });

    const decision = decideScaleOut(testIncident(), context);

    expect(decision.action).toBe('escalateOnly');
    expect(decision.rationale).toContain('low CPU');
    expect(decision.runbookId).toBe('cpu-low-escalate');
  });

  it('sizes the target from the alarm value: 4 instances at 95% vs 70% needs 7', () => {
    // Prepare
    const context = contextWith({ desired: 4, max: 20, maxStep: 5, cpu: 95 });

    // Act
    const decision = scaleOut(decideScaleOut(testIncident(), context));

    // Assess
    expect(decision.params).toEqual({ autoScalingGroupName: 'web', targetCapacity: 7 });
    expect(decision.target).toBe('autoscaling-group/web');
    expect(decision.source).toBe('runbook');
    expect(decision.runbookId).toBe(RUNBOOK_ID);
    expect(decision.rationale).toContain('needs about 7 instances');
    expect(decision.rationale).toContain('4 → 7');
    expect(decision.rationale).not.toContain('capped');
    expect(DecisionSchema.safeParse(decision).success).toBe(true);
  });

  it('never steps by more than maxStep, and says so', () => {
    // Prepare: 4 × 99 / 63 → 7 needed, but maxStep is 2
    const context = contextWith({ desired: 4, max: 20, maxStep: 2, cpu: 99 });

    // Act
    const decision = scaleOut(decideScaleOut(testIncident(), context));

    // Assess
    expect(decision.params.targetCapacity).toBe(6);
    expect(decision.rationale).toContain('capped at the maximum step of 2');
  });

  it("never goes above the group's MaxSize", () => {
    // Prepare
    const context = contextWith({ desired: 4, max: 5, maxStep: 5, cpu: 95 });

    // Act
    const decision = scaleOut(decideScaleOut(testIncident(), context));

    // Assess
    expect(decision.params.targetCapacity).toBe(5);
    expect(decision.rationale).toContain('capped at the ceiling of 5');
  });

  it("never goes above the scope's maxCapacity, even when MaxSize allows more", () => {
    // Prepare
    const context = contextWith({ desired: 4, max: 50, maxStep: 10, maxCapacity: 6, cpu: 99 });

    // Act
    const decision = scaleOut(decideScaleOut(testIncident(), context));

    // Assess
    expect(decision.params.targetCapacity).toBe(6);
    expect(decision.rationale).toContain('capped at the ceiling of 6');
  });

  it.each([
    ['MaxSize', { desired: 10, max: 10, maxStep: 2, cpu: 95 }, 10],
    ['maxCapacity', { desired: 6, max: 10, maxStep: 2, maxCapacity: 6, cpu: 95 }, 6],
    ['a ceiling it is already above', { desired: 8, max: 10, maxStep: 2, maxCapacity: 6, cpu: 95 }, 6],
  ])('escalates at the ceiling set by %s, with a reason', (_title, options, ceiling) => {
    // Act
    const decision = escalation(decideScaleOut(testIncident(), contextWith(options)));

    // Assess
    expect(decision.params.reason).toContain(`of max ${ceiling}`);
    expect(decision.params.reason).toContain('capacity ceiling');
    expect(decision.rationale).toBe(decision.params.reason);
    expect(DecisionSchema.safeParse(decision).success).toBe(true);
  });

  it('escalates an alarm on a metric it has no runbook for', () => {
    // Prepare
    const base = testContext();
    const context = testContext({ alarm: { ...base.alarm!, metricName: 'TargetResponseTime', namespace: 'AWS/ApplicationELB' } });

    // Act
    const decision = escalation(decideScaleOut(testIncident(), context));

    // Assess
    expect(paramsOf(decision).reason).toBe('no runbook matches web-cpu-high on autoscaling-group/web');
  });

  it("falls back to the incident's metric when the alarm could not be read", () => {
    // Prepare
    const context = testContext({ alarm: undefined, gaps: ['alarm: ThrottlingException: Rate exceeded'] });

    // Act
    const decision = scaleOut(decideScaleOut(testIncident(), context));

    // Assess: CPU from the incident, no value to size from
    expect(decision.params.targetCapacity).toBe(5);
  });

  it('escalates when neither the alarm nor the incident names a metric', () => {
    // Prepare
    const incident = testIncident();
    const context = testContext({ alarm: undefined });
    const signal = incident.signal.source === 'cloudwatch-alarm' ? { ...incident.signal, metricName: undefined } : incident.signal;

    // Act
    const decision = escalation(decideScaleOut({ ...incident, signal }, context));

    // Assess
    expect(paramsOf(decision).reason).toContain('no runbook matches');
  });

  it('steps by one when the alarm reports no value', () => {
    // Prepare
    const context = contextWith({ desired: 4, max: 20, maxStep: 5, cpu: undefined });

    // Act
    const decision = scaleOut(decideScaleOut(testIncident(), context));

    // Assess
    expect(decision.params.targetCapacity).toBe(5);
    expect(decision.rationale).toContain('no value to size from');
  });

  it('still steps by one when the value says no more instances are needed', () => {
    // Prepare: 4 × 50 / 63 → 4 needed, already there
    const context = contextWith({ desired: 4, max: 20, maxStep: 5, cpu: 50 });

    // Act
    const decision = scaleOut(decideScaleOut(testIncident(), context));

    // Assess
    expect(decision.params.targetCapacity).toBe(5);
  });

  it('scales an empty group to one instance', () => {
    // Prepare
    const context = contextWith({ desired: 0, max: 4, maxStep: 3, cpu: 95 });

    // Act
    const decision = scaleOut(decideScaleOut(testIncident(), context));

    // Assess
    expect(decision.params).toEqual({ autoScalingGroupName: 'web', targetCapacity: 1 });
  });

  it('holds its invariants over many capacities, limits and readings', () => {
    // Prepare
    const readings = [undefined, 0, 40, 70, 71, 95, 100];
    let scaleOuts = 0;
    let escalations = 0;

    // Act & Assess
    for (let max = 0; max <= 12; max += 1) {
      for (let desired = 0; desired <= max + 2; desired += 1) {
        for (const maxStep of [1, 2, 3, 5, 10]) {
          for (const maxCapacity of [undefined, 1, 3, 6, 20]) {
            for (const cpu of readings) {
              const context = contextWith({ desired, max, maxStep, maxCapacity, cpu });
              const decision = decideScaleOut(testIncident(), context);
              const ceiling = Math.min(max, maxCapacity ?? Number.POSITIVE_INFINITY);
              const label = JSON.stringify({ desired, max, maxStep, maxCapacity, cpu });

              expect(DecisionSchema.safeParse(decision).success, label).toBe(true);
              expect(decision.action === 'escalateOnly', label).toBe(desired >= ceiling);
              if (decision.action === 'scaleOutAsg') {
                scaleOuts += 1;
                const { targetCapacity, autoScalingGroupName } = paramsOf(decision);
                const fromCapacity = desired;
                expect(autoScalingGroupName, label).toBe('web');
                expect(targetCapacity, label).toBeLessThanOrEqual(ceiling);
                expect(targetCapacity - fromCapacity, label).toBeGreaterThanOrEqual(1);
                expect(targetCapacity - fromCapacity, label).toBeLessThanOrEqual(maxStep);
                if (cpu === undefined) expect(targetCapacity - fromCapacity, label).toBe(1);
              } else {
                escalations += 1;
                expect(paramsOf(decision).reason, label).toContain('capacity ceiling');
              }
            }
          }
        }
      }
    }
    expect(scaleOuts).toBeGreaterThan(1_000);
    expect(escalations).toBeGreaterThan(1_000);
  });

  it('never plans a smaller step when the load is higher', () => {
    // Act & Assess
    for (let desired = 1; desired <= 8; desired += 1) {
      let previous = 0;
      for (let cpu = 50; cpu <= 100; cpu += 5) {
        const decision = scaleOut(decideScaleOut(testIncident(), contextWith({ desired, max: 40, maxStep: 10, cpu })));
        const step = paramsOf(decision).targetCapacity - desired;
        expect(step, JSON.stringify({ desired, cpu })).toBeGreaterThanOrEqual(previous);
        previous = step;
      }
    }
  });
});

describe('anomaly-band CPU alarms', () => {
  const band = (latestValue: number, baseline: number | undefined) => {
    const base = testContext();
    return testContext({
      alarm: { ...base.alarm!, comparisonOperator: 'LessThanLowerOrGreaterThanUpperThreshold', threshold: undefined, latestValue },
      metrics:
        baseline === undefined
          ? []
          : [{ label: 'CPUUtilization', role: 'alarm', periodSeconds: 60, points: [], baseline, last: latestValue }],
    });
  };

  it('scales out when CPU is above its baseline', () => {
    const decision = decideScaleOut(testIncident(), band(95, 43));
    expect(decision).toMatchObject({ action: 'scaleOutAsg', runbookId: RUNBOOK_ID, params: { targetCapacity: 5 } });
  });

  it('escalates as low CPU when CPU fell below its baseline', () => {
    expect(decideScaleOut(testIncident(), band(3, 43)).runbookId).toBe('cpu-low-escalate');
  });

  it('escalates without a baseline, because the direction is unknown', () => {
    const decision = decideScaleOut(testIncident(), band(95, undefined));
    expect(decision.action).toBe('escalateOnly');
    expect(paramsOf(decision).reason).toContain('no runbook matches');
  });
});
