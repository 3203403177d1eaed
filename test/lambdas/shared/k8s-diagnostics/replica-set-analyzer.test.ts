import { describe, expect, it } from 'vitest';
import { analyzeReplicaSets } from '../../../../lambdas/shared/k8s-diagnostics/replica-set-analyzer.js';
import { at, event, NEW_RS, replicaSet } from './fixtures.js';

describe('analyzeReplicaSets', () => {
  it('finds nothing wrong with a ReplicaSet that has its pods', () => {
    // Act
    const findings = analyzeReplicaSets([replicaSet(NEW_RS, 5)]);

    // Assess
    expect(findings).toEqual([]);
  });

  it('reports a ReplicaSet whose pods are refused, with the API server message', () => {
    // Prepare
    const refusal =
      'pods "web-7d9f8c6b5-abcde" is forbidden: exceeded quota: compute-resources, requested: limits.memory=512Mi, used: limits.memory=3584Mi, limited: limits.memory=4Gi';
    const failing = replicaSet(NEW_RS, 5, {
      status: { replicas: 2, conditions: [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: refusal, lastTransitionTime: at('09:54') }] },
    });
    const events = [event('ReplicaSet', NEW_RS, 'FailedCreate', `Error creating: ${refusal}`, { count: 9 })];

    // Act
    const findings = analyzeReplicaSets([failing], { events });

    // Assess
    expect(findings).toEqual([
      {
        kind: 'ReplicaSet',
        name: NEW_RS,
        namespace: 'shop',
        reason: 'FailedCreate',
        severity: 'high',
        message: `ReplicaSet shop/${NEW_RS} cannot create pods: ${refusal}`,
        at: '2026-03-14T09:54:00.000Z',
        evidence: {
          events: [`Warning FailedCreate ×9: Error creating: ${refusal}`],
          details: { desiredReplicas: '3', replicas: '2', deployment: 'web' },
        },
        suggestion: expect.objectContaining({ action: 'escalateOnly' }),
      },
    ]);
  });
});
