import * as path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { runScenario, type ScenarioReport } from '../../local/run-scenario.js';
import { loadScenario, type Scenario } from '../../local/scenario.js';

/**
 * The approval paths through the real ASL, run locally with the real
 * handlers: RequestApproval publishes signed links, and the scenario's
 * human opens one and submits the form through the real approval-callback
 * handler, whose SendTaskSuccess / SendTaskFailure settles the waiting task.
 */

const scenarios = path.resolve(__dirname, '..', '..', 'scenarios');
const load = (name: string): Scenario => loadScenario(path.join(scenarios, `${name}.json`));

const UNTIL_APPROVAL = ['BuildContext', 'IsDatabaseIncident', 'Decide', 'CheckPolicy', 'IsPlanAllowed', 'IsObserveOnly', 'IsRecommendOnly', 'NeedsApproval', 'RequestApproval'];

function onlyExecution(report: ScenarioReport) {
  expect(report.executions).toHaveLength(1);
  return report.executions[0]!;
}

const callsTo = (report: ScenarioReport, operation: string) => report.world.calls.filter((call) => call.operation === operation && call.failed === undefined);

function messages(report: ScenarioReport): Record<string, any>[] {
  return report.world.notifications.map((notification) => JSON.parse(notification.Message!) as Record<string, any>);
}

/** The error RequestApproval failed with, from the execution's events. */
function approvalError(report: ScenarioReport): { Error?: string; Cause?: string } | undefined {
  const failed = onlyExecution(report).run.events.find(
    (event) => event.type === 'StateFailed' && (event as { state: { name: string } }).state.name === 'RequestApproval',
  ) as { Error?: string; Cause?: string } | undefined;
  return failed;
}

describe('approval paths, run locally', () => {
  beforeEach(() => {
    // Handlers read their configuration at import, like a fresh Lambda environment.
    vi.resetModules();
  });

  it('approved: waits for the human, then takes the lease, acts, verifies and resolves', async () => {
    const report = await runScenario(load('approval-granted'));
    const execution = onlyExecution(report);

    expect(report.mismatches).toEqual([]);
    expect(execution.run.status).toBe('SUCCEEDED');
    expect(execution.path).toEqual([
      ...UNTIL_APPROVAL,
      'AcquireLease', 'CountAttempt', 'WhichAction', 'ScaleOutAsg', 'WaitForEffect', 'VerifyRecovery', 'NeedsUndo', 'KeepAction', 'RecordAttemptResult', 'IsHealthy', 'RecordOutcome', 'IncidentResolved',
    ]);
    const output = execution.run.output as { approval: Record<string, unknown>; policy: { autonomy: string } };
    expect(output.policy.autonomy).toBe('approve');
    expect(output.approval).toEqual({
      approved: true,
      approvalId: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      decidedAt: expect.any(String),
      decidedBy: '198.51.100.10 (Mozilla/5.0 (scenario human))',
    });

    const [request] = messages(report);
    expect(messages(report)).toHaveLength(1);
    expect(request).toMatchObject({ type: 'approval-requested', details: { action: 'scaleOutAsg', target: 'autoscaling-group/web', params: { targetCapacity: 6 } } });
    expect(request!.details.approveUrl).toContain(`id=${output.approval.approvalId}`);

    // Signed once; verified on the GET and again on the POST; answered once.
    expect(callsTo(report, 'GenerateMac')).toHaveLength(1);
    expect(callsTo(report, 'VerifyMac')).toHaveLength(2);
    expect(callsTo(report, 'SendTaskSuccess')).toHaveLength(1);
    expect(report.world.taskTokens.waiting).toEqual([]);
    expect(report.world.groups.get('web')?.desiredCapacity).toBe(6);
    expect(report.incidents).toEqual([expect.objectContaining({ status: 'resolved', attempts: 1 })]);
    expect(report.leakedLeases).toEqual([]);
  });

  it('rejected: escalates with who rejected, without taking the lease or acting', async () => {
    const report = await runScenario(load('approval-rejected'));
    const execution = onlyExecution(report);

    expect(report.mismatches).toEqual([]);
    expect(execution.run.status).toBe('FAILED');
    expect(execution.run.error).toBe('IncidentEscalated');
    expect(execution.path).toEqual([...UNTIL_APPROVAL, 'EscalateIncident', 'IncidentEscalated']);
    expect(approvalError(report)).toMatchObject({ Error: 'ApprovalRejected', Cause: expect.stringContaining('rejected by 198.51.100.10') });

    const [, escalation] = messages(report);
    expect(escalation).toMatchObject({
      type: 'escalated',
      summary: expect.stringMatching(/^a human rejected the plan: rejected by 198\.51\.100\.10 \(Mozilla\/5\.0 \(scenario human\)\) at /),
    });
    expect(callsTo(report, 'SendTaskFailure')).toHaveLength(1);
    expect(callsTo(report, 'SendTaskSuccess')).toHaveLength(0);
    expect(callsTo(report, 'SetDesiredCapacity')).toHaveLength(0);
    expect(report.world.groups.get('web')?.desiredCapacity).toBe(4);
    expect(report.incidents[0]).toMatchObject({ status: 'escalated', summary: expect.stringContaining('a human rejected the plan') });
    expect(report.leakedLeases).toEqual([]);
  });

  it('timed out: nobody answers, the task fails with States.Timeout and the incident escalates', async () => {
    const report = await runScenario(load('approval-timeout'));
    const execution = onlyExecution(report);

    expect(report.mismatches).toEqual([]);
    expect(execution.path).toEqual([...UNTIL_APPROVAL, 'EscalateIncident', 'IncidentEscalated']);
    expect(approvalError(report)).toMatchObject({ Error: 'States.Timeout' });
    expect(messages(report)[1]).toMatchObject({ type: 'escalated', summary: 'nobody approved the plan before the approval timed out' });
    expect(callsTo(report, 'SendTaskSuccess')).toHaveLength(0);
    expect(callsTo(report, 'SetDesiredCapacity')).toHaveLength(0);
    expect(report.world.groups.get('web')?.desiredCapacity).toBe(4);
    expect(report.incidents[0]).toMatchObject({ status: 'escalated' });
  });

  it('replayed: a second submission of the same form is refused (409) and changes nothing', async () => {
    const report = await runScenario({ ...load('approval-granted'), name: 'approval-replayed', approvals: [{ answer: 'replay' }] });
    const execution = onlyExecution(report);

    // The scenario's human asserts the 409 itself; any other answer would be a mismatch.
    expect(report.mismatches).toEqual([]);
    expect(execution.path.at(-1)).toBe('IncidentResolved');
    expect(callsTo(report, 'VerifyMac')).toHaveLength(3);
    expect(callsTo(report, 'SendTaskSuccess')).toHaveLength(1);
    expect(callsTo(report, 'SetDesiredCapacity')).toHaveLength(1);
  });

  it('a scenario with no answer for an approval reports it, and the run still ends', async () => {
    const report = await runScenario({ ...load('approval-granted'), name: 'approval-unanswered', approvals: [] });
    expect(report.passed).toBe(false);
    expect(report.mismatches).toContain('approvals: an approval was requested, but the scenario has no answer left; it timed out');
    expect(onlyExecution(report).path.slice(-2)).toEqual(['EscalateIncident', 'IncidentEscalated']);
  });
});
