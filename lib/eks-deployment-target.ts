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
   * The ConfigMaps of the namespace a `patchEksConfigMap` plan may touch, each
   * with known-good values for its keys (`{}` declares a ConfigMap with no
   * defaults). A patch's value must be one of these, or the key's value in the
   * ConfigMap's previous revision, or the String parameter under
   * `parameterStorePath`; it is never invented.
   *
   * @default - none: no ConfigMap may be patched
   */
  readonly configMapDefaults?: Readonly<Record<string, Readonly<Record<string, string>>>>;

  /**
   * Parameter Store path (starting and ending with `/`) under which values for
   * missing ConfigMap keys are kept, as `<path><configMap>/<key>`. Only
   * `String` parameters are read (BuildContext gets `ssm:GetParameter` under
   * this path, and no `kms:Decrypt`); a `SecureString` is never copied into a
   * ConfigMap.
   *
   * @default - Parameter Store is not read
   */
  readonly parameterStorePath?: string;
}
