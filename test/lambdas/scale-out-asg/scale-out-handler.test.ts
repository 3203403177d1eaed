import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  type DescribeAutoScalingGroupsCommandInput,
  SetDesiredCapacityCommand,
} from '@aws-sdk/client-auto-scaling';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { handler as ScaleOutHandler } from '../../../lambdas/scale-out-asg/index.js';
import { metrics } from '../../../lambdas/shared/powertools.js';
import type { Decision, ScaleOutResult } from '../../../lambdas/shared/workflow.js';
import { testIncident, testScaleOutResult, testScope } from '../../support/fixtures.js';
import {
  autoScalingGroup,
  conditionalCheckFailed,
  EXECUTION_ARN,
  invoke,
  rejectionOf,
  TABLE_NAME,
  throttlingError,
  TOPIC_ARN,
} from '../harness.js';

process.env.RESOURCE_SCOPE = JSON.stringify(testScope({ maxStep: 2, maxCapacity: 8 }));
process.env.TABLE_NAME = TABLE_NAME;

const dynamo = mockClient(DynamoDBDocumentClient);
const autoScaling = mockClient(AutoScalingClient);
const sns = mockClient(SNSClient);

let handler: typeof ScaleOutHandler;

beforeAll(async () => {
  ({ handler } = await import('../../../lambdas/scale-out-asg/index.js'));
});

/** The AWS calls in the order they were made, across both clients. */
let sequence: string[];

/** Answers DescribeAutoScalingGroups from these groups, by the name asked for. */
function groupsAre(...groups: AutoScalingGroup[]): void {
  autoScaling.on(DescribeAutoScalingGroupsCommand).callsFake((input: DescribeAutoScalingGroupsCommandInput) => {
    sequence.push('DescribeAutoScalingGroups');
    return { AutoScalingGroups: groups.filter((group) => input.AutoScalingGroupNames?.includes(group.AutoScalingGroupName ?? '')) };
  });
}

beforeEach(() => {
  sequence = [];
  dynamo.reset();
  autoScaling.reset();
  groupsAre(autoScalingGroup({ desired: 4, max: 10 }));
  autoScaling.on(SetDesiredCapacityCommand).callsFake(() => {
    sequence.push('SetDesiredCapacity');
    return {};
  });
  dynamo.on(PutCommand).callsFake(() => {
    sequence.push('PutItem');
    return {};
  });
});

/** A scale-out plan and the capacity it was made from (what BuildContext read, passed by the ASL as plannedFrom). */
function scaleOutDecision(fromCapacity = 4, targetCapacity = 6, autoScalingGroupName = 'web'): Decision & { plannedFrom: number } {
  return {
    source: 'runbook',
    runbookId: 'asg-cpu-high-scale-out',
    action: 'scaleOutAsg',
    rationale: `scaling out ${fromCapacity} → ${targetCapacity}`,
    params: { autoScalingGroupName, targetCapacity },
    target: `autoscaling-group/${autoScalingGroupName}`,
    confidence: 0.8,
    evidence: [],
    plannedFrom: fromCapacity,
  };
}

function event(decision: Decision & { plannedFrom?: number } = scaleOutDecision(), overrides: Record<string, unknown> = {}) {
  const { plannedFrom = 4, ...plan } = decision;
  return { operation: 'apply', incident: testIncident(), attempt: 1, decision: plan, plannedFrom, executionId: EXECUTION_ARN, ...overrides };
}

/** What apply returned, narrowed for the assertions (an apply never returns an undo result). */
async function applied(input: unknown): Promise<ScaleOutResult> {
  const result = await invoke(handler, input);
  expect(result).toHaveProperty('beforeCapacity');
  return result as ScaleOutResult;
}

function expectNothingChanged(): void {
  expect(autoScaling.commandCalls(SetDesiredCapacityCommand)).toHaveLength(0);
  expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
}

