import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { documentClient } from '../shared/clients.js';
import { requireEnv } from '../shared/env.js';
import { workflowHandler } from '../shared/handler.js';
import { IncidentSchema } from '../shared/incident.js';
import { logger, metrics } from '../shared/powertools.js';
import { StateStore } from '../shared/state-store.js';
import { DecisionSchema, PolicyVerdictSchema, ScaleOutResultSchema, VerificationSchema } from '../shared/workflow.js';
import { describeOutcome } from './describe-outcome.js';

const store = new StateStore(documentClient(), requireEnv('TABLE_NAME'));

export const RecordOutcomeInputSchema = z.object({
  incident: IncidentSchema,
  outcome: z.enum(['resolved', 'skipped', 'observed']),
  decision: DecisionSchema.optional(),
  policy: PolicyVerdictSchema.optional(),
  action: ScaleOutResultSchema.optional(),
  verification: VerificationSchema.optional(),
  skip: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).optional(),
  attempt: z.number().int().min(0).optional(),
  cooldownSeconds: z.number().int().min(0),
  executionId: z.string().optional(),
});

export interface RecordedOutcome {
  outcome: string;
  summary: string;
  leaseReleased: boolean;
}

/**
 * Closes the incident with its outcome, appends it to the resource's
 * history, and — when this run acted — releases the lease and starts the
 * cooldown.
 */
export const lambdaHandler = async (input: z.infer<typeof RecordOutcomeInputSchema>): Promise<RecordedOutcome> => {
  const now = new Date();
  const summary = describeOutcome(input);
  await store.closeIncident(
    input.incident,
    {
      incidentId: input.incident.incidentId,
      outcome: input.outcome,
      action: input.decision?.action,
      attempts: input.attempt ?? 0,
      closedAt: now.toISOString(),
      summary,
    },
    {
      summary,
      decision: input.decision,
      policy: input.policy,
      action: input.action,
      verification: input.verification,
      skip: input.skip,
      executionId: input.executionId,
    },
    now,
  );
  const leaseReleased =
    input.outcome === 'resolved'
      ? await store.releaseLease(input.incident.resource.id, input.incident.incidentId, input.cooldownSeconds, now)
      : false;
  metrics.addDimension('outcome', input.outcome);
  metrics.addMetric('IncidentsClosed', MetricUnit.Count, 1);
  logger.info('outcome recorded', { outcome: input.outcome, summary, leaseReleased });
  return { outcome: input.outcome, summary, leaseReleased };
};

export const handler = workflowHandler(RecordOutcomeInputSchema, lambdaHandler, { emitsMetrics: true });
