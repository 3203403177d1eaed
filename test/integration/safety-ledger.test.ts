import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_FLAP_GUARD, evaluateFlapGuards, type LedgerEntry } from '../../lambdas/shared/flap-guard.js';
import { SafetyLedger } from '../../lambdas/shared/safety-ledger.js';
import { useLocalTables } from '../support/local-tables.js';

/** The ledger and the circuit against dynalite: durable, idempotent per attempt, reset by a human. */
describe('SafetyLedger on a DynamoDB-protocol server', () => {
  const tables = useLocalTables('ledger');
  let ledger: SafetyLedger;
  const resource = 'autoscaling-group/web';
  const t0 = new Date('2026-11-27T10:00:00Z');
  const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);

  beforeEach(async () => {
    ledger = new SafetyLedger(tables.client, await tables.freshTable());
  });

  const action = (incidentId: string, attempt: number, minutes: number): LedgerEntry => ({
    incidentId,
    attempt,
    action: 'scaleOutAsg',
    target: resource,
    at: at(minutes).toISOString(),
    result: 'pending',
    effect: { before: 4, after: 6 },
  });

  it('keeps the first entry of an attempt when the step is retried', async () => {
    await ledger.recordAction(resource, action('inc-a', 1, 0), at(0));
    await ledger.recordAction(resource, { ...action('inc-a', 1, 5), effect: { before: 6, after: 8 } }, at(5));

    const entries = await ledger.entries(resource);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ at: at(0).toISOString(), effect: { before: 4, after: 6 }, result: 'pending' });
  });

  it('returns the entries oldest first with their verified results', async () => {
    await ledger.recordAction(resource, action('inc-b', 1, 10), at(10));
    await ledger.recordAction(resource, action('inc-a', 1, 0), at(0));
    await ledger.setResult(resource, 'inc-a', 1, 'unhealthy', at(6));

    const entries = await ledger.entries(resource);
    expect(entries.map((entry) => [entry.incidentId, entry.result])).toEqual([
      ['inc-a', 'unhealthy'],
      ['inc-b', 'pending'],
    ]);
  });

  it('reports a result for an attempt that never acted as not recorded', async () => {
    expect(await ledger.setResult(resource, 'inc-none', 1, 'unhealthy', at(0))).toBe(false);
    expect(await ledger.entries(resource)).toEqual([]);
  });

  it('opens the circuit once, keeps the first reason, and closes it only on reset', async () => {
    expect(await ledger.circuit(resource)).toEqual({ status: 'closed' });
    expect(await ledger.openCircuit(resource, 'first reason', 'inc-a', at(1))).toBe(true);
    expect(await ledger.openCircuit(resource, 'second reason', 'inc-b', at(2))).toBe(false);
    expect(await ledger.circuit(resource)).toMatchObject({ status: 'open', reason: 'first reason', openedBy: 'inc-a' });

    const before = await ledger.resetCircuit(resource, 'alice', at(30));
    expect(before.status).toBe('open');
    expect(await ledger.circuit(resource)).toMatchObject({ status: 'closed', resetBy: 'alice', resetAt: at(30).toISOString() });
    expect(await ledger.openCircuit(resource, 'again', 'inc-c', at(40))).toBe(true);
  });

  it('gives a resource a clean window after a reset: earlier actions no longer spend the budget', async () => {
    for (const [n, minutes] of [[1, 0], [2, 10], [3, 20]] as const) {
      await ledger.recordAction(resource, action(`inc-${n}`, 1, minutes), at(minutes));
      await ledger.setResult(resource, `inc-${n}`, 1, 'unhealthy', at(minutes + 5));
    }
    const plan = { incidentId: 'inc-4', attempt: 1, action: 'scaleOutAsg', target: resource, currentValue: 6 };
    const exhausted = evaluateFlapGuards(await ledger.entries(resource), await ledger.circuit(resource), plan, at(30), DEFAULT_FLAP_GUARD);
    expect(exhausted.allowed).toBe(false);

    await ledger.resetCircuit(resource, 'alice', at(31));
    const fresh = evaluateFlapGuards(await ledger.entries(resource), await ledger.circuit(resource), plan, at(32), DEFAULT_FLAP_GUARD);
    expect(fresh.allowed).toBe(true);
    expect(await ledger.cooldownSeconds(resource, 900, DEFAULT_FLAP_GUARD, at(32))).toBe(900);
  });

  it('doubles the cooldown for each failure in the window', async () => {
    await ledger.recordAction(resource, action('inc-a', 1, 0), at(0));
    await ledger.setResult(resource, 'inc-a', 1, 'unhealthy', at(5));
    await ledger.recordAction(resource, action('inc-a', 2, 10), at(10));
    await ledger.setResult(resource, 'inc-a', 2, 'undone', at(15));

    expect(await ledger.cooldownSeconds(resource, 900, DEFAULT_FLAP_GUARD, at(20))).toBe(3_600);
    expect(await ledger.cooldownSeconds(resource, 900, DEFAULT_FLAP_GUARD, at(7 * 60))).toBe(900);
  });
});
