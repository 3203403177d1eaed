import { describe, expect, it } from 'vitest';
import { evaluatePolicy } from '../../../lambdas/check-policy/policy.js';
import { decideWithRunbooks } from '../../../lambdas/decide/runbook-engine.js';
import { DecisionSchema } from '../../../lambdas/shared/workflow.js';
import { loadRunbookDirectory } from '../../../lib/runbook-files.js';
import { QUERY_ID, testDatabaseContext, testPgContext, testPgIncident, testPgScope } from '../inspect-postgres/postgres-fixtures.js';

/** The shipped runbooks, as the Decide function runs them; the PostgreSQL one is under test here. */
const RUNBOOKS = loadRunbookDirectory();

describe('runbook postgres-missing-index', () => {
  it('plans exactly the advisor\'s recommendation, which the policy allows with approval', () => {
    // Act
    const decision = decideWithRunbooks(RUNBOOKS, testPgIncident(), testPgContext());

    // Assess
    expect(DecisionSchema.parse(decision)).toEqual(decision);
    expect(decision).toMatchObject({
      action: 'createIndexConcurrently',
      params: { database: 'orders-db', schema: 'public', table: 'orders', columns: ['customer_id'], queryId: QUERY_ID },
      target: 'postgres-table/orders-db/public/orders',
      source: 'runbook',
      runbookId: 'postgres-missing-index',
    });
    expect(decision.rationale).toContain('mean 95.2 ms over 500 calls');
    expect(evaluatePolicy({ incident: testPgIncident(), context: testPgContext(), decision, scope: testPgScope() })).toMatchObject({ allowed: true, autonomy: 'approve' });
  });

  it('escalates with the advisor\'s reason when there is no recommendation', () => {
    const context = testPgContext({ database: testDatabaseContext({ recommendation: undefined, refusal: 'the guardrails refuse an index now: write-heavy-table (5000 rows written per second)' }) });
    const decision = decideWithRunbooks(RUNBOOKS, testPgIncident(), context);
    expect(decision).toMatchObject({ action: 'escalateOnly', runbookId: 'postgres-missing-index' });
    expect(decision.params.reason).toContain('write-heavy-table');
  });

  it('escalates when the database could not be inspected', () => {
    const decision = decideWithRunbooks(RUNBOOKS, testPgIncident(), testPgContext({ database: undefined }));
    expect(decision).toMatchObject({ action: 'escalateOnly' });
    expect(decision.params.reason).toContain('could not be inspected');
  });
});
