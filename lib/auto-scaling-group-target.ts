import { LEASE_MARGIN, REMEDIATION_TARGET_DEFAULTS, type RemediationTarget } from './remediation-target.js';

/**
 * An Auto Scaling group that self-healing may scale out, the alarms that open
 * incidents for it, and the limits every remediation of it must respect.
 *
 * Everything but the group's name and scale-out limits is shared with the
 * other kinds of target: see `RemediationTarget`.
 */
export interface AutoScalingGroupTarget extends RemediationTarget {
  /** Name of the Auto Scaling group. Must be known at synth time. */
  readonly autoScalingGroupName: string;

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
}

/** Defaults applied to every `AutoScalingGroupTarget` field left unset. */
export const AUTO_SCALING_GROUP_DEFAULTS = {
  ...REMEDIATION_TARGET_DEFAULTS,
  maxStep: 2,
} as const;

export { LEASE_MARGIN };
