import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { handler as CreateIndexHandler } from '../../../lambdas/create-postgres-index/index.js';
import type { CreateIndexResult } from '../../../lambdas/create-postgres-index/create-index-step.js';
import type { UndoResult } from '../../../lambdas/shared/actions/action-step.js';
import { installPostgresEdge } from '../../../lambdas/shared/postgres/postgres-edge.js';
import type { SimulatedDatabase } from '../../../local/simulated-database.js';
import { scopeWith, testIncident } from '../../support/fixtures.js';
import { useLocalTables } from '../../support/local-tables.js';
import { EXECUTION_ARN, invoke, rejectionOf } from '../harness.js';
import { QUERY_ID, testIndexPlan, testPgIncident, testPgResource } from '../inspect-postgres/postgres-fixtures.js';
import { ORDERS, simulatedOrdersDb } from '../inspect-postgres/simulated-orders.js';

/**
 * CreatePostgresIndex against the simulated database, with the attempt
 * records, safety ledger and idempotency records in dynalite: the
 * before-state is recorded before the build, a retry builds nothing more,
 * the undo drops only what this attempt built, and a bad plan changes
 * nothing.
 */
describe('create-postgres-index handler (simulated database)', () => {
  const tables = useLocalTables('pg-index');
  let handler: typeof CreateIndexHandler;
  let table: string;
  let db: SimulatedDatabase;

  beforeAll(async () => {
    table = await tables.freshTable();
    Object.assign(process.env, { TABLE_NAME: table, AWS_ENDPOINT_URL_DYNAMODB: tables.endpoint, RESOURCE_SCOPE: JSON.stringify(scopeWith([testPgResource()])) });
    ({ handler } = await import('../../../lambdas/create-postgres-index/index.js'));
  });
  afterAll(() => installPostgresEdge(undefined));

  let n = 0;
  let incidentId: string;
  beforeEach(() => {
    n += 1;
    incidentId = `inc-${String(n).padStart(20, 'c')}`;
    db = simulatedOrdersDb();
    installPostgresEdge(db);
  });

  const incident = () => testPgIncident({ incidentId });
  const apply = (decision = testIndexPlan()) => ({ operation: 'apply', incident: incident(), attempt: 1, decision, executionId: EXECUTION_ARN });
  const names = () => db.indexesOf(ORDERS).map((index) => index.name);

  it('records the before-state, builds the recommended index concurrently, and snapshots the statistics after', async () => {
    // Act
    const result = (await invoke(handler, apply())) as CreateIndexResult;

    // Assess
    expect(result).toMatchObject({ attempt: 1, action: 'createIndexConcurrently', target: 'postgres-table/orders-db/public/orders', changed: true, undoable: true, edge: 'simulated' });
    expect(result.applied).toMatchObject({ outcome: 'created', queryId: QUERY_ID, indexName: expect.stringMatching(/^selfheal_orders_customer_id_/) });
    expect(db.ddl).toEqual([expect.stringMatching(/^CREATE INDEX CONCURRENTLY IF NOT EXISTS "selfheal_orders_customer_id_[0-9a-f]+" ON "public"\."orders"/)]);
    expect(names()).toEqual(['orders_pkey', result.applied.indexName]);
    expect(result.before).toMatchObject({ present: false, indexes: [{ name: 'orders_pkey' }] });
    expect(result.before.stats.find((stats) => stats.queryId === QUERY_ID)!.calls).toBe(50);
    expect(result.applied.statsAtApply.find((stats) => stats.queryId === QUERY_ID)!.calls).toBe(75);
    const attempt = await tables.client.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `INCIDENT#${incidentId}` } }));
    const recorded = attempt.Items!.find((item) => item.action === 'createIndexConcurrently');
    expect(recorded).toMatchObject({ params: testIndexPlan().params, before: { present: false, indexName: result.applied.indexName } });
  });

  it('a retry of the same attempt (past the idempotency record) builds nothing more and still reports the change as its own', async () => {
    const first = (await invoke(handler, apply())) as CreateIndexResult;
    const second = (await invoke(handler, apply())) as CreateIndexResult;
    expect(second).toMatchObject({ changed: true, actedAt: first.actedAt, before: { present: false }, applied: { changed: false, outcome: 'already-present' } });
    expect(second.before).toEqual(first.before);
    expect(db.ddl).toHaveLength(1);
  });

  it('undo drops the index this attempt built, and only that', async () => {
    // Prepare
    const applied = (await invoke(handler, apply())) as CreateIndexResult;

    // Act
    const undone = (await invoke(handler, { operation: 'undo', incident: incident(), attempt: 1, decision: testIndexPlan(), action: applied, reason: 'not improved', executionId: EXECUTION_ARN })) as UndoResult;

    // Assess
    expect(undone).toMatchObject({ action: 'createIndexConcurrently', undone: true, inPlace: false, details: { dropped: true, indexName: applied.applied.indexName } });
    expect(db.ddl[1]).toMatch(/^DROP INDEX CONCURRENTLY IF EXISTS "public"\."selfheal_orders_customer_id_/);
    expect(names()).toEqual(['orders_pkey']);
  });

  it('undo refuses to drop an index that is not its own, and changes nothing', async () => {
    const applied = (await invoke(handler, apply())) as CreateIndexResult;
    const forged = { ...applied, applied: { ...applied.applied, indexName: 'orders_pkey' } };
    const error = await rejectionOf(invoke(handler, { operation: 'undo', incident: incident(), attempt: 1, decision: testIndexPlan(), action: forged, executionId: EXECUTION_ARN }));
    expect(error.name).toBe('NotOurIndexError');
    expect(names()).toContain('orders_pkey');
  });

  it('leaves an index that was there before the attempt: not changed, not undone', async () => {
    // Prepare: the same index is already in place (an earlier incident built it)
    const first = (await invoke(handler, apply())) as CreateIndexResult;
    incidentId = `inc-${String(n).padStart(19, 'c')}x`.replace('x', 'f');

    // Act
    const again = (await invoke(handler, apply())) as CreateIndexResult;
    const undone = (await invoke(handler, { operation: 'undo', incident: incident(), attempt: 1, decision: testIndexPlan(), action: again, executionId: EXECUTION_ARN })) as UndoResult;

    // Assess
    expect(again).toMatchObject({ changed: false, applied: { outcome: 'already-present' } });
    expect(undone).toMatchObject({ undone: false, inPlace: true });
    expect(names()).toContain(first.applied.indexName);
  });

  it.each([
    ['a schema outside the scope', { schema: 'billing' }, 'OutOfScopeError'],
    ['another database', { database: 'billing-db' }, 'OutOfScopeError'],
    ['a model-named index', { indexName: 'orders_pkey' }, 'MalformedEventError'],
    ['too many columns', { columns: ['a', 'b', 'c', 'd'] }, 'MalformedEventError'],
    ['a table that does not exist', { table: 'ghosts' }, 'TargetNotFoundError'],
  ])('refuses %s and changes nothing', async (_, change, errorName) => {
    const plan = testIndexPlan({ params: { ...testIndexPlan().params, ...change } });
    const error = await rejectionOf(invoke(handler, apply(plan)));
    expect(error.name).toBe(errorName);
    expect(db.ddl).toEqual([]);
    const written = await tables.client.send(new GetCommand({ TableName: table, Key: { pk: `INCIDENT#${incidentId}`, sk: 'ATTEMPT#0001' } }));
    expect(written.Item).toBeUndefined();
  });

  it('refuses a plan of another action, and an incident that is not a database', async () => {
    expect((await rejectionOf(invoke(handler, apply(testIndexPlan({ action: 'scaleOutAsg', params: { autoScalingGroupName: 'web', targetCapacity: 3 } }))))).name).toBe('MalformedEventError');
    expect((await rejectionOf(invoke(handler, { ...apply(), incident: testIncident({ incidentId }) }))).name).toBe('OutOfScopeError');
    expect(db.ddl).toEqual([]);
  });
});
