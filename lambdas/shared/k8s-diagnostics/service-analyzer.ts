import type { V1Endpoints, V1Pod, V1Service } from '@kubernetes/client-node';
import { eventEvidence, warningsAbout } from './events.js';
import { escalate, type Finding } from './finding.js';
import { identity, optionalAt, optionalEvents } from './finding-parts.js';
import { mapSelectorMatches } from './ownership.js';
import type { WorkloadSnapshot } from './snapshot.js';
import { plural, qualified } from './text.js';
import { toIso } from './time.js';

/**
 * Services that route to nothing: their Endpoints have no ready address, or
 * (when Endpoints were not read) their selector matches no ready pod.
 * Without either list a Service is not judged. ExternalName Services and
 * selector-less Services without an Endpoints object are skipped.
 */

const LAST_CHANGE_ANNOTATION = 'endpoints.kubernetes.io/last-change-trigger-time';

function isReady(pod: V1Pod): boolean {
  if (pod.metadata?.deletionTimestamp !== undefined) return false;
  return (pod.status?.conditions ?? []).some((condition) => condition.type === 'Ready' && condition.status === 'True');
}

function countAddresses(endpoints: V1Endpoints): { ready: number; notReady: number } {
  let ready = 0;
  let notReady = 0;
  for (const subset of endpoints.subsets ?? []) {
    ready += subset.addresses?.length ?? 0;
    notReady += subset.notReadyAddresses?.length ?? 0;
  }
  return { ready, notReady };
}

function describeSelector(selector: Readonly<Record<string, string>>): string {
  return Object.entries(selector)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}

export function analyzeServices(services: readonly V1Service[], related: WorkloadSnapshot = {}): Finding[] {
  const findings: Finding[] = [];
  for (const service of services) {
    const id = identity(service.metadata);
    if (id === undefined || service.spec?.type === 'ExternalName') continue;
    const namespace = id.namespace ?? 'default';
    const selector = service.spec?.selector ?? {};
    const hasSelector = Object.keys(selector).length > 0;
    const endpoints = (related.endpoints ?? []).find(
      (candidate) => candidate.metadata?.name === id.name && (candidate.metadata?.namespace ?? 'default') === namespace,
    );
    const matching =
      hasSelector && related.pods !== undefined
        ? related.pods.filter((pod) => (pod.metadata?.namespace ?? 'default') === namespace && mapSelectorMatches(selector, pod.metadata?.labels))
        : undefined;
    const readyPods = matching?.filter(isReady);

    let ready: number;
    let notReady = 0;
    if (endpoints !== undefined) {
      ({ ready, notReady } = countAddresses(endpoints));
    } else if (readyPods !== undefined) {
      ready = readyPods.length;
    } else {
      continue;
    }
    if (ready > 0) continue;

    const label = `Service ${qualified(id.namespace, id.name)}`;
    const selectorText = hasSelector ? describeSelector(selector) : undefined;
    let message: string;
    if (matching !== undefined && matching.length === 0) {
      message = `${label} has no endpoints: its selector ${selectorText} matches no pods.`;
    } else if (notReady > 0) {
      message = `${label} has no ready endpoints: ${plural(notReady, 'address is', 'addresses are')} not ready.`;
    } else if (matching !== undefined) {
      message = `${label} has no ready endpoints: ${plural(matching.length, 'pod matches', 'pods match')} its selector but none is ready.`;
    } else {
      message = `${label} has no endpoints.`;
    }
    const warnings = warningsAbout(related.events, { kind: 'Service', ...id });
    findings.push({
      kind: 'Service',
      ...id,
      reason: 'NoEndpoints',
      severity: 'high',
      message,
      ...optionalAt(toIso(endpoints?.metadata?.annotations?.[LAST_CHANGE_ANNOTATION])),
      evidence: {
        ...optionalEvents(eventEvidence(warnings)),
        details: {
          ...(selectorText === undefined ? {} : { selector: selectorText }),
          ...(matching === undefined ? {} : { matchingPods: String(matching.length), readyPods: String(readyPods?.length ?? 0) }),
          ...(endpoints === undefined ? {} : { readyAddresses: String(ready), notReadyAddresses: String(notReady) }),
        },
      },
      suggestion: escalate(
        matching !== undefined && matching.length === 0
          ? 'The selector matches no pods (a label or selector changed, or the workload is gone); a person has to align them.'
          : 'No backing pod is ready; the pod and Deployment findings name the cause.',
      ),
    });
  }
  return findings;
}
