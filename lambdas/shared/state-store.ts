import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { callAws } from './aws-errors.js';
import { CooldownActiveError, LeaseHeldError } from './errors.js';
import { type Incident, signalLabel } from './incident.js';
import type { Outcome } from './workflow.js';

/** How long incident records and history stay in the table. */
export const RETENTION_DAYS = 90;

const epochSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);
const expiry = (now: Date): number => epochSeconds(now) + RETENTION_DAYS * 86_400;

/** Attribute names of the state table's keys and TTL; the CDK table and the local table use these. */
export const STATE_TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk', timeToLive: 'ttl' } as const;

/** Key layout of the single state table. */
export const keys = {
  incident: (incidentId: string) => ({ pk: `INCIDENT#${incidentId}`, sk: 'META' }),
  attempt: (incidentId: string, attempt: number) => ({
    pk: `INCIDENT#${incidentId}`,
    sk: `ATTEMPT#${String(attempt).padStart(4, '0')}`,
  }),
  lease: (resourceId: string) => ({ pk: `RESOURCE#${resourceId}`, sk: 'LEASE' }),
  history: (resourceId: string, onsetAt: string, incidentId: string) => ({
    pk: `RESOURCE#${resourceId}`,
    sk: `HISTORY#${onsetAt}#${incidentId}`,
  }),
  approval: (approvalId: string) => ({ pk: `APPROVAL#${approvalId}`, sk: 'META' }),
  /** The resource's open incident, if any: the slot every new signal about the resource competes for. */
  openIncident: (resourceId: string) => ({ pk: `RESOURCE#${resourceId}`, sk: 'OPEN' }),
  /** A later signal grouped into an open incident, kept as evidence. */
  groupedSignal: (incidentId: string, signalId: string) => ({ pk: `INCIDENT#${incidentId}`, sk: `SIGNAL#${signalId}` }),
  /** One action taken on the resource: the ledger behind the attempt budget and ping-pong detection. */
  action: (resourceId: string, incidentId: string, attempt: number) => ({
    pk: `RESOURCE#${resourceId}`,
    sk: `ACTION#${incidentId}#${String(attempt).padStart(4, '0')}`,
  }),
  /** The resource's circuit breaker. */
  circuit: (resourceId: string) => ({ pk: `RESOURCE#${resourceId}`, sk: 'CIRCUIT' }),
} as const;

export interface LeaseRecord {
  holder?: string;
  leaseExpiresAt?: number;
  cooldownUntil?: number;
}

export interface AttemptRecord {
  incidentId: string;
  attempt: number;
  action: string;
  params: Record<string, unknown>;
  before: Record<string, unknown>;
  startedAt: string;
  executionId?: string;
}

export interface HistoryEntry {
  incidentId: string;
  outcome: Outcome;
  action?: string;
  attempts: number;
  closedAt: string;
  summary: string;
}

/** Whether `openIncident` wrote a new record or found the incident already open. */
export type OpenResult = 'opened' | 'already-open';

/**
 * Durable state of incidents, leases, cooldowns and attempts, in one
 * DynamoDB table. Every write that guards against double action is a
 * conditional write, so the rules hold across concurrent runs, retries and
 * cold starts.
 */
