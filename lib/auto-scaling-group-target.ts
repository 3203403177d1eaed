import { Duration } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { ActionName, Autonomy } from '../lambdas/shared/actions/catalog.js';
import type { MetricRef } from '../lambdas/shared/scope.js';

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

  /**
   * Autonomy per action for this group, over the construct-level `autonomy`
   * and the catalog's defaults: `observe`, `recommend`, `approve` or `auto`.
   *
   * @default - the construct-level setting, else the catalog default (`auto` for scaleOutAsg, `approve` for the rest)
   */
  readonly autonomy?: Partial<Record<ActionName, Autonomy>>;

  /**
   * Other resources an action may change on this group's behalf, as targets
   * (`waf-ip-set/REGIONAL/<name>`, `eks-deployment/<cluster>/<namespace>/<name>`, …).
   *
   * @default - none: actions may only change the group itself
   */
  readonly dependencies?: readonly string[];

  /**
   * Log groups whose recent error lines are read into the incident's context (at most 5).
   *
   * @default - none
   */
  readonly logGroupNames?: readonly string[];

  /**
   * Metrics read into the context next to the alarm's own (at most 10).
   *
   * @default - none
   */
  readonly relatedMetrics?: readonly MetricRef[];

  /**
   * How long a plan that needs approval waits for a human before it escalates.
   *
   * @default Duration.hours(1)
   */
  readonly approvalTimeout?: Duration;
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
