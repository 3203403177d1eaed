import { gunzipSync, gzipSync } from 'node:zlib';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { callAws } from '../shared/aws-errors.js';
import { emptyState, mergeStates, type MinerState, MinerStateSchema } from '../shared/logs/index.js';
import { RETENTION_DAYS } from '../shared/state-store.js';
import { type BurstState, BurstStateSchema, emptyBurstState, mergeBurstStates } from './burst-detector.js';
import { TemplateStateConflictError } from './log-intake-errors.js';

/**
 * Each log group's mining state in the state table: the template miner's
 * state and the burst statistics, gzipped JSON in one Binary attribute of
 * one item (`pk = LOGSTATE#<logGroup>`, `sk = TEMPLATES`), with a `version`
 * that every save increments under a condition.
 *
 * Concurrent invocations for one log group (one per log stream, in
 * parallel) each load the state, mine their batch and save. A save that
 * finds the version moved on does not overwrite: it re-reads the winner's
 * state, merges its own work into it (`mergeStates`, with the state it
 * loaded as the common base, so every line is counted once) and tries again.
 */

/** Batches remembered as processed, to recognise a redelivery. */
export const MAX_RECENT_BATCHES = 200;

export const LogGroupStateSchema = z.object({
  miner: MinerStateSchema,
  bursts: BurstStateSchema,
  /**
   * Keys (`batchKeyOf`) of the batches whose detections were published and
   * whose lines are in this state, oldest first: a batch delivered again
   * after it was saved is recognised here and not counted twice.
   */
  batches: z.array(z.string().min(1).max(200)).max(MAX_RECENT_BATCHES).default([]),
});
export type LogGroupState = z.infer<typeof LogGroupStateSchema>;

export function emptyLogGroupState(): LogGroupState {
  return { miner: emptyState(), bursts: emptyBurstState(), batches: [] };
}

/** A batch's key: the id of its first event, unique in the log group, and the same in every delivery of the batch. */
export function batchKeyOf(batch: { readonly logEvents: readonly { readonly id: string }[] }): string {
  return batch.logEvents[0]!.id;
}

/** The state's batch keys with `key` added as the newest, bounded. */
export function withBatch(batches: readonly string[], key: string): string[] {
  return [...batches.filter((existing) => existing !== key), key].slice(-MAX_RECENT_BATCHES);
}

export interface LoadedLogGroupState {
  readonly state: LogGroupState;
  /** The stored version; 0 when there is no item yet. */
  readonly version: number;
  /** Set when the stored state could not be read and an empty one stands in: why. */
  readonly recovered?: string;
}

export interface SaveResult {
  readonly version: number;
  /** Puts made; more than one means other writers won and were merged with. */
  readonly attempts: number;
  /** Templates dropped (least recently seen first) to fit the item. */
  readonly prunedTemplates: number;
  /** Size of the stored, gzipped state. */
  readonly storedBytes: number;
}

export interface TemplateStateStoreOptions {
  /**
   * Puts before giving up with `TemplateStateConflictError`.
   * @default 5
   */
  readonly maxAttempts?: number;
  /**
   * Most bytes of gzipped state stored; beyond, the least recently seen
   * templates are pruned. Keeps the item well under DynamoDB's 400 KB.
   * @default 350000
   */
  readonly maxStateBytes?: number;
  /**
   * Most templates a merged state keeps.
   * @default 5000
   */
  readonly maxTemplates?: number;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

export const DEFAULT_MAX_STATE_BYTES = 350_000;
const SORT_KEY = 'TEMPLATES';

export function logStateKey(logGroup: string): { pk: string; sk: string } {
  return { pk: `LOGSTATE#${logGroup}`, sk: SORT_KEY };
}

export class TemplateStateStore {
  private readonly maxAttempts: number;
  private readonly maxStateBytes: number;
  private readonly maxTemplates: number;
  private readonly now: () => Date;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: TemplateStateStoreOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 5;
    this.maxStateBytes = options.maxStateBytes ?? DEFAULT_MAX_STATE_BYTES;
    this.maxTemplates = options.maxTemplates ?? 5000;
    this.now = options.now ?? (() => new Date());
  }

  /** The log group's state and its version; an empty state at version 0 if there is none. */
  async load(logGroup: string, consistent = false): Promise<LoadedLogGroupState> {
    const { Item } = await callAws('GetItem', () =>
      this.client.send(new GetCommand({ TableName: this.tableName, Key: logStateKey(logGroup), ConsistentRead: consistent })),
    );
    if (Item === undefined) return { state: emptyLogGroupState(), version: 0 };
    const version = typeof Item.version === 'number' ? Item.version : 0;
    try {
      return { state: decodeLogGroupState(Item.state as Uint8Array), version };
    } catch (error) {
      // A state nobody can read must not stop the intake forever: start again, and overwrite it at this version.
      return { state: emptyLogGroupState(), version, recovered: (error as Error).message };
    }
  }

