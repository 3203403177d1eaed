import { describe, expect, it } from 'vitest';
import {
  type CircuitState,
  DEFAULT_FLAP_GUARD,
  evaluateFlapGuards,
  failuresInWindow,
  isInverse,
  type LedgerEntry,
  nextCooldownSeconds,
  type PlannedAction,
} from '../../../lambdas/shared/flap-guard.js';

const now = new Date('2026-11-27T12:00:00Z');
const minutesAgo = (minutes: number) => new Date(now.getTime() - minutes * 60_000).toISOString();
const target = 'autoscaling-group/web';

function entry(overrides: Partial<LedgerEntry> = {}): LedgerEntry {
  return { incidentId: 'inc-old', attempt: 1, action: 'scaleOutAsg', target, at: minutesAgo(30), result: 'healthy', ...overrides };
}

const plan = (overrides: Partial<PlannedAction> = {}): PlannedAction => ({
  incidentId: 'inc-new',
  attempt: 1,
  action: 'scaleOutAsg',
  target,
  ...overrides,
});

const check = (verdict: ReturnType<typeof evaluateFlapGuards>, name: string) => verdict.checks.find((c) => c.name === name);

describe('evaluateFlapGuards', () => {
  it('allows the first action on a quiet resource', () => {
    const verdict = evaluateFlapGuards([], undefined, plan(), now, DEFAULT_FLAP_GUARD);
    expect(verdict).toMatchObject({ allowed: true });
    expect(verdict.trip).toBeUndefined();
    expect(verdict.checks.map((c) => c.name)).toEqual(['circuit-closed', 'attempt-budget', 'no-ping-pong', 'not-an-undone-fix']);
  });

  it('refuses the same action again in an incident that already undid it, without tripping the circuit', () => {
    const entries = [entry({ incidentId: 'inc-new', attempt: 1, result: 'undone', effect: { before: 4, after: 6 } })];
    const verdict = evaluateFlapGuards(entries, undefined, plan({ attempt: 2, currentValue: 4 }), now, DEFAULT_FLAP_GUARD);
    expect(verdict.allowed).toBe(false);
    expect(check(verdict, 'not-an-undone-fix')).toMatchObject({
      passed: false,
      detail: 'attempt 1 of this incident already tried scaleOutAsg on autoscaling-group/web and undid it after it failed verification; it is not repeated',
    });
    expect(verdict.trip).toBeUndefined();
  });

  it.each([
    ['another incident undid it', entry({ incidentId: 'inc-other', result: 'undone' }), plan({ attempt: 2 })],
    ['this incident kept it (unhealthy, not undone)', entry({ incidentId: 'inc-new', result: 'unhealthy' }), plan({ attempt: 2 })],
    ['this incident undid another action', entry({ incidentId: 'inc-new', action: 'blockIpInWaf', target: 'waf-ip-set/REGIONAL/site-blocklist', result: 'undone' }), plan({ attempt: 2 })],
  ])('allows the action when %s', (_title, earlier, planned) => {
    expect(check(evaluateFlapGuards([earlier], undefined, planned, now, DEFAULT_FLAP_GUARD), 'not-an-undone-fix')).toMatchObject({ passed: true });
  });

  it('refuses any action while the circuit is open, naming why it opened', () => {
    const circuit: CircuitState = { status: 'open', reason: '3 failed remediations', openedAt: minutesAgo(10) };
    const verdict = evaluateFlapGuards([], circuit, plan(), now, DEFAULT_FLAP_GUARD);
    expect(verdict.allowed).toBe(false);
    expect(check(verdict, 'circuit-closed')).toMatchObject({ passed: false, detail: expect.stringContaining('3 failed remediations') });
  });

  it('spends the budget across incidents of the same resource and refuses the action past it', () => {
    const entries = [entry({ incidentId: 'a' }), entry({ incidentId: 'b' }), entry({ incidentId: 'c' })];
    const verdict = evaluateFlapGuards(entries, undefined, plan(), now, DEFAULT_FLAP_GUARD);
    expect(verdict.allowed).toBe(false);
    expect(check(verdict, 'attempt-budget')).toMatchObject({ passed: false, detail: '3 of 3 actions used on this resource in the last 6 h' });
    expect(verdict.trip).toBeUndefined();
  });

  it('does not count a retry of the same attempt against the budget', () => {
    const entries = [entry({ incidentId: 'a' }), entry({ incidentId: 'b' }), entry({ incidentId: 'inc-new', attempt: 1 })];
    expect(evaluateFlapGuards(entries, undefined, plan(), now, DEFAULT_FLAP_GUARD).allowed).toBe(true);
  });

  it('forgets actions older than the window', () => {
    const entries = [0, 1, 2].map((n) => entry({ incidentId: `old-${n}`, at: minutesAgo(6 * 60 + 5) }));
    expect(evaluateFlapGuards(entries, undefined, plan(), now, DEFAULT_FLAP_GUARD).allowed).toBe(true);
  });

  it('forgets actions before a circuit reset', () => {
    const entries = [0, 1, 2].map((n) => entry({ incidentId: `old-${n}`, at: minutesAgo(60) }));
    const circuit: CircuitState = { status: 'closed', resetAt: minutesAgo(30) };
    expect(evaluateFlapGuards(entries, circuit, plan(), now, DEFAULT_FLAP_GUARD).allowed).toBe(true);
  });

  it('trips on a plan that reverses the last action on the same target', () => {
    const verdict = evaluateFlapGuards([entry({ action: 'scaleInAsg' })], undefined, plan(), now, DEFAULT_FLAP_GUARD);
    expect(verdict.allowed).toBe(false);
    expect(verdict.trip).toMatch(/^ping-pong: scaleOutAsg would reverse scaleInAsg/);
  });

  it('trips when someone reverted our last action and the plan would push it again', () => {
    const entries = [entry({ effect: { before: 4, after: 6 } })];
    const verdict = evaluateFlapGuards(entries, undefined, plan({ currentValue: 4 }), now, DEFAULT_FLAP_GUARD);
    expect(verdict.allowed).toBe(false);
    expect(verdict.trip).toContain('something moved it back to 4');
  });

  it('does not call a plan ping-pong when our last action still stands or was undone by us', () => {
    const standing = evaluateFlapGuards([entry({ effect: { before: 4, after: 6 } })], undefined, plan({ currentValue: 6 }), now, DEFAULT_FLAP_GUARD);
    const undone = evaluateFlapGuards([entry({ effect: { before: 4, after: 6 }, result: 'undone' })], undefined, plan({ currentValue: 4 }), now, DEFAULT_FLAP_GUARD);
    expect(standing.trip).toBeUndefined();
    expect(undone.trip).toBeUndefined();
  });

  it('ignores actions on other targets for ping-pong', () => {
    const verdict = evaluateFlapGuards([entry({ action: 'scaleInAsg', target: 'autoscaling-group/api' })], undefined, plan(), now, DEFAULT_FLAP_GUARD);
    expect(verdict.trip).toBeUndefined();
  });
});

