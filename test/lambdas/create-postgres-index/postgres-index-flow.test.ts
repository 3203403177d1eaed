import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorkload, dropWorkload, timeRuns } from '../../../bench/index-workload.js';
import type { CreateIndexResult } from '../../../lambdas/create-postgres-index/create-index-step.js';
import type { handler as CreateIndexHandler } from '../../../lambdas/create-postgres-index/index.js';
import type { handler as InspectHandler } from '../../../lambdas/inspect-postgres/index.js';
import type { UndoResult } from '../../../lambdas/shared/actions/action-step.js';
import { installPostgresEdge } from '../../../lambdas/shared/postgres/postgres-edge.js';
import type { DatabaseContext, Decision, IndexEffect } from '../../../lambdas/shared/workflow.js';
import { scopeWith } from '../../support/fixtures.js';
import { useLocalTables } from '../../support/local-tables.js';
import { EXECUTION_ARN, invoke, rejectionOf } from '../harness.js';
import { ACTOR_SECRET, READER_SECRET, testPgIncident, testPgResource } from '../inspect-postgres/postgres-fixtures.js';
import { postgresReachable } from '../../support/postgres.js';

/**
 * Both PostgreSQL functions, as deployed (the default edge: logins from a
 * mocked Secrets Manager, a read-only session, the index actor), against
 * the real PostgreSQL with pg_stat_statements and HypoPG that
 * `.ci/start-postgres.sh` starts: inspect → build → the application runs →
 * measure (faster: kept) → undo, and an index that does not help.
 */

const url = process.env.SELF_HEAL_PG_URL;
const readerUrl = process.env.SELF_HEAL_PG_READER_URL;

const available = (await postgresReachable(url)) && (await postgresReachable(readerUrl));
if (!available) console.warn('PostgreSQL not running: set SELF_HEAL_PG_URL and SELF_HEAL_PG_READER_URL (see .ci/start-postgres.sh); the real-database flow is skipped');
const describeWithPostgres = available ? describe : describe.skip;

const SCHEMA = `pgflow_${process.pid}`;
const LOOKUP = `SELECT id, amount, status FROM ${SCHEMA}.orders WHERE customer_id = $1`;
const runs = (count: number, offset: number) => Array.from({ length: count }, (_, run) => [1 + ((run + offset) * 7_919) % 100_000]);

function secretOf(connectionString: string): string {
  const parsed = new URL(connectionString);
  return JSON.stringify({ host: parsed.hostname, port: Number(parsed.port), username: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password), dbname: parsed.pathname.slice(1), engine: 'postgres' });
}

