import type { Client, ClientConfig } from 'pg';
import type { ActionExecutor, ApplyContext, UndoContext } from '../actions/executor.js';
import { StalePlanError } from '../errors.js';
import { type CreateIndexParams, CreateIndexParamsSchema, type ExistingIndex, type Relation, type TableStats } from '../index-advisor/advisor-schemas.js';
import { coveringIndex } from '../index-advisor/coverage.js';
import { checkGuardrails, type GuardrailSettingsInput, writeRatePerSecond } from '../index-advisor/guardrails.js';
import { IndexBuildFailedError, IndexGuardrailError, NotOurIndexError } from '../index-advisor/index-advisor-errors.js';
import { createIndexSql, dropIndexSql } from '../index-advisor/index-ddl.js';
import { indexNameFor, isOwnIndex } from '../index-advisor/index-name.js';
import { assertColumnsExist, indexState, readIndexes, readTableStats } from './catalog-queries.js';
import { openClient, setSetting } from './pg-client.js';
import { isConnectionFailure, PostgresLockTimeoutError, PostgresUnavailableError, sqlStateOf } from './postgres-errors.js';

/**
 * Builds and drops the advisor's indexes, the Azure SQL automatic-tuning
 * way: create, measure, revert. Every change is CONCURRENTLY (no blocking
 * of reads or writes), bounded by `lock_timeout` and `statement_timeout`,
 * and checked afterwards: a concurrent build that fails leaves an INVALID
 * index behind, which is dropped at once (`IndexBuildFailedError`). Only
 * indexes carrying this system's name are ever dropped (`NotOurIndexError`).
 *
 * Idempotent: the index name follows from the table and columns, so a
 * retried apply finds its own index (valid: nothing to do; invalid: dropped
 * and built again), and undo drops it only if it was not there before the
 * attempt (`before.present`).
 */

export interface IndexActorProps {
  /** The actor's connection: a role that owns the table (or is a member of its owner role). */
  readonly connection: ClientConfig;
  /**
   * How long DDL waits for a lock, including the waits of a concurrent build for older transactions.
   * @default 5_000
   */
  readonly lockTimeoutMs?: number;
  /**
   * The longest an index build may run.
   * @default 1_800_000 (30 minutes)
   */
  readonly buildTimeoutMs?: number;
  /**
   * How long the drop of a failed build's INVALID index may wait for locks.
   * @default 60_000
   */
  readonly cleanupLockTimeoutMs?: number;
  /**
   * Guardrails checked again right before the build (the table may have
   * grown, or writes picked up, since the advice). Unset: not checked here.
   * @default undefined
   */
  readonly guardrails?: GuardrailSettingsInput;
  /**
   * How long the write rate is sampled for that check.
   * @default 2_000
   */
  readonly writeRateSampleMs?: number;
}

/** The table before the action, for the audit record. */
export interface IndexBefore extends Record<string, unknown> {
  readonly relation: Relation;
  readonly indexName: string;
  /** Whether a valid index of this name was there already; then apply changes nothing and undo leaves it. */
  readonly present: boolean;
  /** Whether an INVALID index of this name (a failed build of ours) was there; apply drops it and builds afresh. */
  readonly invalidLeftover: boolean;
  readonly indexes: readonly ExistingIndex[];
  readonly table: TableStats;
}

export interface IndexApplied extends Record<string, unknown> {
  readonly indexName: string;
  readonly schema: string;
  /** True when this call built the index. */
  readonly changed: boolean;
  readonly outcome: 'created' | 'already-present';
  readonly createSql: string;
  readonly buildMs?: number;
  readonly indexBytes?: number;
  readonly summary: string;
}

export interface IndexUndone extends Record<string, unknown> {
  /** True when this call dropped the index. */
  readonly dropped: boolean;
  readonly indexName: string;
  readonly summary: string;
}

const wrapConnectionFailure = (error: unknown): unknown =>
  isConnectionFailure(error) ? new PostgresUnavailableError(`PostgreSQL connection failed: ${(error as Error).message}`, { cause: error }) : error;

const describeIndex = (relation: Relation, columns: readonly string[]) => `${relation.schema}.${relation.table} (${columns.join(', ')})`;

/** The index a plan's params name: the name is derived from the table and columns, never taken from a plan. */
export interface PlannedIndex {
  readonly params: CreateIndexParams;
  readonly relation: Relation;
  readonly indexName: string;
}

