import type { V1Ingress, V1IngressBackend, V1Service } from '@kubernetes/client-node';
import { eventEvidence, warningsAbout } from './events.js';
import { escalate, type Finding } from './finding.js';
import { identity, optionalEvents } from './finding-parts.js';
import type { WorkloadSnapshot } from './snapshot.js';
import { qualified } from './text.js';

/**
 * Ingresses whose backend Service does not exist, or exists without the
 * port the Ingress names. Only judged when `related.services` was read (an
 * empty list counts: it means the namespace has no Services).
 */

interface Missing {
  readonly service: string;
  readonly problem: string;
}

function backends(ingress: V1Ingress): V1IngressBackend[] {
  const list: V1IngressBackend[] = [];
  if (ingress.spec?.defaultBackend !== undefined) list.push(ingress.spec.defaultBackend);
  for (const rule of ingress.spec?.rules ?? []) {
    for (const path of rule.http?.paths ?? []) list.push(path.backend);
  }
  return list;
}

function checkBackend(backend: V1IngressBackend, services: readonly V1Service[]): Missing | undefined {
  const ref = backend.service;
  if (ref === undefined) return undefined;
  const service = services.find((candidate) => candidate.metadata?.name === ref.name);
  if (service === undefined) return { service: ref.name, problem: 'does not exist' };
  const port = ref.port;
  if (port === undefined || service.spec?.type === 'ExternalName') return undefined;
  const ports = service.spec?.ports ?? [];
  if (port.number !== undefined && !ports.some((candidate) => candidate.port === port.number)) {
    return { service: ref.name, problem: `has no port ${port.number}` };
  }
  if (port.name !== undefined && !ports.some((candidate) => candidate.name === port.name)) {
    return { service: ref.name, problem: `has no port named ${port.name}` };
  }
  return undefined;
}

export function analyzeIngresses(ingresses: readonly V1Ingress[], related: WorkloadSnapshot = {}): Finding[] {
  if (related.services === undefined) return [];
  const findings: Finding[] = [];
  for (const ingress of ingresses) {
    const id = identity(ingress.metadata);
    if (id === undefined) continue;
    const namespace = id.namespace ?? 'default';
    const services = related.services.filter((service) => (service.metadata?.namespace ?? 'default') === namespace);
    const missing = new Map<string, Missing>();
    for (const backend of backends(ingress)) {
      const problem = checkBackend(backend, services);
      if (problem !== undefined) missing.set(`${problem.service} ${problem.problem}`, problem);
    }
    if (missing.size === 0) continue;
    const problems = [...missing.values()];
    const warnings = warningsAbout(related.events, { kind: 'Ingress', ...id });
    findings.push({
      kind: 'Ingress',
      ...id,
      reason: 'MissingBackend',
      severity: 'high',
      message: `Ingress ${qualified(id.namespace, id.name)} routes to ${problems.map((item) => `Service ${item.service}, which ${item.problem}`).join('; and to ')}.`,
      evidence: {
        ...optionalEvents(eventEvidence(warnings)),
        details: { services: [...new Set(problems.map((item) => item.service))].join(',') },
      },
      suggestion: escalate('The Ingress points at a Service or port that is not there; a person has to fix the Ingress or restore the Service.'),
    });
  }
  return findings;
}