describe('isInverse', () => {
  it('knows the catalog pairs in both directions', () => {
    expect(isInverse('scaleOutAsg', 'scaleInAsg')).toBe(true);
    expect(isInverse('scaleInAsg', 'scaleOutAsg')).toBe(true);
    expect(isInverse('blockIpInWaf', 'unblockIpInWaf')).toBe(true);
    expect(isInverse('rollbackEksDeployment', 'rollForwardEksDeployment')).toBe(true);
    expect(isInverse('scaleOutAsg', 'scaleOutAsg')).toBe(false);
    expect(isInverse('restartEksDeployment', 'scaleOutAsg')).toBe(false);
  });
});

describe('failuresInWindow and nextCooldownSeconds', () => {
  it('counts unhealthy and undone results in the window only', () => {
    const entries = [
      entry({ result: 'unhealthy' }),
      entry({ result: 'undone', incidentId: 'b' }),
      entry({ result: 'healthy', incidentId: 'c' }),
      entry({ result: 'unhealthy', incidentId: 'd', at: minutesAgo(7 * 60) }),
    ];
    expect(failuresInWindow(entries, undefined, now, DEFAULT_FLAP_GUARD)).toBe(2);
  });

  it('doubles the cooldown per failure up to the ceiling', () => {
    expect([0, 1, 2, 3].map((failures) => nextCooldownSeconds(900, failures, DEFAULT_FLAP_GUARD))).toEqual([900, 1_800, 3_600, 7_200]);
    expect(nextCooldownSeconds(900, 10, DEFAULT_FLAP_GUARD)).toBe(DEFAULT_FLAP_GUARD.maxCooldownSeconds);
    expect(nextCooldownSeconds(0, 5, DEFAULT_FLAP_GUARD)).toBe(0);
  });
});
