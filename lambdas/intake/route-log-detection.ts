import { clip } from '../shared/clip.js';
import { createHash } from 'node:crypto';
import { MalformedEventError } from '../shared/errors.js';
import { executionNameFor } from '../shared/execution-name.js';
import { type Incident, IncidentSchema, MAX_EVIDENCE_TEXT } from '../shared/incident.js';
import type { LogDetectionEvent } from '../shared/log-detection.js';
import { describeParseFailure } from '../shared/parse-failure.js';
import { findResourceByLogGroup, resourceIdOf, type Scope } from '../shared/scope.js';
import type { Route } from './route-alarm-event.js';


/** One incident per detection, whatever the delivery count: the id is derived from the detection's own id. */
export function incidentIdForDetection(event: LogDetectionEvent): string {
  return `inc-${createHash('sha256').update(JSON.stringify([event.account, event.region, event.detail.detectionId])).digest('hex').slice(0, 20)}`;
}

/**
 * A log detection is an incident for the resource that reads its log group,
 * exactly as an alarm is for the resource that registered it. A detection
 * from a log group nobody registered is ignored. The detection's sample and
 * fields are UNTRUSTED log text: they travel as evidence, never as orders.
 */
export function routeLogDetection(event: LogDetectionEvent, scope: Scope): Route {
  const { detail } = event;
  const resource = findResourceByLogGroup(scope, detail.logGroup, detail.logStream);
  if (resource === undefined) return { kind: 'ignored', reason: `no registered resource reads log group ${detail.logGroup} stream ${detail.logStream}` };
  const candidate: Incident = {
    incidentId: incidentIdForDetection(event),
    resource: { kind: resource.kind, name: resource.name, id: resourceIdOf(resource) },
    signal: {
      source: 'log-detection',
      detectionId: detail.detectionId,
      detection: detail.kind,
      logGroup: detail.logGroup,
      summary: clip(detail.summary, MAX_EVIDENCE_TEXT),
      signatureId: detail.signatureId,
      count: detail.count,
      fields: detail.fields,
      sample: detail.sample,
    },
    onsetAt: new Date(detail.at).toISOString(),
    detectedAt: new Date(event.time).toISOString(),
    region: event.region,
    account: event.account,
    evidence: [
      {
        kind: 'log-detection',
        at: new Date(detail.at).toISOString(),
        summary: clip(`${detail.kind}${detail.signatureId === undefined ? '' : ` ${detail.signatureId}`} in ${detail.logGroup}: ${detail.summary}`, MAX_EVIDENCE_TEXT),
        data: { detectionId: detail.detectionId, count: detail.count, fields: detail.fields, logStream: detail.logStream, eventId: event.id },
      },
    ],
  };
  const parsed = IncidentSchema.safeParse(candidate);
  if (!parsed.success) throw new MalformedEventError(`log detection does not make a valid incident: ${describeParseFailure(parsed.error)}`);
  return { kind: 'incident', incident: parsed.data, executionName: executionNameFor(parsed.data.incidentId, resource.name) };
}
