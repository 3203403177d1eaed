import { describe, expect, it } from 'vitest';
import { analyzeStatefulSets } from '../../../../lambdas/shared/k8s-diagnostics/stateful-set-analyzer.js';
import { event, statefulSet } from './fixtures.js';

describe('analyzeStatefulSets', () => {
  it('finds nothing wrong when every replica is ready', () => {
    // Act
    const findings = analyzeStatefulSets([statefulSet(3)]);

    // Assess
    expect(findings).toEqual([]);
  });

  it('reports fewer ready replicas than desired, medium while some are ready', () => {
    // Prepare
    const events = [event('StatefulSet', 'redis', 'FailedCreate', 'create Pod redis-2 in StatefulSet redis failed', { first: '09:56' })];

    // Act
    const [finding] = analyzeStatefulSets([statefulSet(2)], { events });

    // Assess
    expect(finding).toMatchObject({
      kind: 'StatefulSet',
      name: 'redis',
      reason: 'UnavailableReplicas',
      severity: 'medium',
      message: 'StatefulSet shop/redis has 2 of 3 replicas ready.',
      at: '2026-03-14T09:56:00.000Z',
      evidence: { details: { desiredReplicas: '3', readyReplicas: '2' } },
      suggestion: { action: 'escalateOnly' },
    });
  });

  it('is critical when no replica is ready', () => {
    // Act
    const [finding] = analyzeStatefulSets([statefulSet(0)]);

    // Assess
    expect(finding?.severity).toBe('critical');
  });
});
