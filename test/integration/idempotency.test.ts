import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  SetDesiredCapacityCommand,
  type SetDesiredCapacityCommandInput,
} from '@aws-sdk/client-auto-scaling';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { handler as EscalateHandler } from '../../lambdas/escalate-incident/index.js';
import type { handler as ScaleOutHandler } from '../../lambdas/scale-out-asg/index.js';
import { localLambdaContext } from '../../local/lambda-context.js';
import { autoScalingGroup, EXECUTION_ARN, rejectionOf, throttlingError, TOPIC_ARN } from '../lambdas/harness.js';
import { testContext, testIncident, testScope } from '../support/fixtures.js';
import { useLocalTables } from '../support/local-tables.js';

/**
 * Powertools Idempotency as deployed, persisted in the state table on
 * dynalite: a Step Functions retry or a Lambda redelivery of a call that
 * already succeeded gets its result back and repeats no action.
 */
describe('idempotent side-effecting steps', () => {
  const tables = useLocalTables('idem');
  const autoScaling = mockClient(AutoScalingClient);
  const sns = mockClient(SNSClient);
  let table: string;
  let desired = 4;
  let scaleOut: typeof ScaleOutHandler;
  let escalate: typeof EscalateHandler;

  beforeAll(async () => {
    table = await tables.freshTable();
    Object.assign(process.env, {
      TABLE_NAME: table,
      TOPIC_ARN,
      AWS_ENDPOINT_URL_DYNAMODB: tables.endpoint,
      RESOURCE_SCOPE: JSON.stringify(testScope({ maxStep: 2, maxCapacity: 10 })),
      POWERTOOLS_IDEMPOTENCY_DISABLED: 'false',
    });
    ({ handler: scaleOut } = await import('../../lambdas/scale-out-asg/index.js'));
    ({ handler: escalate } = await import('../../lambdas/escalate-incident/index.js'));
  });
  afterAll(() => {
    autoScaling.restore();
    sns.restore();
  });
  beforeEach(() => {
    autoScaling.reset();
    sns.reset();
    autoScaling.on(DescribeAutoScalingGroupsCommand).callsFake(() => ({ AutoScalingGroups: [autoScalingGroup({ desired, max: 10 })] }));
    autoScaling.on(SetDesiredCapacityCommand).callsFake((input: SetDesiredCapacityCommandInput) => {
      desired = input.DesiredCapacity ?? desired;
      return {};
    });
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  });

  const incident = testIncident();
  const plan = (from: number, to: number) => ({
    source: 'runbook',
    runbookId: 'asg-cpu-high-scale-out',
    action: 'scaleOutAsg',
    rationale: `scaling out ${from} → ${to}`,
    params: { autoScalingGroupName: 'web', targetCapacity: to },
    target: 'autoscaling-group/web',
    confidence: 0.8,
    evidence: [],
  });
  const scaleOutEvent = (attempt: number, from: number, to: number) => ({
    operation: 'apply',
    incident,
    attempt,
    decision: plan(from, to),
    plannedFrom: from,
    executionId: EXECUTION_ARN,
  });
  const context = () => localLambdaContext('scale-out-asg', 30_000);

  it('replays the first result to a repeated call of the same attempt, without acting again', async () => {
    const first = await scaleOut(scaleOutEvent(1, 4, 6) as never, context());
    // The same call again, as a Step Functions retry after a lost response would make it.
    const again = await scaleOut(scaleOutEvent(1, 4, 6) as never, context());

    expect(autoScaling.commandCalls(SetDesiredCapacityCommand)).toHaveLength(1);
    expect(again).toEqual(first);
    const records = await tables.client.send(
      new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'IDEMPOTENCY#scale-out-asg' } }),
    );
    expect(records.Items).toHaveLength(1);
    expect(records.Items![0]).toMatchObject({ status: 'COMPLETED', ttl: expect.any(Number) });
  });

  it('runs the next attempt, which has its own key', async () => {
    await scaleOut(scaleOutEvent(2, 6, 8) as never, context());
    expect(autoScaling.commandCalls(SetDesiredCapacityCommand)).toHaveLength(1);
    expect(desired).toBe(8);
  });

  it('keeps nothing for a call that failed, so its retry really runs', async () => {
    autoScaling.on(SetDesiredCapacityCommand).rejectsOnce(throttlingError());
    const failure = await rejectionOf(scaleOut(scaleOutEvent(3, 8, 10) as never, context()));
    const retried = await scaleOut(scaleOutEvent(3, 8, 10) as never, context());

    expect(failure.name).toBe('TransientAwsError');
    expect(autoScaling.commandCalls(SetDesiredCapacityCommand)).toHaveLength(2);
    expect(retried).toMatchObject({ targetCapacity: 10 });
  });

  it('keys apply and undo of the same attempt apart: both run, and a repeated undo replays', async () => {
    // Prepare: another incident on the group, from 4
    desired = 4;
    const other = testIncident({ incidentId: 'inc-11111111111111111111' });
    const apply = { ...scaleOutEvent(1, 4, 6), incident: other };
    const result = await scaleOut(apply as never, context());
    const { plannedFrom: _plannedFrom, ...rest } = apply;
    const undo = { ...rest, operation: 'undo', action: result, reason: 'not recovered' };

    // Act
    const undone = await scaleOut(structuredClone(undo) as never, context());
    const again = await scaleOut(structuredClone(undo) as never, context());

    // Assess
    const sets = autoScaling.commandCalls(SetDesiredCapacityCommand).map((call) => call.args[0].input.DesiredCapacity);
    expect(sets).toEqual([6, 4]);
    expect(desired).toBe(4);
    expect(undone).toMatchObject({ undone: true });
    expect(again).toEqual(undone);
    const ledger = await tables.client.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND sk = :sk',
        ExpressionAttributeValues: { ':pk': 'RESOURCE#autoscaling-group/web', ':sk': 'ACTION#inc-11111111111111111111#0001' },
      }),
    );
    expect(ledger.Items).toEqual([expect.objectContaining({ result: 'undone', action: 'scaleOutAsg' })]);
  });

  it('notifies once when an escalation is delivered twice', async () => {
    const event = {
      incident: testIncident({ incidentId: 'inc-99999999999999999999' }),
      state: { context: testContext(), decision: { action: 'escalateOnly', rationale: 'no room left' } },
      executionId: EXECUTION_ARN,
      handover: 'escalate',
    };
    const first = await escalate(event as never, localLambdaContext('escalate-incident', 30_000));
    const again = await escalate(structuredClone(event) as never, localLambdaContext('escalate-incident', 30_000));

    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    expect(again).toEqual(first);
  });
});
