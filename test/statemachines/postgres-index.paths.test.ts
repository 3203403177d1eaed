import { describe, expect, it } from 'vitest';
import { DEFAULT_FLAP_GUARD } from '../../lambdas/shared/flap-guard.js';
import type { IncidentContext, Verification } from '../../lambdas/shared/workflow.js';
import { testDatabaseContext, testIndexPlan, testPgIncident } from '../lambdas/inspect-postgres/postgres-fixtures.js';
import { testContext, testVerification } from '../support/fixtures.js';
import { EXECUTION_ARN, runStubbed, type Stub } from './stubbed-run.js';

/**
 * The PostgreSQL paths of the real ASL, every Task stubbed: a database
 * incident is inspected before the decision; an index is built, waited
 * for, measured, judged with its measurement, then kept or dropped; and
 * each failure of the database steps ends with a human.
 */

const run = runStubbed;

const named = (name: string, message: string) => Object.assign(new Error(message), { name });

/** BuildContext's context for a database: no group, no alarm value; InspectDatabase adds `database`. */
const context = (): IncidentContext => ({
  ...testContext({ resource: { id: 'rds-postgres/orders-db', dependencies: ['postgres-table/orders-db/public/*'] }, limits: { ...testContext().limits, maxStep: undefined, maxAttempts: 1, flapGuard: DEFAULT_FLAP_GUARD } }),
  autoScalingGroup: undefined,
});
const built = {
  attempt: 1,
  action: 'createIndexConcurrently',
  target: 'postgres-table/orders-db/public/orders',
  changed: true,
  actedAt: '2026-11-27T10:00:10.000Z',
  summary: 'built index selfheal_orders_customer_id_1a2b3c4d',
  undoable: true,
  before: { present: false, stats: [{ queryId: '1', calls: 50, totalExecTimeMs: 4_750 }] },
  applied: { indexName: 'selfheal_orders_customer_id_1a2b3c4d', statsAtApply: [{ queryId: '1', calls: 75, totalExecTimeMs: 4_780 }], queryId: '1' },
};
const effect = (verdict: 'improved' | 'not-improved' | 'regressed-other') => ({
  queryId: '1',
  verdict,
  meanBeforeMs: 95,
  meanAfterMs: verdict === 'improved' ? 1.2 : 97,
  improvement: verdict === 'improved' ? 0.987 : -0.02,
  minImprovement: 0.3,
  regressions: [],
  summary: `query 1: ${verdict}`,
  measuredAt: '2026-11-27T10:10:10.000Z',
});
const kept: Verification = testVerification({ summary: 'index effect improved; recovered' });
const notHelped: Verification = testVerification({ healthy: false, verdict: 'not-recovered', undo: true, alarmState: 'ALARM', summary: 'not recovered, the index did not help' });

function stubs(extra: Record<string, Stub> = {}): Record<string, Stub> {
  return {
    BuildContext: () => context(),
    InspectDatabase: () => testDatabaseContext(),
    Decide: () => testIndexPlan(),
    CheckPolicy: () => ({ allowed: true, autonomy: 'auto', checks: [], reasons: [], summary: 'allowed' }),
    AcquireLease: () => ({ holder: 'inc', expiresAt: '2026-11-27T11:00:00.000Z' }),
    CreateIndexConcurrently: () => built,
    MeasureIndexEffect: () => effect('improved'),
    VerifyIndexRecovery: () => kept,
    UndoCreateIndex: () => ({ action: 'createIndexConcurrently', target: built.target, undone: true, inPlace: false, summary: 'dropped', undoneAt: '2026-11-27T10:10:20.000Z', details: {} }),
    RecordAttemptResult: (input) => ({ result: input.verification.healthy ? 'healthy' : input.undo?.undone === true ? 'undone' : 'unhealthy', failuresInWindow: 1, circuit: 'closed', circuitOpened: false }),
    RecordOutcome: () => ({ outcome: 'resolved', summary: 'resolved', leaseReleased: true }),
    EscalateIncident: () => ({ reason: 'escalated by the test', notified: true }),
    ...extra,
  };
}

const start = () => ({ incident: testPgIncident(), attempt: { number: 0 } });
const BEFORE_ACTION = ['BuildContext', 'IsDatabaseIncident', 'InspectDatabase', 'Decide', 'CheckPolicy', 'IsPlanAllowed', 'IsObserveOnly', 'IsRecommendOnly', 'NeedsApproval', 'AcquireLease', 'CountAttempt', 'WhichAction'];

