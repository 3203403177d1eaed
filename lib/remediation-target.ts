import { Duration } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { ActionName, Autonomy } from '../lambdas/shared/actions/catalog.js';
import type { MetricRef } from '../lambdas/shared/scope.js';
import type { AnomalyAlarmSpec } from './anomaly-alarm.js';

/**
 * What every kind of target shares: the alarms that open its incidents and
 * judge its recovery, and the limits of every remediation of it. Each kind
 * (`AutoScalingGroupTarget`, `EksDeploymentTarget`, `WebAclTarget`) adds
 * what names the resource and what its actions need.
 */
export interface RemediationTarget {
  /**
   * Alarms whose transition to ALARM opens an incident for this resource;
   * verification waits for them to clear.
   *
   * Each alarm may be registered for one resource only, and its name must be
   * known at synth time (an alarm imported with `Alarm.fromAlarmName`, or with
   * `Alarm.fromAlarmArn` from a `Stack.formatArn` ARN, qualifies).
   */
  readonly alarms: cloudwatch.IAlarm[];

  /**
   * Anomaly-detection alarms to create on metrics of this resource: each
   * breaches when its metric leaves `ANOMALY_DETECTION_BAND(metric, bandWidth)`
   * and is registered like one of `alarms` (it opens incidents, and
   * verification waits for it to clear). A target may rely on these alone
   * and leave `alarms` empty.
   *
   * @default - none
   */
  readonly anomalyAlarms?: readonly AnomalyAlarmSpec[];

  /**
   * Alarms that watch what an action on this resource could break (a database
   * behind it, a neighbour's error rate). One of them entering ALARM after the
   * action is an unintended consequence: the action is undone and the incident
   * escalates. They open no incident of their own (register an alarm under
   * `alarms` of some target for that), and their names must be known at synth time.
   *
   * @default - none
   */
  readonly dependentAlarms?: cloudwatch.IAlarm[];

  /**
   * Remediation attempts one incident may make before it escalates.
   *
   * @default - the construct-level `maxAttempts`, which defaults to 3
   */
  readonly maxAttempts?: number;

  /**
   * Quiet period after a remediation ends, during which new incidents for
   * this resource are recorded as skipped.
   *
   * @default Duration.minutes(15)
   */
  readonly cooldown?: Duration;

  /**
   * How long one run may hold the resource before its lease counts as abandoned.
   * Must be longer than `verifyAfter` plus five minutes, so the lease outlives
   * the act-wait-verify cycle it protects.
   *
   * @default Duration.minutes(30)
   */
  readonly leaseDuration?: Duration;

  /**
   * Wait between acting and checking whether the alarms have cleared.
   *
   * @default Duration.minutes(5)
   */
  readonly verifyAfter?: Duration;

  /**
   * Autonomy per action for this resource, over the construct-level `autonomy`
   * and the catalog's defaults: `observe`, `recommend`, `approve` or `auto`.
   *
   * @default - the construct-level setting, else the catalog default (`auto` for scaleOutAsg, `approve` for the rest)
   */
  readonly autonomy?: Partial<Record<ActionName, Autonomy>>;

  /**
   * Other resources an action may change on this resource's behalf, as targets
   * (`waf-ip-set/REGIONAL/<name>`, `eks-deployment/<cluster>/<namespace>/<name>`, …).
   * A target only changes when its IAM exists too: declare WAF IP sets through
   * a `WebAclTarget` and Deployments through an `EksDeploymentTarget`.
   *
   * @default - none: actions may only change the resource itself (and what it implies)
   */
  readonly dependencies?: readonly string[];

  /**
   * Log groups whose recent error lines are read into the incident's context
   * (at most 5), and which the log intake subscribes to (unless
   * `logIntake.enabled` is false): its detections open incidents for this
   * resource. Each log group may be read for one resource only (Deployments
   * of one cluster may share its container log group). For a `WebAclTarget`,
   * list the web ACL's `aws-waf-logs-…` log group here.
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

/** Defaults applied to every `RemediationTarget` field left unset. */
export const REMEDIATION_TARGET_DEFAULTS = {
  maxAttempts: 3,
  cooldown: Duration.minutes(15),
  leaseDuration: Duration.minutes(30),
  verifyAfter: Duration.minutes(5),
} as const;

/** The lease must outlast `verifyAfter` by at least this much. */
export const LEASE_MARGIN = Duration.minutes(5);
