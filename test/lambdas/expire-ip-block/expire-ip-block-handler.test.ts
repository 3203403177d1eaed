import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { handler as BlockIpHandler } from '../../../lambdas/block-ip-in-waf/index.js';
import type { handler as ExpireHandler } from '../../../lambdas/expire-ip-block/index.js';
import type { ActionResult } from '../../../lambdas/shared/actions/action-step.js';
import { testWafIncident } from '../../support/fixtures.js';
import { useLocalTables } from '../../support/local-tables.js';
import { blockPlan, SITE_SET, WAF_SCOPE, WAF_SETTINGS, wafWorld } from '../block-ip-in-waf/waf-handler-fixtures.js';
import { EXECUTION_ARN, invoke, rejectionOf } from '../harness.js';

/**
 * expire-ip-block, as EventBridge Scheduler invokes it when a block ends:
 * the block is made by the real block-ip-in-waf handler, and the schedule's
 * own input is what the expiry receives.
 */
describe('expire-ip-block handler', () => {
  const tables = useLocalTables('expire');
  const world = wafWorld();
  let table: string;
  let block: typeof BlockIpHandler;
  let expire: typeof ExpireHandler;

  beforeAll(async () => {
    table = await tables.freshTable();
    Object.assign(process.env, {
      TABLE_NAME: table,
      AWS_ENDPOINT_URL_DYNAMODB: tables.endpoint,
      RESOURCE_SCOPE: JSON.stringify(WAF_SCOPE),
      WAF_SETTINGS: JSON.stringify(WAF_SETTINGS),
    });
    ({ handler: block } = await import('../../../lambdas/block-ip-in-waf/index.js'));
    ({ handler: expire } = await import('../../../lambdas/expire-ip-block/index.js'));
  });
  afterAll(() => {
    world.waf.restore();
    world.scheduler.restore();
  });

  let n = 0;
  beforeEach(() => {
    n += 1;
    world.reset(['192.0.2.1/32']);
  });

  /** Blocks 198.51.100.7 for a new incident; returns what its expiry schedule will send. */
  async function blocked(): Promise<{ input: Record<string, unknown>; blockId: string }> {
    const incidentId = `inc-${String(n).padStart(20, 'c')}`;
    const result = (await invoke(block, { operation: 'apply', incident: testWafIncident({ incidentId }), attempt: 1, decision: blockPlan(), executionId: EXECUTION_ARN })) as ActionResult;
    const { scheduleName, blockId } = result.applied as { scheduleName: string; blockId: string };
    return { input: JSON.parse(world.schedules.get(scheduleName)!.Target!.Input!) as Record<string, unknown>, blockId };
  }
  const blockRecord = async (blockId: string) =>
    (await tables.client.send(new GetCommand({ TableName: table, Key: { pk: `WAFBLOCK#REGIONAL#${SITE_SET.id}`, sk: `BLOCK#${blockId}` }, ConsistentRead: true }))).Item;

  it('removes an expired block once; a second call changes nothing', async () => {
    // Prepare
    const { input, blockId } = await blocked();
    expect(world.addresses()).toContain('198.51.100.7/32');
    const writesBefore = world.updates().length;

    // Act
    const first = await invoke(expire, input);
    const second = await invoke(expire, structuredClone(input));

    // Assess
    expect(first).toMatchObject({ removed: true, blockId, cidr: '198.51.100.7/32', ipSet: 'REGIONAL/site-blocklist', removedBecause: 'expired' });
    expect(first.summary).toBe('removed 198.51.100.7/32 from REGIONAL/site-blocklist (expired)');
    expect(second).toMatchObject({ removed: false, blockId });
    expect(second.summary).toContain('was already removed (expired)');
    expect(world.addresses()).toEqual(['192.0.2.1/32']);
    expect(world.updates()).toHaveLength(writesBefore + 1);
    expect(await blockRecord(blockId)).toMatchObject({ status: 'removed', removedBecause: 'expired' });
  });

  it('records the expiry even when someone already took the address out', async () => {
    // Prepare
    const { input, blockId } = await blocked();
    world.sets[SITE_SET.id]!.addresses = ['192.0.2.1/32'];
    world.sets[SITE_SET.id]!.version += 1;

    // Act
    const result = await invoke(expire, input);

    // Assess
    expect(result).toMatchObject({ removed: false, removedBecause: 'expired' });
    expect(result.summary).toBe('198.51.100.7/32 was no longer in REGIONAL/site-blocklist; block recorded as expired');
    expect(await blockRecord(blockId)).toMatchObject({ status: 'removed' });
  });

  it('removes nothing for a block it has no record of', async () => {
    // Prepare
    const { input } = await blocked();

    // Act
    const result = await invoke(expire, { ...input, blockId: `blk-${'0'.repeat(28)}` });

    // Assess
    expect(result).toMatchObject({ removed: false });
    expect(world.addresses()).toContain('198.51.100.7/32');
  });

  it('refuses an input whose address is not the block\'s, removing nothing', async () => {
    // Prepare
    const { input } = await blocked();

    // Act
    const error = await rejectionOf(invoke(expire, { ...input, cidr: '192.0.2.1/32' }));

    // Assess
    expect(error.name).toBe('OutOfScopeError');
    expect(world.addresses()).toEqual(['192.0.2.1/32', '198.51.100.7/32']);
  });

  it('refuses an IP set that is not declared', async () => {
    // Prepare
    const { input } = await blocked();

    // Act
    const error = await rejectionOf(invoke(expire, { ...input, ipSet: { name: 'other', id: 'ffffffff-0000-4000-8000-000000000000', scope: 'REGIONAL' } }));

    // Assess
    expect(error.name).toBe('IpSetNotDeclaredError');
  });

  it('refuses a malformed input as MalformedEventError', async () => {
    // Act
    const error = await rejectionOf(invoke(expire, { action: 'unblockIpInWaf', blockId: 'nope', ipSet: {}, cidr: '' }));

    // Assess
    expect(error.name).toBe('MalformedEventError');
    expect(world.reads()).toHaveLength(0);
  });
});