  /**
   * Saves `state`, mined from `loaded`. If another writer saved since, their
   * state and this one are merged (with `loaded.state` as the base) and the
   * save retried, up to `maxAttempts` puts.
   */
  async save(logGroup: string, state: LogGroupState, loaded: LoadedLogGroupState): Promise<SaveResult> {
    let mine = state;
    let base = loaded.state;
    let expected = loaded.version;
    for (let attempt = 1; ; attempt++) {
      const encoded = encodeLogGroupState(mine, this.maxStateBytes);
      try {
        await callAws('PutItem', () =>
          this.client.send(
            new PutCommand({
              TableName: this.tableName,
              Item: {
                ...logStateKey(logGroup),
                version: expected + 1,
                state: encoded.bytes,
                templates: encoded.state.miner.templates.length,
                updatedAt: this.now().toISOString(),
                ttl: Math.floor(this.now().getTime() / 1000) + RETENTION_DAYS * 86_400,
              },
              ...(expected === 0
                ? { ConditionExpression: 'attribute_not_exists(pk)' }
                : {
                    ConditionExpression: '#version = :expected',
                    ExpressionAttributeNames: { '#version': 'version' },
                    ExpressionAttributeValues: { ':expected': expected },
                  }),
            }),
          ),
        );
        return { version: expected + 1, attempts: attempt, prunedTemplates: encoded.pruned, storedBytes: encoded.bytes.length };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        if (attempt >= this.maxAttempts) {
          throw new TemplateStateConflictError(
            `state of ${logGroup} changed under each of ${attempt} saves; giving up (the batch is redelivered)`,
            { cause: error },
          );
        }
        const theirs = await this.load(logGroup, true);
        mine = {
          miner: mergeStates(theirs.state.miner, mine.miner, { base: base.miner, maxTemplates: this.maxTemplates }),
          bursts: mergeBurstStates(theirs.state.bursts, mine.bursts, base.bursts),
          batches: mine.batches.filter((key) => !theirs.state.batches.includes(key)).reduce(withBatch, theirs.state.batches),
        };
        base = theirs.state;
        expected = theirs.version;
      }
    }
  }
}

/** Reads a stored state; throws if it is not gzipped JSON of a valid state. */
export function decodeLogGroupState(bytes: Uint8Array): LogGroupState {
  if (!(bytes instanceof Uint8Array)) throw new Error('the stored state is not binary');
  return LogGroupStateSchema.parse(JSON.parse(gunzipSync(bytes).toString('utf8')));
}

/**
 * Gzips a state, pruning the least recently seen templates (and their
 * aliases and burst statistics) until it fits in `maxBytes`.
 */
export function encodeLogGroupState(state: LogGroupState, maxBytes = DEFAULT_MAX_STATE_BYTES): { bytes: Uint8Array; state: LogGroupState; pruned: number } {
  let current = state;
  let bytes = gzipSync(JSON.stringify(current));
  while (bytes.length > maxBytes && current.miner.templates.length > 0) {
    const count = current.miner.templates.length;
    // Aim a little under the limit: templates are not all the same size.
    const keep = Math.min(count - 1, Math.floor(count * (maxBytes / bytes.length) * 0.9));
    current = keepNewestTemplates(current, keep);
    bytes = gzipSync(JSON.stringify(current));
  }
  if (bytes.length > maxBytes) throw new RangeError(`the state does not fit in ${maxBytes} bytes even without templates`);
  return { bytes, state: current, pruned: state.miner.templates.length - current.miner.templates.length };
}

/** Keeps the `keep` most recently seen templates (the miner state lists them least recent first). */
function keepNewestTemplates(state: LogGroupState, keep: number): LogGroupState {
  const templates = state.miner.templates.slice(state.miner.templates.length - Math.max(0, keep));
  const kept = new Set(templates.map(([id]) => id));
  const aliases: MinerState['aliases'] = {};
  for (const [alias, target] of Object.entries(state.miner.aliases)) if (kept.has(target)) aliases[alias] = target;
  const bursts: BurstState = { ...state.bursts, entries: state.bursts.entries.filter(([id]) => kept.has(id)) };
  return { ...state, miner: { ...state.miner, templates, aliases }, bursts };
}
