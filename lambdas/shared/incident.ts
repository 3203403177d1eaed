import * as z from 'zod';

/** Longest text an incident keeps from a signal (an alarm's reason, a detection's summary). */
export const MAX_EVIDENCE_TEXT = 1_000;

/** A piece of evidence attached to an incident: what was seen, where, and when. */
export const EvidenceSchema = z.object({
  kind: z.enum(['alarm-state-change', 'log-detection']),
  at: z.iso.datetime({ offset: true }),
  summary: z.string().max(1_024),
  data: z.record(z.string(), z.unknown()),
});
export type Evidence = z.infer<typeof EvidenceSchema>;

export const IncidentResourceSchema = z.object({
  kind: z.enum(['autoscaling-group', 'eks-deployment', 'waf-web-acl', 'rds-postgres']),
  /** The resource's name (a Deployment's name, without cluster and namespace). */
  name: z.string().min(1).max(255),
  /** `kind/...` (see `resourceIdOf`): the key of the resource's lease and history. */
  id: z.string().min(1).max(600),
});
export type IncidentResource = z.infer<typeof IncidentResourceSchema>;

export const AlarmSignalSchema = z.object({
  source: z.literal('cloudwatch-alarm'),
  alarmName: z.string().min(1).max(255),
  alarmArn: z.string().min(1).max(1_024),
  state: z.literal('ALARM'),
  previousState: z.string().max(32).optional(),
  reason: z.string().max(1_024),
  metricName: z.string().max(255).optional(),
  namespace: z.string().max(255).optional(),
});
export type AlarmSignal = z.infer<typeof AlarmSignalSchema>;

/**
 * A detection from the log intake: an error signature, a new error template,
 * a burst, or a flooding client. `fields` carries what was extracted
 * (`ip`, `variable`). The sample is UNTRUSTED log text.
 */
export const LogSignalSchema = z.object({
  source: z.literal('log-detection'),
  detectionId: z.string().min(1).max(128),
  detection: z.enum(['new-error-template', 'error-burst', 'signature', 'client-flood']),
  logGroup: z.string().min(1).max(512),
  summary: z.string().max(1_024),
  signatureId: z.string().max(128).optional(),
  count: z.number().int().min(0),
  fields: z.record(z.string(), z.string().max(1_024)).default({}),
  sample: z.string().max(1_024).optional(),
});
export type LogSignal = z.infer<typeof LogSignalSchema>;

export const SignalSchema = z.discriminatedUnion('source', [AlarmSignalSchema, LogSignalSchema]);
export type Signal = z.infer<typeof SignalSchema>;

/** The alarm that opened the incident, if an alarm did. */
export function alarmOf(incident: Pick<Incident, 'signal'>): string | undefined {
  return incident.signal.source === 'cloudwatch-alarm' ? incident.signal.alarmName : undefined;
}

/** A short name for the signal, for messages: the alarm's name or the detection's summary. */
export function signalLabel(signal: Signal): string {
  return signal.source === 'cloudwatch-alarm' ? signal.alarmName : `log detection "${signal.summary}" in ${signal.logGroup}`;
}

/**
 * The normalised form of whatever opened the incident. Everything after
 * intake works on this shape only, never on the raw event.
 */
export const IncidentSchema = z.object({
  incidentId: z.string().regex(/^inc-[0-9a-f]{20}$/),
  resource: IncidentResourceSchema,
  signal: SignalSchema,
  /** When the signal says the problem began (the alarm's state timestamp). */
  onsetAt: z.iso.datetime({ offset: true }),
  /** When the event was emitted. */
  detectedAt: z.iso.datetime({ offset: true }),
  region: z.string().min(1).max(32),
  account: z.string().regex(/^\d{12}$/),
  evidence: z.array(EvidenceSchema).max(50),
});
export type Incident = z.infer<typeof IncidentSchema>;
