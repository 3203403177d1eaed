import { type DynamoDBDocumentClient, GetCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../lambdas/shared/state-store.js';

/**
 * Reads recent incidents and their outcomes from the state table, for
 * `self-heal incidents`. Reads only.
 *
 * The table is keyed for the workflow, not for listing: a resource's
 * closed incidents are a Query of its history (`RESOURCE#id`,
 * `HISTORY#onset#incident`, newest first), and its open incident is one
 * item (`RESOURCE#id`, `OPEN`). Across all resources there is no index
 * over time, so the incident items (`INCIDENT#id`, `META`) are found with
 * a Scan, in pages, up to a bound on the items read.
 */

export interface IncidentRow {
  readonly incidentId: string;
  readonly resourceId: string;
  /** `open`, or the outcome: `resolved`, `escalated`, `skipped`, `observed`, `recommended`. */
  readonly status: string;
  /** The alarm's name or the detection's summary. */
  readonly signal?: string;
  readonly onsetAt?: string;
  readonly openedAt?: string;
  readonly closedAt?: string;
  readonly attempts?: number;
  readonly action?: string;
  readonly summary?: string;
}

export interface IncidentPage {
  readonly rows: IncidentRow[];
  /** Items the Scan read (recent incidents across resources only). */
  readonly scannedItems?: number;
  /** False when the Scan stopped at its bound before reading the whole table: older incidents may be missing. */
  readonly complete: boolean;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const count = (value: unknown): number | undefined => (typeof value === 'number' ? value : value === undefined ? undefined : Number(value));

/** An incident item (`INCIDENT#id` / `META`) as a row. */
export function rowOfIncidentItem(item: Record<string, unknown>): IncidentRow {
  const outcome = (item.outcome ?? {}) as { summary?: unknown; decision?: { action?: unknown } };
  const row: IncidentRow = {
    incidentId: String(item.incidentId ?? ''),
    resourceId: String(item.resourceId ?? ''),
    status: String(item.status ?? 'open'),
    signal: text(item.signal),
    onsetAt: text(item.onsetAt),
    openedAt: text(item.openedAt),
    closedAt: text(item.closedAt),
    attempts: count(item.attempts),
    action: text(outcome.decision?.action),
    summary: text(outcome.summary),
  };
  return Object.fromEntries(Object.entries(row).filter(([, value]) => value !== undefined)) as unknown as IncidentRow;
}

/** Newest first: by onset, then by when it was opened. */
function newestFirst(a: IncidentRow, b: IncidentRow): number {
  const at = (row: IncidentRow) => row.onsetAt ?? row.openedAt ?? row.closedAt ?? '';
  return at(b).localeCompare(at(a));
}

export class IncidentListing {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** The resource's open incident, then its closed ones, newest first: a Query, no Scan. */
  async forResource(resourceId: string, limit: number): Promise<IncidentPage> {
    const rows: IncidentRow[] = [];
    const slot = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.openIncident(resourceId) }));
    const holder = text(slot.Item?.holder);
    if (holder !== undefined) {
      const incident = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.incident(holder) }));
      rows.push(incident.Item === undefined ? { incidentId: holder, resourceId, status: 'open', openedAt: text(slot.Item?.openedAt) } : rowOfIncidentItem(incident.Item));
    }
    const history = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.openIncident(resourceId).pk, ':prefix': 'HISTORY#' },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    for (const item of history.Items ?? []) {
      if (item.incidentId === holder) continue;
      rows.push({
        incidentId: String(item.incidentId),
        resourceId,
        status: String(item.outcome),
        ...(text(item.closedAt) === undefined ? {} : { closedAt: String(item.closedAt) }),
        ...(count(item.attempts) === undefined ? {} : { attempts: Number(item.attempts) }),
        ...(text(item.action) === undefined ? {} : { action: String(item.action) }),
        ...(text(item.summary) === undefined ? {} : { summary: String(item.summary) }),
        ...(typeof item.sk === 'string' ? { onsetAt: item.sk.split('#')[1] } : {}),
      });
    }
    return { rows: rows.slice(0, limit), complete: true };
  }

  /**
   * The most recent incidents of every resource: a Scan of the incident
   * items in pages of `pageSize`, reading at most `maxScanned` items.
   */
  async recent(limit: number, maxScanned: number, pageSize = 500): Promise<IncidentPage> {
    const rows: IncidentRow[] = [];
    let scannedItems = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: '#type = :incident AND sk = :meta',
          ProjectionExpression: 'incidentId, resourceId, #status, #signal, onsetAt, openedAt, closedAt, attempts, #outcome.summary, #outcome.decision.#action',
          ExpressionAttributeNames: { '#type': 'type', '#status': 'status', '#signal': 'signal', '#outcome': 'outcome', '#action': 'action' },
          ExpressionAttributeValues: { ':incident': 'incident', ':meta': 'META' },
          Limit: Math.min(pageSize, maxScanned - scannedItems),
          ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
        }),
      );
      scannedItems += page.ScannedCount ?? 0;
      for (const item of page.Items ?? []) rows.push(rowOfIncidentItem(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined && scannedItems < maxScanned);
    return { rows: rows.sort(newestFirst).slice(0, limit), scannedItems, complete: startKey === undefined };
  }
}
