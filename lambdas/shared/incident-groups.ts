import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { callAws } from './aws-errors.js';
import type { Evidence } from './incident.js';
import { keys, RETENTION_DAYS } from './state-store.js';

/** The resource's open incident, as the slot records it. */
export interface OpenIncidentSlot {
  holder: string;
  executionName: string;
  openedAt: string;
  /** Epoch seconds after which the slot counts as abandoned (a run that died without closing). */
  openUntil: number;
}

/** What a new signal became: the opener of a new incident, or evidence for the open one. */
export type Claim = { kind: 'opened'; slot: OpenIncidentSlot } | { kind: 'grouped'; slot: OpenIncidentSlot };

/** A signal grouped into an open incident. */
export interface GroupedSignal {
  signalId: string;
  receivedAt: string;
  evidence: Evidence[];
}

const epochSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);

/**
 * Groups signals per resource: at most one open incident per resource. The
 * first signal claims the resource's open-incident slot with a conditional
 * write; every later signal, however many arrive at once, loses that race
 * and is attached to the winner as evidence, starting nothing. The slot is
 * freed when the incident closes, and counts as abandoned after
 * `openUntil` so a run that died cannot swallow signals forever.
 */
export class IncidentGroups {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Claims the slot for `incidentId`, or reports the incident that holds it.
   * Claiming again with the same incident (a redelivery) succeeds, so a
   * crash between the claim and the start of the run heals on retry.
   */
  async claim(resourceId: string, incidentId: string, executionName: string, maxOpenSeconds: number, now: Date, races = 3): Promise<Claim> {
    const slot: OpenIncidentSlot = {
      holder: incidentId,
      executionName,
      openedAt: now.toISOString(),
      openUntil: epochSeconds(now) + maxOpenSeconds,
    };
    try {
      await callAws('PutItem open incident', () =>
        this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...keys.openIncident(resourceId), type: 'open-incident', resourceId, ...slot, ttl: slot.openUntil + 86_400 },
            ConditionExpression: 'attribute_not_exists(pk) OR holder = :me OR openUntil < :now',
            ExpressionAttributeValues: { ':me': incidentId, ':now': epochSeconds(now) },
          }),
        ),
      );
      return { kind: 'opened', slot };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const held = await this.openIncident(resourceId);
      // The holder closed between our write and this read: the slot is free again.
      if (held === undefined && races > 0) return this.claim(resourceId, incidentId, executionName, maxOpenSeconds, now, races - 1);
      if (held === undefined) throw error;
      return { kind: 'grouped', slot: held };
    }
  }

  /** The incident currently open for the resource, if any. */
  async openIncident(resourceId: string): Promise<OpenIncidentSlot | undefined> {
    const result = await callAws('GetItem open incident', () =>
      this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.openIncident(resourceId), ConsistentRead: true })),
    );
    if (result.Item === undefined) return undefined;
    const { holder, executionName, openedAt, openUntil } = result.Item;
    return { holder: String(holder), executionName: String(executionName), openedAt: String(openedAt), openUntil: Number(openUntil) };
  }

  /**
   * Attaches a signal to an open incident as evidence. Keyed by the
   * signal's id, so a redelivered signal is attached once.
   */
  async attach(incidentId: string, signal: GroupedSignal, now: Date): Promise<'attached' | 'duplicate'> {
    try {
      await callAws('PutItem grouped signal', () =>
        this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              ...keys.groupedSignal(incidentId, signal.signalId),
              type: 'grouped-signal',
              incidentId,
              ...signal,
              ttl: epochSeconds(now) + RETENTION_DAYS * 86_400,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
      return 'attached';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'duplicate';
      throw error;
    }
  }

  /** The signals grouped into an incident, oldest first, at most `limit`. */
  async groupedSignals(incidentId: string, limit = 50): Promise<GroupedSignal[]> {
    const result = await callAws('Query grouped signals', () =>
      this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': keys.groupedSignal(incidentId, '').pk, ':prefix': 'SIGNAL#' },
          Limit: limit,
        }),
      ),
    );
    return (result.Items ?? []).map((item) => ({
      signalId: String(item.signalId),
      receivedAt: String(item.receivedAt),
      evidence: (item.evidence ?? []) as Evidence[],
    }));
  }
}
