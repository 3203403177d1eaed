import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PatchAndRestartExecutor, UNDO_RESTART_ATTEMPT_OFFSET } from '../../../lambdas/act-on-eks/patch-and-restart.js';
import { OutOfScopeError, StalePlanError } from '../../../lambdas/shared/errors.js';
import { CHANGE_ANNOTATION, GitOpsManagedError, PatchEksConfigMapExecutor, RESTARTED_AT_ANNOTATION, RestartEksDeploymentExecutor } from '../../../lambdas/shared/eks/index.js';
// The fake Kubernetes API moved from test/support/ to local/ (the simulated world's clusters use it too).
import { type FakeKubeApi, seedDeploymentHistory, startFakeKubeApi } from '../../../local/fake-kube-api.js';

const eks = mockClient(EKSClient);
const patchParams = { cluster: 'prod', namespace: 'shop', configMap: 'checkout-config', key: 'DB_POOL_SIZE', value: '20' };
const withRestart = { ...patchParams, restartDeployment: 'checkout' };
const applyContext = { incidentId: 'inc-9', attempt: 1, reason: 'pool exhausted: DB_POOL_SIZE missing', now: new Date('2026-11-27T10:05:00.000Z') };
const undoContext = { incidentId: 'inc-9', now: new Date('2026-11-27T10:20:00.000Z') };

