import { describe, expect, it } from 'vitest';
import { evaluatePolicy } from '../../../lambdas/check-policy/policy.js';
import { targetAllowedBy } from '../../../lambdas/shared/actions/catalog.js';
import { QUERY_ID, testDatabaseContext, testIndexPlan, testPgContext, testPgIncident, testPgScope } from '../inspect-postgres/postgres-fixtures.js';
import { testContext, testIncident, testScope } from '../../support/fixtures.js';

/**
 * An index plan is allowed only when it is exactly the index advisor's
 * recommendation from the context, on an allowed schema of the incident's
 * own database, with the guardrails passed; it then waits for approval.
 */
const judge = (decision = testIndexPlan(), context = testPgContext(), scope = testPgScope()) => evaluatePolicy({ incident: testPgIncident(), context, decision, scope });
const failed = (verdict: ReturnType<typeof evaluatePolicy>) => verdict.checks.filter((check) => !check.passed).map((check) => check.name);

describe('the policy for createIndexConcurrently', () => {
  it('allows the advisor\'s own recommendation, with approval by default', () => {
    const verdict = judge();
    expect(verdict).toMatchObject({ allowed: true, autonomy: 'approve', reasons: [] });
    expect(verdict.checks.map((check) => check.name)).toEqual(
      expect.arrayContaining(['target-allowed', 'same-database', 'schema-allowed', 'matches-recommendation', 'guardrails-passed']),
    );
  });

  it.each([
    ['other columns', { columns: ['status'] }],
    ['the same columns in another order', { columns: ['customer_id', 'created_at'] }],
    ['another table', { table: 'order_lines' }],
    ['another query', { queryId: '42' }],
  ])('denies params that differ from the recommendation: %s', (_, change) => {
    // Prepare
    const recommended = testDatabaseContext({
      recommendation: { ...testDatabaseContext().recommendation!, columns: ['created_at', 'customer_id'], params: { schema: 'public', table: 'orders', columns: ['created_at', 'customer_id'], queryId: QUERY_ID } },
    });
    const plan = testIndexPlan({ params: { ...testIndexPlan().params, columns: ['created_at', 'customer_id'], ...change } });
    plan.target = `postgres-table/orders-db/public/${String(plan.params.table)}`;

    // Act
    const verdict = judge(plan, testPgContext({ database: recommended }));

    // Assess
    expect(verdict.allowed).toBe(false);
    expect(failed(verdict)).toEqual(['matches-recommendation']);
    expect(verdict.autonomy).toBe('observe');
  });

  it('denies an index without a recommendation, with the advisor\'s reason', () => {
    const verdict = judge(testIndexPlan(), testPgContext({ database: testDatabaseContext({ recommendation: undefined, refusal: 'no index would make the busiest queries cheaper enough' }) }));
    expect(verdict.allowed).toBe(false);
    expect(verdict.reasons.join(' ')).toContain('no index would make the busiest queries cheaper enough');
  });

  it('denies an index when the database was not inspected at all', () => {
    const verdict = judge(testIndexPlan(), testPgContext({ database: undefined }));
    expect(failed(verdict)).toEqual(['matches-recommendation']);
  });

  it('denies a schema outside the scope\'s schemas, even when recommended', () => {
    // Prepare: the advisor ran on a statement of another schema
    const recommendation = { ...testDatabaseContext().recommendation!, relation: { schema: 'billing', table: 'orders' }, params: { schema: 'billing', table: 'orders', columns: ['customer_id'], queryId: QUERY_ID } };
    const plan = testIndexPlan({ params: { ...testIndexPlan().params, schema: 'billing' }, target: 'postgres-table/orders-db/billing/orders' });

    // Act
    const verdict = judge(plan, testPgContext({ database: testDatabaseContext({ recommendation }) }));

    // Assess
    expect(verdict.allowed).toBe(false);
    expect(failed(verdict)).toEqual(['target-allowed', 'schema-allowed']);
  });

  it('denies an index the guardrails refused', () => {
    const verdict = judge(testIndexPlan(), testPgContext({ database: testDatabaseContext({ guardrails: { allowed: false, findings: [{ reason: 'write-heavy-table', detail: '5000 rows written per second' }] } }) }));
    expect(failed(verdict)).toEqual(['guardrails-passed']);
    expect(verdict.reasons[0]).toContain('write-heavy-table');
  });

  it('denies an index on another database', () => {
    const plan = testIndexPlan({ params: { ...testIndexPlan().params, database: 'billing-db' }, target: 'postgres-table/billing-db/public/orders' });
    expect(failed(judge(plan))).toEqual(['target-allowed', 'same-database']);
  });

  it('denies an index on a resource that is not a database', () => {
    const verdict = evaluatePolicy({ incident: testIncident(), context: testContext(), decision: testIndexPlan(), scope: testScope() });
    expect(verdict.allowed).toBe(false);
    expect(failed(verdict)).toContain('resource-kind');
  });

  it('denies a plan whose claimed target is not what its params change', () => {
    expect(failed(judge(testIndexPlan({ target: 'postgres-table/orders-db/public/customers' })))).toEqual(['target-matches-params']);
  });

  it('keeps to observe in dry-run mode', () => {
    expect(judge(testIndexPlan(), testPgContext(), { ...testPgScope(), mode: 'dry-run' })).toMatchObject({ allowed: true, autonomy: 'observe' });
  });
});

describe('targetAllowedBy', () => {
  it('lets a /* pattern allow exactly one more segment', () => {
    const allowed = ['rds-postgres/orders-db', 'postgres-table/orders-db/public/*'];
    expect(targetAllowedBy(allowed, 'postgres-table/orders-db/public/orders')).toBe(true);
    expect(targetAllowedBy(allowed, 'rds-postgres/orders-db')).toBe(true);
    expect(targetAllowedBy(allowed, 'postgres-table/orders-db/public/')).toBe(false);
    expect(targetAllowedBy(allowed, 'postgres-table/orders-db/public/a/b')).toBe(false);
    expect(targetAllowedBy(allowed, 'postgres-table/orders-db/billing/orders')).toBe(false);
    expect(targetAllowedBy(allowed, 'postgres-table/orders-db/publicx/orders')).toBe(false);
  });
});
