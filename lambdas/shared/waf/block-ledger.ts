import { setTimeout as sleep } from 'node:timers/promises';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { callAws } from '../aws-errors.js';
import { TransientAwsError } from '../errors.js';
import { RETENTION_DAYS } from '../state-store.js';
import type { DeclaredIpSet } from './ip-set-editor.js';
import { BlockLimitReachedError } from './waf-errors.js';

/**
 * Where a block stands:
 * - `pending`: recorded, maybe holding a cap slot and a schedule, not yet confirmed in the IP set;
 * - `active`: this system added the address and will remove it;
 * - `refused`: a cap refused it; holds nothing;
 * - `failed`: the IP set could not be changed; holds nothing;
 * - `skipped`: the address appeared in the set by someone else's hand; holds nothing;
 * - `removed`: expired or undone.
 */
export type BlockStatus = 'pending' | 'active' | 'refused' | 'failed' | 'skipped' | 'removed';
export type RemovalCause = 'expired' | 'undone';

/** Who was blocked, in which IP set, why and until when: `pk: WAFBLOCK#<scope>#<ipSetId>`, `sk: BLOCK#<blockId>`. */
export interface BlockRecord {
  blockId: string;
  ipSet: DeclaredIpSet;
  cidr: string;
  incidentId: string;
  attempt: number;
  /** Why: the decision's rationale or evidence summary. */
  reason: string;
  status: BlockStatus;
  requestedAt: string;
  /** When the block ends; the expiry schedule fires then. */
  expiresAt: string;
  durationMinutes: number;
  scheduleName?: string;
  addedAt?: string;
  /** For `refused`, `failed` and `skipped`: what stopped it. */
  notApplied?: string;
  removedAt?: string;
  removedBecause?: RemovalCause;
  updatedAt?: string;
}

export type NewBlock = Omit<BlockRecord, 'status' | 'addedAt' | 'notApplied' | 'removedAt' | 'removedBecause' | 'updatedAt'>;

/** The caps on what this system may block in one IP set. */
export interface BlockCaps {
  /** Blocks started in any sliding hour. */
  readonly maxPerHour: number;
  /** Blocks in place (not yet expired or undone) at once. */
  readonly maxTotal: number;
}

/** The largest `maxTotal` the ledger accepts: the slots live in one item, which must stay well under 400 KB. */
export const MAX_TOTAL_CAP = 2_000;

/** What the IP set's slots look like after a claim. */
export interface CapUsage {
  active: number;
  lastHour: number;
}

/** Key layout of the ledger's items in the state table. */
export const wafBlockKeys = {
  block: (ipSet: Pick<DeclaredIpSet, 'scope' | 'id'>, blockId: string) => ({
    pk: `WAFBLOCK#${ipSet.scope}#${ipSet.id}`,
    sk: `BLOCK#${blockId}`,
  }),
  /** The IP set's cap slots: `active` (blockId → expiry, epoch s), `recent` (blockId → claim time, epoch s), `version`. */
  caps: (ipSet: Pick<DeclaredIpSet, 'scope' | 'id'>) => ({ pk: `WAFBLOCK#${ipSet.scope}#${ipSet.id}`, sk: 'CAPS' }),
} as const;

interface CapsItem {
  active: Record<string, number>;
  recent: Record<string, number>;
  version: number;
}

export interface BlockLedgerOptions {
  /**
   * Read-then-write rounds on the caps item before giving up with `TransientAwsError`.
   * @default 10
   */
  readonly maxAttempts?: number;
  /**
   * Waits before the next round, after round `attempt` lost a race.
   * @default full jitter, up to 25 ms × 2^attempt (at most 1 s)
   */
  readonly backoff?: (attempt: number) => Promise<void>;
}

const HOUR_SECONDS = 3_600;
const epochSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);
const defaultBackoff = (attempt: number): Promise<void> => sleep(Math.floor(Math.random() * Math.min(1_000, 25 * 2 ** attempt)));

/** Statuses from which a block can still become `active`. */
const OPEN_STATUSES: readonly BlockStatus[] = ['pending', 'refused', 'failed', 'active'];

/**
 * The durable side of WAF blocks, in the single state table: one record
 * per block, and one caps item per IP set holding the slots in use. A claim
 * is a read of the caps item, then a write conditional on its version: of
 * any number of concurrent claims, only those that fit under both caps land,
 * and a block claims its slot once however often it is retried.
 */
