import { EKSClient } from '@aws-sdk/client-eks';
import {
  ApiException,
  KubeConfig,
  type V1ConfigMap,
  type V1Deployment,
  type V1Node,
  type V1PersistentVolumeClaim,
  type V1Pod,
  type V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';
import { diagnosticEksKubeApis, diagnosticKubeApisFrom } from '../lambdas/shared/eks/diagnostic-kube-apis.js';
import { type ClusterTokenProvider, type KubeApiFactory, type KubeApis, KubeConnector } from '../lambdas/shared/eks/kube-client.js';
import { selectorString } from '../lambdas/shared/eks/rollout-history.js';
import { analyzeWorkload, type Finding, type WorkloadSnapshot } from '../lambdas/shared/k8s-diagnostics/index.js';

/**
 * `self-heal diagnose`: reads one namespace (GET and LIST only), runs the
 * same analyzers as BuildContext over it, and returns the findings. The
 * printing is in `format-findings.ts`; the argument parsing in
 * `diagnose-command.ts`.
 *
 * Deployments (or the one named) and Pods are required; every other list is
 * optional and skipped with a note when it cannot be read (no RBAC, or a
 * group the cluster does not serve). Nodes are listed cluster-wide but only
 * those running the pods read are analyzed. With a Deployment named, its
 * pods, ReplicaSets, PVCs and HPAs are read; other workloads (StatefulSets,
 * Jobs, CronJobs) are not; Services, Endpoints, Ingresses, ConfigMaps and
 * Events stay namespace-wide.
 */

/** Where the cluster is: through EKS, or a kubeconfig file (the default one when `file` is unset). */
export type DiagnoseTarget =
  | { readonly via: 'eks'; readonly cluster: string }
  | { readonly via: 'kubeconfig'; readonly file?: string; readonly context?: string };

export interface DiagnoseRequest {
  readonly target: DiagnoseTarget;
  readonly namespace: string;
  readonly deployment?: string;
  /** Trusted values for a missing ConfigMap key, by ConfigMap then key (`--default CONFIGMAP/KEY=VALUE`). */
  readonly defaults?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly maxFindings?: number;
}

/** Seams for tests and for callers with their own AWS clients. */
export interface DiagnoseDeps {
  readonly eks?: EKSClient;
  readonly kubeApis?: KubeApiFactory;
  readonly token?: ClusterTokenProvider;
}

export interface DiagnoseResult {
  readonly findings: Finding[];
  readonly total: number;
  /** What was read from where, for the report's header. */
  readonly scope: string;
  /** Lists that could not be read and were skipped, and what was read but left out, one sentence each. */
  readonly notes: string[];
  /** How many objects of each kind were read. */
  readonly counts: Record<string, number>;
}

/** A failure the user can act on (bad kubeconfig, unknown context, unreachable or refusing server). */
export class DiagnoseError extends Error {
  override readonly name = 'DiagnoseError';
  constructor(
    message: string,
    /** 2 when the arguments are at fault, 1 otherwise. */
    readonly exitCode: 1 | 2 = 1,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** How many previous-container logs are fetched at most. */
export const MAX_LOGS_FETCHED = 5;
const LOG_TAIL_LINES = 50;

/** The `message` of a Kubernetes Status body, or a short description of the error. */
export function describeKubeFailure(error: unknown): string {
  if (error instanceof ApiException) {
    let body: unknown = error.body;
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body);
      } catch {
        // not JSON: keep the status code only
      }
    }
    const message = (body as { message?: unknown } | undefined)?.message;
    return `HTTP ${error.code}${typeof message === 'string' ? `: ${message}` : ''}`;
  }
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  const code = (error as { code?: unknown }).code ?? cause?.code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message;
}

