import { describe, expect, it } from 'vitest';
import { analyzeIngresses } from '../../../../lambdas/shared/k8s-diagnostics/ingress-analyzer.js';
import { ingress, service } from './fixtures.js';

describe('analyzeIngresses', () => {
  it('finds nothing wrong when every backend Service and port exists', () => {
    // Act
    const findings = analyzeIngresses([ingress([{ service: 'web', port: 80 }, { service: 'web', port: 'http' }])], { services: [service('web', { app: 'web' })] });

    // Assess
    expect(findings).toEqual([]);
  });

  it('reports backends whose Service does not exist or lacks the port', () => {
    // Act
    const findings = analyzeIngresses([ingress([{ service: 'web', port: 8443 }, { service: 'checkout', port: 80 }])], {
      services: [service('web', { app: 'web' })],
    });

    // Assess
    expect(findings).toEqual([
      {
        kind: 'Ingress',
        name: 'shop',
        namespace: 'shop',
        reason: 'MissingBackend',
        severity: 'high',
        message: 'Ingress shop/shop routes to Service web, which has no port 8443; and to Service checkout, which does not exist.',
        evidence: { details: { services: 'web,checkout' } },
        suggestion: expect.objectContaining({ action: 'escalateOnly' }),
      },
    ]);
  });

  it('does not judge Ingresses when Services were not read', () => {
    // Act
    const findings = analyzeIngresses([ingress([{ service: 'checkout', port: 80 }])], {});

    // Assess
    expect(findings).toEqual([]);
  });
});
