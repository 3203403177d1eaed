import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { handler as RecordOutcomeHandler } from '../../../lambdas/record-outcome/index.js';
import { metrics } from '../../../lambdas/shared/powertools.js';
import type { Decision, ScaleOutResult, Verification } from '../../../lambdas/shared/workflow.js';
import { testIncident, testScaleOutResult, testVerification, testWafIncident } from '../../support/fixtures.js';
import { conditionalCheckFailed, EXECUTION_ARN, invoke, rejectionOf, TABLE_NAME, throttlingError, TOPIC_ARN } from '../harness.js';

process.env.TABLE_NAME = TABLE_NAME;

const dynamo = mockClient(DynamoDBDocumentClient);
const sns = mockClient(SNSClient);

const NOW = new Date('2026-11-27T10:07:00.000Z');
const NOW_SECONDS = NOW.getTime() / 1000;
const INCIDENT_KEY = { pk: 'INCIDENT#inc-0123456789abcdef0123', sk: 'META' };
const LEASE_KEY = { pk: 'RESOURCE#autoscaling-group/web', sk: 'LEASE' };

let handler: typeof RecordOutcomeHandler;
let sequence: string[];

beforeAll(async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  ({ handler } = await import('../../../lambdas/record-outcome/index.js'));
});

afterAll(() => {
  vi.useRealTimers();
});

beforeEach(() => {
  vi.setSystemTime(NOW);
  sequence = [];
  dynamo.reset();
  dynamo.on(QueryCommand).resolves({ Items: [] });
  dynamo.on(GetCommand).resolves({});
  dynamo.on(DeleteCommand).callsFake(() => {
    sequence.push('DeleteItem OPEN');
    return {};
  });
  dynamo.on(UpdateCommand).callsFake((input: UpdateCommandInput) => {
    sequence.push(`UpdateItem ${String(input.Key?.sk)}`);
    return {};
  });
  dynamo.on(PutCommand).callsFake(() => {
    sequence.push('PutItem history');
    return {};
  });
});

const decision: Decision = {
  source: 'runbook',
  runbookId: 'asg-cpu-high-scale-out',
  action: 'scaleOutAsg',
  rationale: 'CPU alarm web-cpu-high on web: scaling out 4 → 6.',
  params: { autoScalingGroupName: 'web', targetCapacity: 6 },
  target: 'autoscaling-group/web',
  confidence: 0.8,
  evidence: [],
};
const action: ScaleOutResult = testScaleOutResult({ attempt: 1 });
const verification: Verification = testVerification({
  checkedAt: '2026-11-27T10:06:00.000Z',
  summary: 'alarm web-cpu-high is OK at 48; web desired 6, 6 in service (target 6)',
});

const resolved = () => ({
  incident: testIncident(),
  outcome: 'resolved',
  decision,
  action,
  verification,
  attempt: 1,
  executionId: EXECUTION_ARN,
  cooldownSeconds: 900,
});

function updatesOf(key: { sk: string }) {
  return dynamo.commandCalls(UpdateCommand).filter((call) => call.args[0].input.Key?.sk === key.sk);
}

