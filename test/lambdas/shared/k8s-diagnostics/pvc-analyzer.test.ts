import { describe, expect, it } from 'vitest';
import { analyzePvcs } from '../../../../lambdas/shared/k8s-diagnostics/pvc-analyzer.js';
import { event, pvc } from './fixtures.js';

describe('analyzePvcs', () => {
  it('finds nothing wrong with a Bound claim', () => {
    // Act
    const findings = analyzePvcs([pvc('redis-data-redis-0', 'Bound')]);

    // Assess
    expect(findings).toEqual([]);
  });

  it('reports a Pending claim with its ProvisioningFailed event', () => {
    // Prepare
    const message =
      'failed to provision volume with StorageClass "gp3": rpc error: code = Internal desc = Could not create volume "pvc-1c2d": UnauthorizedOperation: You are not authorized to perform this operation.';
    const events = [
      event('PersistentVolumeClaim', 'redis-data-redis-2', 'ExternalProvisioning', 'Waiting for a volume to be created', { type: 'Normal', first: '09:50' }),
      event('PersistentVolumeClaim', 'redis-data-redis-2', 'ProvisioningFailed', message, { count: 7, first: '09:51' }),
    ];

    // Act
    const [finding, ...rest] = analyzePvcs([pvc('redis-data-redis-2', 'Pending')], { events });

    // Assess
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({
      kind: 'PersistentVolumeClaim',
      reason: 'PvcPending',
      severity: 'high',
      at: '2026-03-14T09:51:00.000Z',
      evidence: { events: [`Warning ProvisioningFailed ×7: ${message}`], details: { storageClass: 'gp3', requested: '20Gi' } },
      suggestion: { action: 'escalateOnly' },
    });
    expect(finding?.message).toContain('is Pending: ProvisioningFailed (failed to provision volume');
  });

  it('leaves a claim waiting for its first consumer alone, and reports an unexplained Pending one as medium', () => {
    // Prepare
    const events = [event('PersistentVolumeClaim', 'cache', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding', { type: 'Normal' })];

    // Act
    const findings = analyzePvcs([pvc('cache', 'Pending'), pvc('uploads', 'Pending')], { events });

    // Assess
    expect(findings.map((finding) => [finding.name, finding.severity, finding.at])).toEqual([['uploads', 'medium', '2026-03-14T09:50:00.000Z']]);
  });
});
