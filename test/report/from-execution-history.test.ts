import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { buildIncidentReport, stepsFromExecutionHistory } from '../../lambdas/shared/report/index.js';
import type { LocalRun } from '../../local/local-workflow.js';
import { scenarioReports } from './run-report.js';

type Json = Record<string, any>;

/**
 * A local run's event log as Step Functions' `GetExecutionHistory` would
 * give it for the deployed state machine: `<Type>StateEntered` / `Exited`
 * with JSON strings, the Lambda invocation events of each Task (scheduled
 * again on a retry), `FailStateEntered` without an exit.
 */
function historyOf(run: LocalRun): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  const push = (type: string, timestamp: number, details: Partial<HistoryEvent> = {}) =>
    events.push({ id: events.length + 1, type: type as HistoryEvent['type'], timestamp: new Date(timestamp), ...details });
  for (const event of run.events as Json[]) {
    const state = event.state as Json | undefined;
    switch (event.type) {
      case 'ExecutionStarted':
        push('ExecutionStarted', event.timestamp, { executionStartedEventDetails: { input: JSON.stringify(event.input) } });
        break;
      case 'StateEntered':
        push(`${state!.type}StateEntered`, event.timestamp, { stateEnteredEventDetails: { name: state!.name, input: JSON.stringify(state!.input) } });
        if (state!.type === 'Task') push('LambdaFunctionScheduled', event.timestamp, { lambdaFunctionScheduledEventDetails: { resource: 'arn:aws:lambda:x' } });
        break;
      case 'StateFailed':
        if (state!.type !== 'Fail') {
          push('LambdaFunctionFailed', event.timestamp, { lambdaFunctionFailedEventDetails: { error: event.Error, cause: typeof event.Cause === 'string' ? event.Cause : JSON.stringify(event.Cause) } });
        }
        break;
      case 'StateRetried':
        push('LambdaFunctionScheduled', event.timestamp, { lambdaFunctionScheduledEventDetails: { resource: 'arn:aws:lambda:x' } });
        break;
      case 'StateExited':
        if (state!.type === 'Task') push('LambdaFunctionSucceeded', event.timestamp, { lambdaFunctionSucceededEventDetails: { output: '{}' } });
        push(`${state!.type}StateExited`, event.timestamp, { stateExitedEventDetails: { name: state!.name, output: JSON.stringify(state!.output) } });
        break;
      case 'ExecutionSucceeded':
        push('ExecutionSucceeded', event.timestamp, { executionSucceededEventDetails: { output: JSON.stringify(event.output) } });
        break;
      case 'ExecutionFailed':
        push('ExecutionFailed', event.timestamp, { executionFailedEventDetails: { error: event.Error, cause: event.Cause } });
        break;
      default:
        break;
    }
  }
  return events;
}

const arnOf = (name: string) => `arn:aws:states:us-east-1:123456789012:execution:self-healing-remediate:${name}`;

