/**
 * Shadow mode: the whole pipeline runs against real (or simulated) context,
 * and nothing is ever changed. While it is on, every AWS SDK client from
 * `clients.ts` and every Kubernetes API client the `KubeConnector` opens
 * refuses any call that is not a read, before it is sent
 * (`read-only-clients.ts`, `eks/read-only-kube.ts`). `self-heal replay`
 * turns it on before it imports a single handler.
 *
 * It is on when `enableShadowMode()` was called in this process or the
 * environment says `SELF_HEAL_SHADOW=1`. Every call the guards see, let
 * through or refused, is told to the listeners, so a replay can show (and
 * a test can prove) exactly what reached a client.
 */

/** The environment variable that turns shadow mode on for a whole process. */
export const SHADOW_MODE_ENV = 'SELF_HEAL_SHADOW';

/** A call a read-only guard saw. */
export interface GuardedCall {
  /** `AutoScaling`, `DynamoDB`, `kubernetes`, … */
  readonly service: string;
  /** `DescribeAutoScalingGroups`, `CoreV1Api.readNamespacedConfigMap`, … */
  readonly operation: string;
  /** False when the guard refused it: it never left the process. */
  readonly allowed: boolean;
}

export type GuardedCallListener = (call: GuardedCall) => void;

/** A read-only guard refused a call that could change something; nothing was sent. */
export class MutatingCallRefusedError extends Error {
  override readonly name = 'MutatingCallRefusedError';

  constructor(
    readonly service: string,
    readonly operation: string,
  ) {
    super(`shadow mode refused ${service} ${operation}: it is not a read, and shadow mode never changes anything`);
  }
}

/**
 * The switch and the listeners belong to the process, not to one copy of
 * this module: a handler imported afresh (a test runner's module reset, a
 * second bundle) must see the same shadow mode as the CLI that turned it on.
 */
interface ShadowModeState {
  enabled: boolean;
  readonly listeners: Set<GuardedCallListener>;
}
const STATE_KEY = Symbol.for('self-heal.shadow-mode');
const state = ((globalThis as Record<symbol, unknown>)[STATE_KEY] ??= { enabled: false, listeners: new Set() }) as ShadowModeState;

/** Turns shadow mode on for this process; returns the function that turns it off again (tests). */
export function enableShadowMode(): () => void {
  state.enabled = true;
  process.env[SHADOW_MODE_ENV] = '1';
  return () => {
    state.enabled = false;
    delete process.env[SHADOW_MODE_ENV];
  };
}

export function isShadowMode(env: NodeJS.ProcessEnv = process.env): boolean {
  return state.enabled || env[SHADOW_MODE_ENV] === '1';
}

/** Tells `listener` of every guarded call from now on; returns the function that stops it. */
export function onGuardedCall(listener: GuardedCallListener): () => void {
  state.listeners.add(listener);
  return () => state.listeners.delete(listener);
}

/** Whether an error is a guard's refusal (by name: it may come from another copy of this module). */
export function isMutatingCallRefused(error: unknown): error is MutatingCallRefusedError {
  return error instanceof Error && error.name === 'MutatingCallRefusedError';
}

/** Reports a call to every listener; a listener that throws cannot stop the guard. */
export function reportGuardedCall(call: GuardedCall): void {
  for (const listener of state.listeners) {
    try {
      listener(call);
    } catch {
      // A listener's failure is its own; the guard's decision stands.
    }
  }
}