export class StateStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Records a new incident; a duplicate delivery finds it and changes nothing. */
  async openIncident(incident: Incident, executionName: string, now: Date): Promise<OpenResult> {
    try {
      await callAws('PutItem incident', () =>
        this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              ...keys.incident(incident.incidentId),
              type: 'incident',
              incidentId: incident.incidentId,
              resourceId: incident.resource.id,
              signal: signalLabel(incident.signal),
              status: 'open',
              onsetAt: incident.onsetAt,
              openedAt: now.toISOString(),
              executionName,
              incident,
              ttl: expiry(now),
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
      return 'opened';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'already-open';
      throw error;
    }
  }

  /**
   * Takes the resource's lease for this incident. It succeeds when nobody
   * holds the lease (or the holder's lease has expired, so a crashed run
   * cannot block the resource forever) and the resource is not cooling
   * down; the incident that already holds it renews it.
   */
  async acquireLease(resourceId: string, incidentId: string, leaseSeconds: number, now: Date): Promise<LeaseRecord> {
    const nowSeconds = epochSeconds(now);
    try {
      const result = await callAws('UpdateItem lease', () =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keys.lease(resourceId),
            UpdateExpression: 'SET holder = :me, leaseExpiresAt = :expires, acquiredAt = :acquiredAt, resourceId = :resourceId',
            ConditionExpression:
              '(attribute_not_exists(holder) OR holder = :me OR leaseExpiresAt < :now) AND ' +
              '(attribute_not_exists(cooldownUntil) OR cooldownUntil <= :now OR holder = :me)',
            ExpressionAttributeValues: {
              ':me': incidentId,
              ':expires': nowSeconds + leaseSeconds,
              ':acquiredAt': now.toISOString(),
              ':resourceId': resourceId,
              ':now': nowSeconds,
            },
            ReturnValues: 'ALL_NEW',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      );
      return result.Attributes as LeaseRecord;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        // DynamoDB returns the blocking item with the failure; emulators may not, so read it then.
        const blocking = error.Item ?? (await this.getLease(resourceId)) ?? {};
        throw leaseRefusal(resourceId, blocking as unknown as Record<string, AttributeLike>, nowSeconds);
      }
      throw error;
    }
  }

  /**
   * Gives the lease back and, when something was changed, starts the
   * cooldown. Only the holder can release; a lease that expired and was taken
   * by another run is left alone.
   */
  async releaseLease(resourceId: string, incidentId: string, cooldownSeconds: number, now: Date): Promise<boolean> {
    try {
      await callAws('UpdateItem release lease', () =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keys.lease(resourceId),
            UpdateExpression: 'SET cooldownUntil = :cooldownUntil, releasedAt = :now, lastHolder = :me REMOVE holder, leaseExpiresAt',
            ConditionExpression: 'holder = :me',
            ExpressionAttributeValues: {
              ':me': incidentId,
              ':cooldownUntil': epochSeconds(now) + cooldownSeconds,
              ':now': now.toISOString(),
            },
          }),
        ),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async getLease(resourceId: string): Promise<LeaseRecord | undefined> {
    const result = await callAws('GetItem lease', () =>
      this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.lease(resourceId), ConsistentRead: true })),
    );
    return result.Item as LeaseRecord | undefined;
  }

  /**
   * Writes the attempt's before-state. It must land before the action runs;
   * a retry of the same attempt finds the first record and keeps it, so the
   * recorded before-state is always the state before the first try.
   */
  async recordAttempt(record: AttemptRecord, now: Date): Promise<AttemptRecord> {
    try {
      await callAws('PutItem attempt', () =>
        this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...keys.attempt(record.incidentId, record.attempt), type: 'attempt', ...record, ttl: expiry(now) },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
      return record;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        const existing = await callAws('GetItem attempt', () =>
          this.client.send(
            new GetCommand({ TableName: this.tableName, Key: keys.attempt(record.incidentId, record.attempt), ConsistentRead: true }),
          ),
        );
        return existing.Item as AttemptRecord;
      }
      throw error;
    }
  }

  /** The attempt record written before the action: its params and its before-state. */
  async getAttempt(incidentId: string, attempt: number): Promise<AttemptRecord | undefined> {
    const result = await callAws('GetItem attempt', () =>
      this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.attempt(incidentId, attempt), ConsistentRead: true })),
    );
    return result.Item as AttemptRecord | undefined;
  }

  async getIncident(incidentId: string): Promise<Record<string, unknown> | undefined> {
    const result = await callAws('GetItem incident', () =>
      this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.incident(incidentId), ConsistentRead: true })),
    );
    return result.Item;
  }

  /**
   * Closes the incident with its outcome, appends it to the resource's
   * history, and frees the resource's open-incident slot, so the next
   * signal about the resource opens a new incident instead of being grouped
   * into this one.
   */
  async closeIncident(incident: Incident, entry: HistoryEntry, details: Record<string, unknown>, now: Date): Promise<void> {
    await callAws('UpdateItem incident outcome', () =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.incident(incident.incidentId),
          UpdateExpression:
            'SET #status = :status, closedAt = :closedAt, outcome = :details, attempts = :attempts, ' +
            'incidentId = if_not_exists(incidentId, :incidentId), resourceId = if_not_exists(resourceId, :resourceId), ' +
            'incident = if_not_exists(incident, :incident), #ttl = :ttl',
          ExpressionAttributeNames: { '#status': 'status', '#ttl': 'ttl' },
          ExpressionAttributeValues: {
            ':status': entry.outcome,
            ':closedAt': entry.closedAt,
            ':details': details,
            ':attempts': entry.attempts,
            ':incidentId': incident.incidentId,
            ':resourceId': incident.resource.id,
            ':incident': incident,
            ':ttl': expiry(now),
          },
        }),
      ),
    );
    await callAws('PutItem history', () =>
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.history(incident.resource.id, incident.onsetAt, incident.incidentId),
            type: 'history',
            resourceId: incident.resource.id,
            ...entry,
            ttl: expiry(now),
          },
        }),
      ),
    );
    try {
      await callAws('DeleteItem open incident', () =>
        this.client.send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: keys.openIncident(incident.resource.id),
            ConditionExpression: 'holder = :me',
            ExpressionAttributeValues: { ':me': incident.incidentId },
          }),
        ),
      );
    } catch (error) {
      // Another incident holds the slot (this one's had expired): leave it alone.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /** The resource's most recent closed incidents, newest first. */
  async recentHistory(resourceId: string, limit: number): Promise<HistoryEntry[]> {
    const result = await callAws('Query history', () =>
      this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': `RESOURCE#${resourceId}`, ':prefix': 'HISTORY#' },
          ScanIndexForward: false,
          Limit: limit,
        }),
      ),
    );
    return (result.Items ?? []).map((item) => ({
      incidentId: String(item.incidentId),
      outcome: item.outcome as Outcome,
      action: item.action === undefined ? undefined : String(item.action),
      attempts: Number(item.attempts ?? 0),
      closedAt: String(item.closedAt),
      summary: String(item.summary ?? ''),
    }));
  }
}

/** An attribute as DynamoDB returns it: marshalled (`{ N: '1' }`) or plain. */
type AttributeLike = { N?: string; S?: string } | number | string | undefined;

function numberAttribute(value: AttributeLike): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return Number(value);
  return value?.N === undefined ? undefined : Number(value.N);
}

function stringAttribute(value: AttributeLike): string | undefined {
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' ? value : value?.S;
}

/** Turns the item that failed the lease condition into the error that says why. */
function leaseRefusal(resourceId: string, item: Record<string, AttributeLike>, nowSeconds: number): Error {
  const holder = stringAttribute(item.holder);
  const leaseExpiresAt = numberAttribute(item.leaseExpiresAt);
  if (holder !== undefined && leaseExpiresAt !== undefined && leaseExpiresAt >= nowSeconds) {
    return new LeaseHeldError(
      `${resourceId} is being remediated by ${holder} until ${new Date(leaseExpiresAt * 1000).toISOString()}`,
    );
  }
  const cooldownUntil = numberAttribute(item.cooldownUntil);
  const until = cooldownUntil === undefined ? 'now' : new Date(cooldownUntil * 1000).toISOString();
  return new CooldownActiveError(`${resourceId} is cooling down after an earlier remediation until ${until}`);
}
