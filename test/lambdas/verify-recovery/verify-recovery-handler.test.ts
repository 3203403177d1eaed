import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import {
  type AlarmHistoryItem,
  CloudWatchClient,
  DescribeAlarmHistoryCommand,
  type DescribeAlarmHistoryCommandInput,
  DescribeAlarmsCommand,
  type DescribeAlarmsCommandInput,
  type MetricAlarm,
} from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ActionResult } from '../../../lambdas/shared/actions/action-step.js';
import { VerificationSchema } from '../../../lambdas/shared/workflow.js';
import type { handler as VerifyHandler } from '../../../lambdas/verify-recovery/index.js';
import { scopeWith, testAsgResource, testContext, testIncident, testScaleOutResult, testWafIncident, testWafResource } from '../../support/fixtures.js';
import { autoScalingGroup, invoke, metricAlarm, rejectionOf, throttlingError } from '../harness.js';

process.env.RESOURCE_SCOPE = JSON.stringify(
  scopeWith([
    testAsgResource({ dependentAlarmNames: ['db-connections-high'] }),
    testWafResource({ alarmNames: ['site-requests-high', 'site-5xx'], dependentAlarmNames: ['site-latency-high'] }),
  ]),
);

const cloudWatch = mockClient(CloudWatchClient);
const autoScaling = mockClient(AutoScalingClient);

let handler: typeof VerifyHandler;

beforeAll(async () => {
  ({ handler } = await import('../../../lambdas/verify-recovery/index.js'));
});

const ACTED_AT = '2026-11-27T10:00:10.000Z';
const after = (seconds: number) => new Date(Date.parse(ACTED_AT) + seconds * 1_000);

/** The alarms DescribeAlarms knows, by name; absent names are not returned. */
let alarms: Map<string, MetricAlarm>;
/** DescribeAlarmHistory's items, by alarm name; a function makes the call fail. */
let histories: Map<string, AlarmHistoryItem[] | (() => never)>;

function alarmsAre(...list: MetricAlarm[]): void {
  alarms = new Map(list.map((alarm) => [alarm.AlarmName!, alarm]));
}

beforeEach(() => {
  cloudWatch.reset();
  autoScaling.reset();
  alarmsAre(metricAlarm({ state: 'OK', datapoints: [61, 48] }), metricAlarm({ name: 'db-connections-high', state: 'OK' }));
  histories = new Map();
  cloudWatch.on(DescribeAlarmsCommand).callsFake((input: DescribeAlarmsCommandInput) => ({
    MetricAlarms: (input.AlarmNames ?? []).flatMap((name) => (alarms.has(name) ? [alarms.get(name)!] : [])),
  }));
  cloudWatch.on(DescribeAlarmHistoryCommand).callsFake((input: DescribeAlarmHistoryCommandInput) => {
    const items = histories.get(input.AlarmName ?? '') ?? [];
    if (typeof items === 'function') return items();
    return { AlarmHistoryItems: items };
  });
  autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [autoScalingGroup({ desired: 6, inService: 5, pending: 1 })] });
});

/** A state-update history item `seconds` after the action. */
const moved = (alarmName: string, seconds: number, from: string, to: string): AlarmHistoryItem => ({
  AlarmName: alarmName,
  Timestamp: after(seconds),
  HistoryItemType: 'StateUpdate',
  HistorySummary: `Alarm updated from ${from} to ${to}`,
});

const event = (overrides: Record<string, unknown> = {}) => ({
  incident: testIncident(),
  action: testScaleOutResult({ actedAt: ACTED_AT }),
  context: testContext(),
  ...overrides,
});

const blockResult = (): ActionResult => ({
  attempt: 1,
  action: 'blockIpInWaf',
  target: 'waf-ip-set/REGIONAL/site-blocklist',
  changed: true,
  actedAt: ACTED_AT,
  summary: 'blocked 203.0.113.7/32 in site-blocklist until 11:00',
  undoable: true,
  before: { addresses: [] },
  applied: { cidr: '203.0.113.7/32', changed: true },
});

const namesRead = () => cloudWatch.commandCalls(DescribeAlarmsCommand).flatMap((call) => call.args[0].input.AlarmNames ?? []);
const historiesRead = () => cloudWatch.commandCalls(DescribeAlarmHistoryCommand).map((call) => call.args[0].input.AlarmName);

