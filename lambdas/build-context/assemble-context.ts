import { allowedTargetsOf, type Mode, type ResourceScope, resourceIdOf } from '../shared/scope.js';
import type {
  AlarmHistoryItem,
  AlarmState,
  AutoScalingGroupState,
  Change,
  IncidentContext,
  Limits,
  LogExcerpt,
  MetricSeries,
  PastIncident,
  WorkloadContext,
} from '../shared/workflow.js';
import { linkLikelyCauses, rankMetrics } from './rank-metrics.js';
import { mergeChanges } from './read-changes.js';
import type { Part } from './run-part.js';

export type { Part } from './run-part.js';

/** The limits that apply to a resource, as the workflow reads them. */
export function limitsOf(resource: ResourceScope): Limits {
  return {
    ...(resource.kind === 'autoscaling-group' ? { maxStep: resource.maxStep, maxCapacity: resource.maxCapacity } : {}),
    maxAttempts: resource.maxAttempts,
    leaseSeconds: resource.leaseSeconds,
    cooldownSeconds: resource.cooldownSeconds,
    verifyAfterSeconds: resource.verifyAfterSeconds,
    approvalTimeoutSeconds: resource.approvalTimeoutSeconds,
    flapGuard: resource.flapGuard,
  };
}

/** The metric series read, and the series CloudWatch could not answer in full. */
export interface MetricsPart {
  readonly series: MetricSeries[];
  readonly issues: readonly string[];
}

export interface ContextParts {
  mode: Mode;
  resource: ResourceScope;
  /** @default - none: the resource is not an Auto Scaling group */
  autoScalingGroup?: AutoScalingGroupState;
  alarm: Part<AlarmState | undefined>;
  /** The Deployment and its diagnosis, for an EKS incident. @default - none */
  kubernetes?: Part<WorkloadContext>;
  recentIncidents: Part<PastIncident[]>;
  now: Date;
  /** @default - no alarm history part (an empty list, no gap) */
  alarmHistory?: Part<AlarmHistoryItem[]>;
  /** @default - no metrics part */
  metrics?: Part<MetricsPart>;
  /** One part per log group, in the scope's order. @default - none */
  logs?: readonly Part<LogExcerpt>[];
  /** One part per change reader. @default - none */
  changes?: readonly Part<Change[]>[];
  /** Changes kept across every reader, newest first. @default 20 */
  maxChanges?: number;
}

/**
 * Puts the gathered parts together. A part that could not be read is left
 * out and named in `gaps`, so the decision sees what it is missing instead
 * of the incident failing. Size is not checked here: see `fitToBudget`.
 */
export function assembleContext(parts: ContextParts): IncidentContext {
  const gaps: string[] = [];
  const valueOf = <T>(part: Part<T> | undefined): T | undefined => {
    if (part === undefined) return undefined;
    if (part.ok) return part.value;
    gaps.push(part.gap);
    return undefined;
  };
  const alarm = valueOf(parts.alarm);
  const alarmHistory = valueOf(parts.alarmHistory) ?? [];
  const metrics = valueOf(parts.metrics);
  if (metrics !== undefined) gaps.push(...metrics.issues.map((issue) => `metrics: ${issue}`));
  const logs = (parts.logs ?? []).flatMap((part) => {
    const excerpt = valueOf(part);
    return excerpt === undefined ? [] : [excerpt];
  });
  const changes = mergeChanges(
    (parts.changes ?? []).map((part) => valueOf(part) ?? []),
    parts.maxChanges ?? 20,
  );
  const recentIncidents = valueOf(parts.recentIncidents) ?? [];
  const kubernetes = valueOf(parts.kubernetes);
  return {
    mode: parts.mode,
    limits: limitsOf(parts.resource),
    resource: { id: resourceIdOf(parts.resource), dependencies: allowedTargetsOf(parts.resource).filter((target) => target !== resourceIdOf(parts.resource)) },
    autoScalingGroup: parts.autoScalingGroup,
    alarm,
    ...(kubernetes === undefined ? {} : { kubernetes }),
    alarmHistory,
    // Most anomalous first, each deviation linked to the change just before it: the likely cause reads first.
    metrics: rankMetrics(linkLikelyCauses(metrics?.series ?? [], changes)),
    logs,
    changes,
    recentIncidents,
    gatheredAt: parts.now.toISOString(),
    gaps,
    trimmed: [],
  };
}
