import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { PublishCommand } from '@aws-sdk/client-sns';
import * as z from 'zod';
import { callAws } from '../shared/aws-errors.js';
import { documentClient, sns } from '../shared/clients.js';
import { executionConsoleUrl } from '../shared/console-links.js';
import { requireEnv } from '../shared/env.js';
import { workflowHandler } from '../shared/handler.js';
import { IncidentSchema } from '../shared/incident.js';
import { logger, metrics } from '../shared/powertools.js';
import { StateStore } from '../shared/state-store.js';
import { type EscalationState, explainEscalation } from './explain-escalation.js';

const store = new StateStore(documentClient(), requireEnv('TABLE_NAME'));
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
  notified: boolean;
  leaseReleased: boolean;
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
  const cooldownSeconds = facts.action?.changed ? (facts.context?.limits?.cooldownSeconds ?? 0) : 0;
  const leaseReleased = await store.releaseLease(incident.resource.id, incident.incidentId, cooldownSeconds, now);

  const message = {
    type: recommend ? 'plan.recommended' : 'incident.escalated',
    incidentId: incident.incidentId,
    resource: incident.resource,
    alarm: incident.signal.alarmName,
    onsetAt: incident.onsetAt,
    reason,
    plan: facts.decision,
    policy: facts.policy?.summary,
    attempts,
    execution: executionConsoleUrl(executionId),
  };
  await callAws('Publish', () =>
    sns().send(
      new PublishCommand({
        TopicArn: topicArn,
        Subject: `[self-healing] ${outcome}: ${incident.resource.id}`.slice(0, 100),
        Message: JSON.stringify(message, null, 2),
        MessageAttributes: {
          type: { DataType: 'String', StringValue: message.type },
          resourceId: { DataType: 'String', StringValue: incident.resource.id },
        },
      }),
    ),
  );
  metrics.addMetric(recommend ? 'PlansRecommended' : 'IncidentsEscalated', MetricUnit.Count, 1);
  logger.warn(`incident ${outcome}`, { reason, leaseReleased });
  return { reason, notified: true, leaseReleased };
};

export const handler = workflowHandler(EscalateIncidentInputSchema, lambdaHandler, { emitsMetrics: true });