describe('verify-recovery handler', () => {
  it("reads the incident's alarm, the resource's dependent alarms, their histories since the action, and the group", async () => {
    // Act
    const verification = await invoke(handler, event());

    // Assess
    expect(namesRead().sort()).toEqual(['db-connections-high', 'web-cpu-high']);
    expect(cloudWatch.commandCalls(DescribeAlarmsCommand)[0]!.args[0].input.AlarmTypes).toEqual(['MetricAlarm']);
    expect(historiesRead().sort()).toEqual(['db-connections-high', 'web-cpu-high']);
    for (const call of cloudWatch.commandCalls(DescribeAlarmHistoryCommand)) {
      const input = call.args[0].input;
      expect(input).toMatchObject({ HistoryItemType: 'StateUpdate', StartDate: new Date(ACTED_AT), MaxRecords: 50 });
      expect(input.EndDate!.getTime()).toBeGreaterThan(Date.parse(ACTED_AT));
    }
    expect(autoScaling.commandCalls(DescribeAutoScalingGroupsCommand)[0]!.args[0].input).toEqual({ AutoScalingGroupNames: ['web'] });

    expect(verification).toMatchObject({ healthy: true, verdict: 'recovered', undo: false, alarmState: 'OK', tripped: [], desiredCapacity: 6, inServiceInstances: 5 });
    expect(verification.summary).toBe('recovered: web-cpu-high is OK at 48; web desired 6, 5 in service');
    expect(VerificationSchema.safeParse(verification).success).toBe(true);
  });

  it('undoes a scale-out that left the alarm where it was', async () => {
    // Prepare: 95 when planned, 95 now
    alarmsAre(metricAlarm({ state: 'ALARM', datapoints: [95] }), metricAlarm({ name: 'db-connections-high', state: 'OK' }));

    // Act
    const verification = await invoke(handler, event());

    // Assess
    expect(verification).toMatchObject({ healthy: false, verdict: 'not-recovered', undo: true, alarmState: 'ALARM' });
    expect(verification.summary).toContain('web-cpu-high is ALARM at 95');
  });

  it("keeps a scale-out that moved CPU toward the threshold, judged against the plan's value", async () => {
    // Prepare: 95 when planned, 80 now (threshold 70)
    alarmsAre(metricAlarm({ state: 'ALARM', datapoints: [80] }), metricAlarm({ name: 'db-connections-high', state: 'OK' }));

    // Act
    const verification = await invoke(handler, event());

    // Assess
    expect(verification).toMatchObject({ healthy: false, verdict: 'improving', undo: false });
  });

  it('does not undo an action that changed nothing', async () => {
    // Prepare
    alarmsAre(metricAlarm({ state: 'ALARM', datapoints: [95] }));

    // Act
    const verification = await invoke(handler, event({ action: testScaleOutResult({ actedAt: ACTED_AT, changed: false, beforeCapacity: 6 }) }));

    // Assess
    expect(verification).toMatchObject({ healthy: false, verdict: 'not-recovered', undo: false });
  });

  it('does not undo an action that cannot be undone', async () => {
    // Prepare
    alarmsAre(metricAlarm({ state: 'ALARM', datapoints: [95] }));

    // Act
    const verification = await invoke(handler, event({ action: testScaleOutResult({ actedAt: ACTED_AT, undoable: false }) }));

    // Assess
    expect(verification.undo).toBe(false);
  });

  it('undoes a scale-out that tripped a dependent alarm, although the primary recovered', async () => {
    // Prepare
    alarmsAre(metricAlarm({ state: 'OK', datapoints: [48] }), metricAlarm({ name: 'db-connections-high', state: 'ALARM' }));
    histories.set('db-connections-high', [moved('db-connections-high', 90, 'OK', 'ALARM')]);

    // Act
    const verification = await invoke(handler, event());

    // Assess
    expect(verification).toMatchObject({ healthy: false, verdict: 'unintended-consequence', undo: true, alarmState: 'OK', tripped: ['db-connections-high'] });
  });

  it('does not blame the action for a dependent alarm already in ALARM before it (no state change since)', async () => {
    // Prepare
    alarmsAre(metricAlarm({ state: 'OK', datapoints: [48] }), metricAlarm({ name: 'db-connections-high', state: 'ALARM' }));

    // Act
    const verification = await invoke(handler, event());

    // Assess
    expect(verification).toMatchObject({ healthy: true, verdict: 'recovered', tripped: [] });
  });

  it("counts a dependent alarm in ALARM as tripped when its history can't be read, and still answers", async () => {
    // Prepare
    alarmsAre(metricAlarm({ state: 'OK', datapoints: [48] }), metricAlarm({ name: 'db-connections-high', state: 'ALARM' }));
    histories.set('db-connections-high', () => {
      throw throttlingError();
    });

    // Act
    const verification = await invoke(handler, event());

    // Assess
    expect(verification).toMatchObject({ healthy: false, verdict: 'unintended-consequence', undo: true, tripped: ['db-connections-high'] });
  });

  it('judges the primary by its state now when its history cannot be read', async () => {
    // Prepare
    histories.set('web-cpu-high', () => {
      throw throttlingError();
    });

    // Act
    const verification = await invoke(handler, event());

    // Assess
    expect(verification).toMatchObject({ healthy: true, verdict: 'recovered' });
  });

  it('finds a primary alarm that flapped inside the window not healthy', async () => {
    // Prepare
    histories.set('web-cpu-high', [moved('web-cpu-high', 60, 'ALARM', 'OK'), moved('web-cpu-high', 120, 'OK', 'ALARM'), moved('web-cpu-high', 200, 'ALARM', 'OK')]);

    // Act
    const verification = await invoke(handler, event());

    // Assess: a scale-out is incremental, so the step is kept for the next attempt
    expect(verification).toMatchObject({ healthy: false, verdict: 'flapping', alarmState: 'OK', undo: false });
  });

  it('judges a vanished alarm not healthy', async () => {
    // Prepare
    alarmsAre(metricAlarm({ name: 'db-connections-high', state: 'OK' }));

    // Act
    const verification = await invoke(handler, event());

    // Assess
    expect(verification).toMatchObject({ healthy: false, alarmState: 'INSUFFICIENT_DATA' });
    expect(verification.summary).toContain('web-cpu-high not found');
  });

  it('ignores an alarm with another name in the response', async () => {
    // Prepare
    cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [metricAlarm({ name: 'web-cpu-high-2', state: 'OK' })] });

    // Act
    const verification = await invoke(handler, event());

    // Assess
    expect(verification.healthy).toBe(false);
  });

  describe('an incident opened by a log detection', () => {
    const wafEvent = () => event({ incident: testWafIncident(), action: blockResult(), context: { ...testContext(), autoScalingGroup: undefined, alarm: undefined } });

    it("watches the resource's own alarms and its dependents, and reads no group", async () => {
      // Prepare
      alarmsAre(
        metricAlarm({ name: 'site-requests-high', state: 'OK', datapoints: [120] }),
        metricAlarm({ name: 'site-5xx', state: 'OK', datapoints: [0] }),
        metricAlarm({ name: 'site-latency-high', state: 'OK' }),
      );

      // Act
      const verification = await invoke(handler, wafEvent());

      // Assess
      expect(namesRead().sort()).toEqual(['site-5xx', 'site-latency-high', 'site-requests-high']);
      expect(historiesRead().sort()).toEqual(['site-5xx', 'site-latency-high', 'site-requests-high']);
      expect(autoScaling.calls()).toHaveLength(0);
      expect(verification).toMatchObject({ healthy: true, verdict: 'recovered', undo: false });
      expect(verification.desiredCapacity).toBeUndefined();
      expect(verification.summary).toBe('recovered: site-requests-high is OK at 120; site-5xx is OK at 0');
    });

    it('undoes the block when one of the alarms is still in ALARM (a block is not incremental)', async () => {
      // Prepare
      alarmsAre(
        metricAlarm({ name: 'site-requests-high', state: 'OK', datapoints: [120] }),
        metricAlarm({ name: 'site-5xx', state: 'ALARM', datapoints: [40] }),
        metricAlarm({ name: 'site-latency-high', state: 'OK' }),
      );

      // Act
      const verification = await invoke(handler, wafEvent());

      // Assess
      expect(verification).toMatchObject({ healthy: false, verdict: 'not-recovered', undo: true, alarmState: 'ALARM' });
    });

    it('undoes the block when the dependent latency alarm went into ALARM after it', async () => {
      // Prepare
      alarmsAre(
        metricAlarm({ name: 'site-requests-high', state: 'OK' }),
        metricAlarm({ name: 'site-5xx', state: 'OK' }),
        metricAlarm({ name: 'site-latency-high', state: 'ALARM' }),
      );
      histories.set('site-latency-high', [moved('site-latency-high', 30, 'OK', 'ALARM')]);

      // Act
      const verification = await invoke(handler, wafEvent());

      // Assess
      expect(verification).toMatchObject({ verdict: 'unintended-consequence', undo: true, tripped: ['site-latency-high'] });
    });
  });

  it('refuses an incident whose resource is no longer registered as OutOfScopeError, reading nothing', async () => {
    // Act
    const error = await rejectionOf(invoke(handler, event({ incident: testIncident({ resource: { kind: 'autoscaling-group', name: 'api', id: 'autoscaling-group/api' } }) })));

    // Assess
    expect(error.name).toBe('OutOfScopeError');
    expect(cloudWatch.calls()).toHaveLength(0);
    expect(autoScaling.calls()).toHaveLength(0);
  });

  it('reports a group that no longer exists as TargetNotFoundError', async () => {
    // Prepare
    autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [] });

    // Act
    const error = await rejectionOf(invoke(handler, event()));

    // Assess
    expect(error.name).toBe('TargetNotFoundError');
  });

  it('reports a throttled DescribeAlarms as TransientAwsError', async () => {
    // Prepare
    cloudWatch.on(DescribeAlarmsCommand).rejects(throttlingError());

    // Act
    const error = await rejectionOf(invoke(handler, event()));

    // Assess
    expect(error.name).toBe('TransientAwsError');
    expect(error.message).toContain('DescribeAlarms');
  });

  it('refuses input without the action as MalformedEventError, reading nothing', async () => {
    // Act
    const error = await rejectionOf(invoke(handler, { incident: testIncident(), context: testContext() }));

    // Assess
    expect(error.name).toBe('MalformedEventError');
    expect(error.message).toMatch(/action: /);
    expect(cloudWatch.calls()).toHaveLength(0);
    expect(autoScaling.calls()).toHaveLength(0);
  });
});
