import { DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { handler as AcquireLeaseHandler } from '../../../lambdas/acquire-lease/index.js';
import { DEFAULT_FLAP_GUARD } from '../../../lambdas/shared/flap-guard.js';
import { testIncident, testWafIncident } from '../../support/fixtures.js';
import { conditionalCheckFailed, invoke, rejectionOf, TABLE_NAME, throttlingError } from '../harness.js';

process.env.TABLE_NAME = TABLE_NAME;

const dynamo = mockClient(DynamoDBDocumentClient);

const NOW = new Date('2026-11-27T10:00:05.000Z');
const NOW_SECONDS = NOW.getTime() / 1000;
const LEASE_KEY = { pk: 'RESOURCE#autoscaling-group/web', sk: 'LEASE' };

let handler: typeof AcquireLeaseHandler;

beforeAll(async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  ({ handler } = await import('../../../lambdas/acquire-lease/index.js'));
});

afterAll(() => {
  vi.useRealTimers();
});

beforeEach(() => {
  vi.setSystemTime(NOW);
  dynamo.reset();
  dynamo.on(QueryCommand).resolves({ Items: [] });
  dynamo.on(GetCommand).resolves({});
  dynamo.on(UpdateCommand).callsFake((input: { ExpressionAttributeValues: Record<string, unknown> }) => ({
    Attributes: {
      ...LEASE_KEY,
      holder: input.ExpressionAttributeValues[':me'],
      leaseExpiresAt: input.ExpressionAttributeValues[':expires'],
    },
  }));
});

const event = () => ({
  incident: testIncident(),
  leaseSeconds: 1_800,
  decision: { action: 'scaleOutAsg', target: 'autoscaling-group/web' },
  attempt: 0,
  flapGuard: DEFAULT_FLAP_GUARD,
  // The context the plan was made from: the group's desired capacity there tells a reverted action.
  context: { autoScalingGroup: { desiredCapacity: 4 } },
});

const ledgerItem = (n: number, overrides: Record<string, unknown> = {}) => ({
  pk: 'RESOURCE#autoscaling-group/web',
  sk: `ACTION#inc-old-${n}#0001`,
  incidentId: `inc-old-${n}`,
  attempt: 1,
  action: 'scaleOutAsg',
  target: 'autoscaling-group/web',
  at: new Date(NOW.getTime() - 60_000 * (10 + n)).toISOString(),
  result: 'unhealthy',
  ...overrides,
});