describe('scale-out-asg handler', () => {
  it('records the before-state, then sets the planned desired capacity', async () => {
    // Act
    const result = await applied(event());

    // Assess
    expect(sequence).toEqual(['DescribeAutoScalingGroups', 'PutItem', 'PutItem', 'SetDesiredCapacity']);

    const puts = dynamo.commandCalls(PutCommand);
    expect(puts).toHaveLength(2);
    expect(puts[1]!.args[0].input.Item).toMatchObject({
      pk: 'RESOURCE#autoscaling-group/web',
      sk: 'ACTION#inc-0123456789abcdef0123#0001',
      type: 'action',
      action: 'scaleOutAsg',
      target: 'autoscaling-group/web',
      result: 'pending',
      effect: { before: 4, after: 6 },
    });
    expect(puts[1]!.args[0].input.ConditionExpression).toBe('attribute_not_exists(pk)');
    const put = puts[0]!.args[0].input;
    expect(put.TableName).toBe(TABLE_NAME);
    expect(put.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(put.Item).toMatchObject({
      pk: 'INCIDENT#inc-0123456789abcdef0123',
      sk: 'ATTEMPT#0001',
      type: 'attempt',
      action: 'scaleOutAsg',
      attempt: 1,
      executionId: EXECUTION_ARN,
      params: { autoScalingGroupName: 'web', targetCapacity: 6 },
      before: { name: 'web', minSize: 2, maxSize: 10, desiredCapacity: 4, inServiceInstances: 4 },
    });

    const sets = autoScaling.commandCalls(SetDesiredCapacityCommand);
    expect(sets).toHaveLength(1);
    expect(sets[0]!.args[0].input).toEqual({ AutoScalingGroupName: 'web', DesiredCapacity: 6, HonorCooldown: false });

    expect(result).toMatchObject({
      attempt: 1,
      action: 'scaleOutAsg',
      target: 'autoscaling-group/web',
      autoScalingGroupName: 'web',
      beforeCapacity: 4,
      targetCapacity: 6,
      changed: true,
      undoable: true,
      // What the undo needs, and nothing else: the capacity before and the one set.
      before: { desiredCapacity: 4 },
      applied: { targetCapacity: 6 },
      summary: 'raised the desired capacity of web from 4 to 6',
    });
    expect(Number.isNaN(Date.parse(result.actedAt))).toBe(false);
  });

  it('does not act when the attempt cannot be recorded', async () => {
    // Prepare
    dynamo.on(PutCommand).rejects(throttlingError());

    // Act
    const error = await rejectionOf(invoke(handler, event()));

    // Assess
    expect(error.name).toBe('TransientAwsError');
    expect(autoScaling.commandCalls(SetDesiredCapacityCommand)).toHaveLength(0);
  });

  it('reports a throttled SetDesiredCapacity as TransientAwsError, after recording the attempt', async () => {
    // Prepare
    autoScaling.on(SetDesiredCapacityCommand).rejects(throttlingError());

    // Act
    const error = await rejectionOf(invoke(handler, event()));

    // Assess
    expect(error.name).toBe('TransientAwsError');
    expect(error.message).toContain('SetDesiredCapacity');
    expect(dynamo.commandCalls(PutCommand).map((call) => call.args[0].input.Item?.type)).toEqual(['attempt', 'action']);
  });

  it('changes nothing when the group already has the target capacity', async () => {
    // Prepare
    groupsAre(autoScalingGroup({ desired: 6, max: 10 }));

    // Act
    const result = await applied(event());

    // Assess
    expect(autoScaling.commandCalls(SetDesiredCapacityCommand)).toHaveLength(0);
    expect(result.summary).toBe('web already had desired capacity 6');
    expect(result.changed).toBe(false);
    expect(result.targetCapacity).toBe(6);
    expect(result.beforeCapacity).toBe(6);
  });

  it("reports the first try's before-capacity when a retried attempt finds its record", async () => {
    // Prepare: the first try recorded 4 and raised the group to 6, then timed out.
    groupsAre(autoScalingGroup({ desired: 6, max: 10 }));
    dynamo.on(PutCommand).rejects(conditionalCheckFailed());
    dynamo.on(GetCommand).resolves({
      Item: {
        pk: 'INCIDENT#inc-0123456789abcdef0123',
        sk: 'ATTEMPT#0001',
        type: 'attempt',
        incidentId: 'inc-0123456789abcdef0123',
        attempt: 1,
        action: 'scaleOutAsg',
        params: { autoScalingGroupName: 'web', targetCapacity: 6 },
        before: { name: 'web', minSize: 2, maxSize: 10, desiredCapacity: 4, inServiceInstances: 4 },
        startedAt: '2026-11-27T10:00:10.000Z',
      },
    });

    // Act
    const result = await applied(event());

    // Assess
    const gets = dynamo.commandCalls(GetCommand);
    expect(gets).toHaveLength(1);
    expect(gets[0]!.args[0].input).toMatchObject({
      TableName: TABLE_NAME,
      Key: { pk: 'INCIDENT#inc-0123456789abcdef0123', sk: 'ATTEMPT#0001' },
      ConsistentRead: true,
    });
    expect(result.beforeCapacity).toBe(4);
    // The undo restores what was there before the first try, not the 6 this retry found.
    expect(result.before).toEqual({ desiredCapacity: 4 });
    // This run raised capacity (its first try did), so the escalation cooldown must apply.
    expect(result.changed).toBe(true);
    expect(autoScaling.commandCalls(SetDesiredCapacityCommand)).toHaveLength(0);
  });

  describe('refusals', () => {
    it('refuses a plan for another group with OutOfScopeError, changing nothing', async () => {
      // Prepare
      groupsAre(autoScalingGroup({ desired: 4, max: 10 }), autoScalingGroup({ name: 'payments', desired: 4, max: 10 }));

      // Act
      const error = await rejectionOf(invoke(handler, event(scaleOutDecision(4, 6, 'payments'))));

      // Assess
      expect(error.name).toBe('OutOfScopeError');
      expect(error.message).toContain('plan targets payments');
      expectNothingChanged();
    });

    it('refuses a plan for a group that does not exist as out of scope, without reading it', async () => {
      // Act
      const error = await rejectionOf(invoke(handler, event(scaleOutDecision(4, 6, 'ghost'))));

      // Assess
      expect(error.name).toBe('OutOfScopeError');
      expect(autoScaling.calls()).toHaveLength(0);
      expectNothingChanged();
    });

    it('refuses a step beyond maxStep with OutOfScopeError, changing nothing', async () => {
      // Act
      const error = await rejectionOf(invoke(handler, event(scaleOutDecision(4, 7))));

      // Assess
      expect(error.name).toBe('OutOfScopeError');
      expect(error.message).toContain('maximum step of 2');
      expectNothingChanged();
    });

    it("refuses a target above the scope's maxCapacity with OutOfScopeError, changing nothing", async () => {
      // Prepare
      groupsAre(autoScalingGroup({ desired: 7, max: 10 }));

      // Act
      const error = await rejectionOf(invoke(handler, event(scaleOutDecision(7, 9))));

      // Assess
      expect(error.name).toBe('OutOfScopeError');
      expect(error.message).toContain('ceiling of 8');
      expectNothingChanged();
    });

    it('refuses an incident whose resource is no longer in scope', async () => {
      // Prepare
      const incident = testIncident({ resource: { kind: 'autoscaling-group', name: 'api', id: 'autoscaling-group/api' } });

      // Act
      const error = await rejectionOf(invoke(handler, event(scaleOutDecision(), { incident })));

      // Assess
      expect(error.name).toBe('OutOfScopeError');
      expectNothingChanged();
    });

    it('refuses a plan for a group that was scaled in since with StalePlanError', async () => {
      // Prepare
      groupsAre(autoScalingGroup({ desired: 3, max: 10 }));

      // Act
      const error = await rejectionOf(invoke(handler, event()));

      // Assess
      expect(error.name).toBe('StalePlanError');
      expectNothingChanged();
    });

    it('reports a group that no longer exists as TargetNotFoundError', async () => {
      // Prepare
      groupsAre();

      // Act
      const error = await rejectionOf(invoke(handler, event()));

      // Assess
      expect(error.name).toBe('TargetNotFoundError');
      expect(error.message).toContain('web');
      expectNothingChanged();
    });

    it('refuses an escalateOnly decision as MalformedEventError without calling AWS', async () => {
      // Prepare
      const decision: Decision = {
        source: 'runbook',
        runbookId: 'asg-cpu-high-scale-out',
        action: 'escalateOnly',
        rationale: 'at the ceiling',
        params: { reason: 'at the ceiling' },
        target: 'none',
        confidence: 1,
        evidence: [],
      };

      // Act
      const error = await rejectionOf(invoke(handler, event(decision)));

      // Assess
      expect(error.name).toBe('MalformedEventError');
      expect(error.message).toContain('escalateOnly');
      expect(autoScaling.calls()).toHaveLength(0);
      expect(dynamo.calls()).toHaveLength(0);
    });

    it.each([
      ['attempt 0', { attempt: 0 }, /attempt: /],
      ['no operation', { operation: undefined }, /operation: /],
      ['an unknown operation', { operation: 'redo' }, /operation: /],
      ['apply without plannedFrom', { plannedFrom: undefined }, /plannedFrom/],
      ['no decision', { decision: undefined }, /decision: /],
      ['an unknown action', { decision: { ...scaleOutDecision(), action: 'terminateInstances' } }, /decision\.action: /],
      ['a target of zero', { decision: scaleOutDecision(4, 0) }, /targetCapacity: /],
    ])('refuses input with %s as MalformedEventError without calling AWS', async (_title, overrides, field) => {
      // Act
      const error = await rejectionOf(invoke(handler, event(scaleOutDecision(), overrides)));

      // Assess
      expect(error.name).toBe('MalformedEventError');
      expect(error.message).toMatch(field);
      expect(autoScaling.calls()).toHaveLength(0);
      expect(dynamo.calls()).toHaveLength(0);
    });
  });
  describe('undo', () => {
    /** The undo of attempt 1, which raised web from 4 to 6. */
    function undoEvent(overrides: Record<string, unknown> = {}) {
      const { plannedFrom: _plannedFrom, ...plan } = scaleOutDecision();
      return {
        operation: 'undo',
        incident: testIncident(),
        attempt: 1,
        decision: plan,
        action: testScaleOutResult(),
        reason: 'not recovered, the action did not help: web-cpu-high is ALARM at 95',
        executionId: EXECUTION_ARN,
        ...overrides,
      };
    }

    /** The attempt record apply wrote: raised web from a recorded 4. */
    const attemptRecord = { incidentId: 'inc-0123456789abcdef0123', attempt: 1, action: 'scaleOutAsg', before: { name: 'web', desiredCapacity: 4 } };

    beforeEach(() => {
      dynamo.on(UpdateCommand).callsFake(() => {
        sequence.push('UpdateItem');
        return {};
      });
      dynamo.on(GetCommand).callsFake(() => {
        sequence.push('GetItem');
        return { Item: attemptRecord };
      });
    });

    const ledgerUpdate = () => {
      const updates = dynamo.commandCalls(UpdateCommand);
      expect(updates).toHaveLength(1);
      return updates[0]!.args[0].input;
    };

    it('sets the desired capacity back to the recorded before-state while the group is still at the step\'s target', async () => {
      // Prepare
      groupsAre(autoScalingGroup({ desired: 6, max: 10 }));

      // Act
      const result = await invoke(handler, undoEvent());

      // Assess
      expect(sequence).toEqual(['GetItem', 'DescribeAutoScalingGroups', 'SetDesiredCapacity', 'UpdateItem']);
      expect(autoScaling.commandCalls(SetDesiredCapacityCommand)[0]!.args[0].input).toEqual({ AutoScalingGroupName: 'web', DesiredCapacity: 4, HonorCooldown: false });
      expect(result).toMatchObject({
        action: 'scaleOutAsg',
        target: 'autoscaling-group/web',
        undone: true,
        summary: 'set the desired capacity of web back from 6 to 4',
        details: { desiredCapacity: 6, restoredTo: 4 },
      });
      expect(Number.isNaN(Date.parse((result as { undoneAt: string }).undoneAt))).toBe(false);
    });

    it("marks the attempt 'undone' in the resource's ledger", async () => {
      // Prepare
      groupsAre(autoScalingGroup({ desired: 6, max: 10 }));

      // Act
      await invoke(handler, undoEvent());

      // Assess
      expect(ledgerUpdate()).toMatchObject({
        TableName: TABLE_NAME,
        Key: { pk: 'RESOURCE#autoscaling-group/web', sk: 'ACTION#inc-0123456789abcdef0123#0001' },
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':result': 'undone' },
      });
    });

    it('leaves the group alone when something else has moved it since the step', async () => {
      // Prepare
      groupsAre(autoScalingGroup({ desired: 7, max: 10 }));

      // Act
      const result = await invoke(handler, undoEvent());

      // Assess
      expect(autoScaling.commandCalls(SetDesiredCapacityCommand)).toHaveLength(0);
      expect(result).toMatchObject({ undone: false, details: { desiredCapacity: 7 } });
      expect((result as { summary: string }).summary).toContain('web is at 7, neither the step\'s 6 nor the earlier 4');
    });

    it('changes nothing when the group is already back at the before-state', async () => {
      // Prepare
      groupsAre(autoScalingGroup({ desired: 4, max: 10 }));

      // Act
      const result = await invoke(handler, undoEvent());

      // Assess
      expect(autoScaling.commandCalls(SetDesiredCapacityCommand)).toHaveLength(0);
      expect(result).toMatchObject({ undone: false, summary: 'web is already back at 4; nothing to undo' });
    });

    it('restores the before-state in the attempt record, whatever the undo\'s input claims', async () => {
      // Prepare: the input claims the group was at 5 before; the record says 4
      groupsAre(autoScalingGroup({ desired: 6, max: 10 }));

      // Act
      await invoke(handler, undoEvent({ action: testScaleOutResult({ beforeCapacity: 5, before: { desiredCapacity: 5 }, applied: { targetCapacity: 6 } }) }));

      // Assess
      expect(autoScaling.commandCalls(SetDesiredCapacityCommand)[0]!.args[0].input.DesiredCapacity).toBe(4);
    });

    it('refuses to undo without an attempt record (StalePlanError), changing nothing', async () => {
      // Prepare
      groupsAre(autoScalingGroup({ desired: 6, max: 10 }));
      dynamo.on(GetCommand).resolves({});

      // Act
      const error = await rejectionOf(invoke(handler, undoEvent()));

      // Assess
      expect(error.name).toBe('StalePlanError');
      expect(autoScaling.commandCalls(SetDesiredCapacityCommand)).toHaveLength(0);
      expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
    });

    it('reports a throttled SetDesiredCapacity as TransientAwsError, leaving the ledger for the retry', async () => {
      // Prepare
      groupsAre(autoScalingGroup({ desired: 6, max: 10 }));
      autoScaling.on(SetDesiredCapacityCommand).rejects(throttlingError());

      // Act
      const error = await rejectionOf(invoke(handler, undoEvent()));

      // Assess
      expect(error.name).toBe('TransientAwsError');
      expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
    });

    it('needs no plannedFrom, and writes no attempt record', async () => {
      // Prepare
      groupsAre(autoScalingGroup({ desired: 6, max: 10 }));

      // Act
      await invoke(handler, undoEvent());

      // Assess
      expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
    });

    it.each([
      ['no action result', { action: undefined }, /action: /],
      ['an action result without its before-state', { action: { ...testScaleOutResult(), before: undefined } }, /action\.before: /],
    ])('refuses an undo with %s as MalformedEventError without calling AWS', async (_title, overrides, field) => {
      // Act
      const error = await rejectionOf(invoke(handler, undoEvent(overrides)));

      // Assess
      expect(error.name).toBe('MalformedEventError');
      expect(error.message).toMatch(field);
      expect(autoScaling.calls()).toHaveLength(0);
      expect(dynamo.calls()).toHaveLength(0);
    });
  });

  describe('notifications and metrics', () => {
    beforeEach(() => {
      process.env.NOTIFICATION_TOPIC_ARN = TOPIC_ARN;
      sns.reset();
      sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
      dynamo.on(UpdateCommand).resolves({});
      dynamo.on(GetCommand).resolves({
        Item: { incidentId: 'inc-0123456789abcdef0123', attempt: 1, action: 'scaleOutAsg', before: { name: 'web', desiredCapacity: 4 } },
      });
    });

    afterEach(() => {
      delete process.env.NOTIFICATION_TOPIC_ARN;
      vi.restoreAllMocks();
    });

    const published = () => sns.commandCalls(PublishCommand).map((call) => JSON.parse(call.args[0].input.Message!) as Record<string, unknown>);

    it('announces the scale-out it made, and counts it under its action', async () => {
      // Prepare
      const dimensions = vi.spyOn(metrics, 'addDimension');
      const counted = vi.spyOn(metrics, 'addMetric');

      // Act
      await invoke(handler, event());

      // Assess
      expect(published()).toEqual([
        expect.objectContaining({
          type: 'action-taken',
          incidentId: 'inc-0123456789abcdef0123',
          resourceId: 'autoscaling-group/web',
          summary: 'raised the desired capacity of web from 4 to 6',
          executionArn: EXECUTION_ARN,
          details: expect.objectContaining({ action: 'scaleOutAsg', target: 'autoscaling-group/web', attempt: 1, before: { desiredCapacity: 4 }, applied: { targetCapacity: 6 } }),
        }),
      ]);
      expect(dimensions).toHaveBeenCalledWith('action', 'scaleOutAsg');
      expect(counted).toHaveBeenCalledWith('ActionsTaken', 'Count', 1);
    });

    it('announces nothing when the group already had the target capacity', async () => {
      // Prepare
      groupsAre(autoScalingGroup({ desired: 6, max: 10 }));

      // Act
      await invoke(handler, event());

      // Assess
      expect(sns.calls()).toHaveLength(0);
    });

    it('still returns the scale-out when SNS refuses the notification', async () => {
      // Prepare
      sns.on(PublishCommand).rejects(throttlingError());

      // Act
      const result = await invoke(handler, event());

      // Assess
      expect(result).toMatchObject({ changed: true, targetCapacity: 6 });
      expect(autoScaling.commandCalls(SetDesiredCapacityCommand)).toHaveLength(1);
    });

    it('announces an undo that reversed the scale-out', async () => {
      // Prepare
      groupsAre(autoScalingGroup({ desired: 6, max: 10 }));
      const { plannedFrom: _plannedFrom, ...plan } = scaleOutDecision();

      // Act
      await invoke(handler, {
        operation: 'undo',
        incident: testIncident(),
        attempt: 1,
        decision: plan,
        action: testScaleOutResult(),
        reason: 'not recovered',
        executionId: EXECUTION_ARN,
      });

      // Assess
      expect(published()).toEqual([
        expect.objectContaining({
          type: 'action-undone',
          summary: 'set the desired capacity of web back from 6 to 4',
          details: { action: 'scaleOutAsg', target: 'autoscaling-group/web', attempt: 1, reason: 'not recovered' },
        }),
      ]);
    });
  });
});