describe('stepsFromExecutionHistory', () => {
  it.each(['cpu-saturation', 'fix-does-not-stick', 'aws-outage-escalates', 'lease-held'])(
    '%s: the report from the execution history is the report from the local run',
    async (name) => {
      const run = await scenarioReports(name);
      run.executions.forEach((execution, index) => {
        const arn = arnOf(execution.name);
        // Shuffled: the pages of a history may come in any order; ids order them.
        const history = historyOf(execution.run).reverse();
        const fromHistory = stepsFromExecutionHistory(history, arn);
        expect(fromHistory.execution).toMatchObject({ name: execution.name, arn, status: execution.run.status });
        const { consoleUrl, arn: _arn, ...deployed } = buildIncidentReport(fromHistory.steps, fromHistory.execution).execution;
        expect(consoleUrl).toContain('console.aws.amazon.com/states/home?region=us-east-1');
        const report = buildIncidentReport(fromHistory.steps, fromHistory.execution);
        expect({ ...report, execution: deployed }).toEqual(run.reports[index]);
      });
    },
  );

  it('reads a hand-written history: a retry, a caught failure that still exits, a callback task, a truncated payload', () => {
    const t = (second: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, second));
    const incident = { incidentId: 'inc-00000000000000000009', resource: { kind: 'autoscaling-group', name: 'web', id: 'autoscaling-group/web' }, onsetAt: t(0).toISOString() };
    const events: HistoryEvent[] = [
      { id: 1, type: 'ExecutionStarted', timestamp: t(1), executionStartedEventDetails: { input: JSON.stringify({ incident }) } },
      { id: 2, type: 'TaskStateEntered', timestamp: t(1), stateEnteredEventDetails: { name: 'BuildContext', input: JSON.stringify({ incident }) } },
      { id: 3, type: 'LambdaFunctionScheduled', timestamp: t(1) },
      { id: 4, type: 'LambdaFunctionFailed', timestamp: t(2), lambdaFunctionFailedEventDetails: { error: 'TransientAwsError', cause: '{"errorMessage":"throttled"}' } },
      { id: 5, type: 'LambdaFunctionScheduled', timestamp: t(3) },
      { id: 6, type: 'LambdaFunctionSucceeded', timestamp: t(4) },
      { id: 7, type: 'TaskStateExited', timestamp: t(4), stateExitedEventDetails: { name: 'BuildContext', output: '{"incident": {"incidentId": "inc-000', outputDetails: { truncated: true } } },
      { id: 8, type: 'TaskStateEntered', timestamp: t(5), stateEnteredEventDetails: { name: 'RequestApproval', input: '{}' } },
      { id: 9, type: 'TaskScheduled', timestamp: t(5) },
      { id: 10, type: 'TaskStarted', timestamp: t(5) },
      { id: 11, type: 'TaskSubmitted', timestamp: t(5) },
      { id: 12, type: 'TaskFailed', timestamp: t(9), taskFailedEventDetails: { resourceType: 'lambda', resource: 'invoke.waitForTaskToken', error: 'ApprovalRejected', cause: 'rejected by ops' } },
      { id: 13, type: 'TaskStateExited', timestamp: t(9), stateExitedEventDetails: { name: 'RequestApproval', output: JSON.stringify({ incident, error: { Error: 'ApprovalRejected', Cause: 'rejected by ops' } }) } },
      { id: 14, type: 'TaskStateEntered', timestamp: t(10), stateEnteredEventDetails: { name: 'EscalateIncident', input: '{}' } },
      { id: 15, type: 'LambdaFunctionScheduled', timestamp: t(10) },
      { id: 16, type: 'LambdaFunctionTimedOut', timestamp: t(40), lambdaFunctionTimedOutEventDetails: {} },
      { id: 17, type: 'TaskStateExited', timestamp: t(40), stateExitedEventDetails: { name: 'EscalateIncident', output: JSON.stringify({ escalationError: { Error: 'States.Timeout', Cause: 'late' } }) } },
      { id: 18, type: 'FailStateEntered', timestamp: t(40), stateEnteredEventDetails: { name: 'IncidentEscalated', input: '{}' } },
      { id: 19, type: 'ExecutionFailed', timestamp: t(40), executionFailedEventDetails: { error: 'IncidentEscalated', cause: 'handed over' } },
    ];
    const { execution, steps } = stepsFromExecutionHistory(events, arnOf('web-inc-9'));
    expect(execution).toEqual({
      name: 'web-inc-9',
      arn: arnOf('web-inc-9'),
      status: 'FAILED',
      startedAt: t(1).toISOString(),
      stoppedAt: t(40).toISOString(),
      error: 'IncidentEscalated',
      cause: 'handed over',
    });
    expect(steps.map((step) => [step.stateName, step.stateType, step.retries, step.error])).toEqual([
      ['BuildContext', 'Task', 1, undefined],
      ['RequestApproval', 'Task', 0, 'ApprovalRejected'],
      ['EscalateIncident', 'Task', 0, 'States.Timeout'],
      ['IncidentEscalated', 'Fail', 0, 'IncidentEscalated'],
    ]);
    expect(steps[0]!.input).toEqual({ incident });
    expect(steps[0]!.output).toBe('{"incident": {"incidentId": "inc-000');

    const report = buildIncidentReport(steps, execution);
    expect(report.incident.id).toBe('inc-00000000000000000009');
    expect(report.rounds[0]!.approval).toMatchObject({ verdict: 'rejected', detail: 'rejected by ops' });
    expect(report.escalation).toMatchObject({ state: 'EscalateIncident', notified: false, reason: 'the escalation step failed', error: 'States.Timeout: late' });
    expect(report.outcome.kind).toBe('escalated');
    expect(report.steps.map((step) => step.result)).toEqual(['ok', 'failed', 'failed', 'ok']);
    expect(report.execution.consoleUrl).toBe(`https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/${arnOf('web-inc-9')}`);
  });
});
