import type { V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import { eventEvidence, warningsAbout } from './events.js';
import { escalate, type Finding } from './finding.js';
import { identity, optionalAt, optionalEvents } from './finding-parts.js';
import type { WorkloadSnapshot } from './snapshot.js';
import { clip, qualified } from './text.js';
import { firstIso } from './time.js';

/**
 * HorizontalPodAutoscalers (autoscaling/v2) pinned at their maximum: current
 * replicas at or above `maxReplicas` while the `ScalingLimited` condition is
 * True, i.e. the load asks for more replicas than allowed.
 */
export function analyzeHpas(hpas: readonly V2HorizontalPodAutoscaler[], related: WorkloadSnapshot = {}): Finding[] {
  const findings: Finding[] = [];
  for (const hpa of hpas) {
    const id = identity(hpa.metadata);
    if (id === undefined || hpa.spec === undefined) continue;
    const max = hpa.spec.maxReplicas;
    const current = hpa.status?.currentReplicas ?? 0;
    const limited = (hpa.status?.conditions ?? []).find((condition) => condition.type === 'ScalingLimited' && condition.status === 'True');
    if (current < max || limited === undefined) continue;
    const target = hpa.spec.scaleTargetRef;
    const warnings = warningsAbout(related.events, { kind: 'HorizontalPodAutoscaler', ...id });
    findings.push({
      kind: 'HorizontalPodAutoscaler',
      ...id,
      reason: 'HpaAtMax',
      severity: 'medium',
      message: clip(
        `HorizontalPodAutoscaler ${qualified(id.namespace, id.name)} runs ${target.kind} ${target.name} at its maximum of ${max} replicas and wants more${
          limited.message ? ` (${limited.message})` : ''
        }.`,
      ),
      ...optionalAt(firstIso(limited.lastTransitionTime, hpa.status?.lastScaleTime)),
      evidence: {
        ...optionalEvents(eventEvidence(warnings)),
        details: {
          target: `${target.kind}/${target.name}`,
          currentReplicas: String(current),
          desiredReplicas: String(hpa.status?.desiredReplicas ?? current),
          minReplicas: String(hpa.spec.minReplicas ?? 1),
          maxReplicas: String(max),
          ...(limited.reason ? { conditionReason: limited.reason } : {}),
        },
      },
      suggestion: escalate('The autoscaler is at its ceiling; raising maxReplicas (and the cluster capacity behind it) is a decision for a person.'),
    });
  }
  return findings;
}
