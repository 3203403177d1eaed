import { OutOfScopeError } from '../errors.js';
import type { Incident } from '../incident.js';
import { allowedTargetsOf, findResourceById, type ResourceScope, type Scope } from '../scope.js';
import { ACTIONS, type ActionName, targetAllowedBy } from './catalog.js';

/**
 * The action's own check, made before any call and whatever the policy
 * said: the incident's resource is registered, the plan changes that
 * resource or one its scope allows, and an EKS change stays in the
 * incident's own cluster and namespace (a restart after a patch restarts
 * the incident's own Deployment). The policy checks the same; this is the
 * second line of defence, at the edge that holds the permissions.
 */
export function checkTarget(scope: Scope, incident: Incident, action: ActionName, params: Record<string, unknown>): ResourceScope {
  const resource = findResourceById(scope, incident.resource.id);
  if (resource === undefined) throw new OutOfScopeError(`${incident.resource.id} is not registered in the deployed scope`);
  const target = (ACTIONS[action].targetOf as (params: Record<string, unknown>) => string)(params);
  const allowed = allowedTargetsOf(resource);
  if (!targetAllowedBy(allowed, target)) {
    throw new OutOfScopeError(`${action} would change ${target}, which is neither ${incident.resource.id} nor a target its scope allows [${allowed.join(', ')}]`);
  }
  if (action === 'rollbackEksDeployment' || action === 'restartEksDeployment' || action === 'patchEksConfigMap') {
    if (resource.kind !== 'eks-deployment' || params.cluster !== resource.cluster || params.namespace !== resource.namespace) {
      throw new OutOfScopeError(`${action} must stay in the incident's own cluster and namespace (${incident.resource.id})`);
    }
    if (params.restartDeployment !== undefined && params.restartDeployment !== resource.name) {
      throw new OutOfScopeError(`a patch may restart only the incident's Deployment ${resource.name}, not ${String(params.restartDeployment)}`);
    }
  }
  return resource;
}
