import { DescribeClusterCommand, type EKSClient } from '@aws-sdk/client-eks';
import {
  ApiException,
  AppsV1Api,
  type AutoscalingV2Api,
  type BatchV1Api,
  CoreV1Api,
  KubeConfig,
  type ConfigurationOptions,
  type NetworkingV1Api,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { callAws } from '../aws-errors.js';
import { OutOfScopeError, StalePlanError, TargetNotFoundError, TransientAwsError } from '../errors.js';
import { KubeAccessDeniedError } from './eks-errors.js';
import { type CredentialsProvider, eksBearerToken } from './eks-token.js';
import { isShadowMode } from '../shadow-mode.js';
import { readOnlyKubeApis } from './read-only-kube.js';

/**
 * The edge to a cluster's Kubernetes API: EKS `DescribeCluster` for the
 * endpoint and CA, an IAM bearer token, and a `KubeConfig` built in memory
 * (no kubeconfig file, no exec plugin). The API factory is injectable so
 * tests point the real client at a loopback fake over plain http.
 */

/** A cluster the deployment may act on, with the namespaces it may touch there. */
export interface DeclaredCluster {
  readonly name: string;
  readonly namespaces: readonly string[];
}

/** What it takes to talk to one cluster's API server. */
export interface ClusterConnection {
  readonly name: string;
  /** `https://…eks.amazonaws.com` from DescribeCluster. */
  readonly endpoint: string;
  /** Base64 PEM of the cluster CA, as DescribeCluster returns it. */
  readonly certificateAuthority: string;
  readonly token: string;
}

/**
 * The typed API groups: the executors and BuildContext use `apps` and
 * `core`; `self-heal diagnose` also reads through `networking` (Ingresses),
 * `autoscaling` (HorizontalPodAutoscalers, autoscaling/v2) and `batch` (Jobs,
 * CronJobs). Those three are built only by `diagnosticKubeApisFrom`
 * (`diagnostic-kube-apis.ts`), so the functions' bundles do not carry their
 * generated clients (about 230 KB) for calls they never make.
 */
export interface KubeApis {
  readonly apps: AppsV1Api;
  readonly core: CoreV1Api;
  /** @default - absent: built by `diagnosticKubeApisFrom` only */
  readonly networking?: NetworkingV1Api;
  /** @default - absent: built by `diagnosticKubeApisFrom` only */
  readonly autoscaling?: AutoscalingV2Api;
  /** @default - absent: built by `diagnosticKubeApisFrom` only */
  readonly batch?: BatchV1Api;
}

/** Builds the API clients for a connection; the seam tests replace. */
export type KubeApiFactory = (connection: ClusterConnection) => KubeApis;

/** Makes the bearer token for a cluster. */
export type ClusterTokenProvider = (clusterName: string) => Promise<string>;

export interface KubeConfigOptions {
  readonly name: string;
  readonly server: string;
  readonly token: string;
  /** Base64 PEM of the CA that signed the server certificate. */
  readonly caData?: string;
  /**
   * Skips TLS verification; client-node also requires it for an `http://`
   * server. Only for a loopback fake in tests.
   * @default false
   */
  readonly skipTLSVerify?: boolean;
}

/** A single-context `KubeConfig` from values in memory. */
export function buildKubeConfig(options: KubeConfigOptions): KubeConfig {
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [
      {
        name: options.name,
        server: options.server,
        skipTLSVerify: options.skipTLSVerify ?? false,
        ...(options.caData !== undefined ? { caData: options.caData } : {}),
      },
    ],
    users: [{ name: options.name, token: options.token }],
    contexts: [{ name: options.name, cluster: options.name, user: options.name }],
    currentContext: options.name,
  });
  return config;
}

/** The workload groups (`apps`, `core`) the functions need. */
export function kubeApisFrom(config: KubeConfig): KubeApis {
  return {
    apps: config.makeApiClient(AppsV1Api),
    core: config.makeApiClient(CoreV1Api),
  };
}

/** The production factory: the EKS endpoint over TLS, verified against the cluster CA. */
export const eksKubeApis: KubeApiFactory = (connection) =>
  kubeApisFrom(
    buildKubeConfig({ name: connection.name, server: connection.endpoint, caData: connection.certificateAuthority, token: connection.token }),
  );

export interface KubeConnectorDeps {
  readonly eks: EKSClient;
  readonly clusters: readonly DeclaredCluster[];
  /** @default eksKubeApis */
  readonly kubeApis?: KubeApiFactory;
  /** @default an `eksBearerToken` signed in the EKS client's region */
  readonly token?: ClusterTokenProvider;
  /** Credentials for the default token. @default the Node credential provider chain */
  readonly credentials?: CredentialsProvider;
}

/**
 * Checks scope and opens connections. The scope check comes first and makes
 * no call at all, so an action outside the allowlist never reaches AWS or
 * the cluster.
 */
