import { beforeEach, describe, expect, it, vi } from 'vitest';
import { type RunScenarioOptions, runScenario, type ScenarioReport } from '../../local/run-scenario.js';
import { type ScenarioInput, ScenarioSchema } from '../../local/scenario.js';

/**
 * Every path through the real ASL, executed in-process by
 * aws-local-stepfunctions with the real handlers, dynalite and the simulated
 * world. Each test asserts the path taken and the end state.
 */

function scenario(overrides: Partial<ScenarioInput> = {}): ScenarioInput {
  return {
    name: 'path-test',
    title: 'path test',
    description: 'a path through the workflow',
    mode: 'auto',
    resources: [{ name: 'web', alarmNames: ['web-cpu-high'], maxStep: 2, maxAttempts: 3 }],
    world: {
      autoScalingGroups: [{ name: 'web', minSize: 2, maxSize: 10, desiredCapacity: 4, cpuDemand: 380 }],
      alarms: [{ name: 'web-cpu-high', autoScalingGroupName: 'web', threshold: 70 }],
    },
    signals: [{ alarm: 'web-cpu-high' }],
    expect: { executions: 1 },
    ...overrides,
  };
}

async function run(input: ScenarioInput, options: RunScenarioOptions = {}): Promise<ScenarioReport> {
  return runScenario(ScenarioSchema.parse(input), options);
}

function onlyExecution(report: ScenarioReport) {
  expect(report.executions).toHaveLength(1);
  return report.executions[0]!;
}

const retriesOf = (report: ScenarioReport, state: string) =>
  onlyExecution(report).run.events.filter((event) => event.type === 'StateRetried' && (event as { state: { name: string } }).state.name === state).length;

