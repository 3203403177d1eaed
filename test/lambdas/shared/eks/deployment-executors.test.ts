import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OutOfScopeError, StalePlanError, TargetNotFoundError } from '../../../../lambdas/shared/errors.js';
import { CHANGE_ANNOTATION } from '../../../../lambdas/shared/eks/change-marker.js';
import {
  type DeploymentBefore,
  RestartEksDeploymentExecutor,
  type RollbackBefore,
  RollbackEksDeploymentExecutor,
} from '../../../../lambdas/shared/eks/deployment-executors.js';
import { DeploymentPausedError, GitOpsManagedError, NoPreviousRevisionError } from '../../../../lambdas/shared/eks/eks-errors.js';
import { type FakeKubeApi, podTemplate, seedDeploymentHistory, startFakeKubeApi } from '../../../../local/fake-kube-api.js';

const eks = mockClient(EKSClient);
const params = { cluster: 'prod', namespace: 'shop', deployment: 'web' };
const applyContext = { incidentId: 'inc-1', attempt: 1, reason: 'error rate rose right after the rollout of web:3', now: new Date('2026-11-27T10:05:00.000Z') };
const undoContext = { incidentId: 'inc-1', now: new Date('2026-11-27T10:20:00.000Z') };
const REVISION = 'deployment.kubernetes.io/revision';