export class KubeConnector {
  private readonly kubeApis: KubeApiFactory;
  private readonly token: ClusterTokenProvider;

  constructor(private readonly deps: KubeConnectorDeps) {
    this.kubeApis = deps.kubeApis ?? eksKubeApis;
    this.token =
      deps.token ??
      (async (clusterName) =>
        eksBearerToken({
          clusterName,
          region: await deps.eks.config.region(),
          ...(deps.credentials ? { credentials: deps.credentials } : {}),
        }));
  }

  /** Throws `OutOfScopeError` unless the cluster is declared and the namespace allowlisted on it. */
  checkScope(cluster: string, namespace: string): void {
    const declared = this.deps.clusters.find((candidate) => candidate.name === cluster);
    if (declared === undefined) throw new OutOfScopeError(`EKS cluster ${cluster} is not declared for remediation`);
    if (!declared.namespaces.includes(namespace)) {
      throw new OutOfScopeError(
        `namespace ${namespace} is not allowlisted on EKS cluster ${cluster} (allowed: ${declared.namespaces.join(', ') || 'none'})`,
      );
    }
  }

  /** The API clients for a declared cluster and namespace. */
  async connect(cluster: string, namespace: string): Promise<KubeApis> {
    this.checkScope(cluster, namespace);
    const described = await callAws('DescribeCluster', async () => {
      try {
        return await this.deps.eks.send(new DescribeClusterCommand({ name: cluster }));
      } catch (error) {
        if ((error as { name?: string }).name === 'ResourceNotFoundException') {
          throw new TargetNotFoundError(`EKS cluster ${cluster} does not exist`, { cause: error });
        }
        throw error;
      }
    });
    const endpoint = described.cluster?.endpoint;
    const certificateAuthority = described.cluster?.certificateAuthority?.data;
    if (!endpoint || !certificateAuthority) {
      throw new TargetNotFoundError(`EKS cluster ${cluster} has no API endpoint yet (status ${described.cluster?.status ?? 'unknown'})`);
    }
    const apis = this.kubeApis({ name: cluster, endpoint, certificateAuthority, token: await this.token(cluster) });
    // Shadow mode (`self-heal replay`): only get, list and watch reach the cluster.
    return isShadowMode() ? readOnlyKubeApis(apis) : apis;
  }
}

/** Options that make a patch call send this patch type; client-node otherwise sends JSON Patch. */
export function patchAs(strategy: PatchStrategy): ConfigurationOptions {
  return setHeaderOptions('Content-Type', strategy);
}
export { PatchStrategy };

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'UND_ERR_SOCKET']);

/** The HTTP status of a failed Kubernetes call, when it got that far. */
export function kubeStatus(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

export function isConflict(error: unknown): boolean {
  return kubeStatus(error) === 409;
}

/**
 * Runs one Kubernetes call and names its failure: 404 `TargetNotFoundError`,
 * 401/403 `KubeAccessDeniedError`, 429/5xx and network trouble
 * `TransientAwsError` (the state machine retries it), 409 `StalePlanError`
 * unless the caller handles conflicts itself. Anything else passes through.
 */
export async function callKube<T>(operation: string, call: () => Promise<T>, options: { conflict?: 'throw' | 'raw' } = {}): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const status = kubeStatus(error);
    const reason = describeKubeError(error);
    if (status === 404) throw new TargetNotFoundError(`${operation}: not found (${reason})`, { cause: error });
    if (status === 401 || status === 403) {
      throw new KubeAccessDeniedError(
        `${operation}: the Kubernetes API refused the caller (${status}); check the EKS access entry and RBAC of the Lambda role (${reason})`,
        { cause: error },
      );
    }
    if (status === 409 && options.conflict !== 'raw') throw new StalePlanError(`${operation}: the object changed concurrently (${reason})`, { cause: error });
    if (status !== undefined && (status === 429 || status >= 500)) {
      throw new TransientAwsError(`${operation} failed transiently (${status}): ${reason}`, { cause: error });
    }
    const code = (error as { code?: unknown; cause?: { code?: unknown } }).code ?? (error as { cause?: { code?: unknown } }).cause?.code;
    if (status === undefined && (((error as Error).name === 'FetchError') || (typeof code === 'string' && NETWORK_CODES.has(code)))) {
      throw new TransientAwsError(`${operation} failed transiently (${String(code ?? 'network')}): ${(error as Error).message}`, { cause: error });
    }
    throw error;
  }
}

/** The `message` of a Kubernetes `Status` body, or the error's own message. */
function describeKubeError(error: unknown): string {
  if (error instanceof ApiException) {
    const body: unknown = typeof error.body === 'string' ? safeJson(error.body) : error.body;
    const message = (body as { message?: unknown } | undefined)?.message;
    return typeof message === 'string' ? message : `HTTP ${error.code}`;
  }
  return error instanceof Error ? error.message : String(error);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
