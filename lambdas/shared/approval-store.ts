import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { callAws } from './aws-errors.js';
import { keys, RETENTION_DAYS } from './state-store.js';

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired';

/** What a human is asked to approve, as the confirmation page shows it. */
export interface ApprovalPlan {
  action: string;
  target: string;
  params: Record<string, unknown>;
  rationale: string;
  confidence: number;
  source: string;
  policySummary: string;
}

/** One pending (or decided) approval: `pk: APPROVAL#<approvalId>`, `sk: META`. */
export interface ApprovalRecord extends ApprovalPlan {
  approvalId: string;
  /** The workflow's task token; never shown, only handed back to Step Functions. */
  taskToken: string;
  incidentId: string;
  resourceId: string;
  executionId: string;
  status: ApprovalStatus;
  createdAt: string;
  /** Epoch seconds; after it the links no longer work. */
  expiresAt: number;
  decidedAt?: string;
  decidedBy?: string;
  expiredAt?: string;
}

export type NewApproval = Omit<ApprovalRecord, 'status' | 'decidedAt' | 'decidedBy' | 'expiredAt'>;

/** Result of trying to record a human's answer. */
export type DecideResult =
  | { outcome: 'decided'; record: ApprovalRecord }
  /** The record was not pending, or its time ran out; `current` is what blocked it, when known. */
  | { outcome: 'refused'; current?: ApprovalRecord };

const epochSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);

/**
 * Approval records in the state table. Every state change is a conditional
 * write: an approval is decided at most once, and only while it is pending
 * and unexpired, however many clicks race for it.
 */
export class ApprovalStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Writes a new pending approval; it never overwrites one (the id is random, so a clash is a bug). */
  async create(approval: NewApproval): Promise<ApprovalRecord> {
    const record: ApprovalRecord = { ...approval, status: 'pending' };
    await callAws('PutItem approval', () =>
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.approval(approval.approvalId),
            type: 'approval',
            ...record,
            // Kept for review after it expires, like the incident it belongs to.
            ttl: approval.expiresAt + RETENTION_DAYS * 86_400,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    return record;
  }

  async get(approvalId: string): Promise<ApprovalRecord | undefined> {
    const result = await callAws('GetItem approval', () =>
      this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.approval(approvalId), ConsistentRead: true })),
    );
    return result.Item as ApprovalRecord | undefined;
  }

  /** Records the answer if, and only if, the approval is still pending and unexpired. */
  async decide(approvalId: string, status: 'approved' | 'rejected', decidedBy: string, now: Date): Promise<DecideResult> {
    try {
      const result = await callAws('UpdateItem approval decision', () =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keys.approval(approvalId),
            UpdateExpression: 'SET #status = :status, decidedAt = :decidedAt, decidedBy = :decidedBy',
            ConditionExpression: '#status = :pending AND expiresAt > :now',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':status': status,
              ':pending': 'pending',
              ':decidedAt': now.toISOString(),
              ':decidedBy': decidedBy,
              ':now': epochSeconds(now),
            },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      return { outcome: 'decided', record: result.Attributes as ApprovalRecord };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        // Decided, expired or unknown: read what blocked it, so the caller can say which.
        return { outcome: 'refused', current: await this.get(approvalId) };
      }
      throw error;
    }
  }

  /**
   * The workflow stopped waiting before the answer reached it: the answer
   * given at `decidedAt` is kept for the record, the approval is `expired`.
   */
  async markExpired(approvalId: string, decidedAt: string, now: Date): Promise<void> {
    await this.settleOwnDecision(approvalId, decidedAt, 'SET #status = :expired, expiredAt = :now', {
      ':expired': 'expired',
      ':now': now.toISOString(),
    });
  }

  /** The answer could not be delivered for a reason worth retrying: the approval is pending again. */
  async reopen(approvalId: string, decidedAt: string): Promise<void> {
    await this.settleOwnDecision(approvalId, decidedAt, 'SET #status = :pending REMOVE decidedAt, decidedBy', { ':pending': 'pending' });
  }

  /** Changes a decided record only if the decision is still the one this request made. */
  private async settleOwnDecision(approvalId: string, decidedAt: string, update: string, values: Record<string, unknown>): Promise<void> {
    try {
      await callAws('UpdateItem approval settlement', () =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keys.approval(approvalId),
            UpdateExpression: update,
            ConditionExpression: '#status IN (:approved, :rejected) AND decidedAt = :decidedAt',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ...values, ':approved': 'approved', ':rejected': 'rejected', ':decidedAt': decidedAt },
          }),
        ),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return;
      throw error;
    }
  }
}
