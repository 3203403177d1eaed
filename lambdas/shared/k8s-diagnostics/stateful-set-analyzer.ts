import type { V1StatefulSet } from '@kubernetes/client-node';
import { earliestEventIso, eventEvidence, warningsAbout } from './events.js';
import { escalate, type Finding } from './finding.js';
import { identity, optionalAt, optionalEvents } from './finding-parts.js';
import type { WorkloadSnapshot } from './snapshot.js';
import { qualified } from './text.js';

/**
 * StatefulSets with fewer ready replicas than desired. Critical when none is
 * ready. Dated by the StatefulSet's first Warning event, when there is one.
 */
export function analyzeStatefulSets(statefulSets: readonly V1StatefulSet[], related: WorkloadSnapshot = {}): Finding[] {
  const findings: Finding[] = [];
  for (const statefulSet of statefulSets) {
    const id = identity(statefulSet.metadata);
    if (id === undefined) continue;
    const desired = statefulSet.spec?.replicas ?? 1;
    const ready = statefulSet.status?.readyReplicas ?? 0;
    if (ready >= desired) continue;
    const warnings = warningsAbout(related.events, { kind: 'StatefulSet', ...id });
    const status = statefulSet.status;
    const rollingOut = status?.updateRevision !== undefined && status.currentRevision !== undefined && status.updateRevision !== status.currentRevision;
    findings.push({
      kind: 'StatefulSet',
      ...id,
      reason: 'UnavailableReplicas',
      severity: ready === 0 ? 'critical' : 'medium',
      message: `StatefulSet ${qualified(id.namespace, id.name)} has ${ready} of ${desired} replicas ready${rollingOut ? ' while an update is in progress' : ''}.`,
      ...optionalAt(earliestEventIso(warnings)),
      evidence: {
        ...optionalEvents(eventEvidence(warnings)),
        details: {
          desiredReplicas: String(desired),
          readyReplicas: String(ready),
          currentReplicas: String(status?.currentReplicas ?? 0),
          ...(status?.currentRevision ? { currentRevision: status.currentRevision } : {}),
          ...(status?.updateRevision ? { updateRevision: status.updateRevision } : {}),
        },
      },
      suggestion: escalate(
        'StatefulSet pods start in order and keep their volumes; the catalog has no safe automatic action for them, so a person has to look at the pod findings.',
      ),
    });
  }
  return findings;
}
