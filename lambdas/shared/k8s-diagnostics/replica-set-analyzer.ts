import type { V1ReplicaSet } from '@kubernetes/client-node';
import { eventEvidence, warningsAbout } from './events.js';
import { escalate, type Finding } from './finding.js';
import { identity, optionalAt, optionalEvents } from './finding-parts.js';
import { ownerRef } from './ownership.js';
import type { WorkloadSnapshot } from './snapshot.js';
import { clip, qualified } from './text.js';
import { firstIso } from './time.js';

/**
 * ReplicaSets that cannot create their pods: the `ReplicaFailure` condition
 * with reason `FailedCreate` (a quota, an admission webhook, a pod security
 * rule). The message is the API server's refusal.
 */
export function analyzeReplicaSets(replicaSets: readonly V1ReplicaSet[], related: WorkloadSnapshot = {}): Finding[] {
  const findings: Finding[] = [];
  for (const replicaSet of replicaSets) {
    const id = identity(replicaSet.metadata);
    if (id === undefined) continue;
    const failure = (replicaSet.status?.conditions ?? []).find(
      (condition) => condition.type === 'ReplicaFailure' && condition.status === 'True' && condition.reason === 'FailedCreate',
    );
    if (failure === undefined) continue;
    const warnings = warningsAbout(related.events, { kind: 'ReplicaSet', ...id });
    const deployment = ownerRef(replicaSet, 'Deployment')?.name;
    const desired = replicaSet.spec?.replicas ?? 1;
    findings.push({
      kind: 'ReplicaSet',
      ...id,
      reason: 'FailedCreate',
      severity: 'high',
      message: clip(`ReplicaSet ${qualified(id.namespace, id.name)} cannot create pods: ${failure.message ?? 'FailedCreate'}`),
      ...optionalAt(firstIso(failure.lastTransitionTime)),
      evidence: {
        ...optionalEvents(eventEvidence(warnings)),
        details: {
          desiredReplicas: String(desired),
          replicas: String(replicaSet.status?.replicas ?? 0),
          ...(deployment === undefined ? {} : { deployment }),
        },
      },
      suggestion: escalate('The API server refuses the pods (quota, admission or security policy); a person has to change the limit or the pod spec.'),
    });
  }
  return findings;
}
