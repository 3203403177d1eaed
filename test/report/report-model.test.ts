import { beforeAll, describe, expect, it } from 'vitest';
import { buildIncidentReport, type ExecutionStep, IncidentReportSchema, type IncidentReport } from '../../lambdas/shared/report/index.js';
import { statePath } from '../../local/timeline.js';
import { scenarioReports, type ScenarioReports } from './run-report.js';

const byName = (report: IncidentReport) => report.steps.map((step) => step.name);

describe('buildIncidentReport from a real local run', () => {
  describe('cpu-saturation: resolved by scaling out', () => {
    let run: ScenarioReports;
    let report: IncidentReport;
    beforeAll(async () => {
      run = await scenarioReports('cpu-saturation');
      report = run.reports[0]!;
    });

    it('says the outcome in plain words', () => {
      expect(report.outcome).toMatchObject({ kind: 'resolved', headline: 'Resolved automatically', netChange: 'changed' });
      expect(report.outcome.detail).toContain('raised the desired capacity of web from 4 to 6');
      expect(report.outcome.detail).toContain('recovered');
      expect(report.execution.status).toBe('SUCCEEDED');
      expect(report.execution.consoleUrl).toBeUndefined();
    });

    it('holds the incident, the signal and its onset', () => {
      expect(report.incident.id).toMatch(/^inc-[0-9a-f]{20}$/);
      expect(report.incident.resource).toEqual({ kind: 'autoscaling-group', name: 'web', id: 'autoscaling-group/web' });
      expect(report.incident.onsetAt).toBeDefined();
      expect(report.evidence.signals).toEqual([
        expect.objectContaining({ kind: 'alarm', title: 'alarm web-cpu-high → ALARM', metric: 'AWS/EC2 CPUUtilization', at: report.incident.onsetAt }),
      ]);
    });

    it('draws the alarm metric with its threshold, not a band', () => {
      const metric = report.metric!;
      expect(metric.role).toBe('alarm');
      expect(metric.threshold).toEqual({ value: 70, operator: 'GreaterThanThreshold', alarmName: 'web-cpu-high' });
      expect(metric.band).toBeUndefined();
      expect(metric.points.length).toBeGreaterThanOrEqual(10);
      expect(Math.max(...metric.points.map((point) => point.v))).toBe(95);
      expect(metric.deviatedAt).toBeDefined();
    });

    it('holds the decision with its rationale, the policy with every check, the lease and the action', () => {
      expect(report.rounds).toHaveLength(1);
      const [round] = report.rounds;
      expect(round!.decision).toMatchObject({ source: 'runbook', runbookId: 'asg-cpu-high-scale-out', action: 'scaleOutAsg', target: 'autoscaling-group/web', confidence: 0.8 });
      expect(round!.decision!.rationale).toContain('scaling out 4 → 6');
      expect(round!.policy).toMatchObject({ allowed: true, autonomy: 'auto' });
      expect(round!.policy!.checks.length).toBeGreaterThanOrEqual(5);
      expect(round!.policy!.checks.every((check) => check.passed)).toBe(true);
      expect(round!.lease).toMatchObject({ verdict: 'acquired', resourceId: 'autoscaling-group/web', holder: report.incident.id });
      expect(round!.action).toMatchObject({ state: 'ScaleOutAsg', action: 'scaleOutAsg', changed: true, before: { desiredCapacity: 4 }, applied: { targetCapacity: 6 } });
      expect(round!.verification).toMatchObject({ healthy: true, verdict: 'recovered', alarmState: 'OK' });
      expect(round!.verification!.afterActionMs).toBeGreaterThanOrEqual(0);
      expect(round!.undo).toMatchObject({ undone: false });
      expect(report.record).toMatchObject({ cooldownSeconds: 900, leaseReleased: true });
    });

    it('puts the state before and after side by side', () => {
      expect(report.stateChanges).toEqual([
        { what: 'alarm web-cpu-high', before: 'ALARM at 95 (threshold 70)', after: 'OK' },
        { what: 'desired capacity', before: '4', after: '6' },
        { what: 'instances in service', before: '4', after: '6' },
      ]);
    });

    it('lists every state entered, in order, with durations and what each did', () => {
      expect(byName(report)).toEqual(statePath(run.executions[0]!.run));
      expect(report.steps.every((step) => step.result === 'ok' && (step.durationMs ?? 0) >= 0)).toBe(true);
      const summaries = Object.fromEntries(report.steps.map((step) => [step.name, step.summary]));
      expect(summaries.ScaleOutAsg).toBe('raised the desired capacity of web from 4 to 6 (before-state recorded)');
      expect(summaries.IsPlanAllowed).toBe('→ IsObserveOnly');
      expect(summaries.WaitForEffect).toMatch(/^waited \d+ ms \(configured: \d+ s\)$/);
      expect(report.errors).toEqual([]);
    });

    it('is valid against its own schema and survives JSON', () => {
      expect(IncidentReportSchema.parse(JSON.parse(JSON.stringify(report)))).toEqual(report);
    });
  });

  it('fix-does-not-stick: two rounds, the first undone, the repeat refused, escalated', async () => {
    const [report] = (await scenarioReports('fix-does-not-stick')).reports;
    expect(report!.rounds).toHaveLength(2);
    const [first, second] = report!.rounds;
    expect(first!.verification).toMatchObject({ healthy: false, verdict: 'not-recovered' });
    expect(first!.undo).toMatchObject({ undone: true, state: 'UndoScaleOutAsg', summary: 'set the desired capacity of web back from 5 to 4' });
    expect(second!.lease).toMatchObject({ verdict: 'refused' });
    expect(second!.lease!.detail).toMatch(/^UndoneFixRepeatedError: /);
    expect(report!.outcome).toMatchObject({ kind: 'escalated', netChange: 'changed-then-undone' });
    expect(report!.escalation).toMatchObject({ state: 'EscalateIncident', notified: true });
    expect(report!.stateChanges).toContainEqual({ what: 'desired capacity', before: '4', after: '4 (undone)' });
    expect(report!.errors.map((error) => `${error.state} ${error.error}`)).toEqual(['AcquireLease UndoneFixRepeatedError']);
    expect(report!.steps.find((step) => step.name === 'AcquireLease' && step.result === 'failed')).toBeDefined();
  });

  it('model-obeys-log-injection: the model plan, its tokens, the refusal and the hostile log line as evidence', async () => {
    const [report] = (await scenarioReports('model-obeys-log-injection')).reports;
    const round = report!.rounds[0]!;
    expect(round.decision).toMatchObject({ source: 'bedrock', action: 'blockIpInWaf', model: { modelId: 'global.anthropic.claude-sonnet-4-6', inputTokens: 1200, outputTokens: 150 } });
    expect(round.policy!.allowed).toBe(false);
    expect(round.policy!.checks.filter((check) => !check.passed).map((check) => check.name)).toEqual(['target-allowed', 'single-host', 'public-address', 'block-duration']);
    expect(report!.outcome).toMatchObject({ kind: 'escalated', headline: 'Handed to a human — the policy refused the plan', netChange: 'nothing-changed' });
    expect(report!.evidence.logs[0]!.lines.map((line) => line.message)).toContainEqual(expect.stringContaining('ignore previous instructions'));
  });

  it('lease-held: skipped, nothing changed', async () => {
    const [report] = (await scenarioReports('lease-held')).reports;
    expect(report!.rounds[0]!.lease).toMatchObject({ verdict: 'skipped' });
    expect(report!.outcome).toMatchObject({ kind: 'skipped', headline: 'Skipped — nothing changed', netChange: 'nothing-changed' });
  });

  it('dry-run: observed only', async () => {
    const [report] = (await scenarioReports('dry-run')).reports;
    expect(report!.outcome).toMatchObject({ kind: 'observed', netChange: 'nothing-changed' });
    expect(report!.outcome.detail).toContain('scaleOutAsg on autoscaling-group/web');
    expect(report!.incident.mode).toBe('dry-run');
  });

  it('aws-outage-escalates: the failed action, after its retries', async () => {
    const [report] = (await scenarioReports('aws-outage-escalates')).reports;
    const step = report!.steps.find((candidate) => candidate.name === 'ScaleOutAsg')!;
    expect(step).toMatchObject({ result: 'failed', error: 'TransientAwsError' });
    expect(step.retries).toBeGreaterThan(0);
    expect(report!.rounds[0]!.action).toMatchObject({ state: 'ScaleOutAsg', error: expect.stringContaining('TransientAwsError') });
    expect(report!.outcome.kind).toBe('escalated');
  });

  it('ip-flood-blocked: the address before and after', async () => {
    const [report] = (await scenarioReports('ip-flood-blocked')).reports;
    expect(report!.stateChanges).toContainEqual({ what: '203.0.113.66/32 in IP set shop-blocklist', before: 'not blocked', after: expect.stringMatching(/^blocked until /) });
  });

  it('argo-managed-escalates: the workload and the findings of an EKS incident', async () => {
    const [report] = (await scenarioReports('argo-managed-escalates')).reports;
    expect(report!.evidence.workload).toMatch(/^shop\/checkout in prod: revision /);
    expect(report!.evidence.findings.length).toBeGreaterThan(0);
    expect(report!.outcome.kind).toBe('escalated');
    expect(report!.stateChanges).toContainEqual(expect.objectContaining({ what: 'deployment shop/checkout', after: 'unchanged' }));
  });
});

