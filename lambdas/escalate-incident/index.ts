import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { documentClient } from '../shared/clients.js';
import { requireEnv } from '../shared/env.js';
import { workflowHandler } from '../shared/handler.js';
import { idempotentBy } from '../shared/idempotency.js';
import { IncidentSchema, signalLabel } from '../shared/incident.js';
import { type Notification, notification, notificationSubject, publishNotification } from '../shared/notify.js';
import { logger, metrics } from '../shared/powertools.js';
import { circuitResetCommand } from '../shared/circuit-commands.js';
import { cooldownFor, DEFAULT_FLAP_GUARD, type FlapGuardSettings } from '../shared/flap-guard.js';
import { SafetyLedger } from '../shared/safety-ledger.js';
import { StateStore } from '../shared/state-store.js';
import { type EscalationState, explainEscalation } from './explain-escalation.js';

const tableName = requireEnv('TABLE_NAME');
const store = new StateStore(documentClient(), tableName);
const ledger = new SafetyLedger(documentClient(), tableName);
const topicArn = requireEnv('TOPIC_ARN');

export const EscalateIncidentInputSchema = z.object({
  incident: IncidentSchema,
  /** The workflow's whole state at the point it gave up. */
  state: z.record(z.string(), z.unknown()),
  executionId: z.string(),
  /** `escalate`: automation stopped; `recommend`: the autonomy was recommend, here is the plan. */
  handover: z.enum(['escalate', 'recommend']).default('escalate'),
});

export interface EscalationResult {
  reason: string;
  /** False when SNS refused the notification and it went to the logs instead. */
  notified: boolean;
  leaseReleased: boolean;
  circuit: 'open' | 'closed';
}

/**
 * Hands the incident to a human: records it as escalated, releases the lease
 * this run may hold (starting the cooldown when it acted), and publishes a
 * structured notification with a link to the run.
 */
export const lambdaHandler = async ({ incident, state, executionId, handover }: z.infer<typeof EscalateIncidentInputSchema>): Promise<EscalationResult> => {
  const facts = state as EscalationState;
  const recommend = handover === 'recommend';
  const outcome = recommend ? 'recommended' : 'escalated';
  const reason = recommend
    ? `recommended plan: ${facts.decision?.action ?? '?'} on ${facts.decision?.target ?? '?'} — ${facts.decision?.rationale ?? ''}`
    : explainEscalation(facts);
  const now = new Date();
  const attempts = facts.attempt?.number ?? 0;

  await store.closeIncident(
    incident,
    { incidentId: incident.incidentId, outcome, action: facts.decision?.action, attempts, closedAt: now.toISOString(), summary: `${outcome}: ${reason}` },
    { summary: `${outcome}: ${reason}`, reason, executionId, decision: facts.decision, policy: facts.policy, error: facts.error, verification: facts.verification },
    now,
  );
  const resourceId = incident.resource.id;
  const flapGuard = (facts.context?.limits?.flapGuard as FlapGuardSettings | undefined) ?? DEFAULT_FLAP_GUARD;
  // One read serves both the exponential cooldown and the circuit named in the notification.
  const { entries, circuit } = await ledger.state(resourceId);
  const cooldownSeconds = facts.action?.changed ? cooldownFor(facts.context?.limits?.cooldownSeconds ?? 0, entries, circuit, now, flapGuard) : 0;
  const leaseReleased = await store.releaseLease(resourceId, incident.incidentId, cooldownSeconds, now);

  const message = notification({
    type: recommend ? 'plan-recommended' : 'escalated',
    incidentId: incident.incidentId,
    resourceId,
    summary: reason,
    executionArn: executionId,
    at: now,
    details: {
      resource: incident.resource,
      alarm: signalLabel(incident.signal),
      onsetAt: incident.onsetAt,
      reason,
      plan: facts.decision,
      policy: facts.policy?.summary,
      attempts,
      ...(circuit.status === 'open'
        ? { circuit: { status: 'open', reason: circuit.reason, openedAt: circuit.openedAt, reset: circuitResetCommand(resourceId, tableName) } }
        : {}),
    },
  });
  const notified = await publishOrLog(message, notificationSubject(message, `${outcome}${circuit.status === 'open' ? ' (circuit open)' : ''}`));
  metrics.addMetric(recommend ? 'PlansRecommended' : 'IncidentsEscalated', MetricUnit.Count, 1);
  logger.warn(`incident ${outcome}`, { reason, leaseReleased, cooldownSeconds, circuit: circuit.status, notified });
  return { reason, notified, leaseReleased, circuit: circuit.status };
};

/**
 * Publishes the notification. The SNS client retries transient failures
 * with backoff; if SNS still refuses, the escalation must not be lost: the
 * full message is logged at ERROR level with a fixed marker, and the
 * `EscalationsUndelivered` metric (alarmed on in CDK) counts it.
 */
async function publishOrLog(message: Notification, subject: string): Promise<boolean> {
  try {
    await publishNotification(topicArn, message, subject);
    return true;
  } catch (error) {
    logger.error(`${UNDELIVERED_MARKER}: SNS did not take the notification; it follows in full`, {
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      notification: message,
    });
    metrics.addMetric('EscalationsUndelivered', MetricUnit.Count, 1);
    return false;
  }
}

/** Searchable marker of an escalation that reached only the logs. */
export const UNDELIVERED_MARKER = 'ESCALATION NOT DELIVERED';

export const handler = workflowHandler(EscalateIncidentInputSchema, lambdaHandler, { emitsMetrics: true, idempotency: idempotentBy('escalate-incident', '[incident.incidentId, handover]') });