describe('EKS Deployment executors', () => {
  let fake: FakeKubeApi;

  beforeAll(async () => {
    fake = await startFakeKubeApi();
  });
  afterAll(async () => {
    await fake.stop();
  });
  beforeEach(() => {
    eks.reset();
    eks.on(DescribeClusterCommand).resolves({
      cluster: { name: 'prod', endpoint: 'https://ABC.gr7.eu-west-1.eks.amazonaws.com', certificateAuthority: { data: 'Q0E=' }, status: 'ACTIVE' },
    });
    fake.reset();
  });

  const deps = () => ({
    eks: new EKSClient({ region: 'eu-west-1' }),
    clusters: [{ name: 'prod', namespaces: ['shop'] }],
    kubeApis: fake.apiFactory(),
    credentials: async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }),
  });
  const rollback = () => new RollbackEksDeploymentExecutor(deps());
  const restart = () => new RestartEksDeploymentExecutor(deps());
  const live = () => fake.get('deployments', 'shop', 'web')!;
  const liveImage = () => live().spec.template.spec.containers[0].image as string;

  describe('rollbackEksDeployment', () => {
    it('reads the before-state without writing: revision, template, resourceVersion, images and the revision to go back to', async () => {
      // Prepare
      const { deployment } = seedDeploymentHistory(fake, { namespace: 'shop', name: 'web', images: ['web:1', 'web:2', 'web:3'] });

      // Act
      const before = await rollback().readBefore(params);

      // Assess
      expect(before).toEqual({
        cluster: 'prod',
        namespace: 'shop',
        deployment: 'web',
        uid: deployment.metadata.uid,
        resourceVersion: deployment.metadata.resourceVersion,
        generation: 3,
        revision: 3,
        paused: false,
        replicas: 2,
        template: podTemplate('web', 'web:3'),
        images: [{ container: 'web', image: 'web:3' }],
        pods: { total: 2, ready: 2 },
        rollbackTo: {
          fromRevision: 3,
          toRevision: 2,
          replicaSet: expect.stringMatching(/^web-/),
          template: podTemplate('web', 'web:2'),
          images: [{ container: 'web', image: 'web:2' }],
        },
      });
      expect(fake.writes()).toEqual([]);
      expect(fake.requests.find((request) => request.path.endsWith('/replicasets'))?.query).toEqual({ labelSelector: 'app=web' });
    });

    it('rolls back to the previous revision with a JSON Patch guarded by the resourceVersion, and undo rolls forward', async () => {
      // Prepare
      seedDeploymentHistory(fake, { namespace: 'shop', name: 'web', images: ['web:1', 'web:2', 'web:3'] });
      const executor = rollback();
      const before = await executor.readBefore(params);

      // Act
      const applied = await executor.apply(params, before, applyContext);

      // Assess
      expect(applied).toEqual({
        fromRevision: 3,
        toRevision: 2,
        replicaSet: before.rollbackTo.replicaSet,
        images: [{ container: 'web', image: 'web:2' }],
        generation: 4,
        resourceVersion: expect.any(String),
        alreadyApplied: false,
      });
      expect(fake.writes()).toEqual([
        expect.objectContaining({
          method: 'PATCH',
          path: '/apis/apps/v1/namespaces/shop/deployments/web',
          contentType: 'application/json-patch+json',
          body: [
            { op: 'replace', path: '/metadata/resourceVersion', value: before.resourceVersion },
            { op: 'replace', path: '/spec/template', value: podTemplate('web', 'web:2') },
            { op: 'add', path: '/metadata/annotations/self-healing-aws~1change', value: expect.stringContaining('"incidentId":"inc-1"') },
          ],
        }),
      ]);
      expect(liveImage()).toBe('web:2');
      // The controller gave revision 2's ReplicaSet the next number, as it does for kubectl rollout undo.
      expect(live().metadata.annotations[REVISION]).toBe('4');
      expect(fake.get('replicasets', 'shop', before.rollbackTo.replicaSet)?.metadata.annotations[REVISION]).toBe('4');
      expect(JSON.parse(live().metadata.annotations[CHANGE_ANNOTATION])).toEqual({
        incidentId: 'inc-1',
        attempt: 1,
        action: 'rollbackEksDeployment',
        step: 'apply',
        at: '2026-11-27T10:05:00.000Z',
      });

      // Act
      const undone = await executor.undo(params, before, applied, undoContext);

      // Assess
      expect(undone).toMatchObject({ undone: true, alreadyUndone: false, revisionLiveBefore: 3, images: [{ container: 'web', image: 'web:3' }] });
      expect(liveImage()).toBe('web:3');
      expect(live().metadata.annotations[REVISION]).toBe('5');
      expect(fake.writes()).toHaveLength(2);
      expect(fake.writes()[1]?.body).toEqual([
        { op: 'replace', path: '/metadata/resourceVersion', value: expect.any(String) },
        { op: 'replace', path: '/spec/template', value: podTemplate('web', 'web:3') },
        { op: 'add', path: '/metadata/annotations/self-healing-aws~1change', value: expect.stringContaining('"step":"undo"') },
      ]);
    });

    it('changes nothing more when apply and undo are retried for the same incident and attempt', async () => {
      // Prepare
      seedDeploymentHistory(fake, { namespace: 'shop', name: 'web', images: ['web:1', 'web:2'] });
      const executor = rollback();
      const before = await executor.readBefore(params);
      const applied = await executor.apply(params, before, applyContext);

      // Act
      const again = await executor.apply(params, before, applyContext);
      await executor.undo(params, before, applied, undoContext);
      const undoneAgain = await executor.undo(params, before, applied, undoContext);

      // Assess
      expect(again).toEqual({ ...applied, resourceVersion: expect.any(String), alreadyApplied: true });
      expect(undoneAgain).toMatchObject({ undone: true, alreadyUndone: true });
      expect(fake.writes()).toHaveLength(2);
    });

    it('re-reads after a 409 from a status update and still rolls back', async () => {
      // Prepare
      seedDeploymentHistory(fake, { namespace: 'shop', name: 'web', images: ['web:1', 'web:2'] });
      const executor = rollback();
      const before = await executor.readBefore(params);
      fake.beforeNextWrite(() => fake.update('deployments', 'shop', 'web', (object) => (object.status.readyReplicas = 1)));

      // Act
      const applied = await executor.apply(params, before, applyContext);

      // Assess
      expect(applied.alreadyApplied).toBe(false);
      expect(liveImage()).toBe('web:1');
      const writes = fake.writes();
      expect(writes).toHaveLength(2);
      expect((writes[0]?.body as { value: string }[])[0]?.value).toBe(before.resourceVersion);
      expect((writes[1]?.body as { value: string }[])[0]?.value).not.toBe(before.resourceVersion);
    });

    it('refuses after a 409 when someone else changed the template, and leaves their change', async () => {
      // Prepare
      seedDeploymentHistory(fake, { namespace: 'shop', name: 'web', images: ['web:1', 'web:2'] });
      const executor = rollback();
      const before = await executor.readBefore(params);
      fake.beforeNextWrite(() => fake.update('deployments', 'shop', 'web', (object) => (object.spec.template.spec.containers[0].image = 'web:hotfix')));

      // Act & Assess
      await expect(executor.apply(params, before, applyContext)).rejects.toThrow(StalePlanError);
      await expect(executor.apply(params, before, applyContext)).rejects.toThrow(/pod template changed since the before-state \(web=web:2 → web=web:hotfix\)/);
      expect(liveImage()).toBe('web:hotfix');
      expect(fake.writes()).toHaveLength(1);
    });

    it('refuses without writing when the pod template changed since the before-state', async () => {
      // Prepare
      seedDeploymentHistory(fake, { namespace: 'shop', name: 'web', images: ['web:1', 'web:2'] });
      const executor = rollback();
      const before = await executor.readBefore(params);
      fake.update('deployments', 'shop', 'web', (object) => (object.spec.template.spec.containers[0].env[0].value = 'batch'));

      // Act & Assess
      await expect(executor.apply(params, before, applyContext)).rejects.toThrow(StalePlanError);
      expect(fake.writes()).toEqual([]);
    });

    it('still applies after status updates and an autoscaler changing replicas since the before-state', async () => {
      // Prepare
      seedDeploymentHistory(fake, { namespace: 'shop', name: 'web', images: ['web:1', 'web:2'] });
      const executor = rollback();
      const before = await executor.readBefore(params);
      fake.update('deployments', 'shop', 'web', (object) => (object.status.replicas = 3));
      fake.update('deployments', 'shop', 'web', (object) => (object.spec.replicas = 6));

      // Act
      const applied = await executor.apply(params, before, applyContext);

      // Assess
      expect(applied).toMatchObject({ toRevision: 1, generation: 4 });
      expect(live().spec.replicas).toBe(6);
      expect(liveImage()).toBe('web:1');
    });

    it('refuses to roll forward over a change made after the rollback', async () => {
      // Prepare
      seedDeploymentHistory(fake, { namespace: 'shop', name: 'web', images: ['web:1', 'web:2'] });
      const executor = rollback();
      const before = await executor.readBefore(params);
      const applied = await executor.apply(params, before, applyContext);
      fake.update('deployments', 'shop', 'web', (object) => (object.spec.template.spec.containers[0].image = 'web:3'));

      // Act & Assess
      await expect(executor.undo(params, before, applied, undoContext)).rejects.toThrow(/pod template changed after the rollback \(now web=web:3\); not rolling forward/);
      expect(liveImage()).toBe('web:3');
      expect(fake.writes()).toHaveLength(1);
    });

    it('reports nothing to undo when the Deployment already runs the template from before', async () => {
      // Prepare
      seedDeploymentHistory(fake, { namespace: 'shop', name: 'web', images: ['web:1', 'web:2'] });
      const executor = rollback();
      const before = await executor.readBefore(params);
      const applied = await executor.apply(params, before, applyContext);
      fake.update('deployments', 'shop', 'web', (object) => (object.spec.template = podTemplate('web', 'web:2')));

      // Act
      const result = await executor.undo(params, before, applied, undoContext);

      // Assess
      expect(result).toEqual({ undone: false, reason: expect.stringMatching(/already runs the template that was live before the rollback/) });
      expect(fake.writes()).toHaveLength(1);
    });

    it('refuses with NoPreviousRevisionError when there is only one revision', async () => {
      // Prepare
      seedDeploymentHistory(fake, { namespace: 'shop', name: 'web', images: ['web:1'] });

      // Act & Assess
      await expect(rollback().readBefore(params)).rejects.toThrow(NoPreviousRevisionError);
      expect(fake.writes()).toEqual([]);
    });

    it('refuses a paused Deployment', async () => {
      // Prepare
      seedDeploymentHistory(fake, { namespace: 'shop', name: 'web', images: ['web:1', 'web:2'], paused: true });

      // Act & Assess
      await expect(rollback().readBefore(params)).rejects.toThrow(DeploymentPausedError);
      expect(fake.writes()).toEqual([]);
    });

    it('refuses a namespace outside the allowlist without a single request', async () => {
      // Prepare
      seedDeploymentHistory(fake, { namespace: 'kube-system', name: 'web', images: ['web:1', 'web:2'] });
      const other = { ...params, namespace: 'kube-system' };
      const executor = rollback();

      // Act & Assess
      await expect(executor.readBefore(other)).rejects.toThrow(OutOfScopeError);
      await expect(executor.apply(other, {} as RollbackBefore, applyContext)).rejects.toThrow(OutOfScopeError);
      await expect(executor.undo(other, {} as RollbackBefore, {} as never, undoContext)).rejects.toThrow(OutOfScopeError);
      expect(fake.requests).toEqual([]);
      expect(eks.calls()).toEqual([]);
    });

    it('refuses an Argo CD-managed Deployment, naming the application and the revision that was live before', async () => {
      // Prepare
      seedDeploymentHistory(fake, {
        namespace: 'shop',
        name: 'web',
        images: ['registry/web:1.4.2', 'registry/web:1.5.0'],
        labels: { 'app.kubernetes.io/instance': 'shop-web' },
        annotations: { 'argocd.argoproj.io/tracking-id': 'shop-web:apps/Deployment:shop/web' },
      });

      // Act
      const failure = await rollback()
        .readBefore(params)
        .catch((error: unknown) => error);

      // Assess
      expect(failure).toBeInstanceOf(GitOpsManagedError);
      expect((failure as GitOpsManagedError).name).toBe('GitOpsManagedError');
      expect((failure as GitOpsManagedError).owner).toEqual({ controller: 'Argo CD', kind: 'Application', name: 'shop-web' });
      expect((failure as GitOpsManagedError).message).toContain('Revert the offending commit in git and let Argo CD sync Application shop-web.');
      expect((failure as GitOpsManagedError).message).toContain('revision 1 (web=registry/web:1.4.2)');
      expect(fake.writes()).toEqual([]);
    });

    it('refuses a Flux-managed Deployment, even when it became managed after the before-state', async () => {
      // Prepare
      seedDeploymentHistory(fake, { namespace: 'shop', name: 'web', images: ['web:1', 'web:2'] });
      const executor = rollback();
      const before = await executor.readBefore(params);
      fake.update('deployments', 'shop', 'web', (object) => {
        object.metadata.labels['kustomize.toolkit.fluxcd.io/name'] = 'apps';
        object.metadata.labels['kustomize.toolkit.fluxcd.io/namespace'] = 'flux-system';
      });

      // Act & Assess
      await expect(executor.apply(params, before, applyContext)).rejects.toThrow(GitOpsManagedError);
      await expect(executor.apply(params, before, applyContext)).rejects.toThrow(/Flux \(Kustomization flux-system\/apps\).*Revert the offending commit in git/);
      expect(fake.writes()).toEqual([]);
    });

    it('names a Deployment that does not exist', async () => {
      // Act & Assess
      await expect(rollback().readBefore(params)).rejects.toThrow(TargetNotFoundError);
    });
  });

  describe('restartEksDeployment', () => {
    it('sets kubectl.kubernetes.io/restartedAt on the pod template with a strategic merge patch guarded by the resourceVersion', async () => {
      // Prepare
      seedDeploymentHistory(fake, { namespace: 'shop', name: 'web', images: ['web:1', 'web:2'] });
      const executor = restart();
      const before = await executor.readBefore(params);

      // Act
      const applied = await executor.apply(params, before, applyContext);

      // Assess
      expect(applied).toEqual({ restartedAt: '2026-11-27T10:05:00Z', generation: 3, resourceVersion: expect.any(String), alreadyApplied: false });
      expect(fake.writes()).toEqual([
        expect.objectContaining({
          method: 'PATCH',
          contentType: 'application/strategic-merge-patch+json',
          body: {
            metadata: { resourceVersion: before.resourceVersion, annotations: { [CHANGE_ANNOTATION]: expect.stringContaining('"action":"restartEksDeployment"') } },
            spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-11-27T10:05:00Z' } } } },
          },
        }),
      ]);
      expect(live().spec.template.metadata.annotations).toEqual({ 'kubectl.kubernetes.io/restartedAt': '2026-11-27T10:05:00Z' });
      expect(live().spec.template.spec).toEqual(podTemplate('web', 'web:2').spec);
      expect(live().metadata.annotations[REVISION]).toBe('3');
    });

    it('does not restart twice for the same incident and attempt, and has nothing to undo', async () => {
      // Prepare
      seedDeploymentHistory(fake, { namespace: 'shop', name: 'web', images: ['web:1'] });
      const executor = restart();
      const before: DeploymentBefore = await executor.readBefore(params);
      const applied = await executor.apply(params, before, applyContext);
      const requestsBefore = fake.requests.length;

      // Act
      const again = await executor.apply(params, before, { ...applyContext, now: new Date('2026-11-27T10:06:00Z') });
      const requestsAfterRetry = fake.requests.length;
      const undone = await executor.undo(params, before, applied);

      // Assess
      expect(again).toMatchObject({ restartedAt: '2026-11-27T10:05:00Z', alreadyApplied: true });
      expect(fake.writes()).toHaveLength(1);
      expect(undone).toEqual({ undone: false, reason: expect.stringMatching(/A restart changes no configuration.*nothing to undo/) });
      expect(fake.requests.length).toBe(requestsAfterRetry);
      expect(requestsAfterRetry).toBeGreaterThan(requestsBefore);
    });

    it('refuses a Flux HelmRelease-managed Deployment without writing', async () => {
      // Prepare
      seedDeploymentHistory(fake, {
        namespace: 'shop',
        name: 'web',
        images: ['web:1'],
        labels: { 'helm.toolkit.fluxcd.io/name': 'web', 'helm.toolkit.fluxcd.io/namespace': 'shop' },
      });

      // Act & Assess
      await expect(restart().readBefore(params)).rejects.toThrow(/managed by Flux \(HelmRelease shop\/web\)/);
      expect(fake.writes()).toEqual([]);
    });

    it('refuses a paused Deployment', async () => {
      // Prepare
      seedDeploymentHistory(fake, { namespace: 'shop', name: 'web', images: ['web:1'], paused: true });

      // Act & Assess
      await expect(restart().readBefore(params)).rejects.toThrow(DeploymentPausedError);
    });
  });
});
