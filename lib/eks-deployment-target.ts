import type { RemediationTarget } from './remediation-target.js';

/**
 * A Kubernetes Deployment on an Amazon EKS cluster that self-healing may roll
 * back, restart, or fix through one of its ConfigMaps.
 *
 * The cluster must be in the stack's account and region (the functions call
 * EKS there), use the `API` or `API_AND_CONFIG_MAP` authentication mode (the
 * construct adds an access entry for its functions), and carry the namespaced
 * RBAC in `lib/eks-rbac/` in the Deployment's namespace. The namespace must
 * also be listed in the construct's `guardrails.allowedNamespaces`.
 */
export interface EksDeploymentTarget extends RemediationTarget {
  /** Name of the EKS cluster. Must be known at synth time. */
  readonly cluster: string;

  /**
   * ARN of the cluster, for `eks:DescribeCluster`.
   *
   * @default - `arn:<partition>:eks:<stack region>:<stack account>:cluster/<cluster>`
   */
  readonly clusterArn?: string;

  /** Namespace of the Deployment; must be in `guardrails.allowedNamespaces`. */
  readonly namespace: string;

  /** Name of the Deployment. */
  readonly deployment: string;

  /**
   * Known-good values for ConfigMap keys, by ConfigMap name then key: the only
   * values a `patchEksConfigMap` plan may set besides a key's previous value,
   * and the only ConfigMaps of the namespace it may touch.
   *
   * @default - none: no ConfigMap may be patched
   */
  readonly configMapDefaults?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}
