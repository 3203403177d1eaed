import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { DeclaredClusterRef } from './declared-resources.js';
import type { RemediationFunction } from './remediation-function.js';

/** Kubernetes group of the ActOnEks function: bound by `eks-rbac/self-healing-remediator.yaml`. */
export const EKS_REMEDIATOR_GROUP = 'self-healing-remediator';

/** Kubernetes group of the BuildContext function: bound by `eks-rbac/self-healing-reader.yaml` (read-only). */
export const EKS_READER_GROUP = 'self-healing-reader';

/** The folder of the namespaced Role and RoleBinding manifests, one file per group. */
export const EKS_RBAC_DIRECTORY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'eks-rbac');

/** The manifest that binds a group's permissions in a namespace. */
export function eksRbacManifest(kubernetesGroup: string): string {
  return path.join(EKS_RBAC_DIRECTORY, `${kubernetesGroup}.yaml`);
}

/**
 * Lets a function reach the declared clusters' Kubernetes API as
 * `kubernetesGroup`: `eks:DescribeCluster` (endpoint and CA) on exactly those
 * clusters, and one EKS access entry per cluster that maps the function's
 * role to the group, with no access policy, so what it may do in the
 * cluster is only what the group's namespaced RBAC grants. The bearer token
 * is a presigned STS GetCallerIdentity URL, which needs no IAM permission.
 *
 * @returns the access entries, one per cluster (none when no cluster is declared)
 */
export function grantEksClusterAccess(
  fn: RemediationFunction,
  clusters: readonly DeclaredClusterRef[],
  kubernetesGroup: string,
): eks.CfnAccessEntry[] {
  if (clusters.length === 0) return [];
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['eks:DescribeCluster'], resources: clusters.map((cluster) => cluster.arn) }));
  return clusters.map(
    (cluster) =>
      new eks.CfnAccessEntry(fn, `AccessEntry-${cluster.name}`, {
        clusterName: cluster.name,
        principalArn: fn.role.roleArn,
        type: 'STANDARD',
        kubernetesGroups: [kubernetesGroup],
      }),
  );
}