describe('remediate-incident paths, run locally', () => {
  beforeEach(() => {
    // Handlers read their configuration at import, like a fresh Lambda environment.
    vi.resetModules();
  });

  it('healthy: acts once, verifies, records the outcome and releases the lease', async () => {
    const report = await run(scenario());
    const execution = onlyExecution(report);

    expect(execution.run.status).toBe('SUCCEEDED');
    expect(execution.path).toEqual([
      'BuildContext', 'IsDatabaseIncident', 'Decide', 'CheckPolicy', 'IsPlanAllowed', 'IsObserveOnly', 'IsRecommendOnly', 'NeedsApproval', 'AcquireLease', 'CountAttempt', 'WhichAction', 'ScaleOutAsg',
      'WaitForEffect', 'VerifyRecovery', 'NeedsUndo', 'KeepAction', 'RecordAttemptResult', 'IsHealthy', 'RecordOutcome', 'IncidentResolved',
    ]);
    expect(report.world.groups.get('web')?.desiredCapacity).toBe(6);
    expect(report.world.alarmState('web-cpu-high')).toBe('OK');
    expect(report.incidents).toEqual([expect.objectContaining({ status: 'resolved', attempts: 1 })]);
    expect(report.leakedLeases).toEqual([]);
    const output = execution.run.output as {
      decision: { source: string; rationale: string; target: string };
      policy: { allowed: boolean; autonomy: string };
      outcome: { leaseReleased: boolean };
    };
    expect(output.decision).toMatchObject({ source: 'runbook', target: 'autoscaling-group/web' });
    expect(output.decision.rationale).toContain('4 → 6');
    expect(output.policy).toMatchObject({ allowed: true, autonomy: 'auto' });
    expect(output.outcome.leaseReleased).toBe(true);
  });

  it('verification fails, then the attempt budget runs out: escalates after exactly maxAttempts actions', async () => {
    // Each one-instance step helps (100% → 85.7% → 75%) but none clears the alarm: the steps are kept, and the budget ends it.
    const report = await run(
      scenario({
        resources: [{ name: 'web', alarmNames: ['web-cpu-high'], maxStep: 1, maxAttempts: 2 }],
        world: {
          autoScalingGroups: [{ name: 'web', minSize: 2, maxSize: 10, desiredCapacity: 6, cpuDemand: 600 }],
          alarms: [{ name: 'web-cpu-high', autoScalingGroupName: 'web', threshold: 70 }],
        },
      }),
    );
    const execution = onlyExecution(report);

    expect(execution.run.status).toBe('FAILED');
    expect(execution.run.error).toBe('IncidentEscalated');
    expect(execution.path.filter((state) => state === 'ScaleOutAsg')).toHaveLength(2);
    expect(execution.path.filter((state) => state === 'HasAttemptsLeft')).toHaveLength(2);
    expect(execution.path.slice(-3)).toEqual(['HasAttemptsLeft', 'EscalateIncident', 'IncidentEscalated']);
    expect(report.world.groups.get('web')?.desiredCapacity).toBe(8);
    expect(execution.path).not.toContain('WhichUndo');
    expect(report.world.notifications).toHaveLength(1);
    const message = JSON.parse(report.world.notifications[0]!.Message!);
    expect(message).toMatchObject({ type: 'escalated', summary: expect.stringContaining('still unhealthy after 2 attempt(s) of 2'), details: { attempts: 2 } });
    expect(report.incidents[0]).toMatchObject({ status: 'escalated', attempts: 2 });
    expect(report.leakedLeases).toEqual([]);
  });

  it('a scale-out that trips a dependent alarm is undone with the real handlers: the group goes back, the attempt is recorded undone', async () => {
    const report = await run(
      scenario({
        resources: [{ name: 'web', alarmNames: ['web-cpu-high'], dependentAlarmNames: ['db-connections-high'], maxStep: 2, maxAttempts: 1 }],
        world: {
          autoScalingGroups: [{ name: 'web', minSize: 2, maxSize: 10, desiredCapacity: 4, cpuDemand: 380 }],
          alarms: [
            { name: 'web-cpu-high', autoScalingGroupName: 'web', threshold: 70 },
            // Each web instance holds 20 database connections; more than 100 exhausts the database.
            { name: 'db-connections-high', source: 'capacity', autoScalingGroupName: 'web', threshold: 100, valuePerInstance: 20 },
          ],
        },
      }),
    );
    const execution = onlyExecution(report);

    expect(execution.path.slice(execution.path.indexOf('WhichAction'))).toEqual([
      'WhichAction', 'ScaleOutAsg', 'WaitForEffect', 'VerifyRecovery', 'NeedsUndo', 'WhichUndo', 'UndoScaleOutAsg', 'RecordAttemptResult',
      'IsHealthy', 'IsCircuitOpen', 'HasAttemptsLeft', 'EscalateIncident', 'IncidentEscalated',
    ]);
    const sets = report.world.calls.filter((call) => call.operation === 'SetDesiredCapacity' && call.failed === undefined);
    expect(sets.map((call) => (call.input as { DesiredCapacity?: number }).DesiredCapacity)).toEqual([6, 4]);
    expect(report.world.groups.get('web')?.desiredCapacity).toBe(4);
    const state = execution.run.events.find((event) => event.type === 'StateEntered' && (event as { state: { name: string } }).state.name === 'EscalateIncident') as
      | { state: { input: { verification: Record<string, unknown>; undo: Record<string, unknown>; attemptResult: Record<string, unknown> } } }
      | undefined;
    expect(state?.state.input.verification).toMatchObject({ healthy: false, verdict: 'unintended-consequence', undo: true, tripped: ['db-connections-high'] });
    expect(state?.state.input.undo).toMatchObject({ action: 'scaleOutAsg', undone: true });
    expect(state?.state.input.attemptResult).toMatchObject({ result: 'undone' });
    expect(report.incidents[0]).toMatchObject({ status: 'escalated' });
    expect(report.leakedLeases).toEqual([]);
  });

  it('lease already held: skips without acting and records why', async () => {
    const report = await run(scenario({ leases: [{ resource: 'web', holder: 'inc-other', expiresInSeconds: 600 }] }));
    const execution = onlyExecution(report);

    expect(execution.run.status).toBe('SUCCEEDED');
    expect(execution.path).toEqual(['BuildContext', 'IsDatabaseIncident', 'Decide', 'CheckPolicy', 'IsPlanAllowed', 'IsObserveOnly', 'IsRecommendOnly', 'NeedsApproval', 'AcquireLease', 'RecordSkip', 'IncidentSkipped']);
    expect(report.world.calls.some((call) => call.operation === 'SetDesiredCapacity')).toBe(false);
    expect(report.world.groups.get('web')?.desiredCapacity).toBe(4);
    expect(report.incidents[0]).toMatchObject({ status: 'skipped', summary: expect.stringContaining('inc-other') });
  });

  it('an AWS error is retried with backoff, then escalated when it persists', async () => {
    const report = await run(
      scenario({
        world: {
          autoScalingGroups: [{ name: 'web', minSize: 2, maxSize: 10, desiredCapacity: 4, cpuDemand: 380 }],
          alarms: [{ name: 'web-cpu-high', autoScalingGroupName: 'web', threshold: 70 }],
          faults: [{ operation: 'SetDesiredCapacity', error: 'Throttling', times: 1_000 }],
        },
      }),
    );
    const execution = onlyExecution(report);

    expect(retriesOf(report, 'ScaleOutAsg')).toBe(4);
    expect(report.world.calls.filter((call) => call.operation === 'SetDesiredCapacity')).toHaveLength(5);
    expect(execution.path.slice(-3)).toEqual(['ScaleOutAsg', 'EscalateIncident', 'IncidentEscalated']);
    expect(report.incidents[0]).toMatchObject({ status: 'escalated', summary: expect.stringContaining('TransientAwsError') });
    expect(report.world.notifications).toHaveLength(1);
    expect(report.leakedLeases).toEqual([]);
  });

  it('an AWS error that clears within the retries does not disturb the outcome', async () => {
    const report = await run(
      scenario({
        world: {
          autoScalingGroups: [{ name: 'web', minSize: 2, maxSize: 10, desiredCapacity: 4, cpuDemand: 380 }],
          alarms: [{ name: 'web-cpu-high', autoScalingGroupName: 'web', threshold: 70 }],
          faults: [{ operation: 'DescribeAutoScalingGroups', error: 'Throttling', times: 2 }],
        },
      }),
    );
    expect(retriesOf(report, 'BuildContext')).toBe(2);
    expect(report.incidents[0]).toMatchObject({ status: 'resolved' });
  });

  it('a permanent AWS error is not retried: it escalates at once', async () => {
    const report = await run(
      scenario({
        world: {
          autoScalingGroups: [{ name: 'web', minSize: 2, maxSize: 10, desiredCapacity: 4, cpuDemand: 380 }],
          alarms: [{ name: 'web-cpu-high', autoScalingGroupName: 'web', threshold: 70 }],
          faults: [{ operation: 'SetDesiredCapacity', error: 'AccessDenied', times: 1, httpStatusCode: 403 }],
        },
      }),
    );
    expect(retriesOf(report, 'ScaleOutAsg')).toBe(0);
    expect(report.incidents[0]).toMatchObject({ status: 'escalated', summary: expect.stringContaining('AccessDenied') });
  });

  it('a Lambda service error is retried by the state machine', async () => {
    let failures = 0;
    const report = await run(scenario(), {
      taskOverrides: {
        VerifyRecovery: async () => {
          failures += 1;
          throw Object.assign(new Error('Rate exceeded'), { name: 'Lambda.TooManyRequestsException' });
        },
      },
    });
    expect(failures).toBe(4); // the first call and three retries
    expect(retriesOf(report, 'VerifyRecovery')).toBe(3);
    expect(report.incidents[0]).toMatchObject({ status: 'escalated' });
  });

  it('dry-run: decides, checks and records the plan without taking the lease or acting', async () => {
    const report = await run(scenario({ mode: 'dry-run' }));
    const execution = onlyExecution(report);
    expect(execution.path).toEqual(['BuildContext', 'IsDatabaseIncident', 'Decide', 'CheckPolicy', 'IsPlanAllowed', 'IsObserveOnly', 'RecordObservation', 'IncidentRecorded']);
    expect(report.world.calls.some((call) => call.operation === 'SetDesiredCapacity')).toBe(false);
    expect(report.incidents[0]).toMatchObject({ status: 'observed', summary: expect.stringContaining('would scaleOutAsg on autoscaling-group/web') });
    expect(report.incidents[0]!.summary).toContain('capped to observe by dry-run mode');
  });

  it('recommend: sends the plan to a human and changes nothing', async () => {
    const report = await run(scenario({ resources: [{ name: 'web', alarmNames: ['web-cpu-high'], autonomy: { scaleOutAsg: 'recommend' } }] }));
    const execution = onlyExecution(report);
    expect(execution.path).toEqual(['BuildContext', 'IsDatabaseIncident', 'Decide', 'CheckPolicy', 'IsPlanAllowed', 'IsObserveOnly', 'IsRecommendOnly', 'RecommendPlan', 'PlanRecommended']);
    expect(report.world.groups.get('web')?.desiredCapacity).toBe(4);
    const message = JSON.parse(report.world.notifications[0]!.Message!);
    expect(message).toMatchObject({ type: 'plan-recommended', details: { plan: { action: 'scaleOutAsg', params: { targetCapacity: 6 } } } });
    expect(report.incidents[0]).toMatchObject({ status: 'recommended' });
  });

  it('no safe action: an escalateOnly plan escalates without taking the lease', async () => {
    const report = await run(
      scenario({ world: { autoScalingGroups: [{ name: 'web', minSize: 2, maxSize: 4, desiredCapacity: 4, cpuDemand: 380 }], alarms: [{ name: 'web-cpu-high', autoScalingGroupName: 'web', threshold: 70 }] } }),
    );
    const execution = onlyExecution(report);
    expect(execution.path).toEqual(['BuildContext', 'IsDatabaseIncident', 'Decide', 'CheckPolicy', 'IsPlanAllowed', 'EscalateIncident', 'IncidentEscalated']);
    expect(report.incidents[0]).toMatchObject({ status: 'escalated', summary: expect.stringContaining('capacity ceiling') });
  });

  it('a failing escalation still ends the run in IncidentEscalated, never loops', async () => {
    const report = await run(
      scenario({ world: { autoScalingGroups: [{ name: 'web', minSize: 2, maxSize: 4, desiredCapacity: 4, cpuDemand: 380 }], alarms: [{ name: 'web-cpu-high', autoScalingGroupName: 'web', threshold: 70 }] } }),
      {
        taskOverrides: {
          EscalateIncident: async () => {
            throw Object.assign(new Error('topic gone'), { name: 'NotFound' });
          },
        },
      },
    );
    const execution = onlyExecution(report);
    expect(execution.run.status).toBe('FAILED');
    expect(execution.path.slice(-3)).toEqual(['EscalateIncident', 'DescribeFailedEscalation', 'IncidentEscalated']);
    // The console's error banner says what happened, not a fixed text.
    expect(execution.run.error).toBe('IncidentEscalated');
    expect(execution.run.cause).toBe(
      'Automation stopped, and the escalation step failed (NotFound): the notification may not have been sent. Read this execution and take over the incident.',
    );
  });

  it("an escalation's reason is the run's cause, as the console shows it", async () => {
    const report = await run(
      scenario({ world: { autoScalingGroups: [{ name: 'web', minSize: 2, maxSize: 4, desiredCapacity: 4, cpuDemand: 380 }], alarms: [{ name: 'web-cpu-high', autoScalingGroupName: 'web', threshold: 70 }] } }),
    );
    const execution = onlyExecution(report);
    expect(execution.run.error).toBe('IncidentEscalated');
    expect(execution.run.cause).toContain('capacity ceiling');
    expect(report.incidents[0]!.summary).toBe(`escalated: ${execution.run.cause}`);
  });

  const roguePlan = async () => ({
    action: 'scaleOutAsg',
    params: { autoScalingGroupName: 'web', targetCapacity: 10 },
    target: 'autoscaling-group/web',
    rationale: 'scale far beyond the limits',
    confidence: 0.99,
    evidence: [],
    source: 'bedrock',
  });

  it('a plan beyond the limits is denied by the policy and escalated with the reason; nothing changes', async () => {
    const report = await run(scenario(), { taskOverrides: { Decide: roguePlan } });
    const execution = onlyExecution(report);
    expect(execution.path).toEqual(['BuildContext', 'IsDatabaseIncident', 'Decide', 'CheckPolicy', 'IsPlanAllowed', 'EscalateIncident', 'IncidentEscalated']);
    expect(report.world.calls.some((call) => call.operation === 'SetDesiredCapacity')).toBe(false);
    expect(report.incidents[0]).toMatchObject({ status: 'escalated', summary: expect.stringContaining('the policy denied the plan') });
    expect(report.incidents[0]!.summary).toContain('within-max-step');
  });

  it('if the policy were wrong, the action\'s own guard still refuses the plan (defence in depth)', async () => {
    const report = await run(scenario(), {
      taskOverrides: {
        Decide: roguePlan,
        CheckPolicy: async () => ({ allowed: true, autonomy: 'auto', checks: [], reasons: [], summary: 'a broken policy allows everything' }),
      },
    });
    expect(report.world.calls.some((call) => call.operation === 'SetDesiredCapacity')).toBe(false);
    expect(report.world.groups.get('web')?.desiredCapacity).toBe(4);
    expect(report.incidents[0]).toMatchObject({ status: 'escalated', summary: expect.stringContaining('OutOfScopeError') });
  });
});
