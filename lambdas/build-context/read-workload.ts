import type { V1ConfigMap, V1Deployment, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import { callKube, detectGitOpsOwner, gitOpsRecommendation, imagesOf, type KubeConnector, ownedReplicaSets, revisionOf, selectorString } from '../shared/eks/index.js';
import { analyzeWorkload } from '../shared/k8s-diagnostics/analyze-workload.js';
import type { Finding } from '../shared/k8s-diagnostics/finding.js';
import { configMapsReadBy, previousValue } from '../shared/k8s-diagnostics/previous-value.js';
import { MAX_CONFIG_VALUE_CHARS } from '../shared/k8s-diagnostics/resolve-value.js';
import type { EksDeploymentScope } from '../shared/scope.js';
import type { LogExcerpt, TrustedValue, WorkloadContext } from '../shared/workflow.js';

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
    previousTemplate: previous?.replicaSet.spec?.template,
    previousContainerImages: previous === undefined ? [] : imagesOf(previous.replicaSet.spec?.template),
    rolledOutAt: created === undefined ? undefined : new Date(created).toISOString(),
  };
}

/** At most this many ConfigMaps are read for one incident. */
const MAX_CONFIG_MAPS = 12;

/** Reads one String parameter, or undefined when there is none; throws on anything else (the caller records a gap). */
export type ParameterReader = (name: string) => Promise<string | undefined>;

export interface ReadWorkloadOptions {
  /** Reads Parameter Store, for a target with a `parameterStorePath`. */
  readonly readParameter?: ParameterReader;
}

/** The diagnosis's missing ConfigMap key that no declared default fills, if any. */
function unfilledKey(findings: readonly Finding[], deployment: string) {
  const finding = findings.find((candidate) => candidate.reason === 'MissingEnvVar' && candidate.name === deployment);
  const details = finding?.evidence.details;
  if (details === undefined || details.valueFrom !== undefined) return undefined;
  const { variable, container, configMap, key, keyInConfigMap } = details;
  if (variable === undefined || container === undefined || configMap === undefined || key === undefined) return undefined;
  if (keyInConfigMap !== 'absent' && keyInConfigMap !== 'blank' && keyInConfigMap !== 'unknown') return undefined;
  return { variable, container, configMap, key };
}

/**
 * A trusted value for the missing key: from the ConfigMap's previous
 * revision, else from Parameter Store (String parameters only). Only for a
 * ConfigMap the scope declares, since nothing else may be patched.
 */
async function findTrustedValue(
  missing: NonNullable<ReturnType<typeof unfilledKey>>,
  resource: EksDeploymentScope,
  configMaps: readonly V1ConfigMap[],
  history: ReturnType<typeof revisions>,
  options: ReadWorkloadOptions,
): Promise<TrustedValue | undefined> {
  if (!Object.hasOwn(resource.configMapDefaults, missing.configMap)) return undefined;
  const previous = previousValue({
    ...missing,
    namespace: resource.namespace,
    configMaps,
    ...(history.previousRevision === undefined ? {} : { previous: { revision: history.previousRevision, template: history.previousTemplate } }),
    maxChars: MAX_CONFIG_VALUE_CHARS,
  });
  if (previous !== undefined) return { configMap: missing.configMap, key: missing.key, value: previous.value, from: 'previous-revision', detail: previous.detail };
  if (resource.parameterStorePath === undefined || options.readParameter === undefined) return undefined;
  const name = `${resource.parameterStorePath}${missing.configMap}/${missing.key}`;
  let stored: string | undefined;
  try {
    stored = await options.readParameter(name);
  } catch {
    // Unreadable or unusable (a SecureString): no value, and the incident escalates with the diagnosis.
    return undefined;
  }
  if (stored === undefined || stored.trim() === '' || stored.length > MAX_CONFIG_VALUE_CHARS) return undefined;
  return { configMap: missing.configMap, key: missing.key, value: stored, from: 'parameter-store', detail: `Parameter Store ${name}` };
}

/**
 * Reads the incident's Deployment, its ReplicaSets, pods and the ConfigMaps
 * its live and previous revisions read (read-only, in its own allowlisted
 * namespace) and runs the analyzers over them, with the context's container
 * log lines for the missing-variable diagnosis. A missing key's value comes
 * only from a trusted source: the scope's declared defaults, the ConfigMap's
 * previous revision (its last-applied manifest, or the ConfigMap the previous
 * ReplicaSet read), or Parameter Store.
 */
export async function readWorkload(
  connector: KubeConnector,
  resource: EksDeploymentScope,
  onsetAt: Date,
  logs: readonly LogExcerpt[],
  options: ReadWorkloadOptions = {},
): Promise<WorkloadContext> {
  const apis = await connector.connect(resource.cluster, resource.namespace);
  const deployment = await callKube('read deployment', () => apis.apps.readNamespacedDeployment({ name: resource.name, namespace: resource.namespace }));
  const selector = selectorString(deployment.spec?.selector);
  const [replicaSets, pods] = await Promise.all([
    callKube('list replicasets', () => apis.apps.listNamespacedReplicaSet({ namespace: resource.namespace, labelSelector: selector })),
    callKube('list pods', () => apis.core.listNamespacedPod({ namespace: resource.namespace, labelSelector: selector })),
  ]);
  const history = revisions(deployment, replicaSets.items);
  const configMapNames = [
    ...new Set([...Object.keys(resource.configMapDefaults), ...configMapsReadBy(deployment.spec?.template), ...configMapsReadBy(history.previousTemplate)]),
  ].slice(0, MAX_CONFIG_MAPS);
  const configMaps = (
    await Promise.all(
      configMapNames.map((name) =>
        callKube('read configmap', () => apis.core.readNamespacedConfigMap({ name, namespace: resource.namespace })).catch(() => undefined),
      ),
    )
  ).filter((configMap) => configMap !== undefined);
  const snapshot = { deployments: [deployment], replicaSets: replicaSets.items, pods: pods.items, configMaps, logs: logsByContainer(pods.items, logs) };
  const analyze = (trusted: TrustedValue | undefined) =>
    analyzeWorkload(snapshot, {
      targetDeployment: { name: resource.name, namespace: resource.namespace },
      onsetAt: onsetAt.toISOString(),
      candidates: {
        defaults: resource.configMapDefaults,
        ...(trusted?.from === 'previous-revision' ? { previousRevision: { [trusted.key]: trusted.value } } : {}),
        ...(trusted?.from === 'parameter-store' ? { parameterStore: { [trusted.key]: trusted.value } } : {}),
      },
    });
  let analysis = analyze(undefined);
  const missing = unfilledKey(analysis.findings, resource.name);
  const trusted = missing === undefined ? undefined : await findTrustedValue(missing, resource, configMaps, history, options);
  if (trusted !== undefined) analysis = analyze(trusted);
  const owner = detectGitOpsOwner(deployment.metadata ?? {});
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
    trustedValues: trusted === undefined ? [] : [trusted],
  };
}
