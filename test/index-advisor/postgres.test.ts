import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorkload, dropWorkload, queryIdOf, timeRuns } from '../../bench/index-workload.js';
import type { CreateIndexParams } from '../../lambdas/shared/index-advisor/advisor-schemas.js';
import { IndexBuildFailedError, IndexGuardrailError, NotOurIndexError, QueryNotExplainableError } from '../../lambdas/shared/index-advisor/index-advisor-errors.js';
import { indexNameFor } from '../../lambdas/shared/index-advisor/index-name.js';
import { statsWindow } from '../../lambdas/shared/index-advisor/judge-index-effect.js';
import { explainableStatement } from '../../lambdas/shared/index-advisor/query-text.js';
import { IndexActor } from '../../lambdas/shared/postgres/index-actor.js';
import { ReadOnlySession } from '../../lambdas/shared/postgres/read-only-session.js';
import { recommendIndex } from '../../lambdas/shared/postgres/recommend-index.js';
import { verifyIndexEffect } from '../../lambdas/shared/postgres/verify-index-effect.js';
import { postgresReachable } from '../support/postgres.js';

/**
 * The index advisor against a real PostgreSQL with pg_stat_statements and
 * HypoPG (`source .ci/start-postgres.sh`): a 1M-row orders table, a slow
 * lookup the advisor must fix and prove fixed, an index that does not help
 * and is undone, a write-heavy table the guardrails refuse, and a concurrent
 * build that fails and leaves nothing behind.
 */

const url = process.env.SELF_HEAL_PG_URL;
const readerUrl = process.env.SELF_HEAL_PG_READER_URL ?? url;

const available = (await postgresReachable(url)) && (await postgresReachable(readerUrl));
if (!available) console.warn('PostgreSQL not running: set SELF_HEAL_PG_URL (see .ci/start-postgres.sh)');
const describeWithPostgres = available ? describe : describe.skip;

const SCHEMA = `ia_test_${process.pid}`;
const orders = { schema: SCHEMA, table: 'orders' };
const CUSTOMER_QUERY = `SELECT id, amount, status FROM ${SCHEMA}.orders WHERE customer_id = $1`;
const STATUS_QUERY = `SELECT count(amount) FROM ${SCHEMA}.orders WHERE status = $1`;
const RUNS = 25;

const customerRuns = (offset: number) => Array.from({ length: RUNS }, (_, run) => [1 + ((run + offset) * 7_919) % 100_000]);