function statusOf(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

function loadKubeConfig(target: Extract<DiagnoseTarget, { via: 'kubeconfig' }>): { apis: KubeApis; scope: string } {
  const config = new KubeConfig();
  try {
    if (target.file === undefined) config.loadFromDefault();
    else config.loadFromFile(target.file);
  } catch (error) {
    throw new DiagnoseError(`cannot read kubeconfig ${target.file ?? '(default)'}: ${(error as Error).message}`, 1, { cause: error });
  }
  if (target.context !== undefined) {
    if (!config.getContexts().some((context) => context.name === target.context)) {
      const known = config.getContexts().map((context) => context.name);
      throw new DiagnoseError(`no context ${target.context} in kubeconfig ${target.file ?? '(default)'} (it has: ${known.join(', ') || 'none'})`, 2);
    }
    config.setCurrentContext(target.context);
  }
  const cluster = config.getCurrentCluster();
  if (cluster === null) {
    throw new DiagnoseError(`kubeconfig ${target.file ?? '(default)'} has no current cluster; pass --context NAME or --cluster NAME`, 1);
  }
  return { apis: diagnosticKubeApisFrom(config), scope: `context ${config.getCurrentContext()} (${cluster.server})` };
}

async function connect(target: DiagnoseTarget, namespace: string, deps: DiagnoseDeps): Promise<{ apis: KubeApis; scope: string; destroy?: () => void }> {
  if (target.via === 'kubeconfig') return loadKubeConfig(target);
  const eks = deps.eks ?? new EKSClient({});
  const connector = new KubeConnector({
    eks,
    clusters: [{ name: target.cluster, namespaces: [namespace] }],
    kubeApis: deps.kubeApis ?? diagnosticEksKubeApis,
    ...(deps.token === undefined ? {} : { token: deps.token }),
  });
  try {
    return { apis: await connector.connect(target.cluster, namespace), scope: `EKS cluster ${target.cluster}`, ...(deps.eks === undefined ? { destroy: () => eks.destroy() } : {}) };
  } catch (error) {
    if (deps.eks === undefined) eks.destroy();
    throw new DiagnoseError(`cannot connect to EKS cluster ${target.cluster}: ${(error as Error).message}`, 1, { cause: error });
  }
}

/** The ConfigMaps a pod template names (envFrom, valueFrom, volumes, projected volumes). */
export function referencedConfigMaps(deployments: readonly V1Deployment[]): string[] {
  const names = new Set<string>();
  for (const deployment of deployments) {
    const spec = deployment.spec?.template.spec;
    for (const container of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])]) {
      for (const source of container.envFrom ?? []) if (source.configMapRef?.name) names.add(source.configMapRef.name);
      for (const variable of container.env ?? []) if (variable.valueFrom?.configMapKeyRef?.name) names.add(variable.valueFrom.configMapKeyRef.name);
    }
    for (const volume of spec?.volumes ?? []) {
      if (volume.configMap?.name) names.add(volume.configMap.name);
      for (const projected of volume.projected?.sources ?? []) if (projected.configMap?.name) names.add(projected.configMap.name);
    }
  }
  return [...names].sort();
}

/** The PersistentVolumeClaims the pod templates and pods mount. */
export function claimedPvcs(deployments: readonly V1Deployment[], pods: readonly V1Pod[]): Set<string> {
  const volumes = [...deployments.flatMap((deployment) => deployment.spec?.template.spec?.volumes ?? []), ...pods.flatMap((pod) => pod.spec?.volumes ?? [])];
  return new Set(volumes.flatMap((volume) => (volume.persistentVolumeClaim?.claimName ? [volume.persistentVolumeClaim.claimName] : [])));
}

/** The HorizontalPodAutoscalers that scale the named Deployment. */
function scalingDeployment(hpas: readonly V2HorizontalPodAutoscaler[], deployment: string): V2HorizontalPodAutoscaler[] {
  return hpas.filter((hpa) => hpa.spec?.scaleTargetRef.kind === 'Deployment' && hpa.spec.scaleTargetRef.name === deployment);
}

/** The Nodes the pods are scheduled on. */
function hostingNodes(nodes: readonly V1Node[], pods: readonly V1Pod[]): V1Node[] {
  const names = new Set(pods.flatMap((pod) => (pod.spec?.nodeName ? [pod.spec.nodeName] : [])));
  return nodes.filter((node) => node.metadata?.name !== undefined && names.has(node.metadata.name));
}

/** Containers worth a `kubectl logs --previous`: restarted, or waiting after a crash. */
function crashedContainers(pods: readonly V1Pod[]): { pod: V1Pod; container: string; terminationMessage?: string }[] {
  return pods.flatMap((pod) =>
    (pod.status?.containerStatuses ?? [])
      .filter((status) => status.restartCount > 0 || status.lastState?.terminated !== undefined)
      .map((status) => {
        const message = status.lastState?.terminated?.message;
        return { pod, container: status.name, ...(message ? { terminationMessage: message } : {}) };
      }),
  );
}

