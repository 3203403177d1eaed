import type { V1Deployment, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import { callKube, detectGitOpsOwner, gitOpsRecommendation, imagesOf, type KubeConnector, ownedReplicaSets, revisionOf, selectorString } from '../shared/eks/index.js';
import { analyzeWorkload } from '../shared/k8s-diagnostics/analyze-workload.js';
import type { EksDeploymentScope } from '../shared/scope.js';
import type { LogExcerpt, WorkloadContext } from '../shared/workflow.js';

/** The container log lines of the context, keyed as the analyzers look them up: `pod/container`. */
function logsByContainer(pods: readonly V1Pod[], excerpts: readonly LogExcerpt[]): Record<string, string[]> {
  const lines = excerpts.flatMap((excerpt) => excerpt.lines.map((line) => line.message));
  const logs: Record<string, string[]> = {};
  if (lines.length === 0) return logs;
  for (const pod of pods) {
    for (const container of pod.spec?.containers ?? []) logs[`${pod.metadata?.name ?? ''}/${container.name}`] = lines;
  }
  return logs;
}

/** What the live and the previous revision run, and when the live one was rolled out. */
function revisions(deployment: V1Deployment, replicaSets: readonly V1ReplicaSet[]) {
  const owned = ownedReplicaSets(deployment, replicaSets)
    .map((replicaSet) => ({ replicaSet, revision: revisionOf(replicaSet.metadata) }))
    .filter((entry): entry is { replicaSet: V1ReplicaSet; revision: number } => entry.revision !== undefined)
    .sort((a, b) => b.revision - a.revision);
  const live = revisionOf(deployment.metadata);
  const current = owned.find((entry) => entry.revision === live) ?? owned[0];
  const previous = owned.find((entry) => current !== undefined && entry.revision < current.revision);
  const created = current?.replicaSet.metadata?.creationTimestamp;
  return {
    revision: current?.revision,
    previousRevision: previous?.revision,
    previousContainerImages: previous === undefined ? [] : imagesOf(previous.replicaSet.spec?.template),
    rolledOutAt: created === undefined ? undefined : new Date(created).toISOString(),
  };
}

/**
 * Reads the incident's Deployment, its ReplicaSets and pods (read-only, in
 * its own allowlisted namespace) and runs the analyzers over them, with the
 * context's container log lines for the missing-variable diagnosis and the
 * scope's declared values as the only source of a value to set.
 */
export async function readWorkload(
  connector: KubeConnector,
  resource: EksDeploymentScope,
  onsetAt: Date,
  logs: readonly LogExcerpt[],
): Promise<WorkloadContext> {
  const apis = await connector.connect(resource.cluster, resource.namespace);
  const deployment = await callKube('read deployment', () => apis.apps.readNamespacedDeployment({ name: resource.name, namespace: resource.namespace }));
  const selector = selectorString(deployment.spec?.selector);
  const [replicaSets, pods, configMaps] = await Promise.all([
    callKube('list replicasets', () => apis.apps.listNamespacedReplicaSet({ namespace: resource.namespace, labelSelector: selector })),
    callKube('list pods', () => apis.core.listNamespacedPod({ namespace: resource.namespace, labelSelector: selector })),
    Promise.all(
      Object.keys(resource.configMapDefaults).map((name) =>
        callKube('read configmap', () => apis.core.readNamespacedConfigMap({ name, namespace: resource.namespace })).catch(() => undefined),
      ),
    ),
  ]);
  const snapshot = {
    deployments: [deployment],
    replicaSets: replicaSets.items,
    pods: pods.items,
    configMaps: configMaps.filter((configMap) => configMap !== undefined),
    logs: logsByContainer(pods.items, logs),
  };
  const analysis = analyzeWorkload(snapshot, {
    targetDeployment: { name: resource.name, namespace: resource.namespace },
    onsetAt: onsetAt.toISOString(),
    candidates: { defaults: resource.configMapDefaults },
  });
  const owner = detectGitOpsOwner(deployment.metadata ?? {});
  const history = revisions(deployment, replicaSets.items);
  const gitOps =
    owner === undefined
      ? undefined
      : gitOpsRecommendation({ kind: 'Deployment', cluster: resource.cluster, namespace: resource.namespace, name: resource.name }, owner, {
          action: 'rollbackEksDeployment',
          ...(history.previousRevision === undefined ? {} : { previous: { revision: history.previousRevision, images: history.previousContainerImages } }),
        });
  return {
    cluster: resource.cluster,
    namespace: resource.namespace,
    deployment: resource.name,
    images: imagesOf(deployment.spec?.template).map((image) => image.image),
    revision: history.revision,
    previousRevision: history.previousRevision,
    previousImages: history.previousContainerImages.map((image) => image.image),
    rolledOutAt: history.rolledOutAt,
    replicas: deployment.spec?.replicas ?? 0,
    readyReplicas: deployment.status?.readyReplicas ?? 0,
    ...(gitOps === undefined ? {} : { gitOps }),
    findings: analysis.findings,
  };
}
