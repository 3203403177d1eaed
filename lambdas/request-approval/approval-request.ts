import { randomBytes } from 'node:crypto';
import type { NewApproval } from '../shared/approval-store.js';
import { approvalLink, type SignedApproval } from '../shared/approval-signature.js';
import { type Incident, signalLabel } from '../shared/incident.js';
import { type Notification, notification } from '../shared/notify.js';
import type { Decision, PolicyVerdict } from '../shared/workflow.js';

/** SNS caps a Subject at 100 characters of printable ASCII, with no line breaks. */
const MAX_SUBJECT = 100;

/** 128 random bits, base64url: unguessable, and short enough for a link. */
export function newApprovalId(): string {
  return randomBytes(16).toString('base64url');
}

export interface ApprovalRequest {
  incident: Incident;
  decision: Decision;
  policy: PolicyVerdict;
  taskToken: string;
  executionId: string;
  timeoutSeconds: number;
}

/** The record the callback reads when the human clicks: the plan, and the token to answer the workflow with. */
export function approvalRecordFor(request: ApprovalRequest, approvalId: string, now: Date): NewApproval {
  const { incident, decision, policy } = request;
  return {
    approvalId,
    taskToken: request.taskToken,
    incidentId: incident.incidentId,
    resourceId: incident.resource.id,
    executionId: request.executionId,
    action: decision.action,
    target: decision.target,
    params: decision.params,
    rationale: decision.rationale,
    confidence: decision.confidence,
    source: decision.source,
    policySummary: policy.summary,
    createdAt: now.toISOString(),
    expiresAt: Math.floor(now.getTime() / 1000) + request.timeoutSeconds,
  };
}

/** The notification: the plan, why, until when, and the two signed links (in `details`). */
export function approvalMessage(request: ApprovalRequest, signed: SignedApproval, approvalUrl: string, now = new Date()): Notification {
  const { incident, decision, policy } = request;
  return notification({
    type: 'approval-requested',
    incidentId: incident.incidentId,
    resourceId: incident.resource.id,
    summary: `approve or reject: ${decision.action} on ${decision.target} — ${decision.rationale}`,
    executionArn: request.executionId,
    at: now,
    details: {
      resource: incident.resource,
      alarm: signalLabel(incident.signal),
      action: decision.action,
      params: decision.params,
      target: decision.target,
      rationale: decision.rationale,
      confidence: decision.confidence,
      source: decision.source,
      policy: policy.summary,
      expiresAt: new Date(signed.expiresAt * 1000).toISOString(),
      approveUrl: approvalLink(approvalUrl, signed, 'approve'),
      rejectUrl: approvalLink(approvalUrl, signed, 'reject'),
    },
  });
}

/** An SNS-safe subject: printable ASCII only, at most 100 characters. */
export function approvalSubject(request: ApprovalRequest): string {
  const text = `[self-healing] approval needed: ${request.decision.action} on ${request.incident.resource.id}`;
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, MAX_SUBJECT);
}
