import { EKSClient } from '@aws-sdk/client-eks';
import {
  ApiException,
  type CoreV1Event,
  KubeConfig,
  type V1ConfigMap,
  type V1Deployment,
  type V1Endpoints,
  type V1Pod,
  type V1ReplicaSet,
  type V1Service,
} from '@kubernetes/client-node';
import { type ClusterTokenProvider, type KubeApiFactory, type KubeApis, KubeConnector, kubeApisFrom } from '../lambdas/shared/eks/kube-client.js';
import { selectorString } from '../lambdas/shared/eks/rollout-history.js';
import { analyzeWorkload, type Finding, type WorkloadSnapshot } from '../lambdas/shared/k8s-diagnostics/index.js';

/**
 * `self-heal diagnose`: reads one namespace (GET and LIST only), runs the
 * same analyzers as BuildContext over it, and returns the findings. The
 * printing is in `format-findings.ts`; the argument parsing in `self-heal.ts`.
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
  /** Lists that could not be read and were skipped, one sentence each. */
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
  return { apis: kubeApisFrom(config), scope: `context ${config.getCurrentContext()} (${cluster.server})` };
}

async function connect(target: DiagnoseTarget, namespace: string, deps: DiagnoseDeps): Promise<{ apis: KubeApis; scope: string; destroy?: () => void }> {
  if (target.via === 'kubeconfig') return loadKubeConfig(target);
  const eks = deps.eks ?? new EKSClient({});
  const connector = new KubeConnector({
    eks,
    clusters: [{ name: target.cluster, namespaces: [namespace] }],
    ...(deps.kubeApis === undefined ? {} : { kubeApis: deps.kubeApis }),
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
  const notes: string[] = [];
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
    try {
      return await call();
    } catch (error) {
      notes.push(`${what} skipped: ${describeKubeFailure(error)}`);
      return undefined;
    }
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
    const [pods, replicaSets, listedConfigMaps, events, services, endpoints] = await Promise.all([
      required(`list pods in ${namespace}`, () => apis.core.listNamespacedPod(selected)).then((list) => list.items),
      optional(`list replicasets in ${namespace}`, () => apis.apps.listNamespacedReplicaSet(selected)).then((list) => list?.items as V1ReplicaSet[] | undefined),
      optional(`list configmaps in ${namespace}`, () => apis.core.listNamespacedConfigMap({ namespace })).then((list) => list?.items as V1ConfigMap[] | undefined),
      optional(`list events in ${namespace}`, () => apis.core.listNamespacedEvent({ namespace })).then((list) => list?.items as CoreV1Event[] | undefined),
      optional(`list services in ${namespace}`, () => apis.core.listNamespacedService({ namespace })).then((list) => list?.items as V1Service[] | undefined),
      optional(`list endpoints in ${namespace}`, () => apis.core.listNamespacedEndpoints({ namespace })).then((list) => list?.items as V1Endpoints[] | undefined),
    ]);
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
      notes,
      counts: {
        deployments: deployments.length,
        pods: pods.length,
        replicaSets: replicaSets?.length ?? 0,
        configMaps: configMaps?.length ?? 0,
        events: events?.length ?? 0,
        services: services?.length ?? 0,
      },
    };
  } finally {
    destroy?.();
  }
}
