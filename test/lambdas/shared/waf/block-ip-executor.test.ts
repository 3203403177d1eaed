import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  ConflictException,
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  DeleteScheduleCommand,
  type DeleteScheduleCommandInput,
  ResourceNotFoundException,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { UpdateIPSetCommand, WAFV2Client } from '@aws-sdk/client-wafv2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UnblockInputSchema } from '../../../../lambdas/shared/waf/block-expiry.js';
import {
  type BlockIpApplied,
  type BlockIpBefore,
  BlockIpExecutor,
  type BlockIpExecutorProps,
  type BlockIpParams,
  blockIdOf,
} from '../../../../lambdas/shared/waf/block-ip-executor.js';
import { BlockLedger } from '../../../../lambdas/shared/waf/block-ledger.js';
import { createStateTable, type LocalDynamoDb, startLocalDynamoDb } from '../../../../local/local-dynamodb.js';
import { rejectionOf, throttlingError } from '../../harness.js';
import { declaredIpSet, fakeWaf, type IpSetState, ipSetState } from './fake-waf.js';

const regionalSet = declaredIpSet();
const cloudFrontSet = declaredIpSet({ scope: 'CLOUDFRONT', id: 'cf000000-0000-4000-8000-000000000001', name: 'edge-blocked' });
const ipv6Set = declaredIpSet({ id: 'v6000000-0000-4000-8000-000000000001', name: 'blocked-v6' });
const scheduleSettings = {
  groupName: 'self-healing-waf-blocks',
  targetArn: 'arn:aws:lambda:eu-west-1:123456789012:function:unblock-ip',
  roleArn: 'arn:aws:iam::123456789012:role/scheduler-invoke-unblock',
};
const t0 = new Date('2026-11-27T10:00:00Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
const context = (overrides: Partial<{ incidentId: string; attempt: number; reason: string; now: Date }> = {}) => ({
  incidentId: 'inc-0123456789abcdef0123',
  attempt: 1,
  reason: 'web-5xx alarm: 14,200 requests in 5 minutes from 198.51.100.7, 61% of all traffic',
  now: t0,
  ...overrides,
});
const params = (overrides: Partial<BlockIpParams> = {}): BlockIpParams => ({
  ipSetName: regionalSet.name,
  scope: 'REGIONAL',
  cidr: '198.51.100.7/32',
  durationMinutes: 30,
  ...overrides,
});

describe('BlockIpExecutor', () => {
  let db: LocalDynamoDb;
  let documentClient: DynamoDBDocumentClient;
  let table = 0;

  const regionalClient = new WAFV2Client({ region: 'eu-west-1' });
  const globalClient = new WAFV2Client({ region: 'us-east-1' });
  const schedulerClient = new SchedulerClient({ region: 'eu-west-1' });
  const scheduler = mockClient(schedulerClient);
  let regionalWaf: ReturnType<typeof fakeWaf>;
  let globalWaf: ReturnType<typeof fakeWaf>;
  let sets: Record<string, IpSetState>;
  /** Schedules that exist, by name, as the fake Scheduler keeps them. */
  let schedules: Map<string, CreateScheduleCommandInput>;
  let ledger: BlockLedger;

  function executor(overrides: Partial<BlockIpExecutorProps> = {}): BlockIpExecutor {
    return new BlockIpExecutor({
      wafClients: (scope) => (scope === 'CLOUDFRONT' ? globalClient : regionalClient),
      scheduler: schedulerClient,
      ledger,
      ipSets: [regionalSet, cloudFrontSet, ipv6Set],
      limits: { maxPerHour: 10, maxTotal: 50 },
      schedule: scheduleSettings,
      protectedCidrs: ['203.0.113.0/24'],
      editor: { maxAttempts: 3, backoff: async () => {} },
      ...overrides,
    });
  }

  /** readBefore then apply, as the workflow runs them. */
  async function block(subject: BlockIpExecutor, action = params(), ctx = context()): Promise<{ before: BlockIpBefore; applied: BlockIpApplied }> {
    const before = await subject.readBefore(action);
    const applied = await subject.apply(action, before, ctx);
    return { before, applied };
  }

  beforeAll(async () => {
    db = await startLocalDynamoDb();
    documentClient = DynamoDBDocumentClient.from(
      new DynamoDBClient({ endpoint: db.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
    );
  });
  afterAll(async () => {
    documentClient.destroy();
    await db.stop();
  });
  beforeEach(async () => {
    table += 1;
    await createStateTable(db.endpoint, `waf-${table}`);
    ledger = new BlockLedger(documentClient, `waf-${table}`, { backoff: async () => {} });
    sets = {
      [regionalSet.id]: ipSetState(['192.0.2.1/32']),
      [cloudFrontSet.id]: ipSetState([]),
      [ipv6Set.id]: ipSetState([], { addressVersion: 'IPV6' }),
    };
    regionalWaf?.restore();
    globalWaf?.restore();
    regionalWaf = fakeWaf(regionalClient, sets);
    globalWaf = fakeWaf(globalClient, sets);
    schedules = new Map();
    scheduler.reset();
    scheduler.on(CreateScheduleCommand).callsFake((input: CreateScheduleCommandInput) => {
      if (schedules.has(input.Name!)) throw new ConflictException({ message: 'exists', Message: 'exists', $metadata: { httpStatusCode: 409 } });
      schedules.set(input.Name!, input);
      return { ScheduleArn: `arn:schedule/${input.Name}` };
    });
    scheduler.on(DeleteScheduleCommand).callsFake((input: DeleteScheduleCommandInput) => {
      if (!schedules.delete(input.Name!)) throw new ResourceNotFoundException({ message: 'gone', Message: 'gone', $metadata: { httpStatusCode: 404 } });
      return {};
    });
  });

  describe('readBefore', () => {
    it('reports presence, size and lock token, and changes nothing', async () => {
      const before = await executor().readBefore(params({ cidr: '192.0.2.1/32' }));
      expect(before).toEqual({
        ipSet: regionalSet,
        cidr: '192.0.2.1/32',
        present: true,
        size: 1,
        addressVersion: 'IPV4',
        lockToken: `${regionalSet.id}-token-1`,
      });
      expect(regionalWaf.commandCalls(UpdateIPSetCommand)).toHaveLength(0);
    });
  });

  describe('apply', () => {
    it('adds the address, records the block and schedules its expiry first', async () => {
      // Act
      const { before, applied } = await block(executor());

      // Assess
      const blockId = blockIdOf('inc-0123456789abcdef0123', 1, regionalSet, '198.51.100.7/32');
      expect(before.present).toBe(false);
      expect(applied).toMatchObject({
        blockId,
        changed: true,
        outcome: 'blocked',
        cidr: '198.51.100.7/32',
        expiresAt: at(1_800).toISOString(),
        scheduleName: `unblock-${blockId}`,
      });
      expect(sets[regionalSet.id]!.addresses).toEqual(['192.0.2.1/32', '198.51.100.7/32']);

      const schedule = schedules.get(`unblock-${blockId}`)!;
      expect(schedule).toMatchObject({
        GroupName: scheduleSettings.groupName,
        ScheduleExpression: 'at(2026-11-27T10:30:00)',
        ScheduleExpressionTimezone: 'UTC',
        ActionAfterCompletion: 'DELETE',
        Target: { Arn: scheduleSettings.targetArn, RoleArn: scheduleSettings.roleArn },
      });
      expect(UnblockInputSchema.parse(JSON.parse(schedule.Target!.Input!))).toEqual({
        action: 'unblockIpInWaf',
        blockId,
        ipSet: { name: regionalSet.name, id: regionalSet.id, scope: 'REGIONAL' },
        cidr: '198.51.100.7/32',
      });

      expect(await ledger.get(regionalSet, blockId)).toMatchObject({
        status: 'active',
        incidentId: 'inc-0123456789abcdef0123',
        attempt: 1,
        reason: context().reason,
        cidr: '198.51.100.7/32',
        expiresAt: at(1_800).toISOString(),
        addedAt: t0.toISOString(),
      });
      expect(await ledger.usage(regionalSet, t0)).toEqual({ active: 1, lastHour: 1 });
    });

    it('is idempotent for the same incident and attempt: one address, one slot, one schedule', async () => {
      // Prepare
      const subject = executor();
      const { before, applied } = await block(subject);

      // Act
      const again = await subject.apply(params(), before, context({ now: at(20) }));

      // Assess
      expect(again).toEqual(applied);
      expect(regionalWaf.commandCalls(UpdateIPSetCommand)).toHaveLength(1);
      expect(schedules.size).toBe(1);
      expect(await ledger.usage(regionalSet, at(20))).toEqual({ active: 1, lastHour: 1 });
    });

    it('finishes an apply that was interrupted after its write: the address is its own', async () => {
      // Prepare: the first try wrote the address, then marking the record active was throttled.
      const subject = executor();
      const before = await subject.readBefore(params());
      let marked = 0;
      const realMarkActive = ledger.markActive.bind(ledger);
      ledger.markActive = async (...args) => {
        marked += 1;
        if (marked === 1) throw Object.assign(throttlingError(), { name: 'TransientAwsError' });
        return realMarkActive(...args);
      };
      await rejectionOf(subject.apply(params(), before, context()));
      expect(sets[regionalSet.id]!.addresses).toContain('198.51.100.7/32');

      // Act
      const applied = await subject.apply(params(), before, context({ now: at(5) }));

      // Assess
      expect(applied).toMatchObject({ changed: true, outcome: 'blocked' });
      expect(regionalWaf.commandCalls(UpdateIPSetCommand)).toHaveLength(1);
      expect(scheduler.commandCalls(CreateScheduleCommand)).toHaveLength(2);
      expect(schedules.size).toBe(1);
    });

    it('normalises the address it writes (IPv6 compressed, lower-case)', async () => {
      const { applied } = await block(executor(), params({ ipSetName: ipv6Set.name, cidr: '2001:DB8:0:0::7/128' }));
      expect(applied.cidr).toBe('2001:db8::7/128');
      expect(sets[ipv6Set.id]!.addresses).toEqual(['2001:db8::7/128']);
    });

    it('blocks in a CLOUDFRONT set through the us-east-1 client', async () => {
      await block(executor(), params({ ipSetName: cloudFrontSet.name, scope: 'CLOUDFRONT' }));
      expect(globalWaf.commandCalls(UpdateIPSetCommand)).toHaveLength(1);
      expect(globalWaf.commandCalls(UpdateIPSetCommand)[0]!.args[0].input).toMatchObject({ Scope: 'CLOUDFRONT', Id: cloudFrontSet.id });
      expect(regionalWaf.calls()).toHaveLength(0);
    });

    it('retries from a fresh read when another writer changes the set mid-way, keeping their entry', async () => {
      // Prepare
      sets[regionalSet.id]!.beforeUpdate = (state, call) => {
        if (call === 1) {
          state.addresses.push('192.0.2.99/32');
          state.version += 1;
        }
      };

      // Act
      const { applied } = await block(executor());

      // Assess
      expect(applied.changed).toBe(true);
      expect(regionalWaf.commandCalls(UpdateIPSetCommand)).toHaveLength(2);
      expect(sets[regionalSet.id]!.addresses).toEqual(['192.0.2.1/32', '192.0.2.99/32', '198.51.100.7/32']);
    });

    it('gives up with WafLockContentionError, frees the slot and drops the schedule', async () => {
      // Prepare
      sets[regionalSet.id]!.beforeUpdate = (state) => {
        state.version += 1;
      };
      const subject = executor();
      const before = await subject.readBefore(params());

      // Act
      const error = await rejectionOf(subject.apply(params(), before, context()));

      // Assess
      expect(error.name).toBe('WafLockContentionError');
      expect(regionalWaf.commandCalls(UpdateIPSetCommand)).toHaveLength(3);
      expect(schedules.size).toBe(0);
      expect(await ledger.usage(regionalSet, t0)).toEqual({ active: 0, lastHour: 0 });
      const blockId = blockIdOf('inc-0123456789abcdef0123', 1, regionalSet, '198.51.100.7/32');
      expect(await ledger.get(regionalSet, blockId)).toMatchObject({ status: 'failed', notApplied: expect.stringContaining('WafLockContentionError') });
    });

    it('leaves a block pending on a transient failure, and a retry finishes it', async () => {
      // Prepare
      regionalWaf.on(UpdateIPSetCommand).rejectsOnce(throttlingError()).callsFake(() => ({ NextLockToken: 'x' }));
      const subject = executor();
      const before = await subject.readBefore(params());

      // Act
      const error = await rejectionOf(subject.apply(params(), before, context()));
      const applied = await subject.apply(params(), before, context({ now: at(3) }));

      // Assess
      expect(error.name).toBe('TransientAwsError');
      expect(applied.changed).toBe(true);
      expect(await ledger.usage(regionalSet, at(3))).toEqual({ active: 1, lastHour: 1 });
    });

    it('an address already in the set is a no-op: no record, no slot, no schedule', async () => {
      // Act
      const { before, applied } = await block(executor(), params({ cidr: '192.0.2.1/32' }));

      // Assess
      expect(before.present).toBe(true);
      expect(applied).toMatchObject({ changed: false, outcome: 'already-present' });
      expect(regionalWaf.commandCalls(UpdateIPSetCommand)).toHaveLength(0);
      expect(schedules.size).toBe(0);
      expect(await ledger.get(regionalSet, applied.blockId)).toBeUndefined();
      expect(await ledger.usage(regionalSet, t0)).toEqual({ active: 0, lastHour: 0 });
    });

    it('an address someone else adds between the read and the write is theirs: not added, slot and schedule given back', async () => {
      // Prepare
      sets[regionalSet.id]!.beforeUpdate = (state, call) => {
        if (call === 1) {
          state.addresses.push('198.51.100.7/32');
          state.version += 1;
        }
      };

      // Act
      const { applied } = await block(executor());

      // Assess
      expect(applied).toMatchObject({ changed: false, outcome: 'already-present' });
      expect(schedules.size).toBe(0);
      expect(await ledger.usage(regionalSet, t0)).toEqual({ active: 0, lastHour: 0 });
      expect(await ledger.get(regionalSet, applied.blockId)).toMatchObject({ status: 'skipped' });
    });

    it('refuses a set near its quota and never calls UpdateIPSet', async () => {
      // Prepare: 9,500 of 10,000 is the default 95%.
      sets[regionalSet.id]!.addresses = Array.from({ length: 9_500 }, (_, index) => `10.${index >> 8}.${index & 255}.1/32`);

      // Act
      const error = await rejectionOf(block(executor()));

      // Assess
      expect(error.name).toBe('IpSetNearQuotaError');
      expect(error.message).toContain('9500 of 10000');
      expect(regionalWaf.commandCalls(UpdateIPSetCommand)).toHaveLength(0);
      expect(schedules.size).toBe(0);
      expect(await ledger.usage(regionalSet, t0)).toEqual({ active: 0, lastHour: 0 });
    });

    it('takes the near-quota fraction from the limits', async () => {
      sets[regionalSet.id]!.addresses = Array.from({ length: 5_000 }, (_, index) => `10.${index >> 8}.${index & 255}.1/32`);
      const error = await rejectionOf(block(executor({ limits: { maxPerHour: 10, maxTotal: 50, nearQuotaFraction: 0.5 } })));
      expect(error.name).toBe('IpSetNearQuotaError');
      expect(regionalWaf.commandCalls(UpdateIPSetCommand)).toHaveLength(0);
    });

    it('refuses past the per-hour cap with BlockLimitReachedError and records the refusal', async () => {
      // Prepare
      const subject = executor({ limits: { maxPerHour: 2, maxTotal: 50 } });
      await block(subject, params({ cidr: '198.51.100.1/32' }), context({ incidentId: 'inc-a' }));
      await block(subject, params({ cidr: '198.51.100.2/32' }), context({ incidentId: 'inc-b' }));

      // Act
      const error = await rejectionOf(block(subject, params({ cidr: '198.51.100.3/32' }), context({ incidentId: 'inc-c' })));

      // Assess
      expect(error.name).toBe('BlockLimitReachedError');
      expect(sets[regionalSet.id]!.addresses).not.toContain('198.51.100.3/32');
      const blockId = blockIdOf('inc-c', 1, regionalSet, '198.51.100.3/32');
      expect(await ledger.get(regionalSet, blockId)).toMatchObject({ status: 'refused' });
      expect(schedules.size).toBe(2);
    });

    it('lets no more concurrent blocks through than the total cap', async () => {
      // Act
      const subject = executor({ limits: { maxPerHour: 100, maxTotal: 3 }, editor: { maxAttempts: 20, backoff: async () => {} } });
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, index) =>
          block(subject, params({ cidr: `198.51.100.${index + 10}/32` }), context({ incidentId: `inc-${index}` })),
        ),
      );

      // Assess
      const blocked = results.filter((result) => result.status === 'fulfilled');
      const refused = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
      expect(blocked).toHaveLength(3);
      expect(refused.every((result) => result.reason.name === 'BlockLimitReachedError')).toBe(true);
      expect(sets[regionalSet.id]!.addresses).toHaveLength(1 + 3);
      expect(await ledger.usage(regionalSet, t0)).toEqual({ active: 3, lastHour: 3 });
    });

    it.each([
      ['a /24', '198.51.100.0/24', 'OutOfScopeError'],
      ['a /31', '198.51.100.6/31', 'OutOfScopeError'],
      ['an IPv6 /64', '2001:db8::/64', 'OutOfScopeError'],
      ['not an address', 'example.com/32', 'OutOfScopeError'],
      ['a protected address', '203.0.113.50/32', 'ProtectedAddressError'],
      ['a private address', '10.1.2.3/32', 'ProtectedAddressError'],
      ['loopback IPv6', '::1/128', 'ProtectedAddressError'],
    ])('refuses %s before any AWS call', async (_what, cidr, name) => {
      const subject = executor();
      expect((await rejectionOf(subject.readBefore(params({ cidr })))).name).toBe(name);
      const before = { ipSet: regionalSet, cidr, present: false, size: 0, addressVersion: 'IPV4' as const, lockToken: 't' };
      expect((await rejectionOf(subject.apply(params({ cidr }), before, context()))).name).toBe(name);
      expect(regionalWaf.calls()).toHaveLength(0);
      expect(scheduler.calls()).toHaveLength(0);
    });

    it('names the protected range in the refusal', async () => {
      const error = await rejectionOf(executor().readBefore(params({ cidr: '203.0.113.50/32' })));
      expect(error.message).toContain('203.0.113.0/24');
    });

    it('refuses an IP set that is not declared, or declared for the other scope', async () => {
      const subject = executor();
      expect((await rejectionOf(subject.readBefore(params({ ipSetName: 'someone-elses-set' })))).name).toBe('IpSetNotDeclaredError');
      expect((await rejectionOf(subject.readBefore(params({ scope: 'CLOUDFRONT' })))).name).toBe('IpSetNotDeclaredError');
      expect(regionalWaf.calls()).toHaveLength(0);
    });

    it('refuses an address of the wrong family for the set', async () => {
      const error = await rejectionOf(block(executor(), params({ cidr: '2001:db8::7/128' })));
      expect(error.name).toBe('OutOfScopeError');
      expect(regionalWaf.commandCalls(UpdateIPSetCommand)).toHaveLength(0);
    });

    it('refuses to start with a protected range it cannot parse', () => {
      expect(() => executor({ protectedCidrs: ['203.0.113.0/33'] })).toThrow(/203\.0\.113\.0\/33/);
    });
  });

  describe('undo', () => {
    it('removes exactly this address, records it undone and drops the schedule', async () => {
      // Prepare
      const subject = executor();
      const { before, applied } = await block(subject);
      sets[regionalSet.id]!.addresses.push('192.0.2.77/32');

      // Act
      const result = await subject.undo(params(), before, applied, { incidentId: context().incidentId, now: at(300) });

      // Assess
      expect(result).toMatchObject({ removed: true, removedBecause: 'undone', removedAt: at(300).toISOString() });
      expect(sets[regionalSet.id]!.addresses).toEqual(['192.0.2.1/32', '192.0.2.77/32']);
      expect(schedules.size).toBe(0);
      expect(await ledger.get(regionalSet, applied.blockId)).toMatchObject({ status: 'removed', removedBecause: 'undone' });
      expect(await ledger.usage(regionalSet, at(300))).toEqual({ active: 0, lastHour: 1 });
    });

    it('is idempotent: a second undo changes nothing', async () => {
      const subject = executor();
      const { before, applied } = await block(subject);
      await subject.undo(params(), before, applied, { incidentId: context().incidentId, now: at(300) });

      const again = await subject.undo(params(), before, applied, { incidentId: context().incidentId, now: at(400) });

      expect(again).toMatchObject({ removed: false, removedBecause: 'undone', removedAt: at(300).toISOString() });
      expect(regionalWaf.commandCalls(UpdateIPSetCommand)).toHaveLength(2);
    });

    it('an address already gone is fine: the block is still recorded as undone', async () => {
      const subject = executor();
      const { before, applied } = await block(subject);
      sets[regionalSet.id]!.addresses = ['192.0.2.1/32'];

      const result = await subject.undo(params(), before, applied, { incidentId: context().incidentId, now: at(300) });

      expect(result).toMatchObject({ removed: false, removedBecause: 'undone' });
      expect(await ledger.get(regionalSet, applied.blockId)).toMatchObject({ status: 'removed' });
    });

    it('leaves an address that was in the set before the block', async () => {
      // Prepare
      const subject = executor();
      const { before, applied } = await block(subject, params({ cidr: '192.0.2.1/32' }));

      // Act
      const result = await subject.undo(params({ cidr: '192.0.2.1/32' }), before, applied, { incidentId: context().incidentId, now: at(300) });

      // Assess
      expect(result).toMatchObject({ removed: false });
      expect(sets[regionalSet.id]!.addresses).toEqual(['192.0.2.1/32']);
      expect(regionalWaf.commandCalls(UpdateIPSetCommand)).toHaveLength(0);
    });

    it('removes with lock-token retry', async () => {
      const subject = executor();
      const { before, applied } = await block(subject);
      sets[regionalSet.id]!.beforeUpdate = (state, call) => {
        if (call === 2) {
          state.addresses.push('192.0.2.88/32');
          state.version += 1;
        }
      };

      await subject.undo(params(), before, applied, { incidentId: context().incidentId, now: at(300) });

      expect(sets[regionalSet.id]!.addresses).toEqual(['192.0.2.1/32', '192.0.2.88/32']);
    });

    it('refuses to undo another incident\'s block', async () => {
      const subject = executor();
      const { before, applied } = await block(subject);
      const error = await rejectionOf(subject.undo(params(), before, applied, { incidentId: 'inc-someone-else', now: at(300) }));
      expect(error.name).toBe('OutOfScopeError');
      expect(sets[regionalSet.id]!.addresses).toContain('198.51.100.7/32');
    });
  });

  describe('expire', () => {
    it('removes the address when the schedule fires, and records it expired', async () => {
      // Prepare
      const subject = executor();
      const { applied } = await block(subject);
      const input = UnblockInputSchema.parse(JSON.parse(schedules.get(applied.scheduleName!)!.Target!.Input!));

      // Act
      const result = await subject.expire(input, at(1_800));

      // Assess
      expect(result).toMatchObject({ removed: true, removedBecause: 'expired', removedAt: at(1_800).toISOString() });
      expect(sets[regionalSet.id]!.addresses).toEqual(['192.0.2.1/32']);
      expect(await ledger.get(regionalSet, applied.blockId)).toMatchObject({ status: 'removed', removedBecause: 'expired' });
      expect(await ledger.usage(regionalSet, at(1_800))).toEqual({ active: 0, lastHour: 1 });
      // The schedule deletes itself after it fires; expiry does not delete it.
      expect(scheduler.commandCalls(DeleteScheduleCommand)).toHaveLength(0);
    });

    it('after an undo, a late expiry changes nothing', async () => {
      const subject = executor();
      const { before, applied } = await block(subject);
      const input = UnblockInputSchema.parse(JSON.parse(schedules.get(applied.scheduleName!)!.Target!.Input!));
      await subject.undo(params(), before, applied, { incidentId: context().incidentId, now: at(60) });
      sets[regionalSet.id]!.addresses.push('198.51.100.7/32'); // someone blocks it by hand afterwards

      const result = await subject.expire(input, at(1_800));

      expect(result).toMatchObject({ removed: false, removedBecause: 'undone' });
      expect(sets[regionalSet.id]!.addresses).toContain('198.51.100.7/32');
    });

    it('cleans up a block whose apply never finished', async () => {
      // Prepare: the write landed, then every retry of the apply failed.
      const subject = executor();
      const before = await subject.readBefore(params());
      ledger.markActive = async () => {
        throw Object.assign(new Error('down'), { name: 'TransientAwsError' });
      };
      await rejectionOf(subject.apply(params(), before, context()));
      const [name, schedule] = [...schedules.entries()][0]!;

      // Act
      const result = await subject.expire(UnblockInputSchema.parse(JSON.parse(schedule.Target!.Input!)), at(1_800));

      // Assess
      expect(name).toMatch(/^unblock-blk-/);
      expect(result).toMatchObject({ removed: true, removedBecause: 'expired' });
      expect(sets[regionalSet.id]!.addresses).toEqual(['192.0.2.1/32']);
    });

    it('refuses an input naming an undeclared IP set, or an address other than the block\'s', async () => {
      const subject = executor();
      const { applied } = await block(subject);
      const input = UnblockInputSchema.parse(JSON.parse(schedules.get(applied.scheduleName!)!.Target!.Input!));

      expect((await rejectionOf(subject.expire({ ...input, ipSet: { ...input.ipSet, id: 'nope' } }, at(1_800)))).name).toBe('IpSetNotDeclaredError');
      expect((await rejectionOf(subject.expire({ ...input, cidr: '192.0.2.1/32' }, at(1_800)))).name).toBe('OutOfScopeError');
      expect(sets[regionalSet.id]!.addresses).toEqual(['192.0.2.1/32', '198.51.100.7/32']);
    });
  });
});
