import type { V1ObjectMeta } from '@kubernetes/client-node';
import type { GitOpsOwner } from './eks-errors.js';
import { type ContainerImage, describeImages } from './rollout-history.js';

/**
 * Recognises objects that Argo CD or Flux reconcile from git. Changing such
 * an object in the cluster is undone (or flagged as drift) at the next sync,
 * so the fix belongs in git. Pure: reads labels and annotations only.
 */

const ARGO_PREFIX = 'argocd.argoproj.io/';
export const ARGO_TRACKING_ID_ANNOTATION = 'argocd.argoproj.io/tracking-id';
export const ARGO_INSTANCE_LABEL = 'argocd.argoproj.io/instance';
/** Argo CD's default tracking label; Helm charts set it too, so it counts only beside an Argo CD annotation. */
export const APP_INSTANCE_LABEL = 'app.kubernetes.io/instance';
export const FLUX_KUSTOMIZE_NAME_LABEL = 'kustomize.toolkit.fluxcd.io/name';
export const FLUX_KUSTOMIZE_NAMESPACE_LABEL = 'kustomize.toolkit.fluxcd.io/namespace';
export const FLUX_HELM_NAME_LABEL = 'helm.toolkit.fluxcd.io/name';
export const FLUX_HELM_NAMESPACE_LABEL = 'helm.toolkit.fluxcd.io/namespace';

type Metadata = Pick<V1ObjectMeta, 'labels' | 'annotations'> | undefined;

/** Argo CD writes `<namespace>_<app>` for applications outside its own namespace; Kubernetes names never hold `_`. */
function argoAppName(raw: string): string {
  return raw.replace('_', '/');
}

function fluxName(labels: Record<string, string>, nameLabel: string, namespaceLabel: string): string | undefined {
  const name = labels[nameLabel];
  if (!name) return undefined;
  const namespace = labels[namespaceLabel];
  return namespace ? `${namespace}/${name}` : name;
}

/** The GitOps controller that owns the object, if any. */
export function detectGitOpsOwner(metadata: Metadata): GitOpsOwner | undefined {
  const labels = metadata?.labels ?? {};
  const annotations = metadata?.annotations ?? {};

  const trackingId = annotations[ARGO_TRACKING_ID_ANNOTATION];
  if (trackingId) return { controller: 'Argo CD', kind: 'Application', name: argoAppName(trackingId.split(':')[0] ?? trackingId) };
  const argoInstance = labels[ARGO_INSTANCE_LABEL];
  if (argoInstance) return { controller: 'Argo CD', kind: 'Application', name: argoAppName(argoInstance) };

  const helmRelease = fluxName(labels, FLUX_HELM_NAME_LABEL, FLUX_HELM_NAMESPACE_LABEL);
  if (helmRelease) return { controller: 'Flux', kind: 'HelmRelease', name: helmRelease };
  const kustomization = fluxName(labels, FLUX_KUSTOMIZE_NAME_LABEL, FLUX_KUSTOMIZE_NAMESPACE_LABEL);
  if (kustomization) return { controller: 'Flux', kind: 'Kustomization', name: kustomization };

  const appInstance = labels[APP_INSTANCE_LABEL];
  if (appInstance && Object.keys(annotations).some((key) => key.startsWith(ARGO_PREFIX))) {
    return { controller: 'Argo CD', kind: 'Application', name: argoAppName(appInstance) };
  }
  return undefined;
}

/** What the refused action would have done, so the recommendation can say how to do it in git. */
export type GitOpsAdvice =
  | { readonly action: 'rollbackEksDeployment'; readonly previous?: { readonly revision: number; readonly images: readonly ContainerImage[] } }
  | { readonly action: 'restartEksDeployment' }
  | { readonly action: 'patchEksConfigMap'; readonly key: string; readonly value: string };

export interface GitOpsTarget {
  readonly kind: 'Deployment' | 'ConfigMap';
  readonly cluster: string;
  readonly namespace: string;
  readonly name: string;
}

function syncHint(owner: GitOpsOwner): string {
  if (owner.controller === 'Argo CD') return `let Argo CD sync Application ${owner.name}`;
  const [namespace, name] = owner.name.includes('/') ? owner.name.split('/') : [undefined, owner.name];
  const command = owner.kind === 'HelmRelease' ? 'helmrelease' : 'kustomization';
  return `let Flux reconcile it (flux reconcile ${command} ${name}${namespace ? ` -n ${namespace}` : ''} --with-source)`;
}

/** The text a human reads instead of the refused change. */
export function gitOpsRecommendation(target: GitOpsTarget, owner: GitOpsOwner, advice: GitOpsAdvice): string {
  const subject = `${target.kind} ${target.namespace}/${target.name} on EKS cluster ${target.cluster}`;
  const managed = `${subject} is managed by ${owner.controller} (${owner.kind} ${owner.name}); a change made in the cluster would be reverted or reported as drift at the next sync, so nothing was changed.`;
  switch (advice.action) {
    case 'rollbackEksDeployment': {
      const previous = advice.previous
        ? ` The revision live before the latest rollout was revision ${advice.previous.revision}${advice.previous.images.length > 0 ? ` (${describeImages(advice.previous.images)})` : ''}.`
        : '';
      return `${managed} Revert the offending commit in git and ${syncHint(owner)}.${previous}`;
    }
    case 'restartEksDeployment':
      return `${managed} Restart it through ${owner.controller}${owner.controller === 'Argo CD' ? ` (the Deployment's "restart" resource action in Application ${owner.name})` : ''}, or revert the offending commit in git and ${syncHint(owner)}.`;
    case 'patchEksConfigMap':
      return `${managed} Set key ${advice.key} to ${JSON.stringify(advice.value)} in git (or revert the offending commit) and ${syncHint(owner)}.`;
  }
}
