import type { V1Deployment } from '@kubernetes/client-node';
import { eventEvidence, warningsAbout } from './events.js';
import { escalate, type Finding, type Severity } from './finding.js';
import { identity, optionalAt, optionalEvents } from './finding-parts.js';
import { deploymentPosition, rollbackSuggestion } from './rollout.js';
import type { WorkloadSnapshot } from './snapshot.js';
import { clip, qualified } from './text.js';
import { firstIso } from './time.js';

/**
 * Deployments: a rollout stuck past its progress deadline (suggests rolling
 * back when an earlier revision is kept), or fewer available replicas than
 * desired. A Deployment scaled to zero, or paused, is not judged on progress.
 */
export function analyzeDeployments(deployments: readonly V1Deployment[], related: WorkloadSnapshot = {}): Finding[] {
  const findings: Finding[] = [];
  for (const deployment of deployments) {
    const id = identity(deployment.metadata);
    if (id === undefined) continue;
    const desired = deployment.spec?.replicas ?? 1;
    if (desired === 0) continue;
    const label = qualified(id.namespace, id.name);
    const conditions = deployment.status?.conditions ?? [];
    const progressing = conditions.find((condition) => condition.type === 'Progressing');
    const availableCondition = conditions.find((condition) => condition.type === 'Available');
    const available = deployment.status?.availableReplicas ?? 0;
    const updated = deployment.status?.updatedReplicas ?? 0;
    const warnings = warningsAbout(related.events, { kind: 'Deployment', ...id });
    const position = deploymentPosition(deployment, related);
    const details: Record<string, string> = {
      desiredReplicas: String(desired),
      availableReplicas: String(available),
      updatedReplicas: String(updated),
      ...(position.revision === undefined ? {} : { revision: String(position.revision) }),
      ...(position.previousRevision === undefined ? {} : { previousRevision: String(position.previousRevision) }),
    };
    const evidence = { ...optionalEvents(eventEvidence(warnings)), details };

    const stuck = progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded' && deployment.spec?.paused !== true;
    if (stuck) {
      const revision = position.revision === undefined ? '' : ` of revision ${position.revision}`;
      findings.push({
        kind: 'Deployment',
        ...id,
        reason: 'ProgressDeadlineExceeded',
        severity: 'high',
        message: clip(
          `Deployment ${label}'s rollout${revision} exceeded its progress deadline with ${available} of ${desired} replicas available${progressing.message ? ` (${progressing.message.replace(/\.$/, '')})` : ''}.`,
        ),
        ...optionalAt(firstIso(progressing.lastTransitionTime, progressing.lastUpdateTime)),
        evidence,
        suggestion:
          rollbackSuggestion(position, 'The rollout is stuck') ??
          escalate('The rollout is stuck and no earlier revision is kept to roll back to; the pod findings name the cause.'),
      });
      continue;
    }

    if (available < desired) {
      const rollingOut = progressing?.status === 'True' && progressing.reason === 'ReplicaSetUpdated';
      const severity: Severity = available === 0 ? 'critical' : rollingOut ? 'low' : 'medium';
      const unavailableSince = availableCondition?.status === 'False' ? availableCondition.lastTransitionTime : undefined;
      findings.push({
        kind: 'Deployment',
        ...id,
        reason: 'UnavailableReplicas',
        severity,
        message: `Deployment ${label} has ${available} of ${desired} replicas available${rollingOut ? ' while a rollout is in progress' : ''}.`,
        ...optionalAt(firstIso(unavailableSince, progressing?.lastTransitionTime)),
        evidence,
        suggestion: escalate('Replicas are unavailable; the pod findings name the cause and whether a rollback fits.'),
      });
    }
  }
  return findings;
}