export function planIndex(input: CreateIndexParams): PlannedIndex {
  const params = CreateIndexParamsSchema.parse(input);
  const relation = { schema: params.schema, table: params.table };
  return { params, relation, indexName: indexNameFor(relation, params.columns) };
}

/** Apply builds only the index whose before-state was recorded (a changed plan on a retry is stale). */
export function assertRecordedIndex(planned: PlannedIndex, before: IndexBefore): void {
  if (before.indexName !== planned.indexName) throw new StalePlanError(`the recorded index ${before.indexName} is not the one these params name (${planned.indexName})`);
}

/**
 * Undo drops only the index this action built: the name the params derive,
 * with our prefix. An index that was in place before the attempt is left
 * there: the returned report says so, and nothing is to be dropped.
 */
export function undoPrecondition(planned: PlannedIndex, before: IndexBefore, applied: IndexApplied): IndexUndone | undefined {
  if (applied.indexName !== planned.indexName || !isOwnIndex(applied.indexName)) {
    throw new NotOurIndexError(`refusing to drop ${JSON.stringify(applied.indexName)}: not the index this action builds for ${describeIndex(planned.relation, planned.params.columns)}`);
  }
  if (before.present) return { dropped: false, indexName: planned.indexName, summary: `index ${planned.indexName} was in place before this attempt; left there` };
  return undefined;
}

export class IndexActor implements ActionExecutor<CreateIndexParams, IndexBefore, IndexApplied> {
  constructor(private readonly props: IndexActorProps) {}