describe('PatchAndRestartExecutor', () => {
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

  const executor = (namespaces = ['shop']) => {
    const deps = {
      eks: new EKSClient({ region: 'eu-west-1' }),
      clusters: [{ name: 'prod', namespaces }],
      kubeApis: fake.apiFactory(),
      credentials: async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }),
    };
    return new PatchAndRestartExecutor(new PatchEksConfigMapExecutor(deps), new RestartEksDeploymentExecutor(deps));
  };
  const seedConfigMap = (data: Record<string, string>, metadata: Record<string, unknown> = {}) =>
    fake.seed('configmaps', { metadata: { name: 'checkout-config', namespace: 'shop', ...metadata }, data });
  const seedDeployment = (overrides: { labels?: Record<string, string>; annotations?: Record<string, string> } = {}) =>
    seedDeploymentHistory(fake, { namespace: 'shop', name: 'checkout', images: ['checkout:1', 'checkout:2'], ...overrides });
  const data = () => fake.get('configmaps', 'shop', 'checkout-config')?.data as Record<string, string>;
  const restartedAt = () => fake.get('deployments', 'shop', 'checkout')?.spec.template.metadata?.annotations?.[RESTARTED_AT_ANNOTATION] as string | undefined;
  const deploymentWrites = () => fake.writes().filter((write) => write.path.includes('/deployments/'));

  it('without restartDeployment, patches the key only and reads no Deployment', async () => {
    // Prepare
    seedConfigMap({ DB_POOL_SIZE: '5' });
    const subject = executor();

    // Act
    const before = await subject.readBefore(patchParams);
    const applied = await subject.apply(patchParams, before, applyContext);

    // Assess
    expect(before).toEqual({ configMap: expect.objectContaining({ key: 'DB_POOL_SIZE', previous: { present: true, value: '5' } }) });
    expect(before.deployment).toBeUndefined();
    expect(applied).toEqual({ configMap: expect.objectContaining({ key: 'DB_POOL_SIZE', value: '20', alreadyApplied: false }) });
    expect(data()).toEqual({ DB_POOL_SIZE: '20' });
    expect(fake.requests.some((request) => request.path.includes('/deployments/'))).toBe(false);
  });

  it('reads the ConfigMap and the Deployment before, changing nothing', async () => {
    // Prepare
    seedConfigMap({ OTHER: 'x' });
    const { deployment } = seedDeployment();

    // Act
    const before = await executor().readBefore(withRestart);

    // Assess
    expect(before.configMap).toMatchObject({ configMap: 'checkout-config', key: 'DB_POOL_SIZE', previous: { present: false } });
    expect(before.deployment).toMatchObject({ deployment: 'checkout', uid: deployment.metadata.uid, resourceVersion: deployment.metadata.resourceVersion });
    expect(fake.writes()).toEqual([]);
  });

  it('patches the key, then restarts the Deployment so its pods read the new value', async () => {
    // Prepare
    seedConfigMap({ OTHER: 'x' });
    seedDeployment();
    const subject = executor();
    const before = await subject.readBefore(withRestart);

    // Act
    const applied = await subject.apply(withRestart, before, applyContext);

    // Assess
    expect(fake.writes().map((write) => write.path)).toEqual(['/api/v1/namespaces/shop/configmaps/checkout-config', '/apis/apps/v1/namespaces/shop/deployments/checkout']);
    expect(data()).toEqual({ OTHER: 'x', DB_POOL_SIZE: '20' });
    expect(restartedAt()).toBe('2026-11-27T10:05:00Z');
    expect(applied.restart).toMatchObject({ restartedAt: '2026-11-27T10:05:00Z', alreadyApplied: false });
  });

  it('changes nothing more when the apply is retried', async () => {
    // Prepare
    seedConfigMap({ OTHER: 'x' });
    seedDeployment();
    const subject = executor();
    const before = await subject.readBefore(withRestart);
    await subject.apply(withRestart, before, applyContext);
    const writes = fake.writes().length;

    // Act
    const again = await subject.apply(withRestart, before, { ...applyContext, now: new Date('2026-11-27T10:06:00.000Z') });

    // Assess
    expect(fake.writes()).toHaveLength(writes);
    expect(again.configMap.alreadyApplied).toBe(true);
    expect(again.restart).toMatchObject({ alreadyApplied: true, restartedAt: '2026-11-27T10:05:00Z' });
  });

  it('undo restores the key (here: removes it, as it was absent) and restarts again', async () => {
    // Prepare
    seedConfigMap({ OTHER: 'x' });
    seedDeployment();
    const subject = executor();
    const before = await subject.readBefore(withRestart);
    const applied = await subject.apply(withRestart, before, applyContext);

    // Act
    const undone = await subject.undo(withRestart, before, applied, undoContext);

    // Assess
    expect(data()).toEqual({ OTHER: 'x' });
    expect(restartedAt()).toBe('2026-11-27T10:20:00Z');
    expect(undone).toMatchObject({ configMap: { undone: true, restored: 'key removed' }, restart: { restartedAt: '2026-11-27T10:20:00Z', alreadyApplied: false } });
    const marker = JSON.parse(fake.get('deployments', 'shop', 'checkout')!.metadata.annotations[CHANGE_ANNOTATION] as string);
    expect(marker).toMatchObject({ incidentId: 'inc-9', action: 'restartEksDeployment', attempt: UNDO_RESTART_ATTEMPT_OFFSET + (applied.restart!.generation % UNDO_RESTART_ATTEMPT_OFFSET) });
  });

  it('undo puts a previous value back', async () => {
    // Prepare
    seedConfigMap({ DB_POOL_SIZE: '5' });
    seedDeployment();
    const subject = executor();
    const before = await subject.readBefore(withRestart);
    const applied = await subject.apply(withRestart, before, applyContext);

    // Act
    await subject.undo(withRestart, before, applied, undoContext);

    // Assess
    expect(data()).toEqual({ DB_POOL_SIZE: '5' });
  });

  it('a repeated undo changes nothing more', async () => {
    // Prepare
    seedConfigMap({ DB_POOL_SIZE: '5' });
    seedDeployment();
    const subject = executor();
    const before = await subject.readBefore(withRestart);
    const applied = await subject.apply(withRestart, before, applyContext);
    await subject.undo(withRestart, before, applied, undoContext);
    const writes = fake.writes().length;

    // Act
    const again = await subject.undo(withRestart, before, applied, { ...undoContext, now: new Date('2026-11-27T10:21:00.000Z') });

    // Assess
    expect(fake.writes()).toHaveLength(writes);
    expect(again).toMatchObject({ configMap: { undone: true, alreadyUndone: true }, restart: { alreadyApplied: true } });
    expect(restartedAt()).toBe('2026-11-27T10:20:00Z');
  });

  it('undo of a patch without restart does not touch the Deployment', async () => {
    // Prepare
    seedConfigMap({ DB_POOL_SIZE: '5' });
    seedDeployment();
    const subject = executor();
    const before = await subject.readBefore(patchParams);
    const applied = await subject.apply(patchParams, before, applyContext);

    // Act
    const undone = await subject.undo(patchParams, before, applied, undoContext);

    // Assess
    expect(undone).toEqual({ configMap: expect.objectContaining({ undone: true }) });
    expect(deploymentWrites()).toEqual([]);
  });

  it('undo refuses to restore over a value someone set after the patch, and restarts nothing', async () => {
    // Prepare
    seedConfigMap({ DB_POOL_SIZE: '5' });
    seedDeployment();
    const subject = executor();
    const before = await subject.readBefore(withRestart);
    const applied = await subject.apply(withRestart, before, applyContext);
    fake.update('configmaps', 'shop', 'checkout-config', (object) => {
      object.data.DB_POOL_SIZE = '50';
    });
    const restarts = deploymentWrites().length;

    // Act & Assess
    await expect(subject.undo(withRestart, before, applied, undoContext)).rejects.toThrow(StalePlanError);
    expect(data()).toEqual({ DB_POOL_SIZE: '50' });
    expect(deploymentWrites()).toHaveLength(restarts);
  });

  it('refuses a GitOps-managed Deployment before writing anything, even the ConfigMap', async () => {
    // Prepare
    seedConfigMap({ DB_POOL_SIZE: '5' });
    seedDeployment({ annotations: { 'argocd.argoproj.io/tracking-id': 'shop-checkout:apps/Deployment:shop/checkout' } });

    // Act & Assess
    await expect(executor().readBefore(withRestart)).rejects.toThrow(GitOpsManagedError);
    expect(fake.writes()).toEqual([]);
  });

  it('refuses a GitOps-managed ConfigMap before writing anything', async () => {
    // Prepare
    seedConfigMap({ DB_POOL_SIZE: '5' }, { labels: { 'kustomize.toolkit.fluxcd.io/name': 'shop', 'kustomize.toolkit.fluxcd.io/namespace': 'flux-system' } });
    seedDeployment();

    // Act & Assess
    const error = await executor().readBefore(withRestart).catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(GitOpsManagedError);
    expect((error as GitOpsManagedError).owner).toEqual({ controller: 'Flux', kind: 'Kustomization', name: 'flux-system/shop' });
    expect(fake.writes()).toEqual([]);
  });

  it('refuses a namespace outside the allowlist without any call', async () => {
    // Act & Assess
    await expect(executor(['payments']).readBefore(withRestart)).rejects.toThrow(OutOfScopeError);
    expect(eks.calls()).toHaveLength(0);
    expect(fake.requests).toEqual([]);
  });
});