export class BlockLedger {
  private readonly maxAttempts: number;
  private readonly backoff: (attempt: number) => Promise<void>;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: BlockLedgerOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 10;
    this.backoff = options.backoff ?? defaultBackoff;
    if (!Number.isInteger(this.maxAttempts) || this.maxAttempts < 1) throw new Error('maxAttempts must be a positive integer');
  }

  async get(ipSet: DeclaredIpSet, blockId: string): Promise<BlockRecord | undefined> {
    const result = await callAws('GetItem WAF block', () =>
      this.client.send(new GetCommand({ TableName: this.tableName, Key: wafBlockKeys.block(ipSet, blockId), ConsistentRead: true })),
    );
    return result.Item === undefined ? undefined : toRecord(result.Item);
  }

  /** Writes the block as `pending`; when it exists already (a retry), returns it unchanged. */
  async create(block: NewBlock): Promise<{ created: boolean; record: BlockRecord }> {
    const record: BlockRecord = { ...block, status: 'pending' };
    try {
      await callAws('PutItem WAF block', () =>
        this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              ...wafBlockKeys.block(block.ipSet, block.blockId),
              type: 'waf-block',
              ...record,
              ttl: epochSeconds(new Date(block.expiresAt)) + RETENTION_DAYS * 86_400,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
      return { created: true, record };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const existing = await this.get(block.ipSet, block.blockId);
      if (existing === undefined) throw new Error(`WAF block ${block.blockId} exists and vanished; retry`);
      return { created: false, record: existing };
    }
  }

  /**
   * Takes a slot for the block under both caps, or throws
   * `BlockLimitReachedError`. A block that already holds its slot keeps it,
   * so a retried claim counts once.
   */
  async claim(ipSet: DeclaredIpSet, blockId: string, caps: BlockCaps, expiresAt: Date, now: Date): Promise<CapUsage> {
    checkCaps(caps);
    const nowSeconds = epochSeconds(now);
    return this.updateCaps(ipSet, `claim a block slot for ${blockId}`, nowSeconds, (item) => {
      const recent = Object.fromEntries(Object.entries(item.recent).filter(([, at]) => at > nowSeconds - HOUR_SECONDS));
      if (Object.hasOwn(item.active, blockId)) return undefined;
      const active = Object.keys(item.active).length;
      if (active >= caps.maxTotal) {
        throw new BlockLimitReachedError(
          `${describe(ipSet)} already has ${active} blocks in place, the most allowed at once (${caps.maxTotal}); none is evicted`,
        );
      }
      const lastHour = Object.keys(recent).length;
      if (lastHour >= caps.maxPerHour) {
        const next = lastHour === 0 ? 'none is allowed' : `the next is allowed at ${new Date((Math.min(...Object.values(recent)) + HOUR_SECONDS) * 1000).toISOString()}`;
        throw new BlockLimitReachedError(
          `${describe(ipSet)} had ${lastHour} blocks in the last hour, the most allowed (${caps.maxPerHour}); ${next}`,
        );
      }
      return {
        active: { ...item.active, [blockId]: epochSeconds(expiresAt) },
        recent: { ...recent, [blockId]: nowSeconds },
      };
    });
  }

  /**
   * Frees the block's slot. `fromLastHour` also takes it out of the hourly
   * count: right for a block that never reached the IP set, wrong for one
   * that was in place (it did happen this hour).
   */
  async release(ipSet: DeclaredIpSet, blockId: string, options: { fromLastHour: boolean }, now: Date): Promise<CapUsage> {
    return this.updateCaps(ipSet, `release the block slot of ${blockId}`, epochSeconds(now), (item) => {
      const inRecent = options.fromLastHour && Object.hasOwn(item.recent, blockId);
      if (!Object.hasOwn(item.active, blockId) && !inRecent) return undefined;
      const { [blockId]: _active, ...active } = item.active;
      const recent = { ...item.recent };
      if (options.fromLastHour) delete recent[blockId];
      return { active, recent };
    });
  }

  /** Whether the block holds a slot: true once its claim landed, until it is released. */
  async holdsSlot(ipSet: DeclaredIpSet, blockId: string): Promise<boolean> {
    const item = await this.readCaps(ipSet);
    return Object.hasOwn(item.active, blockId);
  }

  /** Slots in use now: blocks in place, and blocks started in the last hour. */
  async usage(ipSet: DeclaredIpSet, now: Date): Promise<CapUsage> {
    const item = await this.readCaps(ipSet);
    return usageOf(item, epochSeconds(now));
  }

  /** The address is in the set by this system's hand. */
  async markActive(ipSet: DeclaredIpSet, blockId: string, details: { scheduleName: string }, now: Date): Promise<BlockRecord> {
    const { record } = await this.transition(ipSet, blockId, OPEN_STATUSES, 'active', now, {
      set: ['addedAt = if_not_exists(addedAt, :now)', 'scheduleName = :scheduleName'],
      remove: ['notApplied'],
      values: { ':scheduleName': details.scheduleName },
    });
    return record;
  }

  /** The block did not (or will not) reach the IP set; `why` says what stopped it. */
  async markNotApplied(
    ipSet: DeclaredIpSet,
    blockId: string,
    status: 'refused' | 'failed' | 'skipped',
    why: string,
    now: Date,
  ): Promise<BlockRecord> {
    const { record } = await this.transition(ipSet, blockId, ['pending', 'refused', 'failed'], status, now, {
      set: ['notApplied = :why'],
      values: { ':why': why.slice(0, 1_000) },
    });
    return record;
  }

  /**
   * Records the removal. Only a `pending` or `active` block can be removed,
   * once: `removed` says whether this call did it, rather than an earlier or
   * concurrent one.
   */
  async markRemoved(
    ipSet: DeclaredIpSet,
    blockId: string,
    because: RemovalCause,
    now: Date,
  ): Promise<{ removed: boolean; record: BlockRecord }> {
    const { changed, record } = await this.transition(ipSet, blockId, ['pending', 'active'], 'removed', now, {
      set: ['removedAt = :now', 'removedBecause = :because'],
      values: { ':because': because },
    });
    return { removed: changed, record };
  }

  /**
   * Moves the record to `status` when it is in one of `from`; otherwise
   * leaves it. Returns whether it moved, and the record as it is afterwards.
   */
  private async transition(
    ipSet: DeclaredIpSet,
    blockId: string,
    from: readonly BlockStatus[],
    status: BlockStatus,
    now: Date,
    update: { set: string[]; remove?: string[]; values: Record<string, unknown> },
  ): Promise<{ changed: boolean; record: BlockRecord }> {
    const fromValues = Object.fromEntries(from.map((value, index) => [`:from${index}`, value]));
    const remove = update.remove === undefined || update.remove.length === 0 ? '' : ` REMOVE ${update.remove.join(', ')}`;
    try {
      const result = await callAws(`UpdateItem WAF block ${status}`, () =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: wafBlockKeys.block(ipSet, blockId),
            UpdateExpression: `SET #status = :status, updatedAt = :now, ${update.set.join(', ')}${remove}`,
            ConditionExpression: `attribute_exists(pk) AND #status IN (${Object.keys(fromValues).join(', ')})`,
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':status': status, ':now': now.toISOString(), ...fromValues, ...update.values },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      return { changed: true, record: toRecord(result.Attributes ?? {}) };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const current = await this.get(ipSet, blockId);
      if (current === undefined) throw new Error(`no WAF block ${blockId} in ${describe(ipSet)}`);
      return { changed: false, record: current };
    }
  }

  private async readCaps(ipSet: DeclaredIpSet): Promise<CapsItem> {
    const result = await callAws('GetItem WAF block caps', () =>
      this.client.send(new GetCommand({ TableName: this.tableName, Key: wafBlockKeys.caps(ipSet), ConsistentRead: true })),
    );
    const item = result.Item;
    return {
      active: (item?.active as Record<string, number> | undefined) ?? {},
      recent: (item?.recent as Record<string, number> | undefined) ?? {},
      version: Number(item?.version ?? 0),
    };
  }

  /**
   * Optimistic read-modify-write of the caps item. `change` returns the new
   * slots, `undefined` for no change, or throws to refuse; a lost race
   * starts over from a fresh read.
   */
  private async updateCaps(
    ipSet: DeclaredIpSet,
    operation: string,
    nowSeconds: number,
    change: (item: CapsItem) => Pick<CapsItem, 'active' | 'recent'> | undefined,
  ): Promise<CapUsage> {
    for (let attempt = 1; attempt <= this.maxAttempts; attempt += 1) {
      const item = await this.readCaps(ipSet);
      const next = change(item);
      if (next === undefined) return usageOf(item, nowSeconds);
      try {
        await callAws('PutItem WAF block caps', () =>
          this.client.send(
            new PutCommand({
              TableName: this.tableName,
              Item: {
                ...wafBlockKeys.caps(ipSet),
                type: 'waf-block-caps',
                ipSetArn: ipSet.arn,
                active: next.active,
                recent: next.recent,
                version: item.version + 1,
              },
              ConditionExpression: item.version === 0 ? 'attribute_not_exists(pk)' : 'version = :version',
              ...(item.version === 0 ? {} : { ExpressionAttributeValues: { ':version': item.version } }),
            }),
          ),
        );
        return usageOf(next, nowSeconds);
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        if (attempt < this.maxAttempts) await this.backoff(attempt);
      }
    }
    throw new TransientAwsError(`could not ${operation} in ${describe(ipSet)}: lost the race ${this.maxAttempts} times`);
  }
}

/** Refuses caps the ledger cannot honour. */
export function checkCaps(caps: BlockCaps): void {
  for (const [name, value] of Object.entries({ maxPerHour: caps.maxPerHour, maxTotal: caps.maxTotal })) {
    if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number ≥ 0, got ${value}`);
  }
  if (caps.maxTotal > MAX_TOTAL_CAP) throw new Error(`maxTotal must be at most ${MAX_TOTAL_CAP}, got ${caps.maxTotal}`);
}

function usageOf(item: Pick<CapsItem, 'active' | 'recent'>, nowSeconds: number): CapUsage {
  return {
    active: Object.keys(item.active).length,
    lastHour: Object.values(item.recent).filter((at) => at > nowSeconds - HOUR_SECONDS).length,
  };
}

function toRecord(item: Record<string, unknown>): BlockRecord {
  const { pk: _pk, sk: _sk, type: _type, ttl: _ttl, ...record } = item;
  return record as unknown as BlockRecord;
}

function describe(ipSet: DeclaredIpSet): string {
  return `WAF IP set ${ipSet.scope}/${ipSet.name}`;
}
