import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { documentClient } from '../shared/clients.js';
import { requireEnv } from '../shared/env.js';
import { workflowHandler } from '../shared/handler.js';
import { idempotentBy } from '../shared/idempotency.js';
import { IncidentSchema } from '../shared/incident.js';
import { notify } from '../shared/notify.js';
import { logger, metrics } from '../shared/powertools.js';
import { DEFAULT_FLAP_GUARD, FlapGuardSettingsSchema } from '../shared/flap-guard.js';
import { SafetyLedger } from '../shared/safety-ledger.js';
import { StateStore } from '../shared/state-store.js';
import { ActionResultSchema } from '../shared/actions/action-step.js';
import { DecisionSchema, PolicyVerdictSchema, VerificationSchema } from '../shared/workflow.js';
import { describeOutcome } from './describe-outcome.js';

const tableName = requireEnv('TABLE_NAME');
const store = new StateStore(documentClient(), tableName);
const ledger = new SafetyLedger(documentClient(), tableName);

export const RecordOutcomeInputSchema = z.object({
  incident: IncidentSchema,
  outcome: z.enum(['resolved', 'skipped', 'observed']),
  decision: DecisionSchema.optional(),
  policy: PolicyVerdictSchema.optional(),
  action: ActionResultSchema.optional(),
  verification: VerificationSchema.optional(),
  skip: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).optional(),
  attempt: z.number().int().min(0).optional(),
  /** The base cooldown; it doubles with every failed remediation of the resource in the window. */
  cooldownSeconds: z.number().int().min(0),
  flapGuard: FlapGuardSettingsSchema.default(DEFAULT_FLAP_GUARD),
  executionId: z.string().optional(),
});

export interface RecordedOutcome {
  outcome: string;
  summary: string;
  leaseReleased: boolean;
  /** The cooldown started with the release. */
  cooldownSeconds?: number;
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
  const resourceId = input.incident.resource.id;
  const cooldownSeconds =
    input.outcome === 'resolved' ? await ledger.cooldownSeconds(resourceId, input.cooldownSeconds, input.flapGuard, now) : 0;
  const leaseReleased =
    input.outcome === 'resolved' ? await store.releaseLease(resourceId, input.incident.incidentId, cooldownSeconds, now) : false;
  metrics.addDimension('outcome', input.outcome);
  metrics.addMetric('IncidentsClosed', MetricUnit.Count, 1);
  logger.info('outcome recorded', { outcome: input.outcome, summary, leaseReleased, cooldownSeconds });
  if (input.outcome === 'resolved') {
    // From when the signal says the problem began to the verified recovery.
    const timeToRecoverSeconds = Math.max(0, Math.round((now.getTime() - Date.parse(input.incident.onsetAt)) / 1000));
    metrics.addMetric('TimeToRecoverSeconds', MetricUnit.Seconds, timeToRecoverSeconds);
    await notify({
      type: 'verified-healthy',
      incidentId: input.incident.incidentId,
      resourceId,
      summary,
      executionArn: input.executionId,
      details: {
        action: input.decision?.action,
        target: input.action?.target,
        attempts: input.attempt ?? 0,
        verification: input.verification?.summary,
        timeToRecoverSeconds,
        ...(leaseReleased ? { cooldownSeconds } : {}),
      },
    });
  }
  return { outcome: input.outcome, summary, leaseReleased, ...(leaseReleased ? { cooldownSeconds } : {}) };
};

export const handler = workflowHandler(RecordOutcomeInputSchema, lambdaHandler, { emitsMetrics: true, idempotency: idempotentBy('record-outcome', '[incident.incidentId, outcome, attempt]') });
