import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { handler as BlockIpHandler } from '../../../lambdas/block-ip-in-waf/index.js';
import type { ActionResult, UndoResult } from '../../../lambdas/shared/actions/action-step.js';
import type { Decision } from '../../../lambdas/shared/workflow.js';
import { testWafIncident } from '../../support/fixtures.js';
import { useLocalTables } from '../../support/local-tables.js';
import { EXECUTION_ARN, invoke, rejectionOf, TOPIC_ARN } from '../harness.js';
import { blockPlan, PROTECTED, SITE_SET, WAF_SCOPE, WAF_SETTINGS, wafWorld } from './waf-handler-fixtures.js';

/**
 * The block-ip-in-waf handler with its real executor: WAF and EventBridge
 * Scheduler faked at the SDK edge, the attempt records, the safety ledger and
 * the block ledger in dynalite.
 */
describe('block-ip-in-waf handler', () => {
  const tables = useLocalTables('waf');
  const world = wafWorld();
  let table: string;
  let handler: typeof BlockIpHandler;

  beforeAll(async () => {
    table = await tables.freshTable();
    Object.assign(process.env, {
      TABLE_NAME: table,
      AWS_ENDPOINT_URL_DYNAMODB: tables.endpoint,
      RESOURCE_SCOPE: JSON.stringify(WAF_SCOPE),
      WAF_SETTINGS: JSON.stringify(WAF_SETTINGS),
    });
    ({ handler } = await import('../../../lambdas/block-ip-in-waf/index.js'));
  });
  afterAll(() => {
    world.waf.restore();
    world.scheduler.restore();
  });

  let n = 0;
  let incidentId: string;
  beforeEach(() => {
    n += 1;
    incidentId = `inc-${String(n).padStart(20, 'b')}`;
    world.reset();
  });

  const applyEvent = (plan: Decision = blockPlan()) => ({ operation: 'apply', incident: testWafIncident({ incidentId }), attempt: 1, decision: plan, executionId: EXECUTION_ARN });
  const undoEvent = (action: ActionResult, plan: Decision = blockPlan()) => ({ ...applyEvent(plan), operation: 'undo', action, reason: 'not recovered' });

  const attemptRecord = async () =>
    (await tables.client.send(new GetCommand({ TableName: table, Key: { pk: `INCIDENT#${incidentId}`, sk: 'ATTEMPT#0001' }, ConsistentRead: true }))).Item;
  const ledgerEntry = async () =>
    (
      await tables.client.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :pk AND sk = :sk',
          ExpressionAttributeValues: { ':pk': 'RESOURCE#waf-web-acl/site-acl', ':sk': `ACTION#${incidentId}#0001` },
          ConsistentRead: true,
        }),
      )
    ).Items?.[0];
  const blockRecord = async (blockId: string) =>
    (await tables.client.send(new GetCommand({ TableName: table, Key: { pk: `WAFBLOCK#REGIONAL#${SITE_SET.id}`, sk: `BLOCK#${blockId}` }, ConsistentRead: true }))).Item;

  it('records the IP set, schedules the expiry, then adds the address', async () => {
    // Prepare
    world.reset(['192.0.2.1/32']);
    const started = Date.now();

    // Act
    const result = (await invoke(handler, applyEvent())) as ActionResult;

    // Assess
    expect(world.addresses()).toEqual(['192.0.2.1/32', '198.51.100.7/32']);
    // Every block that can reach the set already has its end scheduled.
    expect(world.sequence).toEqual(['CreateSchedule', 'UpdateIPSet']);
    expect(result).toMatchObject({
      attempt: 1,
      action: 'blockIpInWaf',
      target: 'waf-ip-set/REGIONAL/site-blocklist',
      changed: true,
      undoable: true,
      before: { cidr: '198.51.100.7/32', present: false, size: 1 },
      applied: { changed: true, outcome: 'blocked', cidr: '198.51.100.7/32' },
    });
    expect(result.summary).toMatch(/^blocked 198\.51\.100\.7\/32 in REGIONAL\/site-blocklist until /);

    const applied = result.applied as { blockId: string; expiresAt: string; scheduleName: string };
    const expiresIn = Date.parse(applied.expiresAt) - started;
    expect(expiresIn).toBeGreaterThanOrEqual(60 * 60_000 - 1_000);
    expect(expiresIn).toBeLessThanOrEqual(60 * 60_000 + 60_000);
    const schedule = world.schedules.get(applied.scheduleName)!;
    expect(schedule).toMatchObject({
      GroupName: WAF_SETTINGS.schedule.groupName,
      ActionAfterCompletion: 'DELETE',
      Target: { Arn: WAF_SETTINGS.schedule.targetArn, RoleArn: WAF_SETTINGS.schedule.roleArn },
    });
    expect(JSON.parse(schedule.Target!.Input!)).toEqual({
      action: 'unblockIpInWaf',
      blockId: applied.blockId,
      ipSet: { name: 'site-blocklist', id: SITE_SET.id, scope: 'REGIONAL' },
      cidr: '198.51.100.7/32',
    });

    expect(await attemptRecord()).toMatchObject({ action: 'blockIpInWaf', params: { cidr: '198.51.100.7/32', durationMinutes: 60 }, before: { present: false, size: 1 } });
    expect(await ledgerEntry()).toMatchObject({ action: 'blockIpInWaf', target: 'waf-ip-set/REGIONAL/site-blocklist', result: 'pending' });
    expect(await blockRecord(applied.blockId)).toMatchObject({ status: 'active', incidentId, cidr: '198.51.100.7/32' });
  });

  it('retries a write that lost the lock-token race, keeping the other writer\'s address', async () => {
    // Prepare: another writer adds an address between our read and our first write
    let raced = false;
    world.reset(['192.0.2.1/32'], {
      beforeUpdate: (state) => {
        if (raced) return;
        raced = true;
        state.addresses.push('192.0.2.99/32');
        state.version += 1;
      },
    });

    // Act
    const result = (await invoke(handler, applyEvent())) as ActionResult;

    // Assess
    expect(result.changed).toBe(true);
    // The first write met a stale lock token (WAFOptimisticLockException); the second, after a fresh read, went through.
    expect(world.updates()).toHaveLength(2);
    expect(world.updates()[1]!.args[0].input.LockToken).not.toBe(world.updates()[0]!.args[0].input.LockToken);
    expect(world.addresses()).toEqual(['192.0.2.1/32', '192.0.2.99/32', '198.51.100.7/32']);
  });

  it('refuses a protected address with ProtectedAddressError, writing nothing anywhere', async () => {
    // Act
    const error = await rejectionOf(invoke(handler, applyEvent(blockPlan('203.0.113.9/32'))));

    // Assess
    expect(error.name).toBe('ProtectedAddressError');
    expect(error.message).toContain(PROTECTED);
    expect(world.reads()).toHaveLength(0);
    expect(world.updates()).toHaveLength(0);
    expect(world.sequence).toEqual([]);
    expect(await attemptRecord()).toBeUndefined();
    expect(await ledgerEntry()).toBeUndefined();
  });

  it.each([
    ['a private address', '10.1.2.3/32', 'ProtectedAddressError'],
    ['a range', '198.51.100.0/24', 'OutOfScopeError'],
  ])('refuses %s, writing nothing', async (_title, cidr, name) => {
    // Act
    const error = await rejectionOf(invoke(handler, applyEvent(blockPlan(cidr))));

    // Assess
    expect(error.name).toBe(name);
    expect(world.sequence).toEqual([]);
    expect(await attemptRecord()).toBeUndefined();
  });

  it('refuses an IP set that WAF_SETTINGS does not declare, writing nothing', async () => {
    // Act
    const error = await rejectionOf(invoke(handler, applyEvent(blockPlan('198.51.100.7/32', { ipSetName: 'partner-blocklist' }))));

    // Assess
    // Not the site's own IP set: the handler's target check refuses it before WAF_SETTINGS is consulted.
    expect(error.name).toBe('OutOfScopeError');
    expect(world.sequence).toEqual([]);
    expect(await attemptRecord()).toBeUndefined();
  });

  it('leaves an address that was already in the set: nothing added, nothing to undo', async () => {
    // Prepare
    world.reset(['198.51.100.7/32']);

    // Act
    const result = (await invoke(handler, applyEvent())) as ActionResult;
    const undone = (await invoke(handler, undoEvent(result))) as UndoResult;

    // Assess
    expect(result).toMatchObject({ changed: false, before: { present: true }, applied: { outcome: 'already-present' } });
    expect(undone).toMatchObject({ undone: false });
    expect(world.addresses()).toEqual(['198.51.100.7/32']);
    expect(world.updates()).toHaveLength(0);
  });

  it("undo takes the address out, cancels its expiry, and marks the attempt 'undone'", async () => {
    // Prepare
    world.reset(['192.0.2.1/32']);
    const applied = (await invoke(handler, applyEvent())) as ActionResult;
    world.sequence.length = 0;

    // Act
    const undone = (await invoke(handler, undoEvent(applied))) as UndoResult;

    // Assess
    expect(world.addresses()).toEqual(['192.0.2.1/32']);
    expect(world.sequence).toEqual(['UpdateIPSet', 'DeleteSchedule']);
    expect(world.schedules.size).toBe(0);
    expect(undone).toMatchObject({
      action: 'blockIpInWaf',
      target: 'waf-ip-set/REGIONAL/site-blocklist',
      undone: true,
      summary: 'removed 198.51.100.7/32 from REGIONAL/site-blocklist (undone)',
    });
    expect(await ledgerEntry()).toMatchObject({ result: 'undone' });
    expect(await blockRecord((applied.applied as { blockId: string }).blockId)).toMatchObject({ status: 'removed', removedBecause: 'undone' });
  });

  it('a repeated undo removes nothing more', async () => {
    // Prepare
    const applied = (await invoke(handler, applyEvent())) as ActionResult;
    await invoke(handler, undoEvent(applied));
    const updates = world.updates().length;

    // Act
    const again = (await invoke(handler, undoEvent(applied))) as UndoResult;

    // Assess
    expect(again.undone).toBe(false);
    expect(again.summary).toContain('was already removed (undone)');
    expect(world.updates()).toHaveLength(updates);
  });

  it('refuses a plan that is not a WAF block as MalformedEventError, without any call', async () => {
    // Act
    const plan: Decision = { ...blockPlan(), action: 'scaleOutAsg', params: { autoScalingGroupName: 'web', targetCapacity: 6 }, target: 'autoscaling-group/web' };
    const error = await rejectionOf(invoke(handler, applyEvent(plan)));

    // Assess
    expect(error.name).toBe('MalformedEventError');
    expect(world.reads()).toHaveLength(0);
    expect(world.sequence).toEqual([]);
  });

  it('announces the block and its undo, one notification each', async () => {
    // Prepare
    const sns = mockClient(SNSClient);
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    process.env.NOTIFICATION_TOPIC_ARN = TOPIC_ARN;

    try {
      // Act
      const applied = (await invoke(handler, applyEvent())) as ActionResult;
      await invoke(handler, undoEvent(applied));

      // Assess
      const messages = sns.commandCalls(PublishCommand).map((call) => JSON.parse(call.args[0].input.Message!) as Record<string, unknown>);
      expect(messages).toEqual([
        expect.objectContaining({ type: 'action-taken', incidentId, resourceId: 'waf-web-acl/site-acl', summary: applied.summary, details: expect.objectContaining({ action: 'blockIpInWaf' }) }),
        expect.objectContaining({ type: 'action-undone', incidentId, summary: 'removed 198.51.100.7/32 from REGIONAL/site-blocklist (undone)' }),
      ]);
    } finally {
      delete process.env.NOTIFICATION_TOPIC_ARN;
      sns.restore();
    }
  });
});
