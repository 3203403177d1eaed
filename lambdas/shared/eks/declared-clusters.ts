import type { DeclaredCluster } from './kube-client.js';
import type { Scope } from '../scope.js';

/**
 * The clusters and namespaces the EKS actions may touch: those of the
 * registered Deployments, and only namespaces on the guardrails' allowlist.
 * A plan naming any other cluster or namespace is refused before a call.
 */
export function declaredClustersOf(scope: Scope): DeclaredCluster[] {
  const namespaces = new Map<string, Set<string>>();
  for (const resource of scope.resources) {
    if (resource.kind !== 'eks-deployment') continue;
    if (!scope.guardrails.allowedNamespaces.includes(resource.namespace)) continue;
    const set = namespaces.get(resource.cluster) ?? new Set<string>();
    set.add(resource.namespace);
    namespaces.set(resource.cluster, set);
  }
  return [...namespaces].map(([name, set]) => ({ name, namespaces: [...set].sort() }));
}
