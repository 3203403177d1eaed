import * as z from 'zod';
import { stableDigest } from './execution-name.js';
import { type Incident, MAX_EVIDENCE_TEXT } from './incident.js';
import { type ResourceScope, resourceIdOf } from './scope.js';
import { clip } from './clip.js';

/**
 * CloudWatch writes state timestamps as `2024-05-01T10:00:00.123+0000`: ISO-like,
 * but with a colon-less offset that `Date.parse` handles and zod's ISO check does not.
 */
const AlarmTimestampSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$/, 'not an alarm timestamp')
  .refine((value) => !Number.isNaN(Date.parse(normaliseOffset(value))), 'not a valid date');

function normaliseOffset(value: string): string {
  return value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
}

const AlarmStateSchema = z.object({
  value: z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']),
  reason: z.string().max(10_000),
  reasonData: z.string().max(100_000).optional(),
  timestamp: AlarmTimestampSchema,
});

const MetricStatSchema = z.object({
  metric: z.object({
    name: z.string(),
    namespace: z.string(),
    dimensions: z.record(z.string(), z.string()).optional(),
  }),
  period: z.number().optional(),
  stat: z.string().optional(),
});

export const AlarmStateChangeDetailSchema = z.object({
  alarmName: z.string().min(1).max(255),
  state: AlarmStateSchema,
  previousState: AlarmStateSchema.partial().optional(),
  configuration: z
    .object({
      description: z.string().optional(),
      alarmRule: z.string().optional(),
      metrics: z
        .array(
          z.object({
            id: z.string(),
            metricStat: MetricStatSchema.optional(),
            expression: z.string().optional(),
            returnData: z.boolean().optional(),
          }),
        )
        .optional(),
    })
    .optional(),
});

/**
 * EventBridge's `CloudWatch Alarm State Change` event, as the intake rule
 * delivers it. The envelope fields mirror Powertools' `EventBridgeSchema`,
 * declared here so the bundle can tree-shake zod (importing Powertools'
 * schema pulls in zod's whole namespace, locales included: +360 KB).
 */
export const AlarmStateChangeEventSchema = z.object({
  version: z.string(),
  id: z.string(),
  source: z.literal('aws.cloudwatch'),
  'detail-type': z.literal('CloudWatch Alarm State Change'),
  account: z.string().regex(/^\d{12}$/),
  time: z.iso.datetime(),
  region: z.string().min(1),
  resources: z.array(z.string().min(1)).min(1),
  'replay-name': z.string().optional(),
  detail: AlarmStateChangeDetailSchema,
});
export type AlarmStateChangeEvent = z.infer<typeof AlarmStateChangeEventSchema>;


function truncate(text: string, max = MAX_EVIDENCE_TEXT): string {
  return clip(text, max);
}

function parseReasonData(reasonData: string | undefined): Record<string, unknown> {
  if (reasonData === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(reasonData);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : { reasonData: truncate(reasonData) };
  } catch {
    return { reasonData: truncate(reasonData) };
  }
}

/** The incident id: one per alarm transition into ALARM, whatever the delivery count. */
export function incidentIdFor(event: AlarmStateChangeEvent): string {
  return `inc-${stableDigest([event.account, event.region, event.detail.alarmName, event.detail.state.timestamp])}`;
}

/** Normalises an alarm event for a registered resource into an `Incident`. */
export function incidentFromAlarmEvent(event: AlarmStateChangeEvent, resource: ResourceScope): Incident {
  const { detail } = event;
  const metricStat = detail.configuration?.metrics?.find((metric) => metric.metricStat)?.metricStat;
  const onsetAt = new Date(Date.parse(normaliseOffset(detail.state.timestamp))).toISOString();
  return {
    incidentId: incidentIdFor(event),
    resource: { kind: resource.kind, name: resource.name, id: resourceIdOf(resource) },
    signal: {
      source: 'cloudwatch-alarm',
      alarmName: detail.alarmName,
      alarmArn: event.resources[0] ?? '',
      state: 'ALARM',
      previousState: detail.previousState?.value,
      reason: truncate(detail.state.reason),
      metricName: metricStat?.metric.name,
      namespace: metricStat?.metric.namespace,
    },
    onsetAt,
    detectedAt: new Date(event.time).toISOString(),
    region: event.region,
    account: event.account,
    evidence: [
      {
        kind: 'alarm-state-change',
        at: onsetAt,
        summary: truncate(`${detail.alarmName}: ${detail.previousState?.value ?? '?'} → ALARM. ${detail.state.reason}`),
        data: { ...parseReasonData(detail.state.reasonData), eventId: event.id },
      },
    ],
  };
}