/** Reads the namespace and analyzes it. Only GET and LIST requests. */
export async function diagnose(request: DiagnoseRequest, deps: DiagnoseDeps = {}): Promise<DiagnoseResult> {
  const { namespace } = request;
  const { apis, scope, destroy } = await connect(request.target, namespace, deps);
  // One slot per optional read, taken when the read starts: the notes keep the order of the reads, not of the answers.
  const notes: (string | undefined)[] = [];
  /** A list the analysis needs: its failure ends the run. */
  const required = async <T>(what: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      const status = statusOf(error);
      if (status === 404 && request.deployment !== undefined && what.startsWith('get deployment')) {
        throw new DiagnoseError(`deployment ${namespace}/${request.deployment} not found`, 1, { cause: error });
      }
      const hint = status === 401 || status === 403 ? ' (check your credentials and RBAC: get/list in this namespace)' : '';
      throw new DiagnoseError(`${what} failed: ${describeKubeFailure(error)}${hint}`, 1, { cause: error });
    }
  };
  /** A list the analysis can do without: its failure is a note. */
  const optional = async <T>(what: string, call: () => Promise<T>): Promise<T | undefined> => {
    const slot = notes.push(undefined) - 1;
    try {
      return await call();
    } catch (error) {
      notes[slot] = `${what} skipped: ${describeKubeFailure(error)}`;
      return undefined;
    }
  };
  const optionalItems = async <T>(what: string, call: () => Promise<{ items: T[] }>): Promise<T[] | undefined> => (await optional(what, call))?.items;
  // A client built without a group (a factory of the workload groups only) cannot read it: say so, like a refused list.
  const group = <A>(api: A | undefined, name: string): A => {
    if (api === undefined) throw new Error(`this client has no ${name} API group`);
    return api;
  };
  try {
    let deployments: V1Deployment[];
    let labelSelector: string | undefined;
    if (request.deployment === undefined) {
      deployments = (await required(`list deployments in ${namespace}`, () => apis.apps.listNamespacedDeployment({ namespace }))).items;
    } else {
      const name = request.deployment;
      const deployment = await required(`get deployment ${namespace}/${name}`, () => apis.apps.readNamespacedDeployment({ name, namespace }));
      deployments = [deployment];
      labelSelector = selectorString(deployment.spec?.selector);
    }
    const selected = labelSelector === undefined ? { namespace } : { namespace, labelSelector };
    // Other workloads than the named Deployment are not read: narrowing to it means leaving them out.
    const otherWorkloads = request.deployment === undefined;
    const [pods, replicaSets, listedConfigMaps, events, services, endpoints, ingresses, listedPvcs, listedHpas, statefulSets, jobs, cronJobs] = await Promise.all([
      required(`list pods in ${namespace}`, () => apis.core.listNamespacedPod(selected)).then((list) => list.items),
      optionalItems(`list replicasets in ${namespace}`, () => apis.apps.listNamespacedReplicaSet(selected)),
      optionalItems(`list configmaps in ${namespace}`, () => apis.core.listNamespacedConfigMap({ namespace })),
      optionalItems(`list events in ${namespace}`, () => apis.core.listNamespacedEvent({ namespace })),
      optionalItems(`list services in ${namespace}`, () => apis.core.listNamespacedService({ namespace })),
      optionalItems(`list endpoints in ${namespace}`, () => apis.core.listNamespacedEndpoints({ namespace })),
      optionalItems(`list ingresses in ${namespace}`, () => group(apis.networking, 'networking.k8s.io/v1').listNamespacedIngress({ namespace })),
      optionalItems(`list persistentvolumeclaims in ${namespace}`, () => apis.core.listNamespacedPersistentVolumeClaim({ namespace })),
      optionalItems(`list horizontalpodautoscalers in ${namespace}`, () => group(apis.autoscaling, 'autoscaling/v2').listNamespacedHorizontalPodAutoscaler({ namespace })),
      otherWorkloads ? optionalItems(`list statefulsets in ${namespace}`, () => apis.apps.listNamespacedStatefulSet({ namespace })) : undefined,
      otherWorkloads ? optionalItems(`list jobs in ${namespace}`, () => group(apis.batch, 'batch/v1').listNamespacedJob({ namespace })) : undefined,
      otherWorkloads ? optionalItems(`list cronjobs in ${namespace}`, () => group(apis.batch, 'batch/v1').listNamespacedCronJob({ namespace })) : undefined,
    ]);
    let pvcs: V1PersistentVolumeClaim[] | undefined = listedPvcs;
    let hpas: V2HorizontalPodAutoscaler[] | undefined = listedHpas;
    if (request.deployment !== undefined) {
      const claims = claimedPvcs(deployments, pods);
      pvcs = pvcs?.filter((pvc) => claims.has(pvc.metadata?.name ?? ''));
      hpas = hpas === undefined ? undefined : scalingDeployment(hpas, request.deployment);
    }
    // Nodes are cluster-scoped: list them all, keep the ones the pods run on. No scheduled pod, no request.
    let nodes: V1Node[] | undefined;
    if (pods.some((pod) => pod.spec?.nodeName)) {
      const listed = await optionalItems('list nodes', () => apis.core.listNode());
      if (listed !== undefined) {
        nodes = hostingNodes(listed, pods);
        if (nodes.length < listed.length) {
          const subject = request.deployment === undefined ? `namespace ${namespace}` : `deployment ${namespace}/${request.deployment}`;
          notes.push(`only the nodes hosting the pods of ${subject} were checked: ${nodes.length} of the cluster's ${listed.length}`);
        }
      }
    }
    // Without LIST on ConfigMaps (the BuildContext reader role only has GET), read the ones the pod templates name.
    let configMaps = listedConfigMaps;
    if (configMaps === undefined) {
      const names = referencedConfigMaps(deployments);
      const read = await Promise.all(
        names.map((name) => optional(`get configmap ${namespace}/${name}`, () => apis.core.readNamespacedConfigMap({ name, namespace }))),
      );
      configMaps = read.filter((configMap): configMap is V1ConfigMap => configMap !== undefined);
    }
    const logs: Record<string, string[]> = {};
    let logFailure: string | undefined;
    for (const { pod, container, terminationMessage } of crashedContainers(pods).slice(0, MAX_LOGS_FETCHED)) {
      const podName = pod.metadata?.name ?? '';
      try {
        const text = await apis.core.readNamespacedPodLog({ name: podName, namespace, container, previous: true, tailLines: LOG_TAIL_LINES });
        logs[`${podName}/${container}`] = String(text).split(/\r?\n/);
      } catch (error) {
        logFailure ??= describeKubeFailure(error);
        if (terminationMessage !== undefined) logs[`${podName}/${container}`] = terminationMessage.split(/\r?\n/);
      }
    }
    if (logFailure !== undefined) notes.push(`previous container logs skipped (${logFailure}); used the containers' termination messages where there were any`);

    const snapshot: WorkloadSnapshot = {
      deployments,
      pods,
      ...(replicaSets === undefined ? {} : { replicaSets }),
      ...(configMaps === undefined ? {} : { configMaps }),
      ...(events === undefined ? {} : { events }),
      ...(services === undefined ? {} : { services }),
      ...(endpoints === undefined ? {} : { endpoints }),
      ...(ingresses === undefined ? {} : { ingresses }),
      ...(pvcs === undefined ? {} : { pvcs }),
      ...(nodes === undefined ? {} : { nodes }),
      ...(hpas === undefined ? {} : { hpas }),
      ...(statefulSets === undefined ? {} : { statefulSets }),
      ...(jobs === undefined ? {} : { jobs }),
      ...(cronJobs === undefined ? {} : { cronJobs }),
      ...(Object.keys(logs).length === 0 ? {} : { logs }),
    };
    const analysis = analyzeWorkload(snapshot, {
      ...(request.deployment === undefined ? {} : { targetDeployment: { name: request.deployment, namespace } }),
      ...(request.defaults === undefined || Object.keys(request.defaults).length === 0 ? {} : { candidates: { defaults: request.defaults } }),
      ...(request.maxFindings === undefined ? {} : { maxFindings: request.maxFindings, maxChars: Number.MAX_SAFE_INTEGER }),
    });
    return {
      findings: analysis.findings,
      total: analysis.total,
      scope: `${scope}, namespace ${namespace}${request.deployment === undefined ? '' : `, deployment ${request.deployment}`}`,
      notes: notes.filter((note): note is string => note !== undefined),
      counts: {
        deployments: deployments.length,
        pods: pods.length,
        replicaSets: replicaSets?.length ?? 0,
        configMaps: configMaps?.length ?? 0,
        events: events?.length ?? 0,
        services: services?.length ?? 0,
        endpoints: endpoints?.length ?? 0,
        ingresses: ingresses?.length ?? 0,
        pvcs: pvcs?.length ?? 0,
        nodes: nodes?.length ?? 0,
        hpas: hpas?.length ?? 0,
        statefulSets: statefulSets?.length ?? 0,
        jobs: jobs?.length ?? 0,
        cronJobs: cronJobs?.length ?? 0,
      },
    };
  } finally {
    destroy?.();
  }
}
