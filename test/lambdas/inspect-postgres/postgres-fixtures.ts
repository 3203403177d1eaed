import type * as z from 'zod';
import type { IndexRecommendation } from '../../../lambdas/shared/index-advisor/advisor-schemas.js';
import { type RdsPostgresScope, RdsPostgresScopeSchema, type Scope } from '../../../lambdas/shared/scope.js';
import type { Decision, DatabaseContext, IncidentContext } from '../../../lambdas/shared/workflow.js';
import type { Incident } from '../../../lambdas/shared/incident.js';
import { ACCOUNT, REGION, scopeWith, testContext, testIncident } from '../../support/fixtures.js';

/** Fixtures of a PostgreSQL incident: database `orders-db` (database `shop`, schema `public`), its slow lookup by customer. */

export const READER_SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:orders-db-reader-AbCdEf`;
export const ACTOR_SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:orders-db-actor-GhIjKl`;
export const QUERY_ID = '-3141592653589793';

export function testPgResource(overrides: Partial<z.input<typeof RdsPostgresScopeSchema>> = {}): RdsPostgresScope {
  return RdsPostgresScopeSchema.parse({
    kind: 'rds-postgres',
    name: 'orders-db',
    database: 'shop',
    schemas: ['public'],
    readerSecretArn: READER_SECRET,
    actorSecretArn: ACTOR_SECRET,
    alarmNames: ['orders-db-read-latency'],
    logGroupNames: ['/aws/rds/instance/orders-db/postgresql'],
    maxAttempts: 2,
    leaseSeconds: 1_800,
    cooldownSeconds: 900,
    verifyAfterSeconds: 600,
    ...overrides,
  });
}

export function testPgScope(overrides: Partial<z.input<typeof RdsPostgresScopeSchema>> = {}): Scope {
  return scopeWith([testPgResource(overrides)]);
}

/** A slow-statement log line on the database's log group opened it. */
export function testPgIncident(overrides: Partial<Incident> = {}): Incident {
  return testIncident({
    resource: { kind: 'rds-postgres', name: 'orders-db', id: 'rds-postgres/orders-db' },
    signal: {
      source: 'log-detection',
      detectionId: 'det-pg-0001',
      detection: 'signature',
      signatureId: 'postgres-slow-statement',
      logGroup: '/aws/rds/instance/orders-db/postgresql',
      summary: '42 slow statements in 5 minutes',
      count: 42,
      fields: { durationMs: '1234.5', statement: 'SELECT id, amount FROM public.orders WHERE customer_id = 42' },
    },
    ...overrides,
  });
}

export function testRecommendation(overrides: Partial<IndexRecommendation> = {}): IndexRecommendation {
  return {
    relation: { schema: 'public', table: 'orders' },
    columns: ['customer_id'],
    reasons: ['filter-equality'],
    indexName: 'selfheal_orders_customer_id_1a2b3c4d',
    createSql: 'CREATE INDEX CONCURRENTLY "selfheal_orders_customer_id_1a2b3c4d" ON "public"."orders" USING btree ("customer_id")',
    baselineCost: 18_334,
    hypotheticalCost: 12.4,
    costReduction: 0.999,
    params: { schema: 'public', table: 'orders', columns: ['customer_id'], queryId: QUERY_ID },
    ...overrides,
  };
}

export function testDatabaseContext(overrides: Partial<DatabaseContext> = {}): DatabaseContext {
  return {
    database: 'orders-db',
    source: 'pg_stat_statements',
    topQueries: [{ queryId: QUERY_ID, query: 'SELECT id, amount FROM public.orders WHERE customer_id = $1', calls: 500, meanExecTimeMs: 95.2, totalExecTimeMs: 47_600 }],
    tables: [],
    recommendation: testRecommendation(),
    guardrails: { allowed: true, findings: [] },
    summary: 'recommend selfheal_orders_customer_id_1a2b3c4d',
    inspectedAt: '2026-11-27T10:00:04.000Z',
    ...overrides,
  };
}

export function testPgContext(overrides: Partial<IncidentContext> = {}): IncidentContext {
  return testContext({ resource: { id: 'rds-postgres/orders-db', dependencies: ['postgres-table/orders-db/public/*'] }, autoScalingGroup: undefined, alarm: undefined, database: testDatabaseContext(), ...overrides });
}

/** The runbook's plan for the recommendation. */
export function testIndexPlan(overrides: Partial<Decision> = {}): Decision {
  return {
    action: 'createIndexConcurrently',
    params: { database: 'orders-db', schema: 'public', table: 'orders', columns: ['customer_id'], queryId: QUERY_ID },
    target: 'postgres-table/orders-db/public/orders',
    rationale: 'the advisor recommends it',
    confidence: 0.8,
    evidence: [],
    source: 'runbook',
    runbookId: 'postgres-missing-index',
    ...overrides,
  };
}
