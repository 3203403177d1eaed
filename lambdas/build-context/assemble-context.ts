import type { Mode, ResourceScope } from '../shared/scope.js';
import type { AlarmState, AutoScalingGroupState, IncidentContext, Limits, PastIncident } from '../shared/workflow.js';

/** The limits that apply to a resource, as the workflow reads them. */
export function limitsOf(resource: ResourceScope): Limits {
  return {
    maxStep: resource.maxStep,
    maxCapacity: resource.maxCapacity,
    maxAttempts: resource.maxAttempts,
    leaseSeconds: resource.leaseSeconds,
    cooldownSeconds: resource.cooldownSeconds,
    verifyAfterSeconds: resource.verifyAfterSeconds,
  };
}

/** A part of the context: its value, or why it is missing. */
export type Part<T> = { ok: true; value: T } | { ok: false; gap: string };

export interface ContextParts {
  mode: Mode;
  resource: ResourceScope;
  autoScalingGroup: AutoScalingGroupState;
  alarm: Part<AlarmState | undefined>;
  recentIncidents: Part<PastIncident[]>;
  now: Date;
}

/**
 * Puts the gathered parts together. A part that could not be read is left
 * out and named in `gaps`, so the decision sees what it is missing instead
 * of the incident failing.
 */
export function assembleContext(parts: ContextParts): IncidentContext {
  const gaps: string[] = [];
  const valueOf = <T>(part: Part<T>): T | undefined => {
    if (part.ok) return part.value;
    gaps.push(part.gap);
    return undefined;
  };
  const alarm = valueOf(parts.alarm);
  const recentIncidents = valueOf(parts.recentIncidents) ?? [];
  return {
    mode: parts.mode,
    limits: limitsOf(parts.resource),
    autoScalingGroup: parts.autoScalingGroup,
    alarm,
    recentIncidents,
    gatheredAt: parts.now.toISOString(),
    gaps,
  };
}
