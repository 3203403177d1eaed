import { describe, expect, it } from 'vitest';
import { analyzeNodes } from '../../../../lambdas/shared/k8s-diagnostics/node-analyzer.js';
import { event, node } from './fixtures.js';

const NODE = 'ip-10-0-1-23.eu-west-1.compute.internal';

describe('analyzeNodes', () => {
  it('finds nothing wrong with a Ready node without pressure', () => {
    // Act
    const findings = analyzeNodes([node(NODE)]);

    // Assess
    expect(findings).toEqual([]);
  });

  it.each(['False', 'Unknown'])('reports a node whose Ready condition is %s as critical', (status) => {
    // Prepare
    const events = [event('Node', NODE, 'NodeNotReady', `Node ${NODE} status is now: NodeNotReady`, { first: '09:57' })];

    // Act
    const [finding] = analyzeNodes([node(NODE, { Ready: status })], { events });

    // Assess
    expect(finding).toMatchObject({
      kind: 'Node',
      name: NODE,
      reason: 'NodeNotReady',
      severity: 'critical',
      message: `Node ${NODE} is not Ready (${status}, NodeStatusUnknown): Kubelet stopped posting node status.`,
      at: '2026-03-14T09:57:00.000Z',
      evidence: {
        events: [`Warning NodeNotReady: Node ${NODE} status is now: NodeNotReady`],
        details: { condition: 'Ready', status, zone: 'eu-west-1a', instanceType: 'm6i.large', nodegroup: 'general' },
      },
      suggestion: { action: 'escalateOnly' },
    });
    expect(finding).not.toHaveProperty('namespace');
  });

  it('reports each pressure condition that is True', () => {
    // Act
    const findings = analyzeNodes([node(NODE, { MemoryPressure: 'True', DiskPressure: 'True' })]);

    // Assess
    expect(findings.map((finding) => [finding.reason, finding.severity, finding.evidence.details?.condition, finding.message])).toEqual([
      ['NodePressure', 'medium', 'MemoryPressure', `Node ${NODE} reports MemoryPressure: kubelet has insufficient memory available`],
      ['NodePressure', 'medium', 'DiskPressure', `Node ${NODE} reports DiskPressure: kubelet has disk pressure`],
    ]);
  });
});
