import type { DescribeExecutionCommandOutput, HistoryEvent } from '@aws-sdk/client-sfn';
import { ACCOUNT, REGION, testContext, testIncident, testScaleOutResult, testVerification } from '../../support/fixtures.js';
import { STATE_MACHINE_ARN } from '../harness.js';

/**
 * A resolved run of the remediation workflow as Step Functions records it:
 * the EventBridge event that says it finished, DescribeExecution's answer,
 * and GetExecutionHistory's events (with `includeExecutionData`), in pages.
 */

export const EXECUTION_NAME = 'web-inc-0123456789abcdef0123';
export const RUN_ARN = `${STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${EXECUTION_NAME}`;
export const STARTED_AT = new Date('2026-11-27T10:00:02.000Z');
export const STOPPED_AT = new Date('2026-11-27T10:05:30.000Z');
export const METRIC_LABEL = 'AWS/EC2 CPUUtilization Average AutoScalingGroupName=web';

/** The event the rule forwards when the run finished. */
export function statusChangeEvent(overrides: { stateMachineArn?: string; status?: string; executionArn?: string } = {}) {
  const stateMachineArn = overrides.stateMachineArn ?? STATE_MACHINE_ARN;
  const executionArn = overrides.executionArn ?? `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${EXECUTION_NAME}`;
  return {
    version: '0',
    id: '315c1398-40ff-a850-213b-158f73e60175',
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account: ACCOUNT,
    time: STOPPED_AT.toISOString(),
    region: REGION,
    resources: [executionArn],
    detail: {
      executionArn,
      stateMachineArn,
      name: EXECUTION_NAME,
      status: overrides.status ?? 'SUCCEEDED',
      startDate: STARTED_AT.getTime(),
      stopDate: STOPPED_AT.getTime(),
      input: '{}',
      output: '{}',
    },
  };
}

export function describedExecution(): DescribeExecutionCommandOutput {
  return {
    executionArn: RUN_ARN,
    stateMachineArn: STATE_MACHINE_ARN,
    name: EXECUTION_NAME,
    status: 'SUCCEEDED',
    startDate: STARTED_AT,
    stopDate: STOPPED_AT,
    $metadata: {},
  };
}

/** CPU of `web`, a point a minute from 09:50: normal around 40, then up to 95 from 09:58. */
function cpuSeries() {
  const values = [38, 41, 40, 39, 42, 40, 41, 39, 78, 92, 95, 94];
  return {
    label: METRIC_LABEL,
    role: 'alarm' as const,
    unit: 'Percent',
    periodSeconds: 60,
    points: values.map((v, index) => ({ t: new Date(Date.parse('2026-11-27T09:50:00.000Z') + index * 60_000).toISOString(), v })),
    min: 38,
    max: 95,
    last: 94,
    baseline: 40,
  };
}

const at = (second: number) => new Date(STARTED_AT.getTime() + second * 1_000);

/** The states of a resolved run, with what each received and returned. */
function resolvedRun(): { name: string; type: 'Task' | 'Wait' | 'Choice' | 'Succeed'; enteredAt: number; exitedAt?: number; input: unknown; output?: unknown }[] {
  const incident = testIncident();
  const context = testContext({ metrics: [cpuSeries()] });
  const decision = {
    source: 'runbook',
    runbookId: 'asg-cpu-high-scale-out',
    action: 'scaleOutAsg',
    params: { autoScalingGroupName: 'web', targetCapacity: 6 },
    target: 'autoscaling-group/web',
    rationale: 'CPU at 95 % over the 70 % threshold on 4 instances: 2 more bring it near 63 %',
    confidence: 0.8,
    evidence: ['web-cpu-high at 95'],
  };
  const policy = { allowed: true, autonomy: 'auto', summary: 'allowed: every check passed', checks: [{ name: 'in scope', passed: true, detail: 'web is registered' }], reasons: [] };
  const lease = { resourceId: 'autoscaling-group/web', holder: incident.incidentId, expiresAt: '2026-11-27T10:30:05.000Z', guards: [] };
  const action = testScaleOutResult();
  const verification = testVerification();
  const outcome = { outcome: 'resolved', summary: 'resolved: raised the desired capacity of web from 4 to 6', leaseReleased: true, cooldownSeconds: 900 };
  const s1 = { incident, executionId: RUN_ARN };
  const s2 = { ...s1, context };
  const s3 = { ...s2, decision };
  const s4 = { ...s3, policy };
  const s5 = { ...s4, lease };
  const s6 = { ...s5, action };
  const s7 = { ...s6, verification };
  return [
    { name: 'BuildContext', type: 'Task', enteredAt: 0, exitedAt: 3, input: s1, output: s2 },
    { name: 'Decide', type: 'Task', enteredAt: 3, exitedAt: 4, input: s2, output: s3 },
    { name: 'CheckPolicy', type: 'Task', enteredAt: 4, exitedAt: 5, input: s3, output: s4 },
    { name: 'AcquireLease', type: 'Task', enteredAt: 5, exitedAt: 6, input: s4, output: s5 },
    { name: 'ScaleOutAsg', type: 'Task', enteredAt: 6, exitedAt: 8, input: s5, output: s6 },
    { name: 'WaitForEffect', type: 'Wait', enteredAt: 8, exitedAt: 308, input: s6, output: s6 },
    { name: 'VerifyRecovery', type: 'Task', enteredAt: 308, exitedAt: 309, input: s6, output: s7 },
    { name: 'IsRecovered', type: 'Choice', enteredAt: 309, exitedAt: 309, input: s7, output: s7 },
    { name: 'RecordOutcome', type: 'Task', enteredAt: 309, exitedAt: 310, input: s7, output: { ...s7, outcome } },
    { name: 'IncidentResolved', type: 'Succeed', enteredAt: 310, exitedAt: 310, input: { ...s7, outcome }, output: { ...s7, outcome } },
  ];
}

/** GetExecutionHistory's events for the resolved run, oldest first. */
export function resolvedHistory(): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  const push = (type: string, second: number, details: Partial<HistoryEvent> = {}) =>
    events.push({ id: events.length + 1, type: type as HistoryEvent['type'], timestamp: at(second), ...details });
  push('ExecutionStarted', 0, { executionStartedEventDetails: { input: JSON.stringify({ incident: testIncident() }) } });
  for (const state of resolvedRun()) {
    push(`${state.type}StateEntered`, state.enteredAt, { stateEnteredEventDetails: { name: state.name, input: JSON.stringify(state.input) } });
    if (state.type === 'Task') {
      push('LambdaFunctionScheduled', state.enteredAt, { lambdaFunctionScheduledEventDetails: { resource: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${state.name}` } });
      push('LambdaFunctionStarted', state.enteredAt);
      push('LambdaFunctionSucceeded', state.exitedAt!, { lambdaFunctionSucceededEventDetails: { output: '{}' } });
    }
    push(`${state.type}StateExited`, state.exitedAt!, { stateExitedEventDetails: { name: state.name, output: JSON.stringify(state.output) } });
  }
  push('ExecutionSucceeded', 310, { executionSucceededEventDetails: { output: '{}' } });
  return events;
}
