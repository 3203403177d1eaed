import { OutOfScopeError, StalePlanError } from '../shared/errors.js';
import type { Incident } from '../shared/incident.js';
import type { AutoScalingGroupScope, ResourceScope } from '../shared/scope.js';
import type { ActionParams } from '../shared/actions/catalog.js';
import type { AutoScalingGroupState } from '../shared/workflow.js';

/** A scale-out plan as the action receives it: the params, and the capacity the plan was made from. */
export type ScaleOutParams = ActionParams<'scaleOutAsg'> & {
  /** Desired capacity in the context the plan was made from (read by BuildContext, not claimed by the plan). */
  fromCapacity: number;
};

/**
 * The part of the check that needs no AWS call: the plan's group must be the
 * incident's own, registered group. Made before the group is even read, so a
 * plan naming a foreign group is refused as out of scope whether or not that
 * group exists.
 */
export function checkInScope(params: ScaleOutParams, incident: Incident, resource: ResourceScope | undefined): AutoScalingGroupScope {
  if (resource === undefined || resource.kind !== 'autoscaling-group') {
    throw new OutOfScopeError(`${incident.resource.id} is not a registered Auto Scaling group`);
  }
  if (params.autoScalingGroupName !== resource.name || incident.resource.name !== resource.name) {
    throw new OutOfScopeError(
      `plan targets ${params.autoScalingGroupName} but the incident is about ${incident.resource.name}; only the incident's own group may be scaled`,
    );
  }
  return resource;
}

/** What the action will do, given the group as it is now. */
export type ScaleOutStep = { change: false; reason: string } | { change: true; targetCapacity: number };

/**
 * The last check before capacity changes, made against the live group and
 * the deployed scope rather than anything the plan claims: the group must be
 * the incident's own and in scope, and the target must stay within the
 * maximum step, the scope's ceiling and the group's MaxSize. A plan that
 * fails any of these is refused with `OutOfScopeError`; a group scaled in
 * since the plan was made is refused with `StalePlanError`, because
 * something else is managing it.
 */
export function checkScaleOut(
  params: ScaleOutParams,
  incident: Incident,
  resource: ResourceScope | undefined,
  group: AutoScalingGroupState,
): ScaleOutStep {
  const scope = checkInScope(params, incident, resource);
  const ceiling = Math.min(group.maxSize, scope.maxCapacity ?? Number.POSITIVE_INFINITY);
  if (params.targetCapacity > ceiling) {
    throw new OutOfScopeError(`target capacity ${params.targetCapacity} exceeds the ceiling of ${ceiling} for ${scope.name}`);
  }
  if (params.targetCapacity - params.fromCapacity > scope.maxStep) {
    throw new OutOfScopeError(
      `step of ${params.targetCapacity - params.fromCapacity} exceeds the maximum step of ${scope.maxStep} for ${scope.name}`,
    );
  }
  if (params.targetCapacity <= params.fromCapacity) {
    throw new OutOfScopeError(`a scale-out must raise capacity (${params.fromCapacity} → ${params.targetCapacity})`);
  }
  if (group.desiredCapacity < params.fromCapacity) {
    throw new StalePlanError(
      `${scope.name} was scaled in to ${group.desiredCapacity} since the plan was made at ${params.fromCapacity}; something else is managing it`,
    );
  }
  if (group.desiredCapacity >= params.targetCapacity) {
    return { change: false, reason: `${scope.name} already has desired capacity ${group.desiredCapacity}` };
  }
  return { change: true, targetCapacity: params.targetCapacity };
}
