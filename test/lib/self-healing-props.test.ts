import { Duration, Lazy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { describe, expect, it } from 'vitest';
import type { AutoScalingGroupTarget } from '../../lib/auto-scaling-group-target.js';
import { InvalidResourceScopeError } from '../../lib/resource-scope.js';
import { SelfHealing, type SelfHealingProps } from '../../lib/self-healing.js';
import { testStack } from './test-app.js';

/** Constructs SelfHealing with one group, `web`, overridden by `group` and `props`. Props are checked before any resource is created. */
function build(group: Partial<AutoScalingGroupTarget> = {}, props: Partial<SelfHealingProps> = {}) {
  const stack = testStack();
  const alarm = (name: string) => cloudwatch.Alarm.fromAlarmName(stack, `Alarm-${name}`, name);
  return () =>
    new SelfHealing(stack, 'SelfHealing', {
      autoScalingGroups: [{ autoScalingGroupName: 'web', alarms: [alarm('web-cpu-high')], ...group }],
      ...props,
    });
}

function errorOf(construct: () => unknown): InvalidResourceScopeError {
  try {
    construct();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidResourceScopeError);
    return error as InvalidResourceScopeError;
  }
  throw new Error('expected the construct to throw');
}

describe('SelfHealing props', () => {
  it('rejects a maxStep below 1', () => {
    expect(build({ maxStep: 0 })).toThrow(/autoScalingGroups\[0\] \("web"\)\.maxStep/);
  });

  it('rejects a lease that does not outlast verifyAfter by five minutes', () => {
    expect(build({ verifyAfter: Duration.minutes(10), leaseDuration: Duration.minutes(15) })).toThrow(
      /leaseDuration: must be longer than verifyAfter plus 5 minutes \(900s\), got 900s/,
    );
    expect(build({ verifyAfter: Duration.minutes(10), leaseDuration: Duration.minutes(16) })).not.toThrow();
  });

  it('rejects a group without alarms', () => {
    expect(build({ alarms: [] })).toThrow(/autoScalingGroups\[0\] \("web"\)\.alarms: register at least one alarm/);
  });

  it('rejects an alarm registered for two groups', () => {
    const stack = testStack();
    const shared = cloudwatch.Alarm.fromAlarmName(stack, 'Shared', 'shared-cpu-high');
    const error = errorOf(
      () =>
        new SelfHealing(stack, 'SelfHealing', {
          autoScalingGroups: [
            { autoScalingGroupName: 'web', alarms: [shared] },
            { autoScalingGroupName: 'api', alarms: [shared] },
          ],
        }),
    );
    expect(error.message).toMatch(/alarm "shared-cpu-high" is registered for both "web" and "api"/);
  });

  it('rejects no groups, a group registered twice, and names unknown at synth time', () => {
    expect(errorOf(() => new SelfHealing(testStack(), 'SelfHealing', { autoScalingGroups: [] })).problems).toEqual([
      'autoScalingGroups: register at least one Auto Scaling group',
    ]);
    const stack = testStack();
    const alarm = cloudwatch.Alarm.fromAlarmName(stack, 'Alarm', 'web-cpu-high');
    const other = cloudwatch.Alarm.fromAlarmName(stack, 'Other', 'web-latency-high');
    const twice = errorOf(
      () =>
        new SelfHealing(stack, 'SelfHealing', {
          autoScalingGroups: [
            { autoScalingGroupName: 'web', alarms: [alarm] },
            { autoScalingGroupName: 'web', alarms: [other] },
          ],
        }),
    );
    expect(twice.message).toMatch(/"web" is registered more than once/);
    expect(build({ autoScalingGroupName: Lazy.string({ produce: () => 'web' }) })).toThrow(/must be a literal string known at synth time/);
  });

  it('checks the limits ScopeSchema enforces, naming the prop', () => {
    expect(build({ maxAttempts: 11 })).toThrow(/\("web"\)\.maxAttempts: Too big/);
    expect(build({ verifyAfter: Duration.hours(2), leaseDuration: Duration.hours(3) })).toThrow(/verifyAfter \(in seconds\): Too big/);
    expect(build({ maxCapacity: 0 })).toThrow(/maxCapacity/);
    expect(build({}, { maxAttempts: 0 })).toThrow(/^Invalid self-healing resource scope:[\s\S]*- maxAttempts: must be an integer from 1 to 10, got 0/);
    expect(build({ cooldown: Duration.millis(1500) })).toThrow(/cooldown/);
  });

  it('lists every problem at once', () => {
    const error = errorOf(build({ maxStep: 0, alarms: [] }));
    expect(error.problems.length).toBeGreaterThanOrEqual(2);
  });

  it('defaults to dry-run and the documented limits', () => {
    const stack = testStack();
    const selfHealing = new SelfHealing(stack, 'SelfHealing', {
      autoScalingGroups: [{ autoScalingGroupName: 'web', alarms: [cloudwatch.Alarm.fromAlarmName(stack, 'Alarm', 'web-cpu-high')] }],
    });
    expect(selfHealing.resourceScope).toEqual({
      mode: 'dry-run',
      resources: [
        {
          kind: 'autoscaling-group',
          name: 'web',
          alarmNames: ['web-cpu-high'],
          maxStep: 2,
          maxAttempts: 3,
          leaseSeconds: 1_800,
          cooldownSeconds: 900,
          verifyAfterSeconds: 300,
        },
      ],
    });
  });
});
