import { beforeEach, describe, expect, it } from 'vitest';
import { StateStore } from '../../lambdas/shared/state-store.js';
import { testIncident } from '../support/fixtures.js';
import { useLocalTables } from '../support/local-tables.js';

/**
 * The lease, cooldown and record rules against dynalite: a real
 * DynamoDB-protocol server, so the conditional writes are really evaluated.
 */
describe('StateStore on a DynamoDB-protocol server', () => {
  const tables = useLocalTables('state');
  let store: StateStore;
  const t0 = new Date('2026-11-27T10:00:00Z');
  const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

  beforeEach(async () => {
    // A fresh table per test keeps the cases independent.
    store = new StateStore(tables.client, await tables.freshTable());
  });

  describe('leases', () => {
    it('grants a free resource and refuses a second holder while the lease lives', async () => {
      const lease = await store.acquireLease('asg/web', 'inc-a', 600, t0);
      expect(lease).toMatchObject({ holder: 'inc-a', leaseExpiresAt: Math.floor(t0.getTime() / 1000) + 600 });

      await expect(store.acquireLease('asg/web', 'inc-b', 600, at(599))).rejects.toMatchObject({
        name: 'LeaseHeldError',
        message: expect.stringContaining('inc-a'),
      });
    });

    it('lets the holder renew its own lease', async () => {
      await store.acquireLease('asg/web', 'inc-a', 600, t0);
      const renewed = await store.acquireLease('asg/web', 'inc-a', 600, at(300));
      expect(renewed.leaseExpiresAt).toBe(Math.floor(at(300).getTime() / 1000) + 600);
    });

    it('lets another run take over a lease that expired, so a crashed run cannot block the resource', async () => {
      await store.acquireLease('asg/web', 'inc-crashed', 600, t0);
      const taken = await store.acquireLease('asg/web', 'inc-b', 600, at(601));
      expect(taken.holder).toBe('inc-b');
    });

    it('keeps leases of different resources independent', async () => {
      await store.acquireLease('asg/web', 'inc-a', 600, t0);
      await expect(store.acquireLease('asg/api', 'inc-b', 600, t0)).resolves.toMatchObject({ holder: 'inc-b' });
    });

    it('grants exactly one of many concurrent acquirers', async () => {
      const contenders = Array.from({ length: 25 }, (_, index) => `inc-${index}`);
      const results = await Promise.allSettled(contenders.map((holder) => store.acquireLease('asg/web', holder, 600, t0)));
      const granted = results.filter((result) => result.status === 'fulfilled');
      const refused = results.filter((result) => result.status === 'rejected');
      expect(granted).toHaveLength(1);
      expect(refused.every((result) => (result as PromiseRejectedResult).reason.name === 'LeaseHeldError')).toBe(true);
      const lease = await store.getLease('asg/web');
      expect(lease?.holder).toBe((granted[0] as PromiseFulfilledResult<{ holder?: string }>).value.holder);
    });
  });

  describe('release and cooldown', () => {
    it('starts a cooldown on release that refuses new runs until it ends', async () => {
      await store.acquireLease('asg/web', 'inc-a', 600, t0);
      expect(await store.releaseLease('asg/web', 'inc-a', 900, at(60))).toBe(true);

      await expect(store.acquireLease('asg/web', 'inc-b', 600, at(61))).rejects.toMatchObject({ name: 'CooldownActiveError' });
      await expect(store.acquireLease('asg/web', 'inc-b', 600, at(959))).rejects.toMatchObject({ name: 'CooldownActiveError' });
      await expect(store.acquireLease('asg/web', 'inc-b', 600, at(960))).resolves.toMatchObject({ holder: 'inc-b' });
    });

    it('lets only the holder release; a stale run cannot free a lease someone else took over', async () => {
      await store.acquireLease('asg/web', 'inc-old', 600, t0);
      await store.acquireLease('asg/web', 'inc-new', 600, at(700));
      expect(await store.releaseLease('asg/web', 'inc-old', 900, at(701))).toBe(false);
      expect((await store.getLease('asg/web'))?.holder).toBe('inc-new');
    });

    it('releases without a cooldown when asked for zero seconds', async () => {
      await store.acquireLease('asg/web', 'inc-a', 600, t0);
      await store.releaseLease('asg/web', 'inc-a', 0, at(10));
      await expect(store.acquireLease('asg/web', 'inc-b', 600, at(10))).resolves.toMatchObject({ holder: 'inc-b' });
    });
  });

  describe('incident records', () => {
    it('opens an incident once; a duplicate delivery finds it open and changes nothing', async () => {
      const incident = testIncident();
      expect(await store.openIncident(incident, 'web-exec', t0)).toBe('opened');
      expect(await store.openIncident({ ...incident, onsetAt: '2030-01-01T00:00:00.000Z' }, 'web-exec', at(5))).toBe('already-open');
      const record = await store.getIncident(incident.incidentId);
      expect(record).toMatchObject({ status: 'open', onsetAt: incident.onsetAt, openedAt: t0.toISOString() });
      expect(typeof record?.ttl).toBe('number');
    });

    it('keeps the first before-state when an attempt is recorded twice', async () => {
      const first = { incidentId: 'inc-a', attempt: 1, action: 'scaleOutAsg', params: { targetCapacity: 6 }, before: { desiredCapacity: 4 }, startedAt: t0.toISOString() };
      await store.recordAttempt(first, t0);
      const retried = await store.recordAttempt({ ...first, before: { desiredCapacity: 6 }, startedAt: at(30).toISOString() }, at(30));
      expect(retried.before).toEqual({ desiredCapacity: 4 });
      expect(retried.startedAt).toBe(t0.toISOString());
    });

    it('closes an incident and lists it in the resource history, newest first', async () => {
      const older = testIncident({ incidentId: 'inc-00000000000000000001', onsetAt: '2026-11-27T09:00:00.000Z' });
      const newer = testIncident({ incidentId: 'inc-00000000000000000002', onsetAt: '2026-11-27T10:00:00.000Z' });
      for (const incident of [older, newer]) {
        await store.openIncident(incident, 'exec', t0);
        await store.closeIncident(
          incident,
          { incidentId: incident.incidentId, outcome: 'resolved', action: 'scaleOutAsg', attempts: 1, closedAt: at(60).toISOString(), summary: 'scaled' },
          { summary: 'scaled' },
          at(60),
        );
      }
      expect((await store.getIncident(newer.incidentId))?.status).toBe('resolved');
      const history = await store.recentHistory('autoscaling-group/web', 5);
      expect(history.map((entry) => entry.incidentId)).toEqual([newer.incidentId, older.incidentId]);
      expect(history[0]).toEqual({
        incidentId: newer.incidentId,
        outcome: 'resolved',
        action: 'scaleOutAsg',
        attempts: 1,
        closedAt: at(60).toISOString(),
        summary: 'scaled',
      });
    });

    it('closing the same incident twice (a retried step) leaves one history entry', async () => {
      const incident = testIncident();
      const entry = { incidentId: incident.incidentId, outcome: 'escalated' as const, attempts: 2, closedAt: at(60).toISOString(), summary: 'escalated' };
      await store.closeIncident(incident, entry, {}, at(60));
      await store.closeIncident(incident, { ...entry, closedAt: at(90).toISOString() }, {}, at(90));
      expect(await store.recentHistory(incident.resource.id, 10)).toHaveLength(1);
    });
  });
});