describeWithPostgres('index advisor on a real PostgreSQL', () => {
  let admin: Client;
  let session: ReadOnlySession;
  const actor = () => new IndexActor({ connection: { connectionString: url }, lockTimeoutMs: 2_000, cleanupLockTimeoutMs: 20_000 });

  beforeAll(async () => {
    admin = new Client({ connectionString: url, application_name: 'index-advisor-test' });
    await admin.connect();
    await buildWorkload(admin, SCHEMA, ['orders']);
    session = await ReadOnlySession.open({ connection: { connectionString: readerUrl } });
  });

  afterAll(async () => {
    await session?.close();
    if (admin !== undefined) {
      await dropWorkload(admin, SCHEMA);
      await admin.end();
    }
  });

  it('a. finds the missing index with HypoPG, builds it concurrently, and measures the improvement', async () => {
    // Prepare: the slow lookup runs, so pg_stat_statements knows it
    await timeRuns(admin, CUSTOMER_QUERY, customerRuns(0));
    const queryId = (await queryIdOf(admin, CUSTOMER_QUERY))!;
    expect(queryId).toBeDefined();

    // Act: advise (read-only), build, run again, verify
    const report = await recommendIndex(session, { queryId }, { writeRateSampleMs: 200 });
    const params = report.recommendation!.params;
    const before = await actor().readBefore(params);
    const applied = await actor().apply(params, before);
    const statsAtApply = await session.queryStatsSnapshot({ include: [queryId] });
    await timeRuns(admin, CUSTOMER_QUERY, customerRuns(RUNS));
    const effect = await verifyIndexEffect(session, { targetQueryId: queryId, statsAtApply });

    // Assess
    expect(report.recommendation).toMatchObject({ relation: orders, columns: ['customer_id'], reasons: ['filter-equality'] });
    expect(report.recommendation!.costReduction).toBeGreaterThan(0.9);
    expect(report.guardrails).toEqual({ allowed: true, findings: [] });
    expect(report.statsSnapshot.some((stats) => stats.queryId === queryId)).toBe(true);
    expect(before).toMatchObject({ relation: orders, present: false, indexName: indexNameFor(orders, ['customer_id']) });
    expect(applied).toMatchObject({ changed: true, outcome: 'created', indexName: before.indexName });
    const index = (await session.existingIndexes(orders)).find((existing) => existing.name === applied.indexName);
    expect(index).toMatchObject({ columns: ['customer_id'], valid: true, method: 'btree' });
    expect(effect.verdict.outcome).toBe('improved');
    expect(effect.verdict.target!.callsAfter).toBe(RUNS);
    expect(effect.verdict.target!.change).toBeLessThan(-0.5);

    // Act & Assess: a retried apply changes nothing; the planner now says there is nothing left to add
    await expect(actor().apply(params, before)).resolves.toMatchObject({ changed: false, outcome: 'already-present' });
    const again = await recommendIndex(session, { queryId }, { writeRateSampleMs: 100 });
    expect(again.queries[0]!.error).toBeUndefined();
    expect(again.recommendation).toBeUndefined();
    expect(again.queries[0]!.advice!.choice).toMatchObject({ kind: 'none', reason: 'no-candidates' });

    // Act & Assess: undo drops it
    await expect(actor().undo(params, before, applied)).resolves.toMatchObject({ dropped: true });
    expect((await session.existingIndexes(orders)).map((existing) => existing.name)).toEqual(['orders_pkey']);
  });

  it('b. undoes an index on a low-selectivity column that does not help', async () => {
    // Prepare: the advisor would not propose this; it is forced, as a bad plan from elsewhere might be
    await timeRuns(admin, STATUS_QUERY, [['delivered']]);
    const queryId = (await queryIdOf(admin, STATUS_QUERY))!;
    const startOfWindow = await session.queryStatsSnapshot({ include: [queryId] });
    await timeRuns(admin, STATUS_QUERY, Array.from({ length: 20 }, () => ['delivered']));
    const endOfWindow = await session.queryStatsSnapshot({ include: [queryId] });
    const params: CreateIndexParams = { schema: SCHEMA, table: 'orders', columns: ['status'], queryId };

    // Act
    const before = await actor().readBefore(params);
    const applied = await actor().apply(params, before);
    const statsAtApply = await session.queryStatsSnapshot({ include: [queryId] });
    await timeRuns(admin, STATUS_QUERY, Array.from({ length: 20 }, () => ['delivered']));
    const effect = await verifyIndexEffect(session, { targetQueryId: queryId, statsAtApply, beforeWindow: statsWindow(startOfWindow, endOfWindow) });
    const undone = await actor().undo(params, before, applied);

    // Assess
    expect(applied.changed).toBe(true);
    expect(effect.verdict.outcome).toBe('not-improved');
    expect(effect.verdict.target).toMatchObject({ callsBefore: 20, callsAfter: 20 });
    expect(undone).toMatchObject({ dropped: true, indexName: applied.indexName });
    expect((await session.existingIndexes(orders)).some((index) => index.name === applied.indexName)).toBe(false);
    await expect(actor().undo(params, before, applied)).resolves.toMatchObject({ dropped: false });
  });

  it('refuses to drop an index that is not its own', async () => {
    // Prepare
    const params: CreateIndexParams = { schema: SCHEMA, table: 'orders', columns: ['id'] };
    const before = await actor().readBefore(params);

    // Act
    const act = actor().undo(params, before, { indexName: 'orders_pkey', schema: SCHEMA, changed: true, outcome: 'created', createSql: '', summary: '' });

    // Assess
    await expect(act).rejects.toThrow(NotOurIndexError);
    expect((await session.existingIndexes(orders)).map((index) => index.name)).toContain('orders_pkey');
  });

  it('c. refuses to index a write-heavy table, in the advice and again right before the build', async () => {
    // Prepare: a burst of updates runs while the write rate is sampled
    const queryId = (await queryIdOf(admin, CUSTOMER_QUERY))!;
    let stop = false;
    const writer = new Client({ connectionString: url });
    await writer.connect();
    const burst = (async () => {
      for (let from = 0; !stop; from = (from + 20_000) % 1_000_000) {
        await writer.query(`UPDATE ${SCHEMA}.orders SET amount = amount WHERE id > $1 AND id <= $2`, [from, from + 20_000]);
      }
    })();
    const guarded = new IndexActor({ connection: { connectionString: url }, guardrails: { maxWritesPerSecond: 1_000 }, writeRateSampleMs: 2_000 });
    const params: CreateIndexParams = { schema: SCHEMA, table: 'orders', columns: ['customer_id'], queryId };

    try {
      // Act
      const report = await recommendIndex(session, { queryId }, { writeRateSampleMs: 2_000, guardrails: { maxWritesPerSecond: 1_000 } });
      const applying = guarded.apply(params, await guarded.readBefore(params));

      // Assess
      expect(report.recommendation).toBeUndefined();
      expect(report.queries[0]!.advice!.recommendation).toMatchObject({ columns: ['customer_id'] });
      expect(report.guardrails!.allowed).toBe(false);
      expect(report.guardrails!.findings.map((finding) => finding.reason)).toEqual(['write-heavy-table']);
      expect(report.writesPerSecond).toBeGreaterThan(1_000);
      expect(report.summary).toMatch(/refused: write-heavy-table/);
      await expect(applying).rejects.toThrow(IndexGuardrailError);
      await expect(applying).rejects.toMatchObject({ reasons: ['write-heavy-table'] });
    } finally {
      stop = true;
      await burst;
      await writer.end();
    }
    expect((await session.existingIndexes(orders)).map((index) => index.name)).toEqual(['orders_pkey']);
  });

  it('d. drops the INVALID index a failed concurrent build leaves, and rebuilds over a leftover', async () => {
    // Prepare: an open transaction that wrote to the table makes CREATE INDEX CONCURRENTLY wait, past lock_timeout
    const params: CreateIndexParams = { schema: SCHEMA, table: 'orders', columns: ['sku'] };
    const indexName = indexNameFor(orders, ['sku']);
    const patient = new IndexActor({ connection: { connectionString: url }, lockTimeoutMs: 300, cleanupLockTimeoutMs: 20_000 });
    const impatient = new IndexActor({ connection: { connectionString: url }, lockTimeoutMs: 300, cleanupLockTimeoutMs: 300 });
    const ourIndex = async () => (await session.existingIndexes(orders)).find((index) => index.name === indexName);
    const holdWriteLock = async () => {
      const blocker = new Client({ connectionString: url });
      await blocker.connect();
      await blocker.query('BEGIN');
      await blocker.query(`UPDATE ${SCHEMA}.orders SET amount = amount WHERE id = 1`);
      return async () => {
        await blocker.query('COMMIT');
        await blocker.end();
      };
    };

    // Act: the build times out; its cleanup waits until the blocker commits, then drops the INVALID index
    let release = await holdWriteLock();
    const releasing = new Promise((resolve) => setTimeout(resolve, 1_500)).then(() => release());
    const failed = await patient.apply(params, await patient.readBefore(params)).catch((error: unknown) => error);
    await releasing;

    // Assess
    expect(failed).toBeInstanceOf(IndexBuildFailedError);
    expect(failed).toMatchObject({ name: 'IndexBuildFailedError', indexName, leftInvalid: false });
    expect((failed as Error).message).toMatch(/lock timeout/);
    expect(await ourIndex()).toBeUndefined();

    // Act: the build times out and so does its cleanup: the INVALID index stays, and says so
    release = await holdWriteLock();
    const stuck = await impatient.apply(params, await impatient.readBefore(params)).catch((error: unknown) => error);
    await release();

    // Assess
    expect(stuck).toMatchObject({ name: 'IndexBuildFailedError', leftInvalid: true });
    expect(await ourIndex()).toMatchObject({ valid: false });

    // Act: the retried apply drops the leftover and builds a valid index; undo removes it
    const before = await patient.readBefore(params);
    const applied = await patient.apply(params, before);
    const validAfterApply = await ourIndex();
    const undone = await patient.undo(params, before, applied);

    // Assess
    expect(before).toMatchObject({ present: false, invalidLeftover: true });
    expect(applied).toMatchObject({ changed: true, outcome: 'created' });
    expect(validAfterApply).toMatchObject({ valid: true });
    expect(undone).toMatchObject({ dropped: true });
    expect(await ourIndex()).toBeUndefined();
  });

  it('leaves in place an index of its own that was valid before the attempt', async () => {
    // Prepare: an earlier attempt (or incident) built it
    const params: CreateIndexParams = { schema: SCHEMA, table: 'orders', columns: ['created_at'] };
    const first = await actor().readBefore(params);
    const built = await actor().apply(params, first);

    // Act
    const before = await actor().readBefore(params);
    const applied = await actor().apply(params, before);
    const undone = await actor().undo(params, before, applied);

    // Assess
    expect(before.present).toBe(true);
    expect(applied).toMatchObject({ changed: false, outcome: 'already-present' });
    expect(undone).toMatchObject({ dropped: false });
    expect((await session.existingIndexes(orders)).some((index) => index.name === built.indexName)).toBe(true);
    await expect(actor().undo(params, first, built)).resolves.toMatchObject({ dropped: true });
  });

  it('plans data-changing statements without running them, and never writes', async () => {
    // Prepare: a read-only session with a role that could write
    const writerSession = await ReadOnlySession.open({ connection: { connectionString: url } });
    try {
      // Act
      const plan = await writerSession.explain(explainableStatement(`DELETE FROM ${SCHEMA}.orders WHERE customer_id = $1`));
      const readerRefused = await session.explain(explainableStatement(`DELETE FROM ${SCHEMA}.orders WHERE customer_id = $1`)).catch((error: unknown) => error);

      // Assess
      expect(plan.nodeType).toBe('ModifyTable');
      expect(plan.plans[0]).toMatchObject({ nodeType: 'Seq Scan', filter: `(orders.customer_id = $1)` });
      expect(readerRefused).toBeInstanceOf(QueryNotExplainableError);
      expect((readerRefused as Error).message).toMatch(/permission denied/);
      const { rows } = await admin.query<{ count: string }>(`SELECT count(*) FROM ${SCHEMA}.orders`);
      expect(Number(rows[0]!.count)).toBe(1_000_000);
    } finally {
      await writerSession.close();
    }
  });

  it('reports a query the server cannot plan as QueryNotExplainableError', async () => {
    // Act & Assess
    await expect(session.explain(explainableStatement(`SELECT * FROM ${SCHEMA}.no_such_table WHERE a = $1`))).rejects.toThrow(QueryNotExplainableError);
    await expect(session.explain(explainableStatement('SELECT * FROM pg_class WHERE relname = $1'))).resolves.toMatchObject({ nodeType: expect.any(String) });
  });
});
