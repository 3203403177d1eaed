import { DescribeDimensionKeysCommand, PIClient } from '@aws-sdk/client-pi';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { handler as InspectHandler } from '../../../lambdas/inspect-postgres/index.js';
import { installPostgresEdge } from '../../../lambdas/shared/postgres/postgres-edge.js';
import type { DatabaseContext, IndexEffect } from '../../../lambdas/shared/workflow.js';
import { DatabaseContextSchema, IndexEffectSchema } from '../../../lambdas/shared/workflow.js';
import { scopeWith, testIncident } from '../../support/fixtures.js';
import { invoke, rejectionOf } from '../harness.js';
import { QUERY_ID, testPgIncident, testPgResource } from './postgres-fixtures.js';
import { ORDERS, simulatedOrdersDb } from './simulated-orders.js';

/**
 * InspectPostgres against the simulated database (the same edge interface
 * as the real one): the read-only inspection a PostgreSQL incident starts
 * with, and the measurement of a built index.
 */
describe('inspect-postgres handler (simulated database)', () => {
  const pi = mockClient(PIClient);
  let handler: typeof InspectHandler;

  beforeAll(async () => {
    process.env.RESOURCE_SCOPE = JSON.stringify(scopeWith([testPgResource({ performanceInsightsResourceId: 'db-ABCDEFGHIJKL' }), testPgResource({ name: 'plain-db', alarmNames: ['plain-db-latency'], logGroupNames: [] })]));
    ({ handler } = await import('../../../lambdas/inspect-postgres/index.js'));
  });
  afterAll(() => {
    installPostgresEdge(undefined);
    pi.restore();
  });
  beforeEach(() => pi.reset());

  const plainIncident = () => testPgIncident({ resource: { kind: 'rds-postgres', name: 'plain-db', id: 'rds-postgres/plain-db' } });

  it('inspect: ranks by pg_stat_statements and returns the advisor\'s recommendation', async () => {
    // Prepare
    installPostgresEdge(simulatedOrdersDb());

    // Act
    const context = (await invoke(handler, { operation: 'inspect', incident: plainIncident(), attempt: 0 })) as DatabaseContext;

    // Assess
    expect(DatabaseContextSchema.parse(context)).toEqual(context);
    expect(context).toMatchObject({ database: 'plain-db', source: 'pg_stat_statements', recommendation: { relation: ORDERS, columns: ['customer_id'], params: { schema: 'public', table: 'orders', columns: ['customer_id'], queryId: QUERY_ID } } });
    expect(context.refusal).toBeUndefined();
    expect(context.topQueries[0]).toMatchObject({ queryId: QUERY_ID, calls: 50, meanExecTimeMs: 95 });
    expect(context.tables).toHaveLength(1);
    expect(pi.calls()).toHaveLength(0);
  });

  it('inspect: ranks by Performance Insights load when the resource has it', async () => {
    // Prepare
    installPostgresEdge(simulatedOrdersDb());
    pi.on(DescribeDimensionKeysCommand).resolves({
      Keys: [
        { Dimensions: { 'db.sql_tokenized.db_id': '777', 'db.sql_tokenized.statement': 'SELECT * FROM public.orders WHERE id = ?' }, Total: 0.1 },
        { Dimensions: { 'db.sql_tokenized.db_id': QUERY_ID, 'db.sql_tokenized.statement': 'SELECT id, amount, status FROM public.orders WHERE customer_id = ?' }, Total: 3.2 },
        { Dimensions: { 'db.sql_tokenized.statement': 'VACUUM' }, Total: 0.2 },
      ],
    });

    // Act
    const context = (await invoke(handler, { operation: 'inspect', incident: testPgIncident(), attempt: 0 })) as DatabaseContext;

    // Assess
    expect(context.source).toBe('performance-insights');
    expect(context.topQueries.map((query) => query.queryId)).toEqual([QUERY_ID, undefined, '777']);
    expect(context.topQueries[0]!.loadAverageActiveSessions).toBe(3.2);
    expect(context.recommendation?.params.queryId).toBe(QUERY_ID);
    expect(pi.commandCalls(DescribeDimensionKeysCommand)[0]!.args[0].input).toMatchObject({
      ServiceType: 'RDS',
      Identifier: 'db-ABCDEFGHIJKL',
      Metric: 'db.load.avg',
      GroupBy: { Group: 'db.sql_tokenized' },
    });
  });

  it('inspect: falls back to pg_stat_statements when Performance Insights fails', async () => {
    installPostgresEdge(simulatedOrdersDb());
    pi.on(DescribeDimensionKeysCommand).rejects(Object.assign(new Error('not authorized'), { name: 'NotAuthorizedException', $metadata: { httpStatusCode: 403 } }));
    const context = (await invoke(handler, { operation: 'inspect', incident: testPgIncident(), attempt: 0 })) as DatabaseContext;
    expect(context).toMatchObject({ source: 'pg_stat_statements', recommendation: { indexName: expect.stringMatching(/^selfheal_/) } });
  });

  it('inspect: says why when no index is worth building', async () => {
    installPostgresEdge(simulatedOrdersDb({ plannedCostReduction: 0.2 }));
    const context = (await invoke(handler, { operation: 'inspect', incident: plainIncident(), attempt: 0 })) as DatabaseContext;
    expect(context.recommendation).toBeUndefined();
    expect(context.refusal).toMatch(/no index would make the busiest queries cheaper enough/);
    expect(context.summary).toMatch(/^no index recommended/);
  });

  it('inspect: reports the guardrails\' refusal', async () => {
    // 30 GiB: over the default 20 GiB limit
    installPostgresEdge(simulatedOrdersDb({ bytes: 30 * 1024 ** 3 }));
    const context = (await invoke(handler, { operation: 'inspect', incident: plainIncident(), attempt: 0 })) as DatabaseContext;
    expect(context.recommendation).toBeUndefined();
    expect(context.guardrails).toMatchObject({ allowed: false, findings: [{ reason: 'table-too-large' }] });
    expect(context.refusal).toMatch(/^the guardrails refuse an index now: table-too-large/);
  });

  it('refuses an incident that is not about a registered database, before any read', async () => {
    const error = await rejectionOf(invoke(handler, { operation: 'inspect', incident: testIncident(), attempt: 0 }));
    expect(error.name).toBe('OutOfScopeError');
  });

  it('refuses a bad operation as MalformedEventError', async () => {
    const error = await rejectionOf(invoke(handler, { operation: 'drop', incident: testPgIncident() }));
    expect(error.name).toBe('MalformedEventError');
  });

  it('measure: judges an index by the pg_stat_statements windows in the action', async () => {
    // Prepare: the counters before the build, the build, the counters right after
    const db = simulatedOrdersDb();
    installPostgresEdge(db);
    const reader = await db.openReader(testPgResource());
    const stats = await reader.statsSnapshot([QUERY_ID]);
    db.createIndex(ORDERS, ['customer_id'], 'selfheal_orders_customer_id_x');
    const statsAtApply = await reader.statsSnapshot([QUERY_ID]);
    const action = { action: 'createIndexConcurrently', changed: true, before: { stats }, applied: { statsAtApply, queryId: QUERY_ID } };

    // Act
    const effect = (await invoke(handler, { operation: 'measure', incident: plainIncident(), attempt: 1, action })) as IndexEffect;

    // Assess
    expect(IndexEffectSchema.parse(effect)).toEqual(effect);
    expect(effect).toMatchObject({ queryId: QUERY_ID, verdict: 'improved', meanBeforeMs: 95, meanAfterMs: 1.2, minImprovement: 0.3, regressions: [] });
    expect(effect.improvement).toBeCloseTo(1 - 1.2 / 95);
  });

  it('measure: an index that did not help is not-improved', async () => {
    const db = simulatedOrdersDb({ helps: false });
    installPostgresEdge(db);
    const reader = await db.openReader(testPgResource());
    const stats = await reader.statsSnapshot([QUERY_ID]);
    db.createIndex(ORDERS, ['customer_id'], 'selfheal_orders_customer_id_x');
    const statsAtApply = await reader.statsSnapshot([QUERY_ID]);
    const effect = (await invoke(handler, {
      operation: 'measure',
      incident: plainIncident(),
      attempt: 1,
      action: { action: 'createIndexConcurrently', changed: true, before: { stats }, applied: { statsAtApply, queryId: QUERY_ID } },
    })) as IndexEffect;
    expect(effect.verdict).toBe('not-improved');
    expect(effect.summary).toContain('needed at least -30%');
  });

  it('measure: refuses an action without its snapshots', async () => {
    installPostgresEdge(simulatedOrdersDb());
    const error = await rejectionOf(invoke(handler, { operation: 'measure', incident: plainIncident(), attempt: 1, action: { action: 'scaleOutAsg' } }));
    expect(error.name).toBe('MalformedEventError');
  });
});
