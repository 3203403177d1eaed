import type { V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { earliestEventIso, eventEvidence, eventsAbout, isWarning } from './events.js';
import { escalate, type Finding } from './finding.js';
import { identity, optionalAt, optionalEvents } from './finding-parts.js';
import type { WorkloadSnapshot } from './snapshot.js';
import { clip, qualified } from './text.js';
import { toIso } from './time.js';

/**
 * PersistentVolumeClaims stuck Pending. High when a Warning event (usually
 * `ProvisioningFailed`) says why; medium when nothing does; skipped while
 * the claim only waits for its first consumer (`WaitForFirstConsumer`).
 */
export function analyzePvcs(pvcs: readonly V1PersistentVolumeClaim[], related: WorkloadSnapshot = {}): Finding[] {
  const findings: Finding[] = [];
  for (const pvc of pvcs) {
    const id = identity(pvc.metadata);
    if (id === undefined || pvc.status?.phase !== 'Pending') continue;
    const events = eventsAbout(related.events, { kind: 'PersistentVolumeClaim', ...id });
    const warnings = events.filter(isWarning);
    const latest = events[0];
    if (warnings.length === 0 && latest?.reason === 'WaitForFirstConsumer') continue;
    const failure = warnings.find((event) => event.reason === 'ProvisioningFailed') ?? warnings[0];
    const storageClass = pvc.spec?.storageClassName;
    findings.push({
      kind: 'PersistentVolumeClaim',
      ...id,
      reason: 'PvcPending',
      severity: failure === undefined ? 'medium' : 'high',
      message: clip(
        `PersistentVolumeClaim ${qualified(id.namespace, id.name)} is Pending${
          failure === undefined ? ' with no event saying why' : `: ${failure.reason ?? 'Warning'}${failure.message ? ` (${failure.message})` : ''}`
        }.`,
      ),
      ...optionalAt(earliestEventIso(warnings) ?? toIso(pvc.metadata?.creationTimestamp)),
      evidence: {
        ...optionalEvents(eventEvidence(warnings)),
        details: {
          ...(storageClass ? { storageClass } : {}),
          ...(pvc.spec?.resources?.requests?.storage ? { requested: String(pvc.spec.resources.requests.storage) } : {}),
        },
      },
      suggestion: escalate('The volume cannot be provisioned or bound (storage class, quota, zone or CSI driver); a person has to fix the storage side.'),
    });
  }
  return findings;
}