  private async withClient<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const client = await openClient({
      connection: this.props.connection,
      applicationName: 'self-heal-index-actor',
      statementTimeoutMs: 30_000,
      lockTimeoutMs: this.props.lockTimeoutMs ?? 5_000,
    });
    try {
      return await work(client);
    } catch (error) {
      throw wrapConnectionFailure(error);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** Reads the table, its indexes and whether our index is there; changes nothing. */
  async readBefore(input: CreateIndexParams): Promise<IndexBefore> {
    const { params, relation, indexName } = planIndex(input);
    return this.withClient(async (client) => {
      await assertColumnsExist(client, relation, params.columns);
      const indexes = await readIndexes(client, relation);
      const own = indexes.find((index) => index.name === indexName);
      return {
        relation,
        indexName,
        present: own?.valid === true,
        invalidLeftover: own !== undefined && !own.valid,
        indexes,
        table: await readTableStats(client, relation),
      };
    });
  }

  /** Builds the index, unless this attempt's index is already there and valid. */
  async apply(input: CreateIndexParams, before: IndexBefore, context?: ApplyContext): Promise<IndexApplied> {
    const planned = planIndex(input);
    assertRecordedIndex(planned, before);
    const { params, relation, indexName } = planned;
    const createSql = createIndexSql(relation, params.columns, indexName);

    return this.withClient(async (client) => {
      await assertColumnsExist(client, relation, params.columns);
      const existing = await indexState(client, relation.schema, indexName);
      if (existing?.valid) {
        return {
          indexName,
          schema: relation.schema,
          changed: false,
          outcome: 'already-present',
          createSql,
          indexBytes: existing.bytes,
          summary: `index ${indexName} on ${describeIndex(relation, params.columns)} was already in place`,
        };
      }
      if (existing !== undefined) {
        // An INVALID leftover of an earlier failed build of ours: drop it, then build afresh.
        await this.dropQuietly(client, relation.schema, indexName);
      } else {
        const indexes = await readIndexes(client, relation);
        const cover = coveringIndex({ relation, columns: params.columns, reasons: ['filter-equality'] }, indexes);
        if (cover !== undefined) throw new StalePlanError(`index ${cover.name} now covers ${describeIndex(relation, params.columns)}; nothing to build`);
      }
      if (this.props.guardrails !== undefined) await this.checkGuardrailsNow(client, relation, context?.now ?? new Date());

      const started = Date.now();
      await setSetting(client, 'statement_timeout', `${this.props.buildTimeoutMs ?? 1_800_000}`);
      try {
        await client.query(createSql);
      } catch (error) {
        if (isConnectionFailure(error)) throw error;
        const leftInvalid = await this.cleanUpFailedBuild(client, relation.schema, indexName);
        throw new IndexBuildFailedError(
          `building ${indexName} failed (${sqlStateOf(error) ?? 'error'}: ${(error as Error).message}); ${leftInvalid ? 'the INVALID index could not be dropped yet' : 'nothing was left behind'}`,
          indexName,
          leftInvalid,
          { cause: error },
        );
      }
      const buildMs = Date.now() - started;
      const state = await indexState(client, relation.schema, indexName);
      if (state === undefined || !state.valid || !state.ready) {
        const leftInvalid = state === undefined ? false : await this.cleanUpFailedBuild(client, relation.schema, indexName);
        throw new IndexBuildFailedError(
          `index ${indexName} ${state === undefined ? 'is missing' : 'is INVALID'} after the build; ${leftInvalid ? 'it could not be dropped yet' : 'nothing was left behind'}`,
          indexName,
          leftInvalid,
        );
      }
      return {
        indexName,
        schema: relation.schema,
        changed: true,
        outcome: 'created',
        createSql,
        buildMs,
        indexBytes: state.bytes,
        summary: `built index ${indexName} on ${describeIndex(relation, params.columns)} in ${(buildMs / 1_000).toFixed(1)} s`,
      };
    });
  }

  /** Drops the index this attempt built (and any INVALID leftover of ours); leaves one that was valid before the attempt. */
  async undo(input: CreateIndexParams, before: IndexBefore, applied: IndexApplied, _context?: UndoContext): Promise<IndexUndone> {
    const planned = planIndex(input);
    const leftInPlace = undoPrecondition(planned, before, applied);
    if (leftInPlace !== undefined) return leftInPlace;
    const { params, relation, indexName } = planned;
    return this.withClient(async (client) => {
      const existed = (await indexState(client, relation.schema, indexName)) !== undefined;
      await this.drop(client, relation.schema, indexName, this.props.lockTimeoutMs ?? 5_000);
      if ((await indexState(client, relation.schema, indexName)) !== undefined) {
        throw new IndexBuildFailedError(`index ${indexName} is still there after DROP INDEX`, indexName, true);
      }
      return {
        dropped: existed,
        indexName,
        summary: existed ? `dropped index ${indexName} on ${describeIndex(relation, params.columns)}` : `index ${indexName} was already gone`,
      };
    });
  }

  private async checkGuardrailsNow(client: Client, relation: Relation, now: Date): Promise<void> {
    const first = await readTableStats(client, relation);
    await new Promise((resolve) => setTimeout(resolve, this.props.writeRateSampleMs ?? 2_000));
    const second = await readTableStats(client, relation);
    const verdict = checkGuardrails({ table: second, writesPerSecond: writeRatePerSecond(first, second), now }, this.props.guardrails);
    if (!verdict.allowed) {
      throw new IndexGuardrailError(
        `not building on ${relation.schema}.${relation.table}: ${verdict.findings.map((finding) => `${finding.reason} (${finding.detail})`).join('; ')}`,
        verdict.findings.map((finding) => finding.reason),
      );
    }
  }

  private async drop(client: Client, schema: string, indexName: string, lockTimeoutMs: number): Promise<void> {
    const sql = dropIndexSql(schema, indexName);
    await setSetting(client, 'lock_timeout', `${lockTimeoutMs}`);
    await setSetting(client, 'statement_timeout', `${Math.max(lockTimeoutMs * 2, 30_000)}`);
    try {
      await client.query(sql);
    } catch (error) {
      if (sqlStateOf(error) === '55P03') throw new PostgresLockTimeoutError(`DROP INDEX ${indexName}: ${(error as Error).message}`, { cause: error });
      throw error;
    }
  }

  private async dropQuietly(client: Client, schema: string, indexName: string): Promise<void> {
    await this.drop(client, schema, indexName, this.props.cleanupLockTimeoutMs ?? 60_000);
  }

  /** Drops what a failed build left; returns whether an INVALID index is still there. */
  private async cleanUpFailedBuild(client: Client, schema: string, indexName: string): Promise<boolean> {
    try {
      if ((await indexState(client, schema, indexName)) === undefined) return false;
      await this.dropQuietly(client, schema, indexName);
      return (await indexState(client, schema, indexName)) !== undefined;
    } catch {
      return true;
    }
  }
}