describe('PostgreSQL index paths (stubbed functions)', () => {
  it('inspects the database, builds the index, measures it faster, keeps it and resolves', async () => {
    const result = await run(start(), stubs());

    expect(result.status).toBe('SUCCEEDED');
    expect(result.path).toEqual([
      ...BEFORE_ACTION,
      'CreateIndexConcurrently',
      'WaitForIndexEffect',
      'MeasureIndexEffect',
      'VerifyIndexRecovery',
      'NeedsUndo',
      'KeepAction',
      'RecordAttemptResult',
      'IsHealthy',
      'RecordOutcome',
      'IncidentResolved',
    ]);
    // The inspection lands in the context every later step reads; the measurement reaches the verification.
    expect(result.inputsOf('InspectDatabase')[0]).toEqual({ operation: 'inspect', incident: testPgIncident(), attempt: 0 });
    expect(result.inputsOf('Decide')[0]!.context.database).toEqual(testDatabaseContext());
    expect(result.inputsOf('CheckPolicy')[0]!.context.database.recommendation.params.columns).toEqual(['customer_id']);
    expect(result.inputsOf('CreateIndexConcurrently')[0]).toMatchObject({ operation: 'apply', attempt: 1, decision: testIndexPlan(), executionId: EXECUTION_ARN });
    expect(result.inputsOf('MeasureIndexEffect')[0]).toEqual({ operation: 'measure', incident: testPgIncident(), attempt: 1, action: built });
    expect(result.inputsOf('VerifyIndexRecovery')[0]).toMatchObject({ action: built, indexEffect: effect('improved') });
    expect(result.output!.indexEffect.verdict).toBe('improved');
  });

  it('drops an index measured no faster, then escalates when no attempt is left', async () => {
    const result = await run(start(), stubs({ MeasureIndexEffect: () => effect('not-improved'), VerifyIndexRecovery: () => notHelped }));

    expect(result.status).toBe('FAILED');
    expect(result.path).toEqual([
      ...BEFORE_ACTION,
      'CreateIndexConcurrently',
      'WaitForIndexEffect',
      'MeasureIndexEffect',
      'VerifyIndexRecovery',
      'NeedsUndo',
      'WhichUndo',
      'UndoCreateIndex',
      'RecordAttemptResult',
      'IsHealthy',
      'IsCircuitOpen',
      'HasAttemptsLeft',
      'EscalateIncident',
      'IncidentEscalated',
    ]);
    expect(result.inputsOf('UndoCreateIndex')[0]).toMatchObject({ operation: 'undo', attempt: 1, action: built, reason: 'not recovered, the index did not help' });
    expect(result.inputsOf('RecordAttemptResult')[0]!.undo).toMatchObject({ undone: true, inPlace: false });
  });

  it('escalates when the inspection fails, without deciding', async () => {
    const result = await run(start(), stubs({ InspectDatabase: () => { throw named('ExtensionMissingError', 'pg_stat_statements is not usable'); } }));

    expect(result.status).toBe('FAILED');
    expect(result.path).toEqual(['BuildContext', 'IsDatabaseIncident', 'InspectDatabase', 'EscalateIncident', 'IncidentEscalated']);
    expect(result.inputsOf('EscalateIncident')[0]!.state.error).toMatchObject({ Error: 'ExtensionMissingError' });
  });

  it('retries an unreachable database during the inspection, then goes on', async () => {
    const result = await run(start(), stubs({ InspectDatabase: (_input, call) => { if (call < 3) throw named('PostgresUnavailableError', 'connection refused'); return testDatabaseContext(); } }));
    expect(result.status).toBe('SUCCEEDED');
    expect(result.inputsOf('InspectDatabase')).toHaveLength(3);
  });

  it('retries a lock timeout of the build as transient, then measures', async () => {
    const result = await run(start(), stubs({ CreateIndexConcurrently: (_input, call) => { if (call === 1) throw named('PostgresLockTimeoutError', 'canceling statement due to lock timeout'); return built; } }));
    expect(result.status).toBe('SUCCEEDED');
    expect(result.inputsOf('CreateIndexConcurrently')).toHaveLength(2);
    expect(result.path.filter((state) => state === 'MeasureIndexEffect')).toHaveLength(1);
  });

  it.each(['IndexGuardrailError', 'IndexBuildFailedError', 'StalePlanError'])('escalates a build refused or failed with %s, without measuring or undoing', async (error) => {
    const result = await run(start(), stubs({ CreateIndexConcurrently: () => { throw named(error, 'no'); } }));
    expect(result.status).toBe('FAILED');
    expect(result.path.slice(-3)).toEqual(['CreateIndexConcurrently', 'EscalateIncident', 'IncidentEscalated']);
    expect(result.inputsOf('CreateIndexConcurrently')).toHaveLength(1);
  });

  it('escalates when the measurement fails, leaving the index for the human', async () => {
    const result = await run(start(), stubs({ MeasureIndexEffect: () => { throw named('ExtensionMissingError', 'pg_stat_statements is gone'); } }));
    expect(result.status).toBe('FAILED');
    expect(result.path.slice(-4)).toEqual(['WaitForIndexEffect', 'MeasureIndexEffect', 'EscalateIncident', 'IncidentEscalated']);
  });

  it('does not inspect an incident that is not about a database', async () => {
    const result = await run({ incident: { ...testPgIncident(), resource: { kind: 'autoscaling-group', name: 'web', id: 'autoscaling-group/web' } }, attempt: { number: 0 } }, stubs({ Decide: () => ({ ...testIndexPlan(), action: 'escalateOnly', params: { reason: 'x' }, target: 'none' }) }));
    expect(result.path.slice(0, 3)).toEqual(['BuildContext', 'IsDatabaseIncident', 'Decide']);
    expect(result.inputsOf('InspectDatabase')).toEqual([]);
  });
});
