import { describe, expect, it } from 'vitest';
import { analyzeEvents } from '../../../../lambdas/shared/k8s-diagnostics/event-analyzer.js';
import type { Finding } from '../../../../lambdas/shared/k8s-diagnostics/finding.js';
import { event, NEW_RS } from './fixtures.js';

const POD = `${NEW_RS}-h7x2q`;

describe('analyzeEvents', () => {
  it('ignores Normal events', () => {
    // Act
    const findings = analyzeEvents([event('Pod', POD, 'Pulled', 'Successfully pulled image', { type: 'Normal' }), event('Pod', POD, 'Started', 'Started container app', { type: 'Normal' })]);

    // Assess
    expect(findings).toEqual([]);
  });

  it('aggregates Warning events by object and reason, summing their counts', () => {
    // Prepare
    const events = [
      event('Pod', POD, 'Unhealthy', 'Readiness probe failed: HTTP probe failed with statuscode: 503', { count: 8, first: '09:54', last: '09:58' }),
      event('Pod', POD, 'Unhealthy', 'Liveness probe failed: Get "http://10.0.1.57:8080/healthz": context deadline exceeded', { count: 3, first: '09:56', last: '09:59' }),
      event('Pod', POD, 'FailedMount', 'MountVolume.SetUp failed for volume "tls" : secret "web-tls" not found', { first: '09:52' }),
    ];

    // Act
    const findings = analyzeEvents(events);

    // Assess
    expect(findings).toEqual([
      {
        kind: 'Event',
        name: `Pod/${POD}`,
        namespace: 'shop',
        reason: 'WarningEvent',
        severity: 'medium',
        message: `11 Warning Unhealthy events on Pod shop/${POD}: Liveness probe failed: Get "http://10.0.1.57:8080/healthz": context deadline exceeded`,
        at: '2026-03-14T09:54:00.000Z',
        evidence: {
          events: ['Warning Unhealthy ×3: Liveness probe failed: Get "http://10.0.1.57:8080/healthz": context deadline exceeded'],
          details: { involvedKind: 'Pod', involvedName: POD, eventReason: 'Unhealthy', count: '11', lastSeen: '2026-03-14T09:59:00.000Z', source: 'kubelet' },
        },
        suggestion: expect.objectContaining({ action: 'escalateOnly' }),
      },
      expect.objectContaining({ name: `Pod/${POD}`, severity: 'low', message: `1 Warning FailedMount event on Pod shop/${POD}: MountVolume.SetUp failed for volume "tls" : secret "web-tls" not found` }),
    ]);
  });

  it('leaves out events about objects another finding already reports', () => {
    // Prepare
    const reported = [{ kind: 'Pod', name: POD, namespace: 'shop', reason: 'CrashLoopBackOff', severity: 'high', message: 'x', evidence: {}, suggestion: { action: 'escalateOnly', why: 'x' } }] as Finding[];
    const events = [event('Pod', POD, 'BackOff', 'Back-off restarting failed container'), event('Service', 'web', 'FailedToUpdateEndpointSlices', 'Error updating Endpoint Slices')];

    // Act
    const findings = analyzeEvents(events, { reported });

    // Assess
    expect(findings.map((finding) => finding.name)).toEqual(['Service/web']);
  });
});
