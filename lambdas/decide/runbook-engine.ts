import { ACTIONS, type ActionName } from '../shared/actions/catalog.js';
import { type Incident, alarmOf, signalLabel } from '../shared/incident.js';
import type { Decision, IncidentContext } from '../shared/workflow.js';
import { PLANNERS, type PlanResult } from './planners.js';
import type { Runbook } from './runbook-schema.js';

function globToRegExp(pattern: string): RegExp {
  return new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

/** Whether a runbook's `match` fits this incident. */
export function runbookMatches(runbook: Runbook, incident: Incident, context: IncidentContext): boolean {
  const { match } = runbook;
  if (match.resourceKinds.length > 0 && !match.resourceKinds.includes(incident.resource.kind)) return false;
  const metricName = context.alarm?.metricName ?? (incident.signal.source === 'cloudwatch-alarm' ? incident.signal.metricName : undefined);
  if (match.metricNames.length > 0 && (metricName === undefined || !match.metricNames.includes(metricName))) return false;
  const alarmName = alarmOf(incident);
  if (match.alarmNames.length > 0 && (alarmName === undefined || !match.alarmNames.some((pattern) => globToRegExp(pattern).test(alarmName)))) {
    return false;
  }
  if (match.direction !== 'any' && alarmDirection(context) !== match.direction) return false;
  const signal = incident.signal;
  if (match.detections.length > 0 && (signal.source !== 'log-detection' || !match.detections.includes(signal.detection))) return false;
  if (match.signatures.length > 0 && (signal.source !== 'log-detection' || signal.signatureId === undefined || !match.signatures.includes(signal.signatureId))) {
    return false;
  }
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
 * The runbook engine: the runbooks whose `match` fits are tried in priority
 * order, and the first planner that finds a safe step decides. A planner
 * that declines (its cause is not this incident's) hands over to the next
 * match; when every match declines, the incident escalates with their
 * reasons, and no match escalates too. Deterministic, so the same incident
 * always gets the same plan.
 */
export function decideWithRunbooks(runbooks: readonly Runbook[], incident: Incident, context: IncidentContext): Decision {
  const matching = runbooks.filter((candidate) => runbookMatches(candidate, incident, context));
  if (matching.length === 0) {
    return escalation(`no runbook matches ${signalLabel(incident.signal)} on ${incident.resource.id}`, 'none');
  }
  const declines: { runbook: Runbook; reason: string }[] = [];
  for (const runbook of matching) {
    const planner = PLANNERS[runbook.planner];
    const options = planner.with.parse(runbook.with);
    const result = planner.plan(incident, context, options as never);
    if (result.kind === 'decline') {
      declines.push({ runbook, reason: result.reason });
      continue;
    }
    return planned(runbook, result);
  }
  const [first] = declines;
  const reason = declines.length === 1 ? first!.reason : declines.map((decline) => `${decline.runbook.id}: ${decline.reason}`).join('; ');
  return escalation(reason.slice(0, 1_000), first!.runbook.id, { confidence: first!.runbook.confidence });
}

function planned(runbook: Runbook, result: Extract<PlanResult, { kind: 'plan' }>): Decision {
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
