import type { AlarmState, AutoScalingGroupState, ScaleOutResult, Verification } from '../shared/workflow.js';

/**
 * Healthy means the alarm that opened the incident is back to OK. An alarm
 * with too little data, or one that has vanished, does not prove recovery,
 * so it counts as not healthy.
 */
export function judgeRecovery(
  alarm: AlarmState | undefined,
  group: AutoScalingGroupState,
  action: ScaleOutResult,
  now: Date,
): Verification {
  const alarmState = alarm?.state ?? 'INSUFFICIENT_DATA';
  const healthy = alarmState === 'OK';
  const capacity = `${group.name} desired ${group.desiredCapacity}, ${group.inServiceInstances} in service (target ${action.targetCapacity})`;
  const value = alarm?.latestValue === undefined ? '' : ` at ${alarm.latestValue}`;
  const summary =
    alarm === undefined
      ? `alarm not found; cannot confirm recovery; ${capacity}`
      : `alarm ${alarm.name} is ${alarmState}${value}; ${capacity}`;
  return {
    healthy,
    alarmState,
    desiredCapacity: group.desiredCapacity,
    inServiceInstances: group.inServiceInstances,
    checkedAt: now.toISOString(),
    summary,
  };
}
