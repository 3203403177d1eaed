import { describe, expect, it } from 'vitest';
import { InvalidSelfHealingConfigError, parseSelfHealingConfig } from '../../lib/self-healing-config.js';

const valid = {
  mode: 'dry-run',
  autoScalingGroups: [{ autoScalingGroupName: 'example-web-asg', alarmNames: ['example-web-asg-cpu-high'] }],
};

describe('parseSelfHealingConfig', () => {
  it('accepts the object from cdk.json and the JSON string from -c', () => {
    expect(parseSelfHealingConfig(valid)).toEqual(valid);
    expect(parseSelfHealingConfig(JSON.stringify(valid))).toEqual(valid);
  });

  it('explains a missing context', () => {
    expect(() => parseSelfHealingConfig(undefined)).toThrow(InvalidSelfHealingConfigError);
    expect(() => parseSelfHealingConfig(undefined)).toThrow(/Missing "selfHealing" context/);
  });

  it('rejects misspelt keys instead of falling back to defaults', () => {
    const misspelt = { ...valid, autoScalingGroups: [{ ...valid.autoScalingGroups[0], maxstep: 5 }] };
    expect(() => parseSelfHealingConfig(misspelt)).toThrow(/maxstep/);
  });

  it('rejects a bad mode, no groups, a group without alarms and a bad email', () => {
    expect(() => parseSelfHealingConfig({ ...valid, mode: 'yolo' })).toThrow(/mode/);
    expect(() => parseSelfHealingConfig({ ...valid, autoScalingGroups: [] })).toThrow(/autoScalingGroups/);
    expect(() =>
      parseSelfHealingConfig({ ...valid, autoScalingGroups: [{ autoScalingGroupName: 'web', alarmNames: [] }] }),
    ).toThrow(/alarmNames/);
    expect(() => parseSelfHealingConfig({ ...valid, notificationEmail: 'not-an-email' })).toThrow(/notificationEmail/);
    expect(() => parseSelfHealingConfig('{not json')).toThrow(/not valid JSON/);
  });
});
