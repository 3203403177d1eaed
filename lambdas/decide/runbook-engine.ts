import { ACTIONS, type ActionName } from '../shared/actions/catalog.js';
import type { Incident } from '../shared/incident.js';
import type { Decision, IncidentContext } from '../shared/workflow.js';
import { PLANNERS } from './planners.js';
import type { Runbook } from './runbook-schema.js';

function globToRegExp(pattern: string): RegExp {
  return new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

/** Whether a runbook's `match` fits this incident. */
export function runbookMatches(runbook: Runbook, incident: Incident, context: IncidentContext): boolean {
  const { match } = runbook;
  if (match.resourceKinds.length > 0 && !match.resourceKinds.includes(incident.resource.kind)) return false;
  const metricName = context.alarm?.metricName ?? incident.signal.metricName;
  if (match.metricNames.length > 0 && (metricName === undefined || !match.metricNames.includes(metricName))) return false;
  if (match.alarmNames.length > 0 && !match.alarmNames.some((pattern) => globToRegExp(pattern).test(incident.signal.alarmName))) {
    return false;
  }
  if (match.direction !== 'any' && alarmDirection(context) !== match.direction) return false;
  return true;
}

/**
 * Whether the alarm fires because the metric is too high or too low. An
 * anomaly-band alarm fires both ways, so its latest value is compared with
 * the metric's baseline before the onset; without one, the direction is
 * unknown and no directional runbook matches.
 */
export function alarmDirection(context: IncidentContext): 'high' | 'low' | 'unknown' {
  const operator = context.alarm?.comparisonOperator;
  // Without the operator (the alarm could not be read), an alarm in ALARM is taken to fire on high values.
  if (operator === undefined || operator.startsWith('GreaterThan')) return 'high';
  if (operator === 'LessThanLowerOrGreaterThanUpperThreshold') {
    const series = context.metrics.find((metric) => metric.role === 'alarm');
    const latest = context.alarm?.latestValue ?? series?.last;
    const baseline = series?.baseline;
    if (latest === undefined || baseline === undefined || latest === baseline) return 'unknown';
    return latest > baseline ? 'high' : 'low';
  }
  return 'low';
}

function escalation(reason: string, runbookId: string, extra: Partial<Decision> = {}): Decision {
  return {
    action: 'escalateOnly',
    params: { reason },
    target: 'none',
    rationale: reason,
    confidence: 1,
    evidence: [],
    source: 'runbook',
    runbookId,
    ...extra,
  };
}

/**
 * The runbook engine: the first runbook (by priority) whose `match` fits
 * decides, through its planner. A planner that declines (no safe step)
 * escalates with its reason; no match escalates too. Deterministic, so the
 * same incident always gets the same plan.
 */
export function decideWithRunbooks(runbooks: readonly Runbook[], incident: Incident, context: IncidentContext): Decision {
  const runbook = runbooks.find((candidate) => runbookMatches(candidate, incident, context));
  if (runbook === undefined) {
    return escalation(`no runbook matches alarm ${incident.signal.alarmName} on ${incident.resource.id}`, 'none');
  }
  const planner = PLANNERS[runbook.planner];
  const options = planner.with.parse(runbook.with);
  const result = planner.plan(incident, context, options as never);
  if (result.kind === 'decline') return escalation(result.reason, runbook.id, { confidence: runbook.confidence });
  const action: ActionName = runbook.action;
  const params = ACTIONS[action].params.parse(result.params) as Record<string, unknown>;
  return {
    action,
    params,
    target: (ACTIONS[action].targetOf as (params: unknown) => string)(params),
    rationale: result.rationale,
    confidence: runbook.confidence,
    evidence: result.evidence,
    source: 'runbook',
    runbookId: runbook.id,
  };
}