describe('acquire-lease handler', () => {
  it('takes the lease with a conditional update and returns the grant', async () => {
    // Act
    const grant = await invoke(handler, event());

    // Assess
    const updates = dynamo.commandCalls(UpdateCommand);
    expect(updates).toHaveLength(1);
    const update = updates[0]!.args[0].input;
    expect(update.TableName).toBe(TABLE_NAME);
    expect(update.Key).toEqual(LEASE_KEY);
    expect(update.ConditionExpression).toBe(
      '(attribute_not_exists(holder) OR holder = :me OR leaseExpiresAt < :now) AND ' +
        '(attribute_not_exists(cooldownUntil) OR cooldownUntil <= :now OR holder = :me)',
    );
    expect(update.ExpressionAttributeValues).toMatchObject({
      ':me': 'inc-0123456789abcdef0123',
      ':now': NOW_SECONDS,
      ':expires': NOW_SECONDS + 1_800,
      ':resourceId': 'autoscaling-group/web',
    });
    expect(update.ReturnValuesOnConditionCheckFailure).toBe('ALL_OLD');

    expect(grant).toMatchObject({
      resourceId: 'autoscaling-group/web',
      holder: 'inc-0123456789abcdef0123',
      expiresAt: '2026-11-27T10:30:05.000Z',
    });
  });

  it('refuses with LeaseHeldError while another incident holds an unexpired lease', async () => {
    // Prepare
    dynamo.on(UpdateCommand).rejects(conditionalCheckFailed());
    dynamo.on(GetCommand).resolves({ Item: { ...LEASE_KEY, holder: 'inc-other', leaseExpiresAt: NOW_SECONDS + 600 } });

    // Act
    const error = await rejectionOf(invoke(handler, event()));

    // Assess
    expect(error.name).toBe('LeaseHeldError');
    expect(error.message).toBe('autoscaling-group/web is being remediated by inc-other until 2026-11-27T10:10:05.000Z');
    const gets = dynamo.commandCalls(GetCommand);
    expect(gets).toHaveLength(1);
    expect(gets[0]!.args[0].input).toMatchObject({ Key: LEASE_KEY, ConsistentRead: true });
  });

  it('counts a lease that expires this very second as still held', async () => {
    // Prepare: the condition lets a run take over only once leaseExpiresAt < now.
    dynamo.on(UpdateCommand).rejects(conditionalCheckFailed());
    dynamo.on(GetCommand).resolves({ Item: { ...LEASE_KEY, holder: 'inc-other', leaseExpiresAt: NOW_SECONDS } });

    // Act
    const error = await rejectionOf(invoke(handler, event()));

    // Assess
    expect(error.name).toBe('LeaseHeldError');
  });

  it('uses the item DynamoDB returned with the failure, without reading it again', async () => {
    // Prepare: ReturnValuesOnConditionCheckFailure hands back the old item, still marshalled.
    dynamo
      .on(UpdateCommand)
      .rejects(conditionalCheckFailed({ holder: { S: 'inc-other' }, leaseExpiresAt: { N: String(NOW_SECONDS + 60) } }));

    // Act
    const error = await rejectionOf(invoke(handler, event()));

    // Assess
    expect(error.name).toBe('LeaseHeldError');
    expect(error.message).toContain('inc-other');
    expect(dynamo.commandCalls(GetCommand)).toHaveLength(0);
  });

  it('refuses with CooldownActiveError while the resource cools down', async () => {
    // Prepare
    dynamo.on(UpdateCommand).rejects(conditionalCheckFailed());
    dynamo.on(GetCommand).resolves({ Item: { ...LEASE_KEY, lastHolder: 'inc-earlier', cooldownUntil: NOW_SECONDS + 300 } });

    // Act
    const error = await rejectionOf(invoke(handler, event()));

    // Assess
    expect(error.name).toBe('CooldownActiveError');
    expect(error.message).toBe('autoscaling-group/web is cooling down after an earlier remediation until 2026-11-27T10:05:05.000Z');
  });

  it('reports the cooldown, not the holder, when the holder\'s lease has expired', async () => {
    // Prepare
    dynamo.on(UpdateCommand).rejects(conditionalCheckFailed());
    dynamo.on(GetCommand).resolves({
      Item: { ...LEASE_KEY, holder: 'inc-crashed', leaseExpiresAt: NOW_SECONDS - 1, cooldownUntil: NOW_SECONDS + 120 },
    });

    // Act
    const error = await rejectionOf(invoke(handler, event()));

    // Assess
    expect(error.name).toBe('CooldownActiveError');
    expect(error.message).not.toContain('inc-crashed');
  });

  it('reports a throttled update as TransientAwsError', async () => {
    // Prepare
    dynamo.on(UpdateCommand).rejects(throttlingError());

    // Act
    const error = await rejectionOf(invoke(handler, event()));

    // Assess
    expect(error.name).toBe('TransientAwsError');
    expect(error.message).toContain('UpdateItem lease');
    expect(dynamo.commandCalls(GetCommand)).toHaveLength(0);
  });

  it.each([
    ['a lease of zero seconds', { incident: testIncident(), leaseSeconds: 0 }, /leaseSeconds: /],
    ['no incident', { leaseSeconds: 1_800 }, /incident: /],
  ])('refuses input with %s as MalformedEventError, writing nothing', async (_title, input, field) => {
    // Act
    const error = await rejectionOf(invoke(handler, input));

    // Assess
    expect(error.name).toBe('MalformedEventError');
    expect(error.message).toMatch(field);
    expect(dynamo.calls()).toHaveLength(0);
  });

  describe('flap guards, checked while holding the lease', () => {
    it('refuses with CircuitOpenError while the circuit is open, and opens nothing new', async () => {
      dynamo.on(GetCommand, { Key: { pk: 'RESOURCE#autoscaling-group/web', sk: 'CIRCUIT' } }).resolves({
        Item: { status: 'open', reason: '3 failed remediations', openedAt: '2026-11-27T09:00:00.000Z' },
      });
      const error = await rejectionOf(invoke(handler, event()));
      expect(error).toMatchObject({ name: 'CircuitOpenError', message: expect.stringContaining('3 failed remediations') });
      expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(1); // the lease only
    });

    it('refuses with AttemptBudgetExhaustedError once the resource has used its budget', async () => {
      dynamo.on(QueryCommand).resolves({ Items: [ledgerItem(1, { result: 'healthy' }), ledgerItem(2, { result: 'healthy' }), ledgerItem(3, { result: 'healthy' })] });
      const error = await rejectionOf(invoke(handler, event()));
      expect(error).toMatchObject({ name: 'AttemptBudgetExhaustedError', message: expect.stringContaining('3 of 3 actions') });
    });

    it('opens the circuit and refuses with PingPongDetectedError when the plan pushes again what someone reverted', async () => {
      dynamo.on(QueryCommand).resolves({ Items: [ledgerItem(1, { result: 'healthy', effect: { before: 4, after: 6 } })] });
      const error = await rejectionOf(invoke(handler, event()));
      expect(error).toMatchObject({ name: 'PingPongDetectedError', message: expect.stringContaining('the circuit of autoscaling-group/web is now open') });
      const circuitWrites = dynamo.commandCalls(UpdateCommand).filter((call) => call.args[0].input.Key?.sk === 'CIRCUIT');
      expect(circuitWrites).toHaveLength(1);
      expect(circuitWrites[0]!.args[0].input.ExpressionAttributeValues).toMatchObject({ ':open': 'open', ':reason': expect.stringMatching(/^ping-pong: /) });
    });

    it('returns the guard checks with the grant when all pass', async () => {
      const grant = await invoke(handler, event());
      expect(grant.guards.map((check: { name: string; passed: boolean }) => [check.name, check.passed])).toEqual([
        ['circuit-closed', true],
        ['attempt-budget', true],
        ['no-ping-pong', true],
        ['not-an-undone-fix', true],
      ]);
    });

    it('refuses with UndoneFixRepeatedError a plan this incident already tried and undid, without opening the circuit', async () => {
      dynamo.on(QueryCommand).resolves({
        Items: [ledgerItem(1, { sk: 'ACTION#inc-0123456789abcdef0123#0001', incidentId: 'inc-0123456789abcdef0123', result: 'undone', effect: { before: 4, after: 6 } })],
      });
      const error = await rejectionOf(invoke(handler, { ...event(), attempt: 1 }));
      expect(error).toMatchObject({ name: 'UndoneFixRepeatedError', message: expect.stringContaining('attempt 1 of this incident already tried scaleOutAsg') });
      expect(dynamo.commandCalls(UpdateCommand).filter((call) => call.args[0].input.Key?.sk === 'CIRCUIT')).toHaveLength(0);
    });

    it("takes the lease for a resource that is not an Auto Scaling group (no group in the context)", async () => {
      const grant = await invoke(handler, {
        ...event(),
        incident: testWafIncident(),
        decision: { action: 'blockIpInWaf', target: 'waf-ip-set/REGIONAL/site-blocklist' },
        context: { autoScalingGroup: undefined, limits: {} },
      });
      expect(grant).toMatchObject({ resourceId: 'waf-web-acl/site-acl' });
      expect(grant.guards.every((check: { passed: boolean }) => check.passed)).toBe(true);
    });
  });
});
