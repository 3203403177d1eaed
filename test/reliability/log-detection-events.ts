import { type LogDetection, LogDetectionEventSchema, type LogDetectionKind, toPutEventsEntry } from '../../lambdas/shared/log-detection.js';
import { ACCOUNT, REGION } from '../support/fixtures.js';

/**
 * Log detections as the incident intake receives them: a detection is
 * published by the log intake with `toPutEventsEntry`, and EventBridge
 * delivers it to the intake rule's target wrapped in its envelope. The
 * helpers here do the same, so the storm and the fuzz feed the intake
 * exactly what production does.
 */

/** A detection of `kind` in `logGroup`, first seen in event `eventId`; the kind's own fields filled in. */
export function logDetection(kind: LogDetectionKind, overrides: Partial<LogDetection> & { logGroup: string; eventId: string }): LogDetection {
  const base = {
    kind,
    logStream: 'app/i-00000000000000000',
    at: '2026-11-27T10:00:05.000Z',
    count: 42,
    severity: 'high' as const,
    sample: 'ERROR connect ECONNREFUSED 10.0.3.17:5432',
    fields: {} as Record<string, string>,
    summary: `${kind} in ${overrides.logGroup}`,
  };
  switch (kind) {
    case 'new-error-template':
    case 'error-burst':
      return { ...base, templateId: 't-0007', template: 'ERROR connect ECONNREFUSED <*>:<*>', ...overrides };
    case 'signature':
      return { ...base, signatureId: 'db-connection-refused', fields: { host: '10.0.3.17' }, ...overrides };
    case 'client-flood':
      return { ...base, severity: 'critical', sample: '198.51.100.7 - - "GET / HTTP/1.1" 200', fields: { ip: '198.51.100.7' }, count: 4_200, ...overrides };
  }
}

/**
 * The EventBridge event that delivers a published detection to the intake.
 * `eventId` is EventBridge's own id: a redelivery repeats it; a batch that
 * the log intake mined and published again gets a new one, with the same
 * detection id inside.
 */
export function logDetectionEvent(detection: LogDetection, eventId = `evt-${detection.eventId}`) {
  const entry = toPutEventsEntry(detection, 'default');
  const event = {
    version: '0',
    id: eventId,
    'detail-type': entry.DetailType,
    source: entry.Source,
    account: ACCOUNT,
    time: (entry.Time ?? new Date(detection.at)).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: REGION,
    resources: entry.Resources ?? [],
    detail: JSON.parse(entry.Detail) as Record<string, unknown>,
  };
  // The fixture is what the contract says it is, or the tests built on it prove nothing.
  LogDetectionEventSchema.parse(event);
  return event;
}
