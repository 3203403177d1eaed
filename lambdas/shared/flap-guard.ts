import * as z from 'zod';
import { ACTIONS, isActionName } from './actions/catalog.js';

/**
 * Flap protection: the rules that stop the system from applying a fix that
 * does not work again and again, or from fighting another controller. Pure:
 * the ledger of actions and the circuit come in, a judgement comes out. The
 * state lives in DynamoDB (`safety-ledger.ts`), so the rules hold across
 * runs, cold starts and restarts.
 */

export const FlapGuardSettingsSchema = z.object({
  /** Actions one resource may receive per window, across all its incidents. */
  attemptBudget: z.number().int().min(1).max(100).default(3),
  /** The sliding window of the budget, of ping-pong detection and of the failure count. */
  budgetWindowSeconds: z.number().int().min(60).max(7 * 86_400).default(21_600),
  /** Failed remediations inside the window that open the resource's circuit. */
  circuitFailureThreshold: z.number().int().min(1).max(100).default(3),
  /** Ceiling of the exponential cooldown. */
  maxCooldownSeconds: z.number().int().min(0).max(7 * 86_400).default(21_600),
});
export type FlapGuardSettings = z.infer<typeof FlapGuardSettingsSchema>;
export const DEFAULT_FLAP_GUARD: FlapGuardSettings = FlapGuardSettingsSchema.parse({});

/** What became of an action, once verified. */
export type ActionResult = 'pending' | 'healthy' | 'unhealthy' | 'undone';

/** One action the system took on a resource. */
export interface LedgerEntry {
  incidentId: string;
  attempt: number;
  action: string;
  target: string;
  at: string;
  result: ActionResult;
  /** The value the action moved from and to, when it has one (e.g. desired capacity). */
  effect?: { before: number; after: number };
}

export interface CircuitState {
  status: 'closed' | 'open';
  reason?: string;
  openedAt?: string;
  openedBy?: string;
  /** When a human last closed it; failures before this no longer count. */
  resetAt?: string;
  resetBy?: string;
}

export interface GuardCheck {
  name: 'circuit-closed' | 'attempt-budget' | 'no-ping-pong' | 'not-an-undone-fix';
  passed: boolean;
  detail: string;
}

export interface GuardVerdict {
  allowed: boolean;
  checks: GuardCheck[];
  /** Set when the plan shows flapping bad enough to open the circuit. */
  trip?: string;
}

export interface PlannedAction {
  incidentId: string;
  /** The attempt this action would be; a retry of the same attempt is not counted twice. */
  attempt: number;
  action: string;
  target: string;
  /**
   * The target's current value in the unit of `effect` (e.g. desired
   * capacity now), to notice that someone reverted our last action.
   */
  currentValue?: number;
}

const seconds = (iso: string): number => Date.parse(iso) / 1000;

/** The entries that count at `now`: inside the window and after the last circuit reset. */
export function entriesInWindow(entries: readonly LedgerEntry[], circuit: CircuitState | undefined, now: Date, settings: FlapGuardSettings): LedgerEntry[] {
  const since = Math.max(now.getTime() / 1000 - settings.budgetWindowSeconds, circuit?.resetAt === undefined ? -Infinity : seconds(circuit.resetAt));
  return entries.filter((entry) => seconds(entry.at) > since).sort((a, b) => a.at.localeCompare(b.at));
}

/** Failed remediations that count towards opening the circuit. */
export function failuresInWindow(entries: readonly LedgerEntry[], circuit: CircuitState | undefined, now: Date, settings: FlapGuardSettings): number {
  return entriesInWindow(entries, circuit, now, settings).filter((entry) => entry.result === 'unhealthy' || entry.result === 'undone').length;
}

/**
 * The cooldown after a remediation ends: the base doubled for every failed
 * remediation in the window, up to the ceiling. A fix that keeps failing
 * waits longer each time before the next one may start.
 */
export function nextCooldownSeconds(baseSeconds: number, failures: number, settings: FlapGuardSettings): number {
  if (baseSeconds <= 0) return 0;
  return Math.min(settings.maxCooldownSeconds, baseSeconds * 2 ** Math.min(failures, 20));
}

