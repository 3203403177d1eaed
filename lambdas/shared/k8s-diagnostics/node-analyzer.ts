import type { V1Node, V1NodeCondition } from '@kubernetes/client-node';
import { eventEvidence, warningsAbout } from './events.js';
import { escalate, type Finding } from './finding.js';
import { optionalAt, optionalEvents } from './finding-parts.js';
import type { WorkloadSnapshot } from './snapshot.js';
import { clip } from './text.js';
import { firstIso } from './time.js';

/**
 * Nodes whose Ready condition is False or Unknown (critical), and nodes
 * under MemoryPressure, DiskPressure or PIDPressure (one finding per
 * condition). Cordoned nodes are not a problem in themselves.
 */

const PRESSURE_CONDITIONS = ['MemoryPressure', 'DiskPressure', 'PIDPressure'] as const;

function conditionDetails(node: V1Node, condition: V1NodeCondition): Record<string, string> {
  const labels = node.metadata?.labels ?? {};
  return {
    condition: condition.type,
    status: condition.status,
    ...(condition.reason ? { conditionReason: condition.reason } : {}),
    ...(labels['topology.kubernetes.io/zone'] ? { zone: labels['topology.kubernetes.io/zone'] } : {}),
    ...(labels['node.kubernetes.io/instance-type'] ? { instanceType: labels['node.kubernetes.io/instance-type'] } : {}),
    ...(labels['eks.amazonaws.com/nodegroup'] ? { nodegroup: labels['eks.amazonaws.com/nodegroup'] } : {}),
    ...(node.spec?.unschedulable ? { cordoned: 'true' } : {}),
  };
}

export function analyzeNodes(nodes: readonly V1Node[], related: WorkloadSnapshot = {}): Finding[] {
  const findings: Finding[] = [];
  for (const node of nodes) {
    const name = node.metadata?.name;
    if (name === undefined) continue;
    const conditions = node.status?.conditions ?? [];
    const warnings = warningsAbout(related.events, { kind: 'Node', name });
    const events = optionalEvents(eventEvidence(warnings));
    const ready = conditions.find((condition) => condition.type === 'Ready');
    if (ready !== undefined && ready.status !== 'True') {
      findings.push({
        kind: 'Node',
        name,
        reason: 'NodeNotReady',
        severity: 'critical',
        message: clip(`Node ${name} is not Ready (${ready.status}${ready.reason ? `, ${ready.reason}` : ''})${ready.message ? `: ${ready.message}` : '.'}`),
        ...optionalAt(firstIso(ready.lastTransitionTime, ready.lastHeartbeatTime)),
        evidence: { ...events, details: conditionDetails(node, ready) },
        suggestion: escalate('A node is down or unreachable; its pods are rescheduled elsewhere if capacity allows, and a person has to replace or repair the node.'),
      });
    }
    for (const type of PRESSURE_CONDITIONS) {
      const condition = conditions.find((item) => item.type === type && item.status === 'True');
      if (condition === undefined) continue;
      findings.push({
        kind: 'Node',
        name,
        reason: 'NodePressure',
        severity: 'medium',
        message: clip(`Node ${name} reports ${type}${condition.message ? `: ${condition.message}` : '.'}`),
        ...optionalAt(firstIso(condition.lastTransitionTime, condition.lastHeartbeatTime)),
        evidence: { ...events, details: conditionDetails(node, condition) },
        suggestion: escalate(`The node reports ${type}, so the kubelet evicts pods and refuses new ones; a person has to free resources or add capacity.`),
      });
    }
  }
  return findings;
}
