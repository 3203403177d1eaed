import { createHash } from 'node:crypto';
import * as z from 'zod';

/**
 * What the log intake reports, and the EventBridge event that carries it to
 * the incident intake. Everything under `sample`, `template` and `fields`
 * comes from log lines: UNTRUSTED text, to be shown to a model only inside
 * untrusted-data delimiters.
 */

export const LOG_DETECTION_SOURCE = 'self-healing.logs';
export const LOG_DETECTION_DETAIL_TYPE = 'Log Detection';

/** Longest sample line (and template text) a detection carries. */
export const MAX_SAMPLE_LENGTH = 1_024;
/** Longest value of an extracted field. */
export const MAX_FIELD_LENGTH = 256;

export const LogDetectionKindSchema = z.enum(['new-error-template', 'error-burst', 'signature', 'client-flood']);
export type LogDetectionKind = z.infer<typeof LogDetectionKindSchema>;

export const LogSeveritySchema = z.enum(['low', 'medium', 'high', 'critical']);
export type LogSeverity = z.infer<typeof LogSeveritySchema>;

const LogDetectionShape = z.object({
  kind: LogDetectionKindSchema,
  logGroup: z.string().min(1).max(512),
  logStream: z.string().min(1).max(512),
  /** When the first matching event was logged. */
  at: z.iso.datetime({ offset: true }),
  /** The CloudWatch Logs id of the first matching event. */
  eventId: z.string().min(1).max(128),
  /** Matching lines in the batch (requests, for `client-flood`). */
  count: z.number().int().min(1),
  /** For `new-error-template` and `error-burst`: the miner's template id and text. */
  templateId: z.string().min(1).max(64).optional(),
  template: z.string().max(MAX_SAMPLE_LENGTH).optional(),
  /** For `signature`: the signature that matched. */
  signatureId: z.string().min(1).max(128).optional(),
  severity: LogSeveritySchema,
  /** The first matching line, truncated. UNTRUSTED. */
  sample: z.string().max(MAX_SAMPLE_LENGTH),
  /** What was extracted: `{ ip }` for a flood, `{ variable }` for a missing environment variable, … UNTRUSTED. */
  fields: z.record(z.string().min(1).max(64), z.string().max(MAX_FIELD_LENGTH)),
  /** One sentence for a human. */
  summary: z.string().min(1).max(1_024),
});

/** Each kind names what it is about. */
function requireKindFields(detection: z.infer<typeof LogDetectionShape>, context: z.RefinementCtx): void {
  const need = (ok: boolean, path: string, message: string) => {
    if (!ok) context.addIssue({ code: 'custom', path: [path], message });
  };
  if (detection.kind === 'new-error-template' || detection.kind === 'error-burst') {
    need(detection.templateId !== undefined, 'templateId', `a ${detection.kind} names its template`);
    need(detection.template !== undefined, 'template', `a ${detection.kind} carries its template text`);
  }
  if (detection.kind === 'signature') need(detection.signatureId !== undefined, 'signatureId', 'a signature detection names its signature');
  if (detection.kind === 'client-flood') need(detection.fields.ip !== undefined, 'fields', 'a client-flood names the client in fields.ip');
}

export const LogDetectionSchema = LogDetectionShape.superRefine(requireKindFields);
export type LogDetection = z.infer<typeof LogDetectionSchema>;

/** The detection as the event's detail: plus its deterministic id. */
export const LogDetectionDetailSchema = LogDetectionShape.extend({
  detectionId: z.string().regex(/^ld-[0-9a-f]{32}$/),
}).superRefine(requireKindFields);
export type LogDetectionDetail = z.infer<typeof LogDetectionDetailSchema>;

/** The EventBridge event the incident intake consumes (envelope as EventBridge delivers it to a target). */
export const LogDetectionEventSchema = z.object({
  version: z.string(),
  id: z.string(),
  'detail-type': z.literal(LOG_DETECTION_DETAIL_TYPE),
  source: z.literal(LOG_DETECTION_SOURCE),
  account: z.string().regex(/^\d{12}$/),
  time: z.iso.datetime(),
  region: z.string().min(1),
  resources: z.array(z.string()),
  'replay-name': z.string().optional(),
  detail: LogDetectionDetailSchema,
});
export type LogDetectionEvent = z.infer<typeof LogDetectionEventSchema>;

/**
 * The detection's id: a digest of the log group, the kind, what the
 * detection is about (template, signature, client, extracted fields) and the
 * id of the first matching event. A redelivered batch, mined from the same
 * state, yields the same ids, so the incident intake can drop the repeats.
 */
export function detectionIdFor(detection: LogDetection): string {
  const fields = Object.entries(detection.fields).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const parts = [detection.logGroup, detection.kind, detection.templateId ?? '', detection.signatureId ?? '', fields, detection.eventId];
  return `ld-${createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32)}`;
}

/**
 * One entry of a PutEvents request. The same shape as `PutEventsRequestEntry`
 * of `@aws-sdk/client-eventbridge`, so either client can send it.
 */
export interface PutEventsEntry {
  readonly Source: string;
  readonly DetailType: string;
  readonly Detail: string;
  readonly EventBusName: string;
  readonly Time?: Date;
  readonly Resources?: string[];
}

/** The PutEvents entry that publishes a detection on the bus. */
export function toPutEventsEntry(detection: LogDetection, eventBusName: string): PutEventsEntry {
  const detail: LogDetectionDetail = { ...detection, detectionId: detectionIdFor(detection) };
  return {
    Source: LOG_DETECTION_SOURCE,
    DetailType: LOG_DETECTION_DETAIL_TYPE,
    Detail: JSON.stringify(detail),
    EventBusName: eventBusName,
    Time: new Date(detection.at),
  };
}
