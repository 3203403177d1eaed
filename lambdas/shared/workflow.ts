import * as z from 'zod';
import { ModeSchema } from './scope.js';

/**
 * The payloads that flow between the states of the remediation workflow.
 * Each handler validates what it receives against these schemas, so a state
 * machine edit that breaks the contract fails loudly at the first run.
 */

export const LimitsSchema = z.object({
  maxStep: z.number().int().min(1),
  maxCapacity: z.number().int().min(1).optional(),
  maxAttempts: z.number().int().min(1),
  leaseSeconds: z.number().int().min(1),
  cooldownSeconds: z.number().int().min(0),
  verifyAfterSeconds: z.number().int().min(0),
});
export type Limits = z.infer<typeof LimitsSchema>;

export const AutoScalingGroupStateSchema = z.object({
  name: z.string(),
  minSize: z.number().int().min(0),
  maxSize: z.number().int().min(0),
  desiredCapacity: z.number().int().min(0),
  inServiceInstances: z.number().int().min(0),
});
export type AutoScalingGroupState = z.infer<typeof AutoScalingGroupStateSchema>;

export const AlarmStateSchema = z.object({
  name: z.string(),
  state: z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']),
  metricName: z.string().optional(),
  namespace: z.string().optional(),
  threshold: z.number().optional(),
  comparisonOperator: z.string().optional(),
  /** The most recent datapoint the alarm evaluated, when CloudWatch reports it. */
  latestValue: z.number().optional(),
  updatedAt: z.string().optional(),
});
export type AlarmState = z.infer<typeof AlarmStateSchema>;

export const PastIncidentSchema = z.object({
  incidentId: z.string(),
  outcome: z.string(),
  action: z.string().optional(),
  attempts: z.number().int().min(0),
  closedAt: z.string(),
  summary: z.string(),
});
export type PastIncident = z.infer<typeof PastIncidentSchema>;

export const IncidentContextSchema = z.object({
  mode: ModeSchema,
  limits: LimitsSchema,
  autoScalingGroup: AutoScalingGroupStateSchema,
  alarm: AlarmStateSchema.optional(),
  /** The resource's most recent closed incidents, newest first. */
  recentIncidents: z.array(PastIncidentSchema),
  gatheredAt: z.iso.datetime({ offset: true }),
  /** Parts of the context that could not be gathered, and why. The incident goes on without them. */
  gaps: z.array(z.string()),
});
export type IncidentContext = z.infer<typeof IncidentContextSchema>;

export const ScaleOutParamsSchema = z.object({
  autoScalingGroupName: z.string().min(1),
  fromCapacity: z.number().int().min(0),
  targetCapacity: z.number().int().min(1),
});
export type ScaleOutParams = z.infer<typeof ScaleOutParamsSchema>;

const DecisionBaseSchema = z.object({
  source: z.enum(['runbook']),
  runbookId: z.string(),
  rationale: z.string().max(2_000),
});

export const DecisionSchema = z.discriminatedUnion('action', [
  DecisionBaseSchema.extend({ action: z.literal('scaleOutAsg'), params: ScaleOutParamsSchema }),
  DecisionBaseSchema.extend({ action: z.literal('escalateOnly'), params: z.object({ reason: z.string() }) }),
]);
export type Decision = z.infer<typeof DecisionSchema>;

export const ScaleOutResultSchema = z.object({
  attempt: z.number().int().min(1),
  autoScalingGroupName: z.string(),
  beforeCapacity: z.number().int().min(0),
  targetCapacity: z.number().int().min(1),
  /** False when the group already had the target capacity (a retried or duplicate step). */
  changed: z.boolean(),
  actedAt: z.iso.datetime({ offset: true }),
});
export type ScaleOutResult = z.infer<typeof ScaleOutResultSchema>;

export const VerificationSchema = z.object({
  healthy: z.boolean(),
  alarmState: z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']),
  desiredCapacity: z.number().int().min(0),
  inServiceInstances: z.number().int().min(0),
  checkedAt: z.iso.datetime({ offset: true }),
  summary: z.string(),
});
export type Verification = z.infer<typeof VerificationSchema>;

export const OutcomeSchema = z.enum(['resolved', 'escalated', 'skipped', 'dry-run']);
export type Outcome = z.infer<typeof OutcomeSchema>;
