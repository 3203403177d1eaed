import { describe, expect, it } from 'vitest';
import { latestDatapoint, toAlarmState } from '../../../lambdas/shared/alarms.js';
import { toAutoScalingGroupState } from '../../../lambdas/shared/autoscaling.js';
import { autoScalingGroup, metricAlarm } from '../harness.js';

describe('latestDatapoint', () => {
  it.each([
    ['the newest of several datapoints', JSON.stringify({ recentDatapoints: [60, 72.5, 95] }), 95],
    ['a single datapoint', JSON.stringify({ recentDatapoints: [0] }), 0],
    ['no datapoints', JSON.stringify({ recentDatapoints: [] }), undefined],
    ['no datapoint list', JSON.stringify({ threshold: 70 }), undefined],
    ['a non-numeric datapoint', JSON.stringify({ recentDatapoints: ['95'] }), undefined],
    ['text that is not JSON', 'Threshold Crossed', undefined],
    ['JSON null', 'null', undefined],
    ['nothing', undefined, undefined],
  ])('reads %s', (_title, reasonData, expected) => {
    // Act & Assess
    expect(latestDatapoint(reasonData)).toBe(expected);
  });
});

describe('toAlarmState', () => {
  it('keeps what the decision and the verification read', () => {
    // Act
    const state = toAlarmState(metricAlarm({ state: 'ALARM', datapoints: [80, 91] }));

    // Assess
    expect(state).toEqual({
      name: 'web-cpu-high',
      state: 'ALARM',
      metricName: 'CPUUtilization',
      namespace: 'AWS/EC2',
      threshold: 70,
      comparisonOperator: 'GreaterThanThreshold',
      latestValue: 91,
      updatedAt: '2026-11-27T10:00:00.000Z',
    });
  });

  it('treats an alarm with no state as having too little data', () => {
    // Act & Assess
    expect(toAlarmState({ AlarmName: 'x' }).state).toBe('INSUFFICIENT_DATA');
  });
});

describe('toAutoScalingGroupState', () => {
  it('counts only InService instances as in service', () => {
    // Act
    const state = toAutoScalingGroupState(autoScalingGroup({ desired: 6, inService: 4, pending: 2, max: 12 }));

    // Assess
    expect(state).toEqual({ name: 'web', minSize: 2, maxSize: 12, desiredCapacity: 6, inServiceInstances: 4 });
  });

  it('reads a group with no instances list as empty', () => {
    // Act
    const state = toAutoScalingGroupState({ ...autoScalingGroup({ desired: 0, min: 0, max: 3 }), Instances: undefined });

    // Assess
    expect(state).toEqual({ name: 'web', minSize: 0, maxSize: 3, desiredCapacity: 0, inServiceInstances: 0 });
  });
});
