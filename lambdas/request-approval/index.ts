import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { ApprovalStore } from '../shared/approval-store.js';
import { signApproval } from '../shared/approval-signature.js';
import { documentClient, kms } from '../shared/clients.js';
import { requireEnv } from '../shared/env.js';
import { workflowHandler } from '../shared/handler.js';
import { idempotentBy } from '../shared/idempotency.js';
import { IncidentSchema } from '../shared/incident.js';
import { publishNotification } from '../shared/notify.js';
import { logger, metrics } from '../shared/powertools.js';
import { DecisionSchema, PolicyVerdictSchema } from '../shared/workflow.js';
import { approvalMessage, approvalRecordFor, approvalSubject, newApprovalId } from './approval-request.js';

const store = new ApprovalStore(documentClient(), requireEnv('TABLE_NAME'));
const topicArn = requireEnv('TOPIC_ARN');
const keyId = requireEnv('APPROVAL_KEY_ID');
const approvalUrl = requireEnv('APPROVAL_URL');

export const RequestApprovalInputSchema = z.object({
  incident: IncidentSchema,
  decision: DecisionSchema,
  policy: PolicyVerdictSchema,
  /** `$$.Task.Token`: what the approval callback answers the waiting task with. */
  taskToken: z.string().min(1).max(2_048),
  executionId: z.string().min(1),
  /** The task's own timeout; the links expire with it. */
  timeoutSeconds: z.number().int().min(1).max(31_536_000),
});

export interface ApprovalRequested {
  approvalId: string;
  /** Epoch seconds. */
  expiresAt: number;
}

/**
 * Asks a human to approve a plan: records the pending approval (with the
 * task token), signs its id and expiry with the KMS HMAC key, and publishes
 * the plan with signed approve and reject links. The task then waits; what
 * continues the workflow is the callback's SendTaskSuccess or
 * SendTaskFailure, not this function's result.
 */
export const lambdaHandler = async (request: z.infer<typeof RequestApprovalInputSchema>): Promise<ApprovalRequested> => {
  const now = new Date();
  const record = approvalRecordFor(request, newApprovalId(), now);
  const signature = await signApproval(kms(), keyId, record.approvalId, record.expiresAt);
  await store.create(record);

  const message = approvalMessage(request, { approvalId: record.approvalId, expiresAt: record.expiresAt, signature }, approvalUrl, now);
  // Not best effort: without the links nobody can answer, and the task would wait for nothing.
  await publishNotification(topicArn, message, approvalSubject(request));
  metrics.addMetric('ApprovalsRequested', MetricUnit.Count, 1);
  logger.info('approval requested', { approvalId: record.approvalId, action: record.action, target: record.target, expiresAt: message.details.expiresAt });
  return { approvalId: record.approvalId, expiresAt: record.expiresAt };
};

// Keyed on the task token: a retry of the same waiting task sends no second set of links.
export const handler = workflowHandler(RequestApprovalInputSchema, lambdaHandler, { emitsMetrics: true, idempotency: idempotentBy('request-approval', 'taskToken') });
