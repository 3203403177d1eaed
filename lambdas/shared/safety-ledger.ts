import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { callAws } from './aws-errors.js';
import { type ActionResult, type CircuitState, cooldownFor, type FlapGuardSettings, type LedgerEntry } from './flap-guard.js';
import { keys } from './state-store.js';

/** Ledger entries outlive the longest budget window by a day. */
const LEDGER_RETENTION_SECONDS = 8 * 86_400;

const epochSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);

/**
 * The durable side of flap protection: per resource, the ledger of actions
 * taken (with their verified result) and the circuit breaker. Keyed by
 * resource and by incident and attempt, so a retried step writes the same
 * item again instead of counting twice.
 */
export class SafetyLedger {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Records that an action is about to change the resource. Written before
   * the change; a retry of the same attempt keeps the first entry.
   */
  async recordAction(resourceId: string, entry: LedgerEntry, now: Date): Promise<void> {
    try {
      await callAws('PutItem ledger entry', () =>
        this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              ...keys.action(resourceId, entry.incidentId, entry.attempt),
              type: 'action',
              resourceId,
              ...entry,
              ttl: epochSeconds(now) + LEDGER_RETENTION_SECONDS,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /** Sets what became of an action once it was verified (or undone). */
  async setResult(resourceId: string, incidentId: string, attempt: number, result: ActionResult, now: Date): Promise<boolean> {
    try {
      await callAws('UpdateItem ledger result', () =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keys.action(resourceId, incidentId, attempt),
            UpdateExpression: 'SET #result = :result, verifiedAt = :now',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: { '#result': 'result' },
            ExpressionAttributeValues: { ':result': result, ':now': now.toISOString() },
          }),
        ),
      );
      return true;
    } catch (error) {
      // No entry: the attempt never reached the point of acting, so there is nothing to judge.
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Every action on the resource still in the table, oldest first. */
  async entries(resourceId: string): Promise<LedgerEntry[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await callAws('Query ledger', () =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
            ExpressionAttributeValues: { ':pk': keys.circuit(resourceId).pk, ':prefix': 'ACTION#' },
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return items
      .map((item) => ({
        incidentId: String(item.incidentId),
        attempt: Number(item.attempt),
        action: String(item.action),
        target: String(item.target),
        at: String(item.at),
        result: (item.result ?? 'pending') as ActionResult,
        ...(item.effect === undefined ? {} : { effect: item.effect as { before: number; after: number } }),
      }))
      .sort((a, b) => a.at.localeCompare(b.at));
  }

  /** The resource's ledger and circuit, read together: what every flap rule judges. */
  async state(resourceId: string): Promise<{ entries: LedgerEntry[]; circuit: CircuitState }> {
    const [entries, circuit] = await Promise.all([this.entries(resourceId), this.circuit(resourceId)]);
    return { entries, circuit };
  }

  /** The cooldown to start now: the base, doubled for every failed remediation in the window. */
  async cooldownSeconds(resourceId: string, baseSeconds: number, settings: FlapGuardSettings, now: Date): Promise<number> {
    if (baseSeconds <= 0) return 0;
    const { entries, circuit } = await this.state(resourceId);
    return cooldownFor(baseSeconds, entries, circuit, now, settings);
  }

  async circuit(resourceId: string): Promise<CircuitState> {
    const result = await callAws('GetItem circuit', () =>
      this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.circuit(resourceId), ConsistentRead: true })),
    );
    const item = result.Item;
    if (item === undefined) return { status: 'closed' };
    return {
      status: item.status === 'open' ? 'open' : 'closed',
      ...pickStrings(item, ['reason', 'openedAt', 'openedBy', 'resetAt', 'resetBy']),
    };
  }

  /**
   * Opens the circuit; it stays open until `resetCircuit`. Opening an open
   * circuit keeps the first reason. Returns whether this call opened it.
   */
  async openCircuit(resourceId: string, reason: string, incidentId: string, now: Date): Promise<boolean> {
    try {
      await callAws('UpdateItem open circuit', () =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keys.circuit(resourceId),
            UpdateExpression: 'SET #status = :open, reason = :reason, openedAt = :now, openedBy = :by, resourceId = :resourceId, #type = :type',
            ConditionExpression: 'attribute_not_exists(#status) OR #status <> :open',
            ExpressionAttributeNames: { '#status': 'status', '#type': 'type' },
            ExpressionAttributeValues: {
              ':open': 'open',
              ':reason': reason.slice(0, 1_000),
              ':now': now.toISOString(),
              ':by': incidentId,
              ':resourceId': resourceId,
              ':type': 'circuit',
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

  /**
   * Closes the circuit after a human has looked. Failures before the reset
   * no longer count, so the resource starts with a clean window.
   */
  async resetCircuit(resourceId: string, by: string, now: Date): Promise<CircuitState> {
    const before = await this.circuit(resourceId);
    await callAws('UpdateItem reset circuit', () =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.circuit(resourceId),
          UpdateExpression: 'SET #status = :closed, resetAt = :now, resetBy = :by, resourceId = :resourceId, #type = :type',
          ExpressionAttributeNames: { '#status': 'status', '#type': 'type' },
          ExpressionAttributeValues: { ':closed': 'closed', ':now': now.toISOString(), ':by': by, ':resourceId': resourceId, ':type': 'circuit' },
        }),
      ),
    );
    return before;
  }
}

function pickStrings(item: Record<string, unknown>, names: readonly string[]): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of names) if (typeof item[name] === 'string') picked[name] = item[name];
  return picked;
}
