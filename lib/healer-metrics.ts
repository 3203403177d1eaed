import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { POWERTOOLS_ENVIRONMENT } from './remediation-function.js';

/** Where the functions' Powertools EMF metrics land: one namespace, one `service` dimension on every metric. */
export const HEALER_NAMESPACE = POWERTOOLS_ENVIRONMENT.POWERTOOLS_METRICS_NAMESPACE;
export const HEALER_SERVICE = POWERTOOLS_ENVIRONMENT.POWERTOOLS_SERVICE_NAME;

/**
 * The metrics the functions emit, with the dimensions each is emitted with
 * besides `service` (Powertools writes one dimension set per flush, so every
 * metric of a call carries the dimensions that call added). A query must
 * name exactly these dimensions to find the metric.
 */
export const HEALER_METRICS = {
  /** Intake: a signal opened a new incident and started its run (not a grouped or repeated signal). */
  IncidentsOpened: [],
  /** RecordOutcome: an incident closed as `resolved`, `skipped` or `observed`. */
  IncidentsClosed: ['outcome'],
  /** RecordOutcome, `outcome` = `resolved` only: seconds from the signal's onset to the verified recovery. */
  TimeToRecoverSeconds: ['outcome'],
  /** EscalateIncident: automation stopped and a human owns the incident. */
  IncidentsEscalated: [],
  /** EscalateIncident: the autonomy was `recommend`; a human has the plan. */
  PlansRecommended: [],
  /** EscalateIncident: SNS refused an escalation; it is in the log only. */
  EscalationsUndelivered: [],
  /** The action functions: 1 when the call changed the target, 0 when it found nothing to change. */
  ActionsTaken: ['action'],
  /** The action functions: 1 when an undo reversed the action. */
  ActionsUndone: ['action'],
  /** Decide: one per plan, by who made it (`bedrock` or `runbook`). */
  Decisions: ['source'],
  /** Decide: the model's tokens for the call, emitted with the plan's `source` (`runbook` after a fallback). */
  ModelInputTokens: ['source'],
  ModelOutputTokens: ['source'],
  /** Decide: the model answered nothing usable; the runbooks decided. */
  ModelFallbacks: ['source'],
  /** RecordAttemptResult: a resource's circuit opened. */
  CircuitsOpened: [],
  /** Every function that publishes lifecycle notifications: SNS refused one; it is in the log only. */
  NotificationsUndelivered: [],
  /** Decide: Bedrock throttled the model call and the runbooks decided; a single metric, emitted with `service` alone. */
  BedrockThrottles: [],
  /** InspectPostgres, `operation` = `inspect`: the advisor recommended an index, or none (a refusal). */
  IndexesRecommended: ['operation'],
  IndexesNotRecommended: ['operation'],
  /** InspectPostgres, `operation` = `measure`: a built index made its query faster (kept), or did not (undone). */
  IndexesEffective: ['operation'],
  IndexesNotEffective: ['operation'],
} as const satisfies Record<string, readonly string[]>;

export type HealerMetricName = keyof typeof HEALER_METRICS;

export interface HealerMetricOptions {
  /**
   * Values of the metric's own dimensions (see `HEALER_METRICS`).
   *
   * @default - none: only for metrics emitted with `service` alone
   */
  readonly dimensions?: Record<string, string>;
  /** @default 'Sum' */
  readonly statistic?: string;
  /** @default Duration.minutes(5) */
  readonly period?: Duration;
  /** @default - the metric's name */
  readonly label?: string;
}

/** One of the functions' EMF metrics, queried with exactly the dimensions it is emitted with. */
export function healerMetric(name: HealerMetricName, options: HealerMetricOptions = {}): cloudwatch.Metric {
  const expected: readonly string[] = HEALER_METRICS[name];
  const given = Object.keys(options.dimensions ?? {});
  if (given.length !== expected.length || !expected.every((key) => given.includes(key))) {
    throw new Error(`${name} is emitted with dimensions [service${expected.map((key) => `, ${key}`).join('')}], not [service${given.map((key) => `, ${key}`).join('')}]`);
  }
  return new cloudwatch.Metric({
    namespace: HEALER_NAMESPACE,
    metricName: name,
    dimensionsMap: { service: HEALER_SERVICE, ...options.dimensions },
    statistic: options.statistic ?? cloudwatch.Stats.SUM,
    period: options.period ?? Duration.minutes(5),
    ...(options.label === undefined ? {} : { label: options.label }),
  });
}
