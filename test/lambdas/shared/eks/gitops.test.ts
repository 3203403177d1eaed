import { describe, expect, it } from 'vitest';
import { detectGitOpsOwner, gitOpsRecommendation } from '../../../../lambdas/shared/eks/gitops.js';

describe('detectGitOpsOwner', () => {
  it.each([
    [
      'an Argo CD tracking-id annotation',
      { annotations: { 'argocd.argoproj.io/tracking-id': 'shop-web:apps/Deployment:shop/web' } },
      { controller: 'Argo CD', kind: 'Application', name: 'shop-web' },
    ],
    [
      'a tracking-id of an application outside the Argo CD namespace',
      { annotations: { 'argocd.argoproj.io/tracking-id': 'team-a_shop-web:apps/Deployment:shop/web' } },
      { controller: 'Argo CD', kind: 'Application', name: 'team-a/shop-web' },
    ],
    ['an argocd.argoproj.io/instance label', { labels: { 'argocd.argoproj.io/instance': 'shop' } }, { controller: 'Argo CD', kind: 'Application', name: 'shop' }],
    [
      'app.kubernetes.io/instance beside an Argo CD annotation',
      { labels: { 'app.kubernetes.io/instance': 'shop' }, annotations: { 'argocd.argoproj.io/sync-wave': '1' } },
      { controller: 'Argo CD', kind: 'Application', name: 'shop' },
    ],
    [
      'Flux kustomize labels',
      { labels: { 'kustomize.toolkit.fluxcd.io/name': 'apps', 'kustomize.toolkit.fluxcd.io/namespace': 'flux-system' } },
      { controller: 'Flux', kind: 'Kustomization', name: 'flux-system/apps' },
    ],
    [
      'Flux helm labels, which win over the Kustomization that applied the release',
      {
        labels: {
          'helm.toolkit.fluxcd.io/name': 'web',
          'helm.toolkit.fluxcd.io/namespace': 'shop',
          'kustomize.toolkit.fluxcd.io/name': 'apps',
        },
      },
      { controller: 'Flux', kind: 'HelmRelease', name: 'shop/web' },
    ],
  ])('recognises %s', (_title, metadata, owner) => {
    // Act & Assess
    expect(detectGitOpsOwner(metadata)).toEqual(owner);
  });

  it.each([
    ['no metadata', undefined],
    ['plain labels', { labels: { app: 'web' }, annotations: { 'deployment.kubernetes.io/revision': '3' } }],
    ['app.kubernetes.io/instance alone, as any Helm chart sets it', { labels: { 'app.kubernetes.io/instance': 'shop', 'app.kubernetes.io/managed-by': 'Helm' } }],
    ['empty GitOps labels', { labels: { 'kustomize.toolkit.fluxcd.io/name': '' } }],
  ])('sees no owner for %s', (_title, metadata) => {
    // Act & Assess
    expect(detectGitOpsOwner(metadata)).toBeUndefined();
  });
});

describe('gitOpsRecommendation', () => {
  const deployment = { kind: 'Deployment', cluster: 'prod', namespace: 'shop', name: 'web' } as const;

  it('tells a rollback to revert the commit in git and names the revision and images live before', () => {
    // Act
    const text = gitOpsRecommendation(
      deployment,
      { controller: 'Argo CD', kind: 'Application', name: 'shop-web' },
      { action: 'rollbackEksDeployment', previous: { revision: 4, images: [{ container: 'web', image: 'registry/web:1.4.2' }] } },
    );

    // Assess
    expect(text).toBe(
      'Deployment shop/web on EKS cluster prod is managed by Argo CD (Application shop-web); a change made in the cluster would be reverted or reported as drift at the next sync, so nothing was changed. Revert the offending commit in git and let Argo CD sync Application shop-web. The revision live before the latest rollout was revision 4 (web=registry/web:1.4.2).',
    );
  });

  it('gives the Flux reconcile command', () => {
    // Act
    const text = gitOpsRecommendation(deployment, { controller: 'Flux', kind: 'HelmRelease', name: 'shop/web' }, { action: 'rollbackEksDeployment' });

    // Assess
    expect(text).toContain('managed by Flux (HelmRelease shop/web)');
    expect(text).toContain('Revert the offending commit in git and let Flux reconcile it (flux reconcile helmrelease web -n shop --with-source).');
  });

  it('tells a ConfigMap patch which key and value to set in git', () => {
    // Act
    const text = gitOpsRecommendation(
      { ...deployment, kind: 'ConfigMap', name: 'web-config' },
      { controller: 'Flux', kind: 'Kustomization', name: 'apps' },
      { action: 'patchEksConfigMap', key: 'LOG_LEVEL', value: 'info' },
    );

    // Assess
    expect(text).toContain('ConfigMap shop/web-config');
    expect(text).toContain('Set key LOG_LEVEL to "info" in git');
    expect(text).toContain('flux reconcile kustomization apps --with-source');
  });

  it('points a restart at the Argo CD restart action', () => {
    // Act & Assess
    expect(gitOpsRecommendation(deployment, { controller: 'Argo CD', kind: 'Application', name: 'shop' }, { action: 'restartEksDeployment' })).toContain(
      '"restart" resource action in Application shop',
    );
  });
});
