import type { Incident } from '../shared/incident.js';
import type { Decision, IncidentContext } from '../shared/workflow.js';

export const RUNBOOK_ID = 'asg-cpu-high-scale-out';

/** Metrics this runbook treats as "the group is short of compute". */
const CPU_METRICS = new Set(['CPUUtilization']);

/** Target utilisation after scaling, as a share of the alarm threshold. */
const HEADROOM = 0.9;

function escalate(reason: string): Decision {
  return { source: 'runbook', runbookId: RUNBOOK_ID, action: 'escalateOnly', rationale: reason, params: { reason } };
}

/**
 * How many instances the load needs so that utilisation falls under the
 * threshold with some headroom, assuming load spreads evenly. `undefined`
 * when the alarm did not report a value to size from.
 */
export function instancesNeeded(current: number, utilisation: number | undefined, threshold: number | undefined): number | undefined {
  if (utilisation === undefined || threshold === undefined || threshold <= 0 || current <= 0) return undefined;
  return Math.ceil((current * utilisation) / (threshold * HEADROOM));
}

/**
 * The built-in runbook: CPU high on an Auto Scaling group in scope → scale
 * out by a bounded step, never above the group's MaxSize nor the scope's
 * capacity ceiling. It sizes the step from the alarm's latest value when it
 * has one, and otherwise adds one instance. Anything else escalates.
 */
export function decideScaleOut(incident: Incident, context: IncidentContext): Decision {
  const metricName = context.alarm?.metricName ?? incident.signal.metricName;
  if (metricName === undefined || !CPU_METRICS.has(metricName)) {
    return escalate(`no runbook matches alarm ${incident.signal.alarmName} on metric ${metricName ?? 'unknown'}`);
  }
  const operator = context.alarm?.comparisonOperator;
  if (operator !== undefined && !operator.startsWith('GreaterThan')) {
    return escalate(`alarm ${incident.signal.alarmName} fires on ${operator}, not on high CPU; scaling out would not help`);
  }
  const group = context.autoScalingGroup;
  const { maxStep, maxCapacity } = context.limits;
  const ceiling = Math.min(group.maxSize, maxCapacity ?? Number.POSITIVE_INFINITY);
  const current = group.desiredCapacity;
  if (current >= ceiling) {
    return escalate(
      `${group.name} is already at its capacity ceiling (${current} of max ${ceiling}); scaling out cannot help, a human must look`,
    );
  }
  const needed = instancesNeeded(current, context.alarm?.latestValue, context.alarm?.threshold);
  const wanted = needed === undefined ? 1 : Math.max(1, needed - current);
  const step = Math.min(wanted, maxStep, ceiling - current);
  const target = current + step;
  const sizing =
    needed === undefined
      ? 'the alarm reported no value to size from, so the step is one instance'
      : `at ${context.alarm?.latestValue}% against a ${context.alarm?.threshold}% threshold the load needs about ${needed} instances`;
  const bounds = [
    step < wanted && step === maxStep ? `capped at the maximum step of ${maxStep}` : undefined,
    step < wanted && step === ceiling - current ? `capped at the ceiling of ${ceiling}` : undefined,
  ].filter((text) => text !== undefined);
  return {
    source: 'runbook',
    runbookId: RUNBOOK_ID,
    action: 'scaleOutAsg',
    rationale: `CPU alarm ${incident.signal.alarmName} on ${group.name}: ${sizing}; scaling out ${current} → ${target}${bounds.length > 0 ? ` (${bounds.join(', ')})` : ''}.`,
    params: { autoScalingGroupName: group.name, fromCapacity: current, targetCapacity: target },
  };
}
