import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { circuitResetCommand } from '../shared/circuit-commands.js';
import { documentClient } from '../shared/clients.js';
import { requireEnv } from '../shared/env.js';
import { failuresInWindow, FlapGuardSettingsSchema } from '../shared/flap-guard.js';
import { workflowHandler } from '../shared/handler.js';
import { idempotentBy } from '../shared/idempotency.js';
import { IncidentSchema } from '../shared/incident.js';
import { notify } from '../shared/notify.js';
import { logger, metrics } from '../shared/powertools.js';
import { SafetyLedger } from '../shared/safety-ledger.js';

const tableName = requireEnv('TABLE_NAME');
const ledger = new SafetyLedger(documentClient(), tableName);

export const RecordAttemptResultInputSchema = z.object({
  incident: IncidentSchema,
  attempt: z.number().int().min(1),
  verification: z.object({ healthy: z.boolean(), summary: z.string().optional() }),
  /** What the undo step did (`undone: false` when nothing was undone, including when the action is kept). */
  undo: z.object({ undone: z.boolean(), inPlace: z.boolean().optional(), summary: z.string().optional() }).nullable().optional(),
  flapGuard: FlapGuardSettingsSchema,
});

export interface AttemptResult {
  result: 'healthy' | 'unhealthy' | 'undone';
  /** Failed remediations of the resource in the window, this one included. */
  failuresInWindow: number;
  circuit: 'open' | 'closed';
  /** True when this failure was the one that opened the circuit. */
  circuitOpened: boolean;
  reason?: string;
}

/**
 * Writes the verified result of an attempt to the resource's ledger, and
 * opens the resource's circuit when failed remediations in the window reach
 * the threshold: a fix that does not stick is not tried again until a human
 * resets the circuit. Idempotent: a retry sets the same result and finds the
 * circuit already open.
 */
export const lambdaHandler = async ({ incident, attempt, verification, undo, flapGuard }: z.infer<typeof RecordAttemptResultInputSchema>): Promise<AttemptResult> => {
  const now = new Date();
  const resourceId = incident.resource.id;
  // An undo that found nothing of ours to reverse leaves the action standing: the attempt simply failed.
  const result = verification.healthy ? 'healthy' : undo?.undone === true || undo?.inPlace === false ? 'undone' : 'unhealthy';
  await ledger.setResult(resourceId, incident.incidentId, attempt, result, now);

  const { entries, circuit } = await ledger.state(resourceId);
  const failures = failuresInWindow(entries, circuit, now, flapGuard);
  if (circuit.status === 'open') {
    return { result, failuresInWindow: failures, circuit: 'open', circuitOpened: false, reason: circuit.reason };
  }
  if (result !== 'healthy' && failures >= flapGuard.circuitFailureThreshold) {
    const hours = Math.round((flapGuard.budgetWindowSeconds / 3_600) * 10) / 10;
    const reason = `${failures} failed remediations of ${resourceId} in ${hours} h (threshold ${flapGuard.circuitFailureThreshold}); the last: ${verification.summary ?? 'not healthy'}`;
    const opened = await ledger.openCircuit(resourceId, reason, incident.incidentId, now);
    metrics.addMetric('CircuitsOpened', MetricUnit.Count, opened ? 1 : 0);
    logger.warn('circuit opened: the fix does not stick', { resourceId, failures, opened });
    if (opened) {
      await notify({
        type: 'circuit-opened',
        incidentId: incident.incidentId,
        resourceId,
        summary: `circuit opened on ${resourceId}: no more automatic fixes until a human resets it. ${reason}`,
        details: { failuresInWindow: failures, threshold: flapGuard.circuitFailureThreshold, attempt, reset: circuitResetCommand(resourceId, tableName) },
      });
    }
    return { result, failuresInWindow: failures, circuit: 'open', circuitOpened: opened, reason };
  }
  logger.info('attempt result recorded', { resourceId, result, failures });
  return { result, failuresInWindow: failures, circuit: 'closed', circuitOpened: false };
};

export const handler = workflowHandler(RecordAttemptResultInputSchema, lambdaHandler, { emitsMetrics: true, idempotency: idempotentBy('record-attempt-result', '[incident.incidentId, attempt]') });