describeWithPostgres('the PostgreSQL functions on a real database', () => {
  const tables = useLocalTables('pg-flow');
  const secrets = mockClient(SecretsManagerClient);
  let admin: Client;
  let inspect: typeof InspectHandler;
  let createIndex: typeof CreateIndexHandler;

  beforeAll(async () => {
    admin = new Client({ connectionString: url, application_name: 'pg-flow-test' });
    await admin.connect();
    await buildWorkload(admin, SCHEMA, ['orders'], { orders: 200_000 });
    secrets.on(GetSecretValueCommand, { SecretId: READER_SECRET }).resolves({ SecretString: secretOf(readerUrl!) });
    secrets.on(GetSecretValueCommand, { SecretId: ACTOR_SECRET }).resolves({ SecretString: secretOf(url!) });
    const database = new URL(url!).pathname.slice(1);
    Object.assign(process.env, {
      TABLE_NAME: await tables.freshTable(),
      AWS_ENDPOINT_URL_DYNAMODB: tables.endpoint,
      RESOURCE_SCOPE: JSON.stringify(scopeWith([testPgResource({ database, schemas: [SCHEMA] })])),
    });
    installPostgresEdge(undefined);
    ({ handler: inspect } = await import('../../../lambdas/inspect-postgres/index.js'));
    ({ handler: createIndex } = await import('../../../lambdas/create-postgres-index/index.js'));
  }, 120_000);

  afterAll(async () => {
    secrets.restore();
    if (admin !== undefined) {
      await dropWorkload(admin, SCHEMA);
      await admin.end();
    }
  });

  const planOf = (context: DatabaseContext): Decision => {
    const { schema, table, columns, queryId } = context.recommendation!.params;
    return {
      action: 'createIndexConcurrently',
      params: { database: 'orders-db', schema, table, columns, queryId },
      target: `postgres-table/orders-db/${schema}/${table}`,
      rationale: 'the advisor recommends it',
      confidence: 0.8,
      evidence: [],
      source: 'runbook',
    };
  };

  it('inspects, builds the recommended index, measures it faster, and undoes only its own index', async () => {
    // Prepare: the slow lookup runs, so pg_stat_statements ranks it
    await timeRuns(admin, LOOKUP, runs(30, 0));
    const incident = testPgIncident({ incidentId: 'inc-0000000000000000aaa1' });

    // Act: inspect (read-only), apply, the application runs, measure
    const context = (await invoke(inspect, { operation: 'inspect', incident, attempt: 0 })) as DatabaseContext;
    expect(context.recommendation, `${context.summary} ${JSON.stringify(context.topQueries.map((query) => query.query.slice(0, 80)))}`).toBeDefined();
    const decision = planOf(context);
    const applied = (await invoke(createIndex, { operation: 'apply', incident, attempt: 1, decision, executionId: EXECUTION_ARN })) as CreateIndexResult;
    await timeRuns(admin, LOOKUP, runs(30, 30));
    const effect = (await invoke(inspect, { operation: 'measure', incident, attempt: 1, action: applied })) as IndexEffect;

    // Assess
    expect(context.recommendation).toMatchObject({ relation: { schema: SCHEMA, table: 'orders' }, columns: ['customer_id'] });
    expect(context.guardrails?.allowed).toBe(true);
    const { rows: ids } = await admin.query<{ query_id: string }>('SELECT queryid::text AS query_id FROM pg_stat_statements WHERE query = $1 ORDER BY calls DESC LIMIT 1', [LOOKUP]);
    expect(decision.params.queryId).toBe(ids[0]!.query_id);
    expect(applied).toMatchObject({ changed: true, edge: 'postgres', applied: { outcome: 'created' }, before: { present: false } });
    expect(applied.before.stats.some((stats) => stats.queryId === decision.params.queryId)).toBe(true);
    expect(effect).toMatchObject({ verdict: 'improved', regressions: [] });
    expect(effect.improvement!).toBeGreaterThan(0.5);
    const { rows } = await admin.query<{ indexname: string }>('SELECT indexname FROM pg_indexes WHERE schemaname = $1', [SCHEMA]);
    expect(rows.map((row) => row.indexname).sort()).toEqual(['orders_pkey', applied.applied.indexName].sort());

    // Act & Assess: a forged undo of the primary key is refused; the real undo drops only ours
    const forged = { ...applied, applied: { ...applied.applied, indexName: 'orders_pkey' } };
    expect((await rejectionOf(invoke(createIndex, { operation: 'undo', incident, attempt: 1, decision, action: forged }))).name).toBe('NotOurIndexError');
    const undone = (await invoke(createIndex, { operation: 'undo', incident, attempt: 1, decision, action: applied, executionId: EXECUTION_ARN })) as UndoResult;
    expect(undone).toMatchObject({ undone: true, inPlace: false });
    const after = await admin.query<{ indexname: string }>('SELECT indexname FROM pg_indexes WHERE schemaname = $1', [SCHEMA]);
    expect(after.rows.map((row) => row.indexname)).toEqual(['orders_pkey']);
    expect(secrets.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input.SecretId).sort()).toEqual([ACTOR_SECRET, READER_SECRET]);
  }, 120_000);

  it('measures an index on a low-selectivity column as not improved', async () => {
    // Prepare: a forced plan for an index that cannot help (80% of the rows match)
    const STATUS = `SELECT count(amount) FROM ${SCHEMA}.orders WHERE status = $1`;
    await timeRuns(admin, STATUS, Array.from({ length: 25 }, () => ['delivered']));
    const { rows } = await admin.query<{ query_id: string }>('SELECT queryid::text AS query_id FROM pg_stat_statements WHERE query = $1 ORDER BY calls DESC LIMIT 1', [STATUS]);
    const queryId = rows[0]!.query_id;
    const incident = testPgIncident({ incidentId: 'inc-0000000000000000aaa2' });
    const decision: Decision = {
      action: 'createIndexConcurrently',
      params: { database: 'orders-db', schema: SCHEMA, table: 'orders', columns: ['status'], queryId },
      target: `postgres-table/orders-db/${SCHEMA}/orders`,
      rationale: 'forced',
      confidence: 0.5,
      evidence: [],
      source: 'runbook',
    };

    // Act
    const applied = (await invoke(createIndex, { operation: 'apply', incident, attempt: 1, decision })) as CreateIndexResult;
    await timeRuns(admin, STATUS, Array.from({ length: 25 }, () => ['delivered']));
    const effect = (await invoke(inspect, { operation: 'measure', incident, attempt: 1, action: applied })) as IndexEffect;
    const undone = (await invoke(createIndex, { operation: 'undo', incident, attempt: 1, decision, action: applied })) as UndoResult;

    // Assess
    expect(effect.verdict).toBe('not-improved');
    expect(undone).toMatchObject({ undone: true });
  }, 120_000);
});
