import { describe, expect, it } from 'vitest';
import { DEFAULT_FLAP_GUARD } from '../../lambdas/shared/flap-guard.js';
import type { Decision, IncidentContext, Verification } from '../../lambdas/shared/workflow.js';
import { testContext, testEksIncident, testIncident, testScaleOutResult, testVerification, testWafIncident } from '../support/fixtures.js';
import { EXECUTION_ARN, type Json, runStubbed, type Stub } from './stubbed-run.js';

/**
 * The action and undo paths of the real ASL — WhichAction, NeedsUndo,
 * WhichUndo, the Undo states and KeepAction — executed by
 * aws-local-stepfunctions with every Task state stubbed: each test scripts
 * what the functions answer and asserts the path taken and what each state
 * was given.
 */

const run = runStubbed;

const named = (name: string, message: string) => Object.assign(new Error(message), { name });

function plan(action: Decision['action'], params: Json, target: string): Decision {
  return { action, params, target, rationale: `${action} because the test says so`, confidence: 0.9, evidence: [], source: 'runbook' };
}
const scaleOut = plan('scaleOutAsg', { autoScalingGroupName: 'web', targetCapacity: 6 }, 'autoscaling-group/web');
const block = plan('blockIpInWaf', { ipSetName: 'site-blocklist', scope: 'REGIONAL', cidr: '198.51.100.7/32', durationMinutes: 60 }, 'waf-ip-set/REGIONAL/site-blocklist');
const rollback = plan('rollbackEksDeployment', { cluster: 'prod', namespace: 'shop', deployment: 'checkout' }, 'eks-deployment/prod/shop/checkout');
const restart = plan('restartEksDeployment', { cluster: 'prod', namespace: 'shop', deployment: 'checkout' }, 'eks-deployment/prod/shop/checkout');
const patch = plan(
  'patchEksConfigMap',
  { cluster: 'prod', namespace: 'shop', configMap: 'checkout-config', key: 'DB_POOL_SIZE', value: '20', restartDeployment: 'checkout' },
  'eks-configmap/prod/shop/checkout-config',
);

const limits = (maxAttempts = 1) => ({ ...testContext().limits, maxAttempts, flapGuard: DEFAULT_FLAP_GUARD });
/** The context BuildContext makes for a Deployment or a site: no Auto Scaling group in it. */
const contextWithoutGroup = (id: string, maxAttempts = 1): IncidentContext => ({
  ...testContext({ resource: { id, dependencies: [] }, limits: { ...limits(maxAttempts), maxStep: undefined } }),
  autoScalingGroup: undefined,
});
/**
 * The same context with a stand-in group, so the dispatch tests below reach
 * the action: AcquireLease's Parameters read `$.context.autoScalingGroup.desiredCapacity`,
 * which fails the run (States.Runtime) when there is no group — see
 * 'runs an incident whose context has no Auto Scaling group past AcquireLease'.
 */
const contextOf = (id: string, maxAttempts = 1): IncidentContext => ({ ...contextWithoutGroup(id, maxAttempts), autoScalingGroup: testContext().autoScalingGroup });

/** What an action function's apply returns. */
const actionResult = (decision: Decision, attempt: number, undoable = true) => ({
  attempt,
  action: decision.action,
  target: decision.target,
  changed: true,
  actedAt: '2026-11-27T10:00:10.000Z',
  summary: `${decision.action} applied`,
  undoable,
  before: { state: 'before' },
  applied: { state: 'applied' },
});
const undoResult = (decision: Decision) => ({
  action: decision.action,
  target: decision.target,
  undone: true,
  summary: `${decision.action} undone`,
  undoneAt: '2026-11-27T10:05:30.000Z',
  details: {},
});

const failed: Verification = testVerification({ healthy: false, verdict: 'not-recovered', undo: true, alarmState: 'ALARM', summary: 'not recovered, the action did not help' });
const improving: Verification = testVerification({ healthy: false, verdict: 'improving', undo: false, alarmState: 'ALARM', summary: 'improving but not recovered' });
const recovered: Verification = testVerification();

/** Stubs for a run that reaches the action: context, plan, an allowed policy, the lease, the verdict and the records. */
function stubs(context: IncidentContext, decision: Decision, verifications: Verification[], extra: Record<string, Stub> = {}): Record<string, Stub> {
  return {
    BuildContext: () => context,
    Decide: () => decision,
    CheckPolicy: () => ({ allowed: true, autonomy: 'auto', checks: [], reasons: [], summary: 'allowed' }),
    AcquireLease: () => ({ holder: 'inc', expiresAt: '2026-11-27T11:00:00.000Z' }),
    VerifyRecovery: (_input, call) => verifications[call - 1] ?? verifications.at(-1),
    RecordAttemptResult: (input) => ({
      result: input.verification.healthy ? 'healthy' : input.undo?.undone === true ? 'undone' : 'unhealthy',
      failuresInWindow: 1,
      circuit: 'closed',
      circuitOpened: false,
    }),
    RecordOutcome: () => ({ outcome: 'resolved', summary: 'resolved', leaseReleased: true }),
    EscalateIncident: () => ({ reason: 'escalated by the test', notified: true }),
    ...extra,
  };
}