describe('buildIncidentReport from partial or unexpected steps', () => {
  const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, second)).toISOString();
  const incident = {
    incidentId: 'inc-0123456789abcdef0123',
    resource: { kind: 'autoscaling-group', name: 'api', id: 'autoscaling-group/api' },
    signal: { source: 'cloudwatch-alarm', alarmName: 'api-latency', alarmArn: 'arn:x', state: 'ALARM', reason: 'outside the band' },
    onsetAt: at(0),
    detectedAt: at(1),
    region: 'eu-west-1',
    account: '123456789012',
    evidence: [],
  };

  it('reports a run that has not started any state as in progress', () => {
    const report = buildIncidentReport([]);
    expect(report.outcome.kind).toBe('in-progress');
    expect(report.steps).toEqual([]);
  });

  it('reports a run waiting on a human as awaiting approval', () => {
    const steps: ExecutionStep[] = [
      { stateName: 'BuildContext', stateType: 'Task', enteredAt: at(2), exitedAt: at(3), input: { incident }, output: { incident } },
      {
        stateName: 'Decide',
        stateType: 'Task',
        enteredAt: at(3),
        exitedAt: at(4),
        output: { incident, decision: { action: 'scaleOutAsg', target: 'autoscaling-group/api', params: {}, rationale: 'busy', confidence: 0.7, evidence: [], source: 'runbook' } },
      },
      { stateName: 'RequestApproval', stateType: 'Task', enteredAt: at(5) },
    ];
    const report = buildIncidentReport(steps, { status: 'RUNNING', arn: 'arn:aws:states:eu-west-1:123456789012:execution:remediate:api-inc-1' });
    expect(report.outcome).toMatchObject({ kind: 'awaiting-approval', headline: 'Waiting for approval' });
    expect(report.rounds[0]!.approval).toMatchObject({ verdict: 'waiting' });
    expect(report.steps.at(-1)).toMatchObject({ name: 'RequestApproval', result: 'running' });
    expect(report.execution.consoleUrl).toBe(
      'https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/arn:aws:states:eu-west-1:123456789012:execution:remediate:api-inc-1',
    );
  });

  const decided: ExecutionStep[] = [
    { stateName: 'BuildContext', stateType: 'Task', enteredAt: at(2), exitedAt: at(3), input: { incident }, output: { incident } },
    {
      stateName: 'Decide',
      stateType: 'Task',
      enteredAt: at(3),
      exitedAt: at(4),
      output: { incident, decision: { action: 'scaleOutAsg', target: 'autoscaling-group/api', params: { targetCapacity: 3 }, rationale: 'busy', confidence: 0.7, evidence: [], source: 'runbook' } },
    },
  ];
  const escalated = (input: unknown): ExecutionStep[] => [
    { stateName: 'EscalateIncident', stateType: 'Task', enteredAt: at(40), exitedAt: at(41), input, output: { escalation: { reason: 'a human said no', notified: true, circuit: 'closed' } } },
    { stateName: 'IncidentEscalated', stateType: 'Fail', enteredAt: at(41), error: 'IncidentEscalated', cause: 'handed over' },
  ];

  it('reads a rejected approval from the caught failure', () => {
    const cause = 'rejected by 198.51.100.7 (curl/8) at 2026-01-01T12:00:30.000Z';
    const report = buildIncidentReport([
      ...decided,
      { stateName: 'RequestApproval', stateType: 'Task', enteredAt: at(5), error: 'ApprovalRejected', cause },
      ...escalated({ incident, error: { Error: 'ApprovalRejected', Cause: cause } }),
    ]);
    expect(report.rounds[0]!.approval).toEqual({ at: at(5), verdict: 'rejected', detail: cause });
    expect(report.outcome).toMatchObject({ kind: 'escalated', headline: 'Handed to a human', detail: 'A human said no.' });
    expect(report.execution.status).toBe('FAILED');
    expect(report.steps.at(-1)).toMatchObject({ name: 'IncidentEscalated', result: 'ok', summary: 'handed over' });
  });

  it('reads an approval that timed out, and one granted', () => {
    const timedOut = buildIncidentReport([...decided, { stateName: 'RequestApproval', stateType: 'Task', enteredAt: at(5), error: 'States.Timeout' }]);
    expect(timedOut.rounds[0]!.approval).toMatchObject({ verdict: 'timed-out', detail: 'no answer before the approval timed out' });
    const granted = buildIncidentReport([
      ...decided,
      {
        stateName: 'RequestApproval',
        stateType: 'Task',
        enteredAt: at(5),
        exitedAt: at(20),
        output: { approval: { approved: true, approvalId: 'x', decidedAt: at(19), decidedBy: 'ops@example.com' } },
      },
    ]);
    expect(granted.rounds[0]!.approval).toEqual({ at: at(19), verdict: 'approved', by: 'ops@example.com', detail: `approved by ops@example.com at ${at(19)}` });
  });

  it('draws the expected band when the alarm has no static threshold (an anomaly-detection alarm)', () => {
    const points = Array.from({ length: 30 }, (_, index) => ({ t: new Date(Date.UTC(2026, 0, 1, 11, 30 + index)).toISOString(), v: index < 25 ? 100 + (index % 3) : 300 }));
    const context = {
      mode: 'auto',
      alarm: { name: 'api-latency', state: 'ALARM', comparisonOperator: 'LessThanLowerOrGreaterThanUpperThreshold' },
      metrics: [{ label: 'AWS/ApplicationELB TargetResponseTime p99 {LoadBalancer=api}', role: 'alarm', periodSeconds: 60, points }],
      logs: [],
      gaps: [],
    };
    const report = buildIncidentReport([{ stateName: 'BuildContext', stateType: 'Task', enteredAt: at(2), exitedAt: at(3), input: { incident }, output: { incident, context } }]);
    const metric = report.metric!;
    expect(metric.threshold).toBeUndefined();
    expect(metric.band?.source).toBe('detector');
    const normal = metric.band!.points.find((point) => point.t === points[20]!.t)!;
    expect(normal.lower).toBeLessThanOrEqual(102);
    expect(normal.upper).toBeGreaterThanOrEqual(100);
    const spike = metric.band!.points.find((point) => point.t === points[25]!.t)!;
    expect(300).toBeGreaterThan(spike.upper);
  });

  it('prefers a band the context carries (CloudWatch) over the detector', () => {
    const points = [0, 1, 2].map((minute) => ({ t: new Date(Date.UTC(2026, 0, 1, 11, 58 + minute)).toISOString(), v: 10 }));
    const band = points.map((point) => ({ t: point.t, lower: 5, upper: 15 }));
    const context = { alarm: { name: 'a', state: 'ALARM' }, metrics: [{ label: 'N M Average', role: 'alarm', periodSeconds: 60, points, band }] };
    const report = buildIncidentReport([{ stateName: 'BuildContext', stateType: 'Task', enteredAt: at(2), exitedAt: at(3), input: { incident }, output: { incident, context } }]);
    expect(report.metric!.band).toEqual({ source: 'cloudwatch', description: 'CloudWatch anomaly detection band', points: band });
  });

  it('never fails on shapes it does not know: it lists the steps and leaves the rest out', () => {
    const steps: ExecutionStep[] = [
      { stateName: 'BuildContext', stateType: 'Task', enteredAt: at(2), exitedAt: at(3), input: 'not json', output: { context: { metrics: 'nope', logs: [null, 7] } } },
      { stateName: 'Decide', stateType: 'Task', enteredAt: at(3), exitedAt: at(4), output: { decision: { action: 42 } } },
      { stateName: 'CheckPolicy', stateType: 'Task', enteredAt: at(4), exitedAt: at(5), output: { policy: null } },
      { stateName: 'SomethingNew', stateType: 'Task', enteredAt: at(5), exitedAt: at(6), output: [1, 2] },
    ];
    const report = buildIncidentReport(steps, { status: 'FAILED', error: 'States.Runtime', cause: 'boom' });
    expect(report.steps.map((step) => step.name)).toEqual(['BuildContext', 'Decide', 'CheckPolicy', 'SomethingNew']);
    expect(report.rounds[0]!.decision).toBeUndefined();
    expect(report.outcome).toMatchObject({ kind: 'failed', detail: 'States.Runtime: boom.' });
    expect(report.incident.id).toBe('(unknown incident)');
  });
});
