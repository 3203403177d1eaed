import { describe, expect, it } from 'vitest';
import { judgeRecovery } from '../../../lambdas/verify-recovery/judge-recovery.js';
import { type AlarmState, type ScaleOutResult, VerificationSchema } from '../../../lambdas/shared/workflow.js';

const NOW = new Date('2026-11-27T10:06:00.000Z');
const group = { name: 'web', minSize: 2, maxSize: 10, desiredCapacity: 6, inServiceInstances: 5 };
const action: ScaleOutResult = {
  attempt: 1,
  autoScalingGroupName: 'web',
  beforeCapacity: 4,
  targetCapacity: 6,
  changed: true,
  actedAt: '2026-11-27T10:00:10.000Z',
};

function alarm(state: AlarmState['state'], latestValue?: number): AlarmState {
  return { name: 'web-cpu-high', state, metricName: 'CPUUtilization', threshold: 70, latestValue };
}

describe('judgeRecovery', () => {
  it('is healthy when the alarm is back to OK', () => {
    // Act
    const verification = judgeRecovery(alarm('OK', 55), group, action, NOW);

    // Assess
    expect(verification).toEqual({
      healthy: true,
      alarmState: 'OK',
      desiredCapacity: 6,
      inServiceInstances: 5,
      checkedAt: '2026-11-27T10:06:00.000Z',
      summary: 'alarm web-cpu-high is OK at 55; web desired 6, 5 in service (target 6)',
    });
    expect(VerificationSchema.safeParse(verification).success).toBe(true);
  });

  it.each(['ALARM', 'INSUFFICIENT_DATA'] as const)('is not healthy while the alarm is %s', (state) => {
    // Act
    const verification = judgeRecovery(alarm(state, 91), group, action, NOW);

    // Assess
    expect(verification.healthy).toBe(false);
    expect(verification.alarmState).toBe(state);
    expect(verification.summary).toBe(`alarm web-cpu-high is ${state} at 91; web desired 6, 5 in service (target 6)`);
  });

  it('leaves the value out of the summary when the alarm reported none', () => {
    // Act
    const verification = judgeRecovery(alarm('ALARM'), group, action, NOW);

    // Assess
    expect(verification.summary).toBe('alarm web-cpu-high is ALARM; web desired 6, 5 in service (target 6)');
  });

  it('is not healthy when the alarm has vanished, and says it cannot confirm recovery', () => {
    // Act
    const verification = judgeRecovery(undefined, group, action, NOW);

    // Assess
    expect(verification.healthy).toBe(false);
    expect(verification.alarmState).toBe('INSUFFICIENT_DATA');
    expect(verification.summary).toBe('alarm not found; cannot confirm recovery; web desired 6, 5 in service (target 6)');
    expect(VerificationSchema.safeParse(verification).success).toBe(true);
  });
});
