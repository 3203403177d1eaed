import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { SendTaskFailureCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import middy from '@middy/core';
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import { type ApprovalRecord, ApprovalStore } from '../shared/approval-store.js';
import { APPROVAL_REJECTED_ERROR, verifyApproval } from '../shared/approval-signature.js';
import { callAws } from '../shared/aws-errors.js';
import { documentClient, kms, stepFunctions } from '../shared/clients.js';
import { requireEnv } from '../shared/env.js';
import { TransientAwsError } from '../shared/errors.js';
import { logger, metrics, tracer } from '../shared/powertools.js';
import { confirmationPage, decidedPage, type HtmlResponse, messagePage } from './pages.js';
import { type DecideRequest, parseCallbackRequest } from './parse-request.js';

const store = new ApprovalStore(documentClient(), requireEnv('TABLE_NAME'));
const keyId = requireEnv('APPROVAL_KEY_ID');

/** Step Functions no longer waits for this token: the task timed out, failed, or was answered. */
const CLOSED_TASK_ERRORS = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

const expiredPage = () =>
  messagePage(410, 'Expired', 'This approval has expired: the workflow stopped waiting, and the incident went to a human. Nothing was changed.');
const alreadyDecidedPage = (record: ApprovalRecord) =>
  messagePage(409, 'Already decided', `This plan was already ${record.status}${record.decidedAt ? ` at ${record.decidedAt}` : ''}. A link can be used once; nothing was changed.`);
const notFoundPage = () => messagePage(404, 'Not found', 'There is no pending approval for this link. Nothing was changed.');

/**
 * The approval links' target, behind a Lambda function URL.
 *
 * GET (the link) verifies the signature with KMS, checks the expiry and
 * shows the plan with a confirmation form; it changes nothing, because mail
 * scanners open links. POST (the form) verifies again, records the answer
 * with a conditional write that lets exactly one answer through while the
 * approval is pending and unexpired, and then answers the waiting task:
 * SendTaskSuccess to approve, SendTaskFailure with `ApprovalRejected` to
 * reject. Every refusal (400, 403, 404, 405, 409, 410) changes nothing.
 */
export const lambdaHandler = async (event: LambdaFunctionURLEvent): Promise<HtmlResponse> => {
  try {
    const request = parseCallbackRequest(event);
    if (request.kind === 'refused') {
      logger.info('approval request refused', { statusCode: request.statusCode, reason: request.reason });
      return messagePage(
        request.statusCode,
        request.statusCode === 403 ? 'Link not valid' : request.statusCode === 404 ? 'Not found' : request.statusCode === 405 ? 'Method not allowed' : 'Bad request',
        `${request.reason} Nothing was changed.`,
        request.statusCode === 405 ? { allow: 'GET, POST' } : {},
      );
    }
    if (!(await verifyApproval(kms(), keyId, request.approval))) {
      logger.warn('approval signature rejected', { approvalId: request.approval.approvalId });
      return messagePage(403, 'Link not valid', 'This link is not valid: its signature does not match. Nothing was changed.');
    }
    if (request.approval.expiresAt <= Math.floor(Date.now() / 1000)) return expiredPage();

    const record = await store.get(request.approval.approvalId);
    if (record === undefined || record.expiresAt !== request.approval.expiresAt) return notFoundPage();
    if (record.status === 'expired') return expiredPage();
    if (record.status !== 'pending') return alreadyDecidedPage(record);

    return request.kind === 'view' ? confirmationPage(record, request.approval, request.answer) : await decide(record, request);
  } catch (error) {
    logger.error('approval callback failed', error as Error);
    return error instanceof TransientAwsError
      ? messagePage(503, 'Try again', 'The answer could not be processed just now. Nothing was changed; please use the link again in a minute.', { 'retry-after': '30' })
      : messagePage(500, 'Something went wrong', 'The answer could not be processed. Nothing was changed.');
  }
};

/** Records the answer (once), then tells the waiting workflow. */
async function decide(record: ApprovalRecord, request: DecideRequest): Promise<HtmlResponse> {
  const status = request.answer === 'approve' ? 'approved' : 'rejected';
  const result = await store.decide(record.approvalId, status, request.decidedBy, new Date());
  if (result.outcome === 'refused') {
    const current = result.current;
    if (current === undefined) return notFoundPage();
    // Still pending means the expiry passed between the read and the write.
    if (current.status === 'pending' || current.status === 'expired') return expiredPage();
    return alreadyDecidedPage(current);
  }

  const decided = result.record;
  const decidedAt = decided.decidedAt ?? new Date().toISOString();
  try {
    if (status === 'approved') {
      await callAws('SendTaskSuccess', () =>
        stepFunctions().send(
          new SendTaskSuccessCommand({
            taskToken: record.taskToken,
            output: JSON.stringify({ approved: true, approvalId: record.approvalId, decidedAt, decidedBy: request.decidedBy }),
          }),
        ),
      );
    } else {
      await callAws('SendTaskFailure', () =>
        stepFunctions().send(
          new SendTaskFailureCommand({
            taskToken: record.taskToken,
            error: APPROVAL_REJECTED_ERROR,
            cause: `rejected by ${request.decidedBy} at ${decidedAt}`,
          }),
        ),
      );
    }
  } catch (error) {
    const name = (error as { name?: string }).name ?? '';
    if (CLOSED_TASK_ERRORS.has(name)) {
      logger.warn('the workflow no longer waits for this approval', { approvalId: record.approvalId, error: name });
      await store.markExpired(record.approvalId, decidedAt, new Date());
      return expiredPage();
    }
    // Not delivered: give the approval back so the human can answer again.
    await store.reopen(record.approvalId, decidedAt).catch((reopenError: unknown) => {
      logger.error('could not reopen the approval after a failed delivery', reopenError as Error);
    });
    throw error;
  }

  metrics.addMetric(status === 'approved' ? 'PlansApproved' : 'PlansRejected', MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
  logger.info(`plan ${status}`, { approvalId: record.approvalId, incidentId: record.incidentId, decidedBy: request.decidedBy });
  return decidedPage(decided);
}

export const handler = middy(lambdaHandler)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(captureLambdaHandler(tracer));