const start = (incident: Json) => ({ incident, attempt: { number: 0 } });

describe('action and undo paths (stubbed functions)', () => {
  it('undoes a scale-out whose verification failed: UndoScaleOutAsg gets operation undo, then RecordAttemptResult gets the undo', async () => {
    // Prepare
    const applied = testScaleOutResult();
    const undone = undoResult(scaleOut);

    // Act
    const result = await run(start(testIncident()), stubs(testContext({ limits: limits(1) }), scaleOut, [failed], { ScaleOutAsg: () => applied, UndoScaleOutAsg: () => undone }));

    // Assess
    expect(result.path).toEqual([
      'BuildContext', 'IsDatabaseIncident', 'Decide', 'CheckPolicy', 'IsPlanAllowed', 'IsObserveOnly', 'IsRecommendOnly', 'NeedsApproval', 'AcquireLease', 'CountAttempt',
      'WhichAction', 'ScaleOutAsg', 'WaitForEffect', 'VerifyRecovery', 'NeedsUndo', 'WhichUndo', 'UndoScaleOutAsg', 'RecordAttemptResult',
      'IsHealthy', 'IsCircuitOpen', 'HasAttemptsLeft', 'EscalateIncident', 'IncidentEscalated',
    ]);
    expect(result.inputsOf('ScaleOutAsg')).toEqual([
      { operation: 'apply', incident: testIncident(), attempt: 1, decision: scaleOut, executionId: EXECUTION_ARN, plannedFrom: 4 },
    ]);
    expect(result.inputsOf('UndoScaleOutAsg')).toEqual([
      { operation: 'undo', incident: testIncident(), attempt: 1, decision: scaleOut, action: applied, reason: failed.summary, executionId: EXECUTION_ARN },
    ]);
    expect(result.inputsOf('VerifyRecovery')[0]).toEqual({ incident: testIncident(), action: applied, context: testContext({ limits: limits(1) }) });
    expect(result.inputsOf('RecordAttemptResult')).toEqual([
      { incident: testIncident(), attempt: 1, verification: failed, flapGuard: DEFAULT_FLAP_GUARD, undo: undone },
    ]);
    // The escalation sees what was undone.
    expect(result.inputsOf('EscalateIncident')[0]!.state).toMatchObject({ undo: undone, attemptResult: { result: 'undone' } });
  });

  it('keeps an improving step (NeedsUndo → KeepAction), tries again, and resolves', async () => {
    // Act
    const result = await run(
      start(testIncident()),
      stubs(testContext({ limits: limits(2) }), scaleOut, [improving, recovered], { ScaleOutAsg: (input) => testScaleOutResult({ attempt: input.attempt }) }),
    );

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(result.path).toEqual([
      'BuildContext', 'IsDatabaseIncident', 'Decide', 'CheckPolicy', 'IsPlanAllowed', 'IsObserveOnly', 'IsRecommendOnly', 'NeedsApproval', 'AcquireLease', 'CountAttempt',
      'WhichAction', 'ScaleOutAsg', 'WaitForEffect', 'VerifyRecovery', 'NeedsUndo', 'KeepAction', 'RecordAttemptResult', 'IsHealthy', 'IsCircuitOpen', 'HasAttemptsLeft',
      'BuildContext', 'IsDatabaseIncident', 'Decide', 'CheckPolicy', 'IsPlanAllowed', 'IsObserveOnly', 'IsRecommendOnly', 'NeedsApproval', 'AcquireLease', 'CountAttempt',
      'WhichAction', 'ScaleOutAsg', 'WaitForEffect', 'VerifyRecovery', 'NeedsUndo', 'KeepAction', 'RecordAttemptResult', 'IsHealthy', 'RecordOutcome', 'IncidentResolved',
    ]);
    expect(result.inputsOf('ScaleOutAsg').map((input) => input.attempt)).toEqual([1, 2]);
    expect(result.inputsOf('RecordAttemptResult').map((input) => input.verification)).toEqual([improving, recovered]);
    expect(result.calls.some((call) => call.state.startsWith('Undo'))).toBe(false);
  });

  it('goes through KeepAction on a healthy verification', async () => {
    // Act
    const result = await run(start(testIncident()), stubs(testContext({ limits: limits(1) }), scaleOut, [recovered], { ScaleOutAsg: () => testScaleOutResult() }));

    // Assess
    expect(result.path.slice(-7)).toEqual(['VerifyRecovery', 'NeedsUndo', 'KeepAction', 'RecordAttemptResult', 'IsHealthy', 'RecordOutcome', 'IncidentResolved']);
  });

  it('KeepAction hands RecordAttemptResult an undo that undid nothing (so the attempt is recorded unhealthy, not undone)', async () => {
    // Act
    const result = await run(start(testIncident()), stubs(testContext({ limits: limits(1) }), scaleOut, [improving], { ScaleOutAsg: () => testScaleOutResult() }));

    // Assess
    const [record] = result.inputsOf('RecordAttemptResult');
    expect(record!.undo).toEqual({ undone: false, inPlace: true, summary: expect.any(String) });
    expect(result.inputsOf('EscalateIncident')[0]!.state.attemptResult).toMatchObject({ result: 'unhealthy' });
  });

  it('runs an incident whose context has no Auto Scaling group past AcquireLease', async () => {
    // Act: a WAF incident, with the context BuildContext makes for it
    const result = await run(start(testWafIncident()), stubs(contextWithoutGroup('waf-web-acl/site-acl'), block, [recovered], { BlockIpInWaf: () => actionResult(block, 1) }));

    // Assess
    expect(result.error).toBeUndefined();
    expect(result.path).toContain('BlockIpInWaf');
    expect(result.status).toBe('SUCCEEDED');
  });

  it('keeps the action when verification asks for an undo of an action WhichUndo does not know', async () => {
    // Prepare: an apply result that names no action of the catalog's functions
    const odd = { ...actionResult(scaleOut, 1), action: 'escalateOnly' };

    // Act
    const result = await run(start(testIncident()), stubs(testContext({ limits: limits(1) }), scaleOut, [failed], { ScaleOutAsg: () => odd }));

    // Assess
    expect(result.path).toContain('WhichUndo');
    expect(result.path[result.path.indexOf('WhichUndo') + 1]).toBe('KeepAction');
    expect(result.calls.some((call) => call.state.startsWith('Undo'))).toBe(false);
  });

  describe('a WAF block', () => {
    it('dispatches blockIpInWaf to BlockIpInWaf, and its undo to UndoBlockIpInWaf', async () => {
      // Prepare
      const incident = testWafIncident();
      const applied = actionResult(block, 1);
      const undone = undoResult(block);

      // Act
      const result = await run(
        start(incident),
        stubs(contextOf('waf-web-acl/site-acl'), block, [failed], { BlockIpInWaf: () => applied, UndoBlockIpInWaf: () => undone }),
      );

      // Assess
      expect(result.path.slice(result.path.indexOf('CountAttempt'))).toEqual([
        'CountAttempt', 'WhichAction', 'BlockIpInWaf', 'WaitForEffect', 'VerifyRecovery', 'NeedsUndo', 'WhichUndo', 'UndoBlockIpInWaf', 'RecordAttemptResult',
        'IsHealthy', 'IsCircuitOpen', 'HasAttemptsLeft', 'EscalateIncident', 'IncidentEscalated',
      ]);
      expect(result.inputsOf('BlockIpInWaf')).toEqual([{ operation: 'apply', incident, attempt: 1, decision: block, executionId: EXECUTION_ARN }]);
      expect(result.inputsOf('UndoBlockIpInWaf')).toEqual([
        { operation: 'undo', incident, attempt: 1, decision: block, action: applied, reason: failed.summary, executionId: EXECUTION_ARN },
      ]);
      expect(result.inputsOf('RecordAttemptResult')[0]!.undo).toEqual(undone);
      expect(result.calls.some((call) => ['ScaleOutAsg', 'ActOnEks'].includes(call.state))).toBe(false);
    });

    it('resolves a block that worked', async () => {
      // Act
      const result = await run(start(testWafIncident()), stubs(contextOf('waf-web-acl/site-acl'), block, [recovered], { BlockIpInWaf: () => actionResult(block, 1) }));

      // Assess
      expect(result.status).toBe('SUCCEEDED');
      expect(result.path.slice(-3)).toEqual(['IsHealthy', 'RecordOutcome', 'IncidentResolved']);
      expect(result.inputsOf('RecordOutcome')[0]).toMatchObject({ outcome: 'resolved', action: actionResult(block, 1) });
    });
  });

  describe('the EKS actions', () => {
    it.each([
      ['rollbackEksDeployment', rollback],
      ['restartEksDeployment', restart],
      ['patchEksConfigMap', patch],
    ] as const)('dispatches %s to ActOnEks, and its undo to UndoEksAction', async (_action, decision) => {
      // Prepare
      const incident = testEksIncident();
      const applied = actionResult(decision, 1);
      const undone = undoResult(decision);

      // Act
      const result = await run(
        start(incident),
        stubs(contextOf('eks-deployment/prod/shop/checkout'), decision, [failed], { ActOnEks: () => applied, UndoEksAction: () => undone }),
      );

      // Assess
      expect(result.path.slice(result.path.indexOf('WhichAction'), result.path.indexOf('RecordAttemptResult') + 1)).toEqual([
        'WhichAction', 'ActOnEks', 'WaitForEffect', 'VerifyRecovery', 'NeedsUndo', 'WhichUndo', 'UndoEksAction', 'RecordAttemptResult',
      ]);
      expect(result.inputsOf('ActOnEks')).toEqual([{ operation: 'apply', incident, attempt: 1, decision, executionId: EXECUTION_ARN }]);
      expect(result.inputsOf('UndoEksAction')).toEqual([
        { operation: 'undo', incident, attempt: 1, decision, action: applied, reason: failed.summary, executionId: EXECUTION_ARN },
      ]);
      expect(result.inputsOf('RecordAttemptResult')[0]!.undo).toEqual(undone);
    });

    it('escalates a GitOps-managed Deployment (GitOpsManagedError) without verifying or undoing', async () => {
      // Act
      const result = await run(
        start(testEksIncident()),
        stubs(contextOf('eks-deployment/prod/shop/checkout'), rollback, [recovered], {
          ActOnEks: () => {
            throw named('GitOpsManagedError', 'Deployment shop/checkout is managed by Argo CD Application shop-checkout: revert the commit in git');
          },
        }),
      );

      // Assess
      expect(result.status).toBe('FAILED');
      expect(result.error).toBe('IncidentEscalated');
      expect(result.path.slice(-4)).toEqual(['WhichAction', 'ActOnEks', 'EscalateIncident', 'IncidentEscalated']);
      expect(result.inputsOf('ActOnEks')).toHaveLength(1);
      expect(result.inputsOf('EscalateIncident')[0]!.state.error).toMatchObject({ Error: 'GitOpsManagedError', Cause: expect.stringContaining('Argo CD') });
      expect(result.calls.some((call) => ['VerifyRecovery', 'UndoEksAction', 'RecordAttemptResult'].includes(call.state))).toBe(false);
    });

    it('escalates an undo that fails (someone changed the Deployment after the rollback)', async () => {
      // Act
      const result = await run(
        start(testEksIncident()),
        stubs(contextOf('eks-deployment/prod/shop/checkout'), rollback, [failed], {
          ActOnEks: () => actionResult(rollback, 1),
          UndoEksAction: () => {
            throw named('StalePlanError', 'its pod template changed after the rollback; not rolling forward over it');
          },
        }),
      );

      // Assess
      expect(result.path.slice(-3)).toEqual(['UndoEksAction', 'EscalateIncident', 'IncidentEscalated']);
      expect(result.inputsOf('EscalateIncident')[0]!.state.error).toMatchObject({ Error: 'StalePlanError' });
      expect(result.calls.some((call) => call.state === 'RecordAttemptResult')).toBe(false);
    });
  });

  it('escalates an action WhichAction has no function for', async () => {
    // Prepare: a plan the (stubbed) policy let through although no function carries it out
    const odd = { ...scaleOut, action: 'unblockIpInWaf' } as unknown as Decision;

    // Act
    const result = await run(start(testIncident()), stubs(testContext({ limits: limits(1) }), odd, [recovered]));

    // Assess
    expect(result.path.slice(-3)).toEqual(['WhichAction', 'EscalateIncident', 'IncidentEscalated']);
  });

  it('retries a transient error of an undo, then records it', async () => {
    // Act
    const result = await run(
      start(testIncident()),
      stubs(testContext({ limits: limits(1) }), scaleOut, [failed], {
        ScaleOutAsg: () => testScaleOutResult(),
        UndoScaleOutAsg: (_input, call) => {
          if (call === 1) throw named('TransientAwsError', 'SetDesiredCapacity: Rate exceeded');
          return undoResult(scaleOut);
        },
      }),
    );

    // Assess
    expect(result.inputsOf('UndoScaleOutAsg')).toHaveLength(2);
    expect(result.inputsOf('RecordAttemptResult')[0]!.undo).toEqual(undoResult(scaleOut));
  });
});