/** The cooldown to start now for a resource with this ledger and circuit. */
export function cooldownFor(
  baseSeconds: number,
  entries: readonly LedgerEntry[],
  circuit: CircuitState | undefined,
  now: Date,
  settings: FlapGuardSettings,
): number {
  return nextCooldownSeconds(baseSeconds, failuresInWindow(entries, circuit, now, settings), settings);
}

/** Whether `second` undoes `first`: each names the other as its inverse in the catalog. */
export function isInverse(first: string, second: string): boolean {
  const inverseOf = (name: string) => (isActionName(name) && name !== 'escalateOnly' ? ACTIONS[name].inverse : undefined);
  return inverseOf(first) === second || inverseOf(second) === first;
}

/**
 * Judges a planned action against the resource's ledger and circuit:
 * - the circuit must be closed;
 * - the resource must have budget left in the window;
 * - the plan must not be ping-pong: the inverse of the last action, or the
 *   same action again after someone reverted it (two controllers fighting);
 * - the plan must not repeat an action this incident already undid.
 * Ping-pong trips the circuit: automation stops for the resource until a
 * human resets it.
 */
export function evaluateFlapGuards(
  entries: readonly LedgerEntry[],
  circuit: CircuitState | undefined,
  planned: PlannedAction,
  now: Date,
  settings: FlapGuardSettings,
): GuardVerdict {
  const checks: GuardCheck[] = [];
  const open = circuit?.status === 'open';
  checks.push({
    name: 'circuit-closed',
    passed: !open,
    detail: open ? `the circuit of ${planned.target} is open since ${circuit?.openedAt ?? '?'}: ${circuit?.reason ?? 'no reason recorded'}` : 'the circuit is closed',
  });

  const others = entriesInWindow(entries, circuit, now, settings).filter(
    (entry) => !(entry.incidentId === planned.incidentId && entry.attempt === planned.attempt),
  );
  const hours = Math.round((settings.budgetWindowSeconds / 3_600) * 10) / 10;
  checks.push({
    name: 'attempt-budget',
    passed: others.length < settings.attemptBudget,
    detail: `${others.length} of ${settings.attemptBudget} actions used on this resource in the last ${hours} h`,
  });

  const sameTarget = others.filter((entry) => entry.target === planned.target);
  const last = sameTarget.at(-1);
  let trip: string | undefined;
  if (last !== undefined && last.result !== 'undone' && isInverse(last.action, planned.action)) {
    trip = `${planned.action} would reverse ${last.action} of ${last.at} (${last.incidentId}) inside the window`;
  } else if (
    last !== undefined &&
    last.action === planned.action &&
    last.result !== 'undone' &&
    last.effect !== undefined &&
    planned.currentValue !== undefined &&
    reverted(last.effect, planned.currentValue)
  ) {
    trip = `${last.action} of ${last.at} moved ${planned.target} ${last.effect.before} → ${last.effect.after}, something moved it back to ${planned.currentValue}, and ${planned.action} would push it again`;
  }
  checks.push({ name: 'no-ping-pong', passed: trip === undefined, detail: trip ?? 'no action in the window is reversed by this plan' });

  // The same fix again, in the same incident, after it was undone, is flapping inside one run.
  const undone = sameTarget.find((entry) => entry.incidentId === planned.incidentId && entry.action === planned.action && entry.result === 'undone');
  checks.push({
    name: 'not-an-undone-fix',
    passed: undone === undefined,
    detail:
      undone === undefined
        ? 'this incident has not undone this action before'
        : `attempt ${undone.attempt} of this incident already tried ${planned.action} on ${planned.target} and undid it after it failed verification; it is not repeated`,
  });

  const allowed = checks.every((check) => check.passed);
  return trip === undefined ? { allowed, checks } : { allowed, checks, trip: `ping-pong: ${trip}` };
}

/** Whether the target went back at least to where our action found it. */
function reverted(effect: { before: number; after: number }, current: number): boolean {
  if (effect.after === effect.before) return false;
  return effect.after > effect.before ? current <= effect.before : current >= effect.before;
}
