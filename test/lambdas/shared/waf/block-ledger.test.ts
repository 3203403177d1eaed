import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { BlockLedger, type NewBlock, wafBlockKeys } from '../../../../lambdas/shared/waf/block-ledger.js';
import { useLocalTables } from '../../../support/local-tables.js';
import { rejectionOf } from '../../harness.js';
import { declaredIpSet } from './fake-waf.js';

/**
 * The block records and the caps against dynalite: a real DynamoDB-protocol
 * server, so the conditional writes that keep concurrent blocks under the
 * caps are really evaluated.
 */
describe('BlockLedger on a DynamoDB-protocol server', () => {
  const tables = useLocalTables('waf-ledger');
  let client: DynamoDBDocumentClient;
  let ledger: BlockLedger;
  let tableName = '';
  const ipSet = declaredIpSet();
  const otherSet = declaredIpSet({ id: 'a1b2c3d4-0000-4000-8000-000000000002', name: 'other' });
  const t0 = new Date('2026-11-27T10:00:00Z');
  const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
  const expires = at(3_600);
  const caps = { maxPerHour: 3, maxTotal: 5 };

  const block = (blockId: string, overrides: Partial<NewBlock> = {}): NewBlock => ({
    blockId,
    ipSet,
    cidr: '198.51.100.7/32',
    incidentId: 'inc-a',
    attempt: 1,
    reason: '12,000 requests in 5 minutes from one address',
    requestedAt: t0.toISOString(),
    expiresAt: expires.toISOString(),
    durationMinutes: 60,
    scheduleName: `unblock-${blockId}`,
    ...overrides,
  });

  beforeEach(async () => {
    client = tables.client;
    tableName = await tables.freshTable();
    ledger = new BlockLedger(client, tableName, { maxAttempts: 50, backoff: async () => {} });
  });

  describe('records', () => {
    it('writes a pending record with who, why and until when, under WAFBLOCK# keys with a TTL after expiry', async () => {
      // Act
      const { created, record } = await ledger.create(block('blk-1'));

      // Assess
      expect(created).toBe(true);
      expect(record.status).toBe('pending');
      const raw = await client.send(new GetCommand({ TableName: tableName, Key: wafBlockKeys.block(ipSet, 'blk-1') }));
      expect(raw.Item).toMatchObject({
        pk: `WAFBLOCK#REGIONAL#${ipSet.id}`,
        sk: 'BLOCK#blk-1',
        type: 'waf-block',
        incidentId: 'inc-a',
        reason: '12,000 requests in 5 minutes from one address',
        cidr: '198.51.100.7/32',
        expiresAt: expires.toISOString(),
        status: 'pending',
      });
      expect(raw.Item!.ttl).toBeGreaterThan(Math.floor(expires.getTime() / 1000) + 30 * 86_400);
    });

    it('a second create of the same block returns the first record unchanged', async () => {
      await ledger.create(block('blk-1'));
      const again = await ledger.create(block('blk-1', { reason: 'changed' }));
      expect(again.created).toBe(false);
      expect(again.record.reason).toBe('12,000 requests in 5 minutes from one address');
    });

    it('moves pending → active → removed once, recording when and why', async () => {
      await ledger.create(block('blk-1'));
      const active = await ledger.markActive(ipSet, 'blk-1', { scheduleName: 'unblock-blk-1' }, at(5));
      expect(active).toMatchObject({ status: 'active', addedAt: at(5).toISOString() });

      const first = await ledger.markRemoved(ipSet, 'blk-1', 'undone', at(60));
      const second = await ledger.markRemoved(ipSet, 'blk-1', 'expired', at(3_600));

      expect(first).toMatchObject({ removed: true, record: { status: 'removed', removedBecause: 'undone', removedAt: at(60).toISOString() } });
      expect(second).toMatchObject({ removed: false, record: { removedBecause: 'undone', removedAt: at(60).toISOString() } });
    });

    it('records why a block did not reach the set, and clears it when a retry succeeds', async () => {
      await ledger.create(block('blk-1'));
      await expect(ledger.markNotApplied(ipSet, 'blk-1', 'refused', 'BlockLimitReachedError: full', at(1))).resolves.toMatchObject({
        status: 'refused',
        notApplied: 'BlockLimitReachedError: full',
      });
      const active = await ledger.markActive(ipSet, 'blk-1', { scheduleName: 'unblock-blk-1' }, at(2));
      expect(active.status).toBe('active');
      expect(active.notApplied).toBeUndefined();
    });

    it('never marks a removed block as anything else', async () => {
      await ledger.create(block('blk-1'));
      await ledger.markRemoved(ipSet, 'blk-1', 'expired', at(1));
      await expect(ledger.markActive(ipSet, 'blk-1', { scheduleName: 'x' }, at(2))).resolves.toMatchObject({ status: 'removed' });
      await expect(ledger.markNotApplied(ipSet, 'blk-1', 'failed', 'x', at(2))).resolves.toMatchObject({ status: 'removed' });
    });
  });

  describe('caps', () => {
    it('refuses the block past the per-hour cap, and allows it once the oldest is an hour old', async () => {
      // Prepare
      for (const [index, id] of ['blk-1', 'blk-2', 'blk-3'].entries()) await ledger.claim(ipSet, id, caps, expires, at(index * 60));

      // Act
      const refused = await rejectionOf(ledger.claim(ipSet, 'blk-4', caps, expires, at(3_599)));

      // Assess
      expect(refused.name).toBe('BlockLimitReachedError');
      expect(refused.message).toContain(`the next is allowed at ${at(3_600).toISOString()}`);
      await expect(ledger.claim(ipSet, 'blk-4', caps, expires, at(3_600))).resolves.toEqual({ active: 4, lastHour: 3 });
    });

    it('refuses past the total cap until a block is released', async () => {
      // Prepare
      const loose = { maxPerHour: 100, maxTotal: 2 };
      await ledger.claim(ipSet, 'blk-1', loose, expires, t0);
      await ledger.claim(ipSet, 'blk-2', loose, expires, t0);

      // Act + Assess
      expect((await rejectionOf(ledger.claim(ipSet, 'blk-3', loose, expires, t0))).name).toBe('BlockLimitReachedError');
      await ledger.release(ipSet, 'blk-1', { fromLastHour: false }, at(10));
      await expect(ledger.claim(ipSet, 'blk-3', loose, expires, at(11))).resolves.toEqual({ active: 2, lastHour: 3 });
    });

    it('counts a retried claim once', async () => {
      await ledger.claim(ipSet, 'blk-1', caps, expires, t0);
      await ledger.claim(ipSet, 'blk-1', caps, expires, at(30));
      expect(await ledger.usage(ipSet, at(30))).toEqual({ active: 1, lastHour: 1 });
      expect(await ledger.holdsSlot(ipSet, 'blk-1')).toBe(true);
    });

    it('a released block that never reached the set gives its hour back too', async () => {
      await ledger.claim(ipSet, 'blk-1', caps, expires, t0);
      await ledger.release(ipSet, 'blk-1', { fromLastHour: true }, at(1));
      expect(await ledger.usage(ipSet, at(1))).toEqual({ active: 0, lastHour: 0 });
      expect(await ledger.holdsSlot(ipSet, 'blk-1')).toBe(false);
      // Releasing again changes nothing.
      await expect(ledger.release(ipSet, 'blk-1', { fromLastHour: true }, at(2))).resolves.toEqual({ active: 0, lastHour: 0 });
    });

    it('keeps the caps of different IP sets apart', async () => {
      const one = { maxPerHour: 1, maxTotal: 1 };
      await ledger.claim(ipSet, 'blk-1', one, expires, t0);
      await expect(ledger.claim(otherSet, 'blk-2', one, expires, t0)).resolves.toEqual({ active: 1, lastHour: 1 });
    });

    it('a cap of zero refuses every block', async () => {
      expect((await rejectionOf(ledger.claim(ipSet, 'blk-1', { maxPerHour: 0, maxTotal: 5 }, expires, t0))).name).toBe('BlockLimitReachedError');
    });

    it('refuses caps it cannot keep in one item', async () => {
      await expect(ledger.claim(ipSet, 'blk-1', { maxPerHour: 1, maxTotal: 1_000_000 }, expires, t0)).rejects.toThrow(/maxTotal/);
    });

    it('lets no more than the cap through when many blocks race for it', async () => {
      // Act: 20 different blocks claim at once against a total cap of 5 (per-hour cap 8).
      const contenders = Array.from({ length: 20 }, (_, index) => `blk-${index}`);
      const results = await Promise.allSettled(
        contenders.map((id) => ledger.claim(ipSet, id, { maxPerHour: 8, maxTotal: 5 }, expires, t0)),
      );

      // Assess
      const granted = contenders.filter((_, index) => results[index]!.status === 'fulfilled');
      const refusals = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
      expect(granted).toHaveLength(5);
      expect(refusals.every((result) => result.reason.name === 'BlockLimitReachedError')).toBe(true);
      expect(await ledger.usage(ipSet, t0)).toEqual({ active: 5, lastHour: 5 });
      for (const id of granted) expect(await ledger.holdsSlot(ipSet, id)).toBe(true);
    });

    it('under a per-hour cap tighter than the total, the race stops at the hourly cap', async () => {
      const contenders = Array.from({ length: 15 }, (_, index) => `blk-${index}`);
      const results = await Promise.allSettled(
        contenders.map((id) => ledger.claim(ipSet, id, { maxPerHour: 3, maxTotal: 10 }, expires, t0)),
      );
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(3);
      expect(await ledger.usage(ipSet, t0)).toEqual({ active: 3, lastHour: 3 });
    });

    it('gives up with TransientAwsError rather than exceed the cap when it keeps losing the race', async () => {
      // Prepare: one attempt each, so all but the winner of the first round lose.
      const impatient = new BlockLedger(client, tableName, { maxAttempts: 1 });
      const contenders = Array.from({ length: 10 }, (_, index) => `blk-${index}`);

      // Act
      const results = await Promise.allSettled(contenders.map((id) => impatient.claim(ipSet, id, caps, expires, t0)));

      // Assess
      const granted = results.filter((result) => result.status === 'fulfilled').length;
      const names = results.flatMap((result) => (result.status === 'rejected' ? [result.reason.name] : []));
      expect(granted).toBeGreaterThanOrEqual(1);
      expect(granted).toBeLessThanOrEqual(caps.maxPerHour);
      expect(names.every((name) => name === 'TransientAwsError' || name === 'BlockLimitReachedError')).toBe(true);
      expect((await ledger.usage(ipSet, t0)).active).toBe(granted);
    });
  });
});
