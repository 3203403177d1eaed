import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OutOfScopeError, StalePlanError } from '../../../../lambdas/shared/errors.js';
import { CHANGE_ANNOTATION } from '../../../../lambdas/shared/eks/change-marker.js';
import { type ConfigMapBefore, MAX_PREVIOUS_VALUE_BYTES, PatchEksConfigMapExecutor } from '../../../../lambdas/shared/eks/configmap-executor.js';
import { GitOpsManagedError } from '../../../../lambdas/shared/eks/eks-errors.js';
import { type FakeKubeApi, startFakeKubeApi } from '../../../../local/fake-kube-api.js';

const eks = mockClient(EKSClient);
const params = { cluster: 'prod', namespace: 'shop', configMap: 'web-config', key: 'LOG_LEVEL', value: 'info' };
const applyContext = { incidentId: 'inc-7', attempt: 2, reason: 'debug logging fills the disk', now: new Date('2026-11-27T10:05:00.000Z') };
const undoContext = { incidentId: 'inc-7', now: new Date('2026-11-27T10:20:00.000Z') };

describe('PatchEksConfigMapExecutor', () => {
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

  const executor = () =>
    new PatchEksConfigMapExecutor({
      eks: new EKSClient({ region: 'eu-west-1' }),
      clusters: [{ name: 'prod', namespaces: ['shop'] }],
      kubeApis: fake.apiFactory(),
      credentials: async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }),
    });
  const seed = (data: Record<string, string>, metadata: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
    fake.seed('configmaps', { metadata: { name: 'web-config', namespace: 'shop', ...metadata }, data, ...extra });
  const data = () => fake.get('configmaps', 'shop', 'web-config')?.data as Record<string, string>;

  it('keeps the previous value, sets the key with a merge patch guarded by the resourceVersion, and undo restores it', async () => {
    // Prepare
    const seeded = seed({ LOG_LEVEL: 'debug', PORT: '8080' });
    const subject = executor();

    // Act
    const before = await subject.readBefore(params);

    // Assess
    expect(before).toEqual({
      cluster: 'prod',
      namespace: 'shop',
      configMap: 'web-config',
      uid: seeded.metadata.uid,
      resourceVersion: seeded.metadata.resourceVersion,
      key: 'LOG_LEVEL',
      previous: { present: true, value: 'debug' },
    });
    expect(fake.writes()).toEqual([]);

    // Act
    const applied = await subject.apply(params, before, applyContext);

    // Assess
    expect(applied).toEqual({ key: 'LOG_LEVEL', value: 'info', resourceVersion: expect.any(String), alreadyApplied: false });
    expect(data()).toEqual({ LOG_LEVEL: 'info', PORT: '8080' });
    expect(fake.writes()).toEqual([
      expect.objectContaining({
        method: 'PATCH',
        path: '/api/v1/namespaces/shop/configmaps/web-config',
        contentType: 'application/merge-patch+json',
        body: {
          metadata: { resourceVersion: before.resourceVersion, annotations: { [CHANGE_ANNOTATION]: expect.stringContaining('"attempt":2') } },
          data: { LOG_LEVEL: 'info' },
        },
      }),
    ]);

    // Act
    const undone = await subject.undo(params, before, applied, undoContext);

    // Assess
    expect(undone).toEqual({ undone: true, alreadyUndone: false, key: 'LOG_LEVEL', restored: 'previous value', value: 'debug', resourceVersion: expect.any(String) });
    expect(data()).toEqual({ LOG_LEVEL: 'debug', PORT: '8080' });
  });

  it('records an absent key as absent, and undo removes the key it added', async () => {
    // Prepare
    seed({ PORT: '8080' });
    const subject = executor();

    // Act
    const before = await subject.readBefore(params);
    const applied = await subject.apply(params, before, applyContext);

    // Assess
    expect(before.previous).toEqual({ present: false });
    expect(data()).toEqual({ LOG_LEVEL: 'info', PORT: '8080' });

    // Act
    const undone = await subject.undo(params, before, applied, undoContext);

    // Assess
    expect(undone).toMatchObject({ undone: true, restored: 'key removed' });
    expect(undone).not.toHaveProperty('value');
    expect(fake.writes()[1]?.body).toMatchObject({ data: { LOG_LEVEL: null } });
    expect(data()).toEqual({ PORT: '8080' });
  });

  it('adds the key to a ConfigMap that has no data at all', async () => {
    // Prepare
    fake.seed('configmaps', { metadata: { name: 'web-config', namespace: 'shop' } });
    const subject = executor();
    const before = await subject.readBefore(params);

    // Act
    await subject.apply(params, before, applyContext);

    // Assess
    expect(before.previous).toEqual({ present: false });
    expect(data()).toEqual({ LOG_LEVEL: 'info' });
  });

  it('changes nothing more when apply and undo are retried', async () => {
    // Prepare
    seed({ LOG_LEVEL: 'debug' });
    const subject = executor();
    const before = await subject.readBefore(params);
    const applied = await subject.apply(params, before, applyContext);

    // Act
    const again = await subject.apply(params, before, applyContext);
    await subject.undo(params, before, applied, undoContext);
    const undoneAgain = await subject.undo(params, before, applied, undoContext);

    // Assess
    expect(again.alreadyApplied).toBe(true);
    expect(undoneAgain).toMatchObject({ undone: true, alreadyUndone: true });
    expect(fake.writes()).toHaveLength(2);
  });

  it('re-reads after a 409 caused by another key and still sets its own', async () => {
    // Prepare
    seed({ LOG_LEVEL: 'debug', PORT: '8080' });
    const subject = executor();
    const before = await subject.readBefore(params);
    fake.beforeNextWrite(() => fake.update('configmaps', 'shop', 'web-config', (object) => (object.data.PORT = '9090')));

    // Act
    await subject.apply(params, before, applyContext);

    // Assess
    expect(fake.writes()).toHaveLength(2);
    expect(data()).toEqual({ LOG_LEVEL: 'info', PORT: '9090' });
  });

  it('refuses after a 409 when someone else changed the same key, and keeps their value', async () => {
    // Prepare
    seed({ LOG_LEVEL: 'debug' });
    const subject = executor();
    const before = await subject.readBefore(params);
    fake.beforeNextWrite(() => fake.update('configmaps', 'shop', 'web-config', (object) => (object.data.LOG_LEVEL = 'warn')));

    // Act & Assess
    await expect(subject.apply(params, before, applyContext)).rejects.toThrow(StalePlanError);
    await expect(subject.apply(params, before, applyContext)).rejects.toThrow(/key LOG_LEVEL changed since the before-state \("debug" → "warn"\)/);
    expect(data()).toEqual({ LOG_LEVEL: 'warn' });
    expect(fake.writes()).toHaveLength(1);
  });

  it('refuses to restore over a value someone set after the patch', async () => {
    // Prepare
    seed({ LOG_LEVEL: 'debug' });
    const subject = executor();
    const before = await subject.readBefore(params);
    const applied = await subject.apply(params, before, applyContext);
    fake.update('configmaps', 'shop', 'web-config', (object) => (object.data.LOG_LEVEL = 'error'));

    // Act & Assess
    await expect(subject.undo(params, before, applied, undoContext)).rejects.toThrow(/changed after the patch \(now "error"\); not restoring over it/);
    expect(data()).toEqual({ LOG_LEVEL: 'error' });
    expect(fake.writes()).toHaveLength(1);
  });

  it('reports nothing to undo when someone already put the previous value back', async () => {
    // Prepare
    seed({});
    const subject = executor();
    const before = await subject.readBefore(params);
    const applied = await subject.apply(params, before, applyContext);
    fake.update('configmaps', 'shop', 'web-config', (object) => delete object.data.LOG_LEVEL);

    // Act
    const result = await subject.undo(params, before, applied, undoContext);

    // Assess
    expect(result).toEqual({ undone: false, reason: expect.stringMatching(/already has its previous value \(absent\)/) });
    expect(fake.writes()).toHaveLength(1);
  });

  it('refuses an Argo CD-managed ConfigMap with the key and value to set in git, without writing', async () => {
    // Prepare
    seed({ LOG_LEVEL: 'debug' }, { labels: { 'argocd.argoproj.io/instance': 'shop' } });

    // Act
    const failure = await executor()
      .readBefore(params)
      .catch((error: unknown) => error);

    // Assess
    expect(failure).toBeInstanceOf(GitOpsManagedError);
    expect((failure as Error).message).toContain('ConfigMap shop/web-config on EKS cluster prod is managed by Argo CD (Application shop)');
    expect((failure as Error).message).toContain('Set key LOG_LEVEL to "info" in git (or revert the offending commit)');
    expect(fake.writes()).toEqual([]);
  });

  it('refuses an immutable ConfigMap, a binary key, and a previous value too large to keep', async () => {
    // Prepare & Act & Assess
    seed({ LOG_LEVEL: 'debug' }, {}, { immutable: true });
    await expect(executor().readBefore(params)).rejects.toThrow(/is immutable/);

    fake.reset();
    fake.seed('configmaps', { metadata: { name: 'web-config', namespace: 'shop' }, binaryData: { LOG_LEVEL: 'AAEC' } });
    await expect(executor().readBefore(params)).rejects.toThrow(/holds binary data/);

    fake.reset();
    seed({ LOG_LEVEL: 'x'.repeat(MAX_PREVIOUS_VALUE_BYTES + 1) });
    await expect(executor().readBefore(params)).rejects.toThrow(OutOfScopeError);
    expect(fake.writes()).toEqual([]);
  });

  it('refuses a namespace outside the allowlist without a single request', async () => {
    // Prepare
    const other = { ...params, namespace: 'kube-system' };
    const subject = executor();

    // Act & Assess
    await expect(subject.readBefore(other)).rejects.toThrow(OutOfScopeError);
    await expect(subject.apply(other, {} as ConfigMapBefore, applyContext)).rejects.toThrow(OutOfScopeError);
    await expect(subject.undo(other, {} as ConfigMapBefore, {} as never, undoContext)).rejects.toThrow(OutOfScopeError);
    expect(fake.requests).toEqual([]);
    expect(eks.calls()).toEqual([]);
  });
});
