import { describe, expect, it } from 'vitest';
import { analyzeHpas } from '../../../../lambdas/shared/k8s-diagnostics/hpa-analyzer.js';
import { hpa } from './fixtures.js';

describe('analyzeHpas', () => {
  it('finds nothing wrong below the maximum, nor at the maximum when not limited', () => {
    // Act
    const findings = analyzeHpas([hpa(6, false), hpa(10, false)]);

    // Assess
    expect(findings).toEqual([]);
  });

  it('reports an autoscaler at its maximum whose ScalingLimited condition is True', () => {
    // Act
    const findings = analyzeHpas([hpa(10, true)]);

    // Assess
    expect(findings).toEqual([
      {
        kind: 'HorizontalPodAutoscaler',
        name: 'web',
        namespace: 'shop',
        reason: 'HpaAtMax',
        severity: 'medium',
        message:
          'HorizontalPodAutoscaler shop/web runs Deployment web at its maximum of 10 replicas and wants more (the desired replica count is more than the maximum replica count).',
        at: '2026-03-14T09:47:00.000Z',
        evidence: {
          details: {
            target: 'Deployment/web',
            currentReplicas: '10',
            desiredReplicas: '10',
            minReplicas: '3',
            maxReplicas: '10',
            conditionReason: 'TooManyReplicas',
          },
        },
        suggestion: expect.objectContaining({ action: 'escalateOnly' }),
      },
    ]);
  });

  it('does not report a ScalingLimited autoscaler below its maximum (limited at the minimum)', () => {
    // Act
    const findings = analyzeHpas([hpa(3, true)]);

    // Assess
    expect(findings).toEqual([]);
  });
});
