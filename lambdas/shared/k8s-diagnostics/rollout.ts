import type { V1Deployment, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import type { Suggestion } from './finding.js';
import { isOwnedBy, ownerRef, revisionOf, sameNamespace } from './ownership.js';
import type { WorkloadSnapshot } from './snapshot.js';

/**
 * Where an object stands in its Deployment's rollout history: which revision
 * it runs, whether that is the newest, and whether an older one exists to
 * roll back to. Used to suggest `rollbackEksDeployment` only when a
 * rollback has somewhere to go.
 */
export interface RolloutPosition {
  readonly deployment?: string;
  readonly namespace?: string;
  readonly replicaSet?: string;
  /** The revision the object runs. */
  readonly revision?: number;
  /** The Deployment's newest revision. */
  readonly newestRevision?: number;
  /** The highest revision below `revision` still kept as a ReplicaSet. */
  readonly previousRevision?: number;
}

const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

function replicaSetsOf(deployment: V1Deployment, replicaSets: readonly V1ReplicaSet[] | undefined): V1ReplicaSet[] {
  return (replicaSets ?? []).filter((replicaSet) => isOwnedBy(replicaSet, deployment, 'Deployment'));
}

function highestBelow(revisions: readonly (number | undefined)[], ceiling: number): number | undefined {
  let best: number | undefined;
  for (const revision of revisions) {
    if (revision !== undefined && revision < ceiling && (best === undefined || revision > best)) best = revision;
  }
  return best;
}

/** A Deployment's newest revision and the one before it (from its ReplicaSets when given). */
export function deploymentPosition(deployment: V1Deployment, related: WorkloadSnapshot): RolloutPosition {
  const owned = replicaSetsOf(deployment, related.replicaSets);
  const revisions = owned.map(revisionOf);
  const newest = revisionOf(deployment) ?? highestBelow(revisions, Number.POSITIVE_INFINITY);
  const previous =
    newest === undefined
      ? undefined
      : related.replicaSets === undefined
        ? newest > 1
          ? newest - 1
          : undefined
        : highestBelow(revisions, newest);
  return {
    deployment: deployment.metadata?.name,
    namespace: deployment.metadata?.namespace,
    revision: newest,
    newestRevision: newest,
    previousRevision: previous,
  };
}

/** A pod's ReplicaSet, Deployment and revision, from owner references (and the template-hash naming rule when the ReplicaSet was not read). */
export function podPosition(pod: V1Pod, related: WorkloadSnapshot): RolloutPosition {
  const rsRef = ownerRef(pod, 'ReplicaSet');
  if (rsRef === undefined) return {};
  const replicaSet = (related.replicaSets ?? []).find(
    (candidate) =>
      (rsRef.uid !== undefined && rsRef.uid !== '' && candidate.metadata?.uid === rsRef.uid) ||
      (candidate.metadata?.name === rsRef.name && sameNamespace(candidate, pod)),
  );
  const namespace = pod.metadata?.namespace;
  if (replicaSet === undefined) {
    const hash = pod.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL];
    const suffix = hash === undefined ? undefined : `-${hash}`;
    const deployment = suffix !== undefined && rsRef.name.endsWith(suffix) ? rsRef.name.slice(0, -suffix.length) : undefined;
    return { deployment: deployment || undefined, namespace, replicaSet: rsRef.name };
  }
  const deploymentRef = ownerRef(replicaSet, 'Deployment');
  const deployment = (related.deployments ?? []).find((candidate) => isOwnedBy(replicaSet, candidate, 'Deployment'));
  const revision = revisionOf(replicaSet);
  const newest = deployment === undefined ? undefined : deploymentPosition(deployment, related).newestRevision;
  const siblings = deployment === undefined ? [] : replicaSetsOf(deployment, related.replicaSets);
  return {
    deployment: deploymentRef?.name,
    namespace,
    replicaSet: replicaSet.metadata?.name,
    revision,
    newestRevision: newest,
    previousRevision: revision === undefined ? undefined : highestBelow(siblings.map(revisionOf), revision),
  };
}

/** Whether the position runs the newest revision and an older one exists. */
export function canRollBack(position: RolloutPosition): boolean {
  return (
    position.deployment !== undefined &&
    position.namespace !== undefined &&
    position.revision !== undefined &&
    position.revision === position.newestRevision &&
    position.previousRevision !== undefined
  );
}

/** A `rollbackEksDeployment` suggestion for a position that can roll back, else undefined. */
export function rollbackSuggestion(position: RolloutPosition, problem: string): Suggestion | undefined {
  if (!canRollBack(position)) return undefined;
  return {
    action: 'rollbackEksDeployment',
    why: `${problem} on revision ${position.revision}, the Deployment's newest; revision ${position.previousRevision} is kept to roll back to.`,
    params: { namespace: position.namespace as string, deployment: position.deployment as string },
  };
}
