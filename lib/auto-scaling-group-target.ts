import { Duration } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';

/**
 * An Auto Scaling group that self-healing may scale out, the alarms that open
 * incidents for it, and the limits every remediation of it must respect.
 */
export interface AutoScalingGroupTarget {
  /** Name of the Auto Scaling group. Must be known at synth time. */
  readonly autoScalingGroupName: string;

  /**
   * Alarms whose transition to ALARM opens an incident for this group.
   *
   * Each alarm may be registered for one group only, and its name must be
   * known at synth time (an alarm imported with `Alarm.fromAlarmArn` from a
   * `Stack.formatArn` ARN qualifies).
   */
  readonly alarms: cloudwatch.IAlarm[];

  /**
   * Largest number of instances one remediation step may add.
   *
   * @default 2
   */
  readonly maxStep?: number;

  /**
   * Hard ceiling on desired capacity, applied on top of the group's own MaxSize.
   *
   * @default - only the group's own MaxSize limits the desired capacity
   */
  readonly maxCapacity?: number;

  /**
   * Remediation attempts one incident may make before it escalates.
   *
   * @default - the construct-level `maxAttempts`, which defaults to 3
   */
  readonly maxAttempts?: number;

  /**
   * Quiet period after a remediation ends, during which new incidents for
   * this group are recorded as skipped.
   *
   * @default Duration.minutes(15)
   */
  readonly cooldown?: Duration;

  /**
   * How long one run may hold the group before its lease counts as abandoned.
   * Must be longer than `verifyAfter` plus five minutes, so the lease outlives
   * the act-wait-verify cycle it protects.
   *
   * @default Duration.minutes(30)
   */
  readonly leaseDuration?: Duration;

  /**
   * Wait between scaling out and checking whether the alarm has cleared.
   *
   * @default Duration.minutes(5)
   */
  readonly verifyAfter?: Duration;
}

/** Defaults applied to every `AutoScalingGroupTarget` field left unset. */
export const AUTO_SCALING_GROUP_DEFAULTS = {
  maxStep: 2,
  maxAttempts: 3,
  cooldown: Duration.minutes(15),
  leaseDuration: Duration.minutes(30),
  verifyAfter: Duration.minutes(5),
} as const;

/** The lease must outlast `verifyAfter` by at least this much. */
export const LEASE_MARGIN = Duration.minutes(5);