describe('record-outcome handler', () => {
  it('closes a resolved incident, appends it to the history, then releases the lease with a cooldown', async () => {
    // Act
    const result = await invoke(handler, resolved());

    // Assess
    expect(sequence).toEqual(['UpdateItem META', 'PutItem history', 'DeleteItem OPEN', 'UpdateItem LEASE']);

    const [close] = updatesOf(INCIDENT_KEY);
    expect(close!.args[0].input.Key).toEqual(INCIDENT_KEY);
    expect(close!.args[0].input.ExpressionAttributeValues).toMatchObject({
      ':status': 'resolved',
      ':closedAt': '2026-11-27T10:07:00.000Z',
      ':attempts': 1,
      ':details': { summary: result.summary, decision, action, verification, executionId: EXECUTION_ARN },
    });

    const puts = dynamo.commandCalls(PutCommand);
    expect(puts).toHaveLength(1);
    expect(puts[0]!.args[0].input.Item).toMatchObject({
      pk: 'RESOURCE#autoscaling-group/web',
      sk: 'HISTORY#2026-11-27T10:00:00.000Z#inc-0123456789abcdef0123',
      type: 'history',
      incidentId: 'inc-0123456789abcdef0123',
      outcome: 'resolved',
      action: 'scaleOutAsg',
      attempts: 1,
      summary: result.summary,
    });

    const [release] = updatesOf(LEASE_KEY);
    expect(release!.args[0].input.Key).toEqual(LEASE_KEY);
    expect(release!.args[0].input.ConditionExpression).toBe('holder = :me');
    expect(release!.args[0].input.ExpressionAttributeValues).toMatchObject({
      ':me': 'inc-0123456789abcdef0123',
      ':cooldownUntil': NOW_SECONDS + 900,
    });
    expect(release!.args[0].input.UpdateExpression).toContain('REMOVE holder, leaseExpiresAt');

    expect(result).toEqual({
      outcome: 'resolved',
      summary: 'resolved after 1 attempt(s): raised the desired capacity of web from 4 to 6; alarm web-cpu-high is OK at 48; web desired 6, 6 in service (target 6)',
      leaseReleased: true,
      cooldownSeconds: 900,
    });
  });

  it("closes a resolved incident whose action was not a scale-out (a WAF block), with the action's own summary", async () => {
    // Prepare: what BlockIpInWaf returns; RecordOutcome receives it as $.action
    const block = {
      attempt: 1,
      action: 'blockIpInWaf',
      target: 'waf-ip-set/REGIONAL/site-blocklist',
      changed: true,
      actedAt: '2026-11-27T10:00:10.000Z',
      summary: 'blocked 198.51.100.7/32 in REGIONAL/site-blocklist until 2026-11-27T11:00:10.000Z',
      undoable: true,
      before: { present: false },
      applied: { blockId: 'blk-0123456789abcdef0123456789ab', changed: true },
    };
    const event = {
      ...resolved(),
      incident: testWafIncident(),
      decision: { ...decision, action: 'blockIpInWaf', params: { ipSetName: 'site-blocklist', scope: 'REGIONAL', cidr: '198.51.100.7/32', durationMinutes: 60 }, target: block.target },
      action: block,
      verification: testVerification({ desiredCapacity: undefined, inServiceInstances: undefined, summary: 'recovered: site-requests-high is OK at 120' }),
    };

    // Act
    const result = await invoke(handler, event);

    // Assess
    expect(result).toMatchObject({ outcome: 'resolved', leaseReleased: true });
    expect(result.summary).toContain(block.summary);
    expect(result.summary).toContain('recovered: site-requests-high is OK at 120');
    expect(result.summary).not.toContain('capacity');
  });

  it('doubles the cooldown for every failed remediation of the resource in the window', async () => {
    // Prepare: two earlier attempts on the resource failed verification within the window.
    const failed = (n: number) => ({
      incidentId: `inc-old-${n}`,
      attempt: 1,
      action: 'scaleOutAsg',
      target: 'autoscaling-group/web',
      at: new Date(NOW.getTime() - n * 600_000).toISOString(),
      result: 'unhealthy',
    });
    dynamo.on(QueryCommand).resolves({ Items: [failed(1), failed(2)] });

    // Act
    const result = await invoke(handler, resolved());

    // Assess
    expect(result.cooldownSeconds).toBe(3_600);
    const [release] = updatesOf(LEASE_KEY);
    expect(release!.args[0].input.ExpressionAttributeValues).toMatchObject({ ':cooldownUntil': NOW_SECONDS + 3_600 });
  });

  it('reports the lease as not released when another run has taken it since', async () => {
    // Prepare
    dynamo.on(UpdateCommand, { Key: LEASE_KEY }).rejects(conditionalCheckFailed());

    // Act
    const result = await invoke(handler, resolved());

    // Assess
    expect(result.leaseReleased).toBe(false);
    expect(updatesOf(INCIDENT_KEY)).toHaveLength(1);
    expect(updatesOf(LEASE_KEY)).toHaveLength(1);
  });

  it('records a skip without touching the lease it never held', async () => {
    // Prepare
    const event = {
      incident: testIncident(),
      outcome: 'skipped',
      decision,
      skip: { Error: 'LeaseHeldError', Cause: '{"errorType":"LeaseHeldError","errorMessage":"held by inc-other"}' },
      executionId: EXECUTION_ARN,
      cooldownSeconds: 900,
    };

    // Act
    const result = await invoke(handler, event);

    // Assess
    expect(result).toEqual({ outcome: 'skipped', summary: 'skipped: held by inc-other', leaseReleased: false });
    expect(updatesOf(LEASE_KEY)).toHaveLength(0);
    expect(updatesOf(INCIDENT_KEY)[0]!.args[0].input.ExpressionAttributeValues).toMatchObject({ ':status': 'skipped', ':attempts': 0 });
    expect(dynamo.commandCalls(PutCommand)[0]!.args[0].input.Item).toMatchObject({ outcome: 'skipped', summary: 'skipped: held by inc-other' });
  });

  it('records an observed plan without touching the lease', async () => {
    // Prepare
    const event = { incident: testIncident(), outcome: 'observed', decision, executionId: EXECUTION_ARN, cooldownSeconds: 900 };

    // Act
    const result = await invoke(handler, event);

    // Assess
    expect(result.leaseReleased).toBe(false);
    expect(result.summary).toBe('observed: would scaleOutAsg on autoscaling-group/web [runbook:asg-cpu-high-scale-out]: CPU alarm web-cpu-high on web: scaling out 4 → 6.');
    expect(updatesOf(LEASE_KEY)).toHaveLength(0);
    expect(updatesOf(INCIDENT_KEY)[0]!.args[0].input.ExpressionAttributeValues).toMatchObject({ ':status': 'observed' });
  });

  it('reports a throttled close as TransientAwsError, before writing the history or releasing', async () => {
    // Prepare
    dynamo.on(UpdateCommand, { Key: INCIDENT_KEY }).rejects(throttlingError());

    // Act
    const error = await rejectionOf(invoke(handler, resolved()));

    // Assess
    expect(error.name).toBe('TransientAwsError');
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
    expect(updatesOf(LEASE_KEY)).toHaveLength(0);
  });

  it.each([
    ['the escalated outcome, which belongs to escalate-incident', { outcome: 'escalated' }, /outcome: /],
    ['no cooldown', { cooldownSeconds: undefined }, /cooldownSeconds: /],
    ['a verification without its verdict', { verification: { ...verification, healthy: undefined } }, /verification\.healthy: /],
  ])('refuses input with %s as MalformedEventError, writing nothing', async (_title, overrides, field) => {
    // Act
    const error = await rejectionOf(invoke(handler, { ...resolved(), ...overrides }));

    // Assess
    expect(error.name).toBe('MalformedEventError');
    expect(error.message).toMatch(field);
    expect(dynamo.calls()).toHaveLength(0);
  });

  describe('time to recover and the verified-healthy notification', () => {
    beforeEach(() => {
      process.env.NOTIFICATION_TOPIC_ARN = TOPIC_ARN;
      sns.reset();
      sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    });

    afterEach(() => {
      delete process.env.NOTIFICATION_TOPIC_ARN;
      vi.restoreAllMocks();
    });

    it('counts the seconds from onset to the recorded recovery, under the resolved outcome', async () => {
      // Prepare
      const dimensions = vi.spyOn(metrics, 'addDimension');
      const counted = vi.spyOn(metrics, 'addMetric');

      // Act
      await invoke(handler, resolved());

      // Assess: onset 10:00:00, recorded at 10:07:00.
      expect(dimensions).toHaveBeenCalledWith('outcome', 'resolved');
      expect(counted).toHaveBeenCalledWith('IncidentsClosed', 'Count', 1);
      expect(counted).toHaveBeenCalledWith('TimeToRecoverSeconds', 'Seconds', 420);
    });

    it('announces the verified recovery once', async () => {
      // Act
      const result = await invoke(handler, resolved());

      // Assess
      const publishes = sns.commandCalls(PublishCommand);
      expect(publishes).toHaveLength(1);
      expect(publishes[0]!.args[0].input.MessageAttributes?.type?.StringValue).toBe('verified-healthy');
      expect(JSON.parse(publishes[0]!.args[0].input.Message!)).toMatchObject({
        type: 'verified-healthy',
        incidentId: 'inc-0123456789abcdef0123',
        resourceId: 'autoscaling-group/web',
        summary: result.summary,
        executionArn: EXECUTION_ARN,
        details: { action: 'scaleOutAsg', attempts: 1, verification: verification.summary, timeToRecoverSeconds: 420, cooldownSeconds: 900 },
      });
    });

    it('neither times nor announces an outcome that is not a recovery', async () => {
      // Prepare
      const counted = vi.spyOn(metrics, 'addMetric');

      // Act
      await invoke(handler, { incident: testIncident(), outcome: 'observed', decision, executionId: EXECUTION_ARN, cooldownSeconds: 900 });

      // Assess
      expect(counted).not.toHaveBeenCalledWith('TimeToRecoverSeconds', expect.anything(), expect.anything());
      expect(sns.calls()).toHaveLength(0);
    });

    it('still records the outcome when SNS refuses the notification', async () => {
      // Prepare
      sns.on(PublishCommand).rejects(throttlingError());

      // Act
      const result = await invoke(handler, resolved());

      // Assess
      expect(result).toMatchObject({ outcome: 'resolved', leaseReleased: true });
    });
  });
});
