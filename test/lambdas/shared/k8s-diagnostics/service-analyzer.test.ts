import { describe, expect, it } from 'vitest';
import { analyzeServices } from '../../../../lambdas/shared/k8s-diagnostics/service-analyzer.js';
import { crashLoopPod, endpoints, healthyPod, service } from './fixtures.js';

describe('analyzeServices', () => {
  it('finds nothing wrong with a Service that has ready endpoints', () => {
    // Act
    const findings = analyzeServices([service('web', { app: 'web' })], { endpoints: [endpoints('web', ['10.0.1.57', '10.0.2.14'])] });

    // Assess
    expect(findings).toEqual([]);
  });

  it('finds nothing wrong when endpoints were not read but a matching pod is ready', () => {
    // Act
    const findings = analyzeServices([service('web', { app: 'web' })], { pods: [healthyPod(), crashLoopPod()] });

    // Assess
    expect(findings).toEqual([]);
  });

  it('reports a Service whose selector matches no pods', () => {
    // Act
    const findings = analyzeServices([service('web', { app: 'web-frontend' })], { pods: [healthyPod()], endpoints: [endpoints('web', [])] });

    // Assess
    expect(findings).toEqual([
      {
        kind: 'Service',
        name: 'web',
        namespace: 'shop',
        reason: 'NoEndpoints',
        severity: 'high',
        message: 'Service shop/web has no endpoints: its selector app=web-frontend matches no pods.',
        at: '2026-03-14T09:56:10.000Z',
        evidence: { details: { selector: 'app=web-frontend', matchingPods: '0', readyPods: '0', readyAddresses: '0', notReadyAddresses: '0' } },
        suggestion: expect.objectContaining({ action: 'escalateOnly' }),
      },
    ]);
  });

  it('reports a Service whose Endpoints hold only not-ready addresses', () => {
    // Act
    const [finding] = analyzeServices([service('web', { app: 'web' })], { endpoints: [endpoints('web', [], ['10.0.1.57', '10.0.2.14'])] });

    // Assess
    expect(finding).toMatchObject({ reason: 'NoEndpoints', message: 'Service shop/web has no ready endpoints: 2 addresses are not ready.' });
  });

  it('reports a Service whose matching pods are none ready, from pods alone', () => {
    // Act
    const [finding] = analyzeServices([service('web', { app: 'web' })], { pods: [crashLoopPod()] });

    // Assess
    expect(finding?.message).toBe('Service shop/web has no ready endpoints: 1 pod matches its selector but none is ready.');
  });

  it('does not judge a Service without endpoints or pods to look at, nor an ExternalName Service', () => {
    // Prepare
    const external = { ...service('payments', undefined), spec: { type: 'ExternalName', externalName: 'payments.example.net' } };

    // Act
    const findings = [...analyzeServices([service('web', { app: 'web' })]), ...analyzeServices([external], { endpoints: [], pods: [] })];

    // Assess
    expect(findings).toEqual([]);
  });
});
