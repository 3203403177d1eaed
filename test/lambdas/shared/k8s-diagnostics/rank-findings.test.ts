import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../../lambdas/shared/k8s-diagnostics/finding.js';
import { compactFinding, fitBudget, rankFindings } from '../../../../lambdas/shared/k8s-diagnostics/rank-findings.js';
import { ONSET } from './fixtures.js';

function finding(name: string, severity: Finding['severity'], at?: string, logLines = 0): Finding {
  return {
    kind: 'Pod',
    name,
    namespace: 'shop',
    reason: 'CrashLoopBackOff',
    severity,
    message: `Container app of pod shop/${name} is in CrashLoopBackOff.`,
    ...(at === undefined ? {} : { at }),
    evidence: {
      events: ['Warning BackOff ×9: Back-off restarting failed container app', 'Warning Unhealthy: Readiness probe failed', 'Warning Failed: Error'],
      ...(logLines === 0 ? {} : { logTail: Array.from({ length: logLines }, (_, index) => `${'x'.repeat(80)} line ${index}`) }),
    },
    suggestion: { action: 'escalateOnly', why: 'A person has to look.' },
  };
}

describe('rankFindings', () => {
  it('orders by severity, then by closeness to the onset, then undated, then by input order', () => {
    // Prepare
    const findings = [
      finding('low-near', 'low', '2026-03-14T10:00:30Z'),
      finding('high-undated', 'high'),
      finding('high-far', 'high', '2026-03-14T08:00:00Z'),
      finding('critical', 'critical', '2026-03-13T10:00:00Z'),
      finding('high-near-after', 'high', '2026-03-14T10:02:00Z'),
      finding('high-near-before', 'high', '2026-03-14T09:59:00Z'),
      finding('high-undated-2', 'high'),
    ];

    // Act
    const ranked = rankFindings(findings, ONSET);

    // Assess
    expect(ranked.map((item) => item.name)).toEqual([
      'critical',
      'high-near-before',
      'high-near-after',
      'high-far',
      'high-undated',
      'high-undated-2',
      'low-near',
    ]);
  });

  it('keeps the input order within a severity when there is no onset', () => {
    // Act
    const ranked = rankFindings([finding('a', 'medium', '2026-03-14T08:00:00Z'), finding('b', 'high'), finding('c', 'medium', '2026-03-14T10:00:00Z')]);

    // Assess
    expect(ranked.map((item) => item.name)).toEqual(['b', 'a', 'c']);
  });
});

describe('fitBudget', () => {
  it('keeps everything that fits', () => {
    // Act
    const result = fitBudget([finding('a', 'high'), finding('b', 'low')], 10, 6_000);

    // Assess
    expect(result).toEqual({ findings: [finding('a', 'high'), finding('b', 'low')], trimmed: 0, compacted: 0 });
  });

  it('cuts to the finding budget first', () => {
    // Act
    const result = fitBudget(['a', 'b', 'c', 'd'].map((name) => finding(name, 'high')), 2, 6_000);

    // Assess
    expect(result.findings.map((item) => item.name)).toEqual(['a', 'b']);
    expect(result.trimmed).toBe(2);
  });

  it('shortens the lowest-ranked evidence first, and keeps the top finding whole when that is enough', () => {
    // Prepare
    const ranked = [finding('top', 'critical', undefined, 20), finding('bottom', 'low', undefined, 20)];
    const whole = JSON.stringify(ranked).length;

    // Act
    const result = fitBudget(ranked, 10, whole - 500);

    // Assess
    expect(JSON.stringify(result.findings).length).toBeLessThanOrEqual(whole - 500);
    expect(result.findings[0]).toEqual(ranked[0]);
    expect(result.findings[1]?.evidence.logTail?.length).toBeLessThan(20);
    expect(result).toMatchObject({ trimmed: 0, compacted: 1 });
  });

  it('drops the lowest-ranked findings when shortened evidence is still too big', () => {
    // Prepare
    const ranked = ['a', 'b', 'c', 'd', 'e'].map((name) => finding(name, 'high', undefined, 20));
    const oneCompacted = JSON.stringify([compactFinding(ranked[0] as Finding, { logLines: 0, events: 0, lineChars: 120 })]).length;

    // Act
    const result = fitBudget(ranked, 10, oneCompacted * 2 + 10);

    // Assess
    expect(result.findings.map((item) => item.name)).toEqual(['a', 'b']);
    expect(result.trimmed).toBe(3);
    expect(JSON.stringify(result.findings).length).toBeLessThanOrEqual(oneCompacted * 2 + 10);
  });
});
