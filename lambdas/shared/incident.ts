import * as z from 'zod';

/** A piece of evidence attached to an incident: what was seen, where, and when. */
export const EvidenceSchema = z.object({
  kind: z.enum(['alarm-state-change']),
  at: z.iso.datetime({ offset: true }),
  summary: z.string().max(1_024),
  data: z.record(z.string(), z.unknown()),
});
export type Evidence = z.infer<typeof EvidenceSchema>;

export const IncidentResourceSchema = z.object({
  kind: z.literal('autoscaling-group'),
  name: z.string().min(1).max(255),
  /** `kind/name`: the key of the resource's lease and history. */
  id: z.string().min(1).max(300),
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
 * The normalised form of whatever opened the incident. Everything after
 * intake works on this shape only, never on the raw event.
 */
export const IncidentSchema = z.object({
  incidentId: z.string().regex(/^inc-[0-9a-f]{20}$/),
  resource: IncidentResourceSchema,
  signal: AlarmSignalSchema,
  /** When the signal says the problem began (the alarm's state timestamp). */
  onsetAt: z.iso.datetime({ offset: true }),
  /** When the event was emitted. */
  detectedAt: z.iso.datetime({ offset: true }),
  region: z.string().min(1).max(32),
  account: z.string().regex(/^\d{12}$/),
  evidence: z.array(EvidenceSchema).max(50),
});
export type Incident = z.infer<typeof IncidentSchema>;
