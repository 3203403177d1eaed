import { describe, expect, it } from 'vitest';
import { plannedOutcome } from '../../cli/replay/planned-calls.js';
import { describeShift, retimeIncident } from '../../cli/replay/retime-incident.js';
import type { Incident } from '../../lambdas/shared/incident.js';
import type { Decision, IncidentContext, PolicyVerdict } from '../../lambdas/shared/workflow.js';

/** What a replay says would happen after CheckPolicy, on every path of the state machine's choices. */
const incident: Incident = {
  incidentId: 'inc-00000000000000000001',
  resource: { kind: 'autoscaling-group', name: 'web', id: 'autoscaling-group/web' },
  signal: { source: 'cloudwatch-alarm', alarmName: 'web-cpu-high', alarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:web-cpu-high', state: 'ALARM', reason: 'Threshold Crossed' },
  onsetAt: '2025-06-03T14:21:09.512Z',
  detectedAt: '2025-06-03T14:21:10.000Z',
  region: 'us-east-1',
  account: '123456789012',
  evidence: [{ kind: 'alarm-state-change', at: '2025-06-03T14:21:09.512Z', summary: 'OK → ALARM', data: {} }],
};

const context: IncidentContext = {
  mode: 'auto',
  limits: { maxStep: 2, maxAttempts: 3, leaseSeconds: 1_800, cooldownSeconds: 900, verifyAfterSeconds: 300, approvalTimeoutSeconds: 3_600, flapGuard: undefined as never },
  resource: { id: 'autoscaling-group/web', dependencies: [] },
  autoScalingGroup: { name: 'web', minSize: 2, maxSize: 10, desiredCapacity: 4, inServiceInstances: 4 },
  alarm: { name: 'web-cpu-high', state: 'ALARM' },
  alarmHistory: [],
  metrics: [],
  logs: [],
  changes: [],
  recentIncidents: [],
  gatheredAt: '2025-06-03T14:22:00.000Z',
  gaps: [],
  trimmed: [],
};

const scaleOut: Decision = {
  action: 'scaleOutAsg',
  params: { autoScalingGroupName: 'web', targetCapacity: 6 },
  target: 'autoscaling-group/web',
  rationale: 'CPU 95% on 4 instances',
  confidence: 0.8,
  evidence: [],
  source: 'runbook',
};

const verdict = (allowed: boolean, autonomy: PolicyVerdict['autonomy'], reasons: string[] = []): PolicyVerdict => ({ allowed, autonomy, checks: [], reasons, summary: '' });

describe('what a replay says would happen', () => {
  it('auto: the exact calls, in order, then verification and the undo', () => {
    const outcome = plannedOutcome(incident, context, scaleOut, verdict(true, 'auto'));
    expect(outcome.path).toBe('act');
    expect(outcome.headline).toBe('would do:');
    expect(outcome.calls).toEqual([
      'DynamoDB UpdateItem lease of autoscaling-group/web (held 1800 s) and PutItem attempt 1 with the before-state',
      'AutoScaling SetDesiredCapacity web 4 → 6 (HonorCooldown false)',
    ]);
    expect(outcome.then[0]).toMatch(/^wait 300 s, then VerifyRecovery reads web-cpu-high/);
    expect(outcome.then[1]).toBe('if it has not recovered: Set the desired capacity back to the value recorded before the action.');
  });

  it('a denied plan escalates with the policy\'s reasons, and calls nothing', () => {
    const outcome = plannedOutcome(incident, context, scaleOut, verdict(false, 'observe', ['within-max-step: step 4, maximum 2']));
    expect(outcome).toEqual({ path: 'escalate', headline: 'would escalate: the policy denies the plan — within-max-step: step 4, maximum 2', calls: [], then: [] });
  });

  it('escalateOnly escalates with the plan\'s reason', () => {
    const escalate: Decision = { ...scaleOut, action: 'escalateOnly', params: { reason: 'no runbook matches' }, target: 'none' };
    expect(plannedOutcome(incident, context, escalate, verdict(true, 'auto'))).toMatchObject({ path: 'escalate', headline: 'would escalate: no runbook matches', calls: [] });
  });

  it('observe (dry-run mode) records the plan and says what it would have called', () => {
    const outcome = plannedOutcome(incident, { ...context, mode: 'dry-run' }, scaleOut, verdict(true, 'observe'));
    expect(outcome.path).toBe('record');
    expect(outcome.headline).toContain('would record the plan and change nothing (autonomy observe, dry-run mode)');
    expect(outcome.calls).toContain('AutoScaling SetDesiredCapacity web 4 → 6 (HonorCooldown false)');
    expect(outcome.then).toEqual([]);
  });

  it('recommend sends the plan to a human; approve waits for one, then acts', () => {
    expect(plannedOutcome(incident, context, scaleOut, verdict(true, 'recommend'))).toMatchObject({ path: 'recommend', then: [] });
    const approve = plannedOutcome(incident, context, scaleOut, verdict(true, 'approve'));
    expect(approve.path).toBe('approve-then-act');
    expect(approve.headline).toContain('waits up to 3600 s');
    expect(approve.then).toHaveLength(2);
  });

  it('blockIpInWaf: reads the set, records the block, schedules its expiry, then adds the address', () => {
    const block: Decision = {
      ...scaleOut,
      action: 'blockIpInWaf',
      params: { ipSetName: 'shop-blocklist', scope: 'REGIONAL', cidr: '203.0.113.7/32', durationMinutes: 60 },
      target: 'waf-ip-set/REGIONAL/shop-blocklist',
    };
    const calls = plannedOutcome(incident, context, block, verdict(true, 'auto')).calls;
    expect(calls.map((call) => call.split(' ').slice(0, 2).join(' '))).toEqual(['DynamoDB UpdateItem', 'WAFV2 GetIPSet', 'DynamoDB PutItem', 'Scheduler CreateSchedule:', 'WAFV2 UpdateIPSet']);
    expect(calls.at(-1)).toBe('WAFV2 UpdateIPSet shop-blocklist (REGIONAL): add 203.0.113.7/32');
  });
});

describe('moving an incident to now (offline)', () => {
  it('puts the onset a minute before now and keeps every interval', () => {
    const now = new Date('2026-01-01T00:00:00.000Z');
    const { incident: moved, shiftMs } = retimeIncident(incident, now);
    expect(moved.onsetAt).toBe('2025-12-31T23:59:00.000Z');
    expect(Date.parse(moved.detectedAt) - Date.parse(moved.onsetAt)).toBe(488);
    expect(moved.evidence[0]!.at).toBe(moved.onsetAt);
    expect(moved.incidentId).toBe(incident.incidentId);
    expect(describeShift(shiftMs)).toBe('forward 211d 9h 38m');
  });

  it('leaves an incident that is already now alone', () => {
    const now = new Date(Date.parse(incident.onsetAt) + 60_000);
    expect(retimeIncident(incident, now)).toEqual({ incident, shiftMs: 0 });
  });
});
