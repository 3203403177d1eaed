import type { Duration } from 'aws-cdk-lib';
import type { FlapGuardSettings } from '../lambdas/shared/flap-guard.js';

/**
 * How hard the system tries before it stops and hands a resource to a human.
 * The state behind these rules lives in DynamoDB, keyed by resource: see the
 * README's safety model.
 */
export interface FlapGuardProps {
  /**
   * Actions one resource may receive per `budgetWindow`, across all its
   * incidents; past it, incidents escalate without acting.
   *
   * @default 3
   */
  readonly attemptBudget?: number;

  /**
   * The sliding window of the attempt budget, of the failure count and of
   * ping-pong detection.
   *
   * @default Duration.hours(6)
   */
  readonly budgetWindow?: Duration;

  /**
   * Failed remediations of one resource inside the window that open its
   * circuit breaker. An open circuit stops every action on the resource
   * until someone runs `npx self-heal circuit reset`.
   *
   * @default 3
   */
  readonly circuitFailureThreshold?: number;

  /**
   * Ceiling of the exponential cooldown: the group's `cooldown`, doubled for
   * every failed remediation in the window, never exceeds this.
   *
   * @default Duration.hours(6)
   */
  readonly maxCooldown?: Duration;
}

/** The props as the functions read them; unset fields keep the schema defaults. */
export function flapGuardSettings(props: FlapGuardProps = {}): Partial<FlapGuardSettings> {
  return {
    ...(props.attemptBudget === undefined ? {} : { attemptBudget: props.attemptBudget }),
    ...(props.budgetWindow === undefined ? {} : { budgetWindowSeconds: props.budgetWindow.toSeconds() }),
    ...(props.circuitFailureThreshold === undefined ? {} : { circuitFailureThreshold: props.circuitFailureThreshold }),
    ...(props.maxCooldown === undefined ? {} : { maxCooldownSeconds: props.maxCooldown.toSeconds() }),
  };
}
