import * as z from 'zod';
import { documentClient } from '../shared/clients.js';
import { requireEnv } from '../shared/env.js';
import { AttemptBudgetExhaustedError, CircuitOpenError, PingPongDetectedError, UndoneFixRepeatedError } from '../shared/errors.js';
import { evaluateFlapGuards, FlapGuardSettingsSchema, type GuardVerdict } from '../shared/flap-guard.js';
import { workflowHandler } from '../shared/handler.js';
import { idempotentBy } from '../shared/idempotency.js';
import { IncidentSchema } from '../shared/incident.js';
import { logger } from '../shared/powertools.js';
import { SafetyLedger } from '../shared/safety-ledger.js';
import { StateStore } from '../shared/state-store.js';

const tableName = requireEnv('TABLE_NAME');
const store = new StateStore(documentClient(), tableName);
const ledger = new SafetyLedger(documentClient(), tableName);

export const AcquireLeaseInputSchema = z.object({
  incident: IncidentSchema,
  leaseSeconds: z.number().int().min(1),
  /** The plan about to run: what it does, and to what. */
  decision: z.object({ action: z.string().min(1), target: z.string().min(1) }),
  /** Attempts this incident has made so far; the planned one is the next. */
  attempt: z.number().int().min(0),
  flapGuard: FlapGuardSettingsSchema,
  /** The context the plan was made from: an Auto Scaling group's desired capacity there tells a reverted action. */
  context: z.looseObject({ autoScalingGroup: z.looseObject({ desiredCapacity: z.number() }).optional() }).optional(),
});

export interface LeaseGrant {
  resourceId: string;
  holder: string;
  expiresAt: string;
  guards: GuardVerdict['checks'];
}

/**
 * The gate before every action. It takes the resource's lease for this
 * incident (or throws `LeaseHeldError` / `CooldownActiveError`, which the
 * workflow turns into a recorded skip), then — holding the lease, so no
 * other run can act in between — judges the plan against the resource's
 * ledger and circuit: an open circuit, a spent attempt budget or ping-pong
 * stop it with a named error the workflow escalates. Ping-pong also opens
 * the circuit. The lease stays with the incident; escalation releases it.
 */
export const lambdaHandler = async (input: z.infer<typeof AcquireLeaseInputSchema>): Promise<LeaseGrant> => {
  const { incident, leaseSeconds, decision } = input;
  const now = new Date();
  const resourceId = incident.resource.id;
  const lease = await store.acquireLease(resourceId, incident.incidentId, leaseSeconds, now);

  const { entries, circuit } = await ledger.state(resourceId);
  const verdict = evaluateFlapGuards(
    entries,
    circuit,
    { incidentId: incident.incidentId, attempt: input.attempt + 1, action: decision.action, target: decision.target, currentValue: input.context?.autoScalingGroup?.desiredCapacity },
    now,
    input.flapGuard,
  );
  if (verdict.trip !== undefined) {
    const opened = await ledger.openCircuit(resourceId, verdict.trip, incident.incidentId, now);
    logger.warn('circuit opened: ping-pong', { resourceId, reason: verdict.trip, opened });
    throw new PingPongDetectedError(`${verdict.trip}; the circuit of ${resourceId} is now open`);
  }
  const failed = verdict.checks.find((check) => !check.passed);
  if (failed?.name === 'circuit-closed') throw new CircuitOpenError(failed.detail);
  if (failed?.name === 'attempt-budget') throw new AttemptBudgetExhaustedError(`${resourceId}: ${failed.detail}`);
  if (failed?.name === 'not-an-undone-fix') throw new UndoneFixRepeatedError(`${resourceId}: ${failed.detail}`);

  const grant = {
    resourceId,
    holder: incident.incidentId,
    expiresAt: new Date((lease.leaseExpiresAt ?? 0) * 1000).toISOString(),
    guards: verdict.checks,
  };
  logger.info('lease acquired, flap guards passed', { ...grant });
  return grant;
};

export const handler = workflowHandler(AcquireLeaseInputSchema, lambdaHandler, { idempotency: idempotentBy('acquire-lease', '[incident.incidentId, attempt]') });
