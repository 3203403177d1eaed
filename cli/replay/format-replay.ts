import type { IncidentContext } from '../../lambdas/shared/workflow.js';
import type { ReplayReport } from './replay.js';

/**
 * The replay report as a human reads it: what came in, what the context
 * holds, what was decided, what the policy said check by check, and what
 * would be done — or why the replay stopped.
 */

const round = (value: number | undefined) => (value === undefined ? '?' : String(Math.round(value * 100) / 100));
const INDENT = '  ';
const row = (label: string, text: string) => `${INDENT}${label.padEnd(11)} ${text}`;

function contextLines(context: IncidentContext): string[] {
  const lines: string[] = [];
  const group = context.autoScalingGroup;
  if (group !== undefined) {
    lines.push(row('group', `${group.name}: desired ${group.desiredCapacity} (min ${group.minSize}, max ${group.maxSize}), ${group.inServiceInstances} in service`));
  }
  const alarm = context.alarm;
  lines.push(
    row(
      'alarm',
      alarm === undefined
        ? 'not read'
        : `${alarm.name} ${alarm.state}${alarm.metricName === undefined ? '' : ` — ${alarm.metricName} ${round(alarm.latestValue)}`}${alarm.threshold === undefined ? '' : ` (threshold ${alarm.threshold})`}`,
    ),
  );
  if (context.alarmHistory.length > 0) lines.push(row('history', `${context.alarmHistory.length} alarm state change(s), latest: ${context.alarmHistory[0]!.summary}`));
  if (context.metrics.length === 0) lines.push(row('metrics', 'none read'));
  for (const series of context.metrics) {
    const anomaly = series.anomalyScore === undefined ? '' : `, anomaly ${round(series.anomalyScore)}${series.direction === undefined ? '' : ` ${series.direction}`}`;
    const since = series.deviatedAt === undefined ? '' : ` since ${series.deviatedAt}`;
    lines.push(row('metrics', `${series.label} [${series.role}]: last ${round(series.last)}, max ${round(series.max)}, baseline ${round(series.baseline)}${anomaly}${since}`));
  }
  const excerpts = context.logs.filter((excerpt) => excerpt.matchedLines > 0);
  lines.push(
    row(
      'logs',
      context.logs.length === 0
        ? 'no log group read'
        : context.logs
            .map((excerpt) => `${excerpt.logGroupName}: ${excerpt.matchedLines}${excerpt.moreAvailable ? '+' : ''} matching line(s), ${excerpt.lines.length} excerpted`)
            .join('; ') + (excerpts.length === 0 ? ' (nothing matched)' : ''),
    ),
  );
  lines.push(row('changes', context.changes.length === 0 ? 'none' : context.changes.slice(0, 3).map((change) => `${change.at} ${change.source} ${change.event}: ${change.summary}`).join(' | ')));
  const workload = context.kubernetes;
  if (workload !== undefined) {
    lines.push(
      row(
        'kubernetes',
        `${workload.cluster}/${workload.namespace}/${workload.deployment} revision ${workload.revision ?? '?'} (${workload.images.join(', ') || '?'}), ` +
          `${workload.readyReplicas}/${workload.replicas} ready${workload.previousRevision === undefined ? '' : `, previous revision ${workload.previousRevision} (${workload.previousImages.join(', ')})`}`,
      ),
    );
    for (const finding of workload.findings.slice(0, 5)) {
      lines.push(`${INDENT}${' '.repeat(12)}${finding.severity} ${finding.reason} ${finding.kind} ${finding.name}: ${finding.message} → suggests ${finding.suggestion.action}`);
    }
    if (workload.findings.length > 5) lines.push(`${INDENT}${' '.repeat(12)}… and ${workload.findings.length - 5} more finding(s)`);
  }
  lines.push(row('past', `${context.recentIncidents.length} recent incident(s) of the resource${context.recentIncidents.length === 0 ? '' : `, latest ${context.recentIncidents[0]!.outcome}: ${context.recentIncidents[0]!.summary}`}`));
  lines.push(row('gaps', context.gaps.length === 0 ? 'none' : context.gaps.join(' | ')));
  if (context.trimmed.length > 0) lines.push(row('trimmed', context.trimmed.join(' | ')));
  return lines;
}

export function formatReplay(report: ReplayReport): string[] {
  const lines: string[] = [];
  const where = report.mode === 'offline' ? `offline, against the simulated world of ${report.worldFile}` : 'online, reading the account through read-only clients';
  lines.push(`Replay of ${report.file} — shadow mode, ${where}`);
  lines.push(`${INDENT}input: ${report.input.summary}`);
  for (const note of report.notes) lines.push(`${INDENT}note: ${note}`);
  lines.push('');

  const { intake } = report;
  if (intake.detections.length > 0) lines.push(`Log intake: ${intake.detections.length} detection(s)`);
  for (const detection of intake.detections) {
    const becomes = {
      opens: 'opens the incident',
      grouped: 'would be grouped into it as evidence',
      other: `would open another incident, on ${detection.resourceId} (not replayed)`,
      ignored: `ignored: ${detection.reason}`,
    }[detection.becomes];
    lines.push(`${INDENT}${detection.kind}: ${detection.summary} — ${becomes}`);
  }
  if (intake.detections.length > 0) lines.push('');
  if (intake.status === 'ignored') {
    lines.push(`Intake: would ignore it — ${intake.reason}`);
    lines.push('Nothing would run.');
    return lines;
  }
  const incident = report.incident!;
  const signal = incident.signal.source === 'cloudwatch-alarm' ? `alarm ${incident.signal.alarmName}: ${incident.signal.reason}` : `log detection: ${incident.signal.summary}`;
  lines.push(`Incident ${intake.incidentId} on ${intake.resourceId} (the intake would start execution ${intake.executionName})`);
  lines.push(row('signal', signal));
  lines.push(row('onset', incident.onsetAt));
  lines.push('');

  if (report.context !== undefined) {
    lines.push(`Context (mode ${report.context.mode}, gathered ${report.context.gatheredAt})`);
    lines.push(...contextLines(report.context));
    lines.push('');
  }
  const { decision } = report;
  if (decision !== undefined) {
    const by = decision.source === 'runbook' ? `runbook ${decision.runbookId ?? '?'}` : `model ${decision.model?.modelId ?? '?'}`;
    lines.push(`Decision by ${by}, confidence ${decision.confidence}`);
    lines.push(row('action', `${decision.action} ${JSON.stringify(decision.params)}`));
    lines.push(row('target', decision.target));
    lines.push(row('rationale', decision.rationale));
    for (const fact of decision.evidence) lines.push(row('evidence', fact));
    if (decision.fallbackReason !== undefined) lines.push(row('fallback', decision.fallbackReason));
    lines.push('');
  }
  const { policy } = report;
  if (policy !== undefined) {
    lines.push(`Policy: ${policy.allowed ? 'allowed' : 'denied'}, autonomy ${policy.autonomy}`);
    for (const check of policy.checks) lines.push(`${INDENT}${check.passed ? '✓' : '✗'} ${check.name}: ${check.detail}`);
    lines.push('');
  }
  if (report.refused !== undefined) {
    lines.push(`REFUSED: ${report.refused.step} tried ${report.refused.service} ${report.refused.operation}, which is not a read. Nothing was sent; the replay stopped.`);
  } else if (report.failure !== undefined) {
    lines.push(`${report.failure.step} failed: ${report.failure.error}: ${report.failure.message}`);
    lines.push(`would escalate: the workflow catches the failure of ${report.failure.step} and escalates the incident`);
  } else if (report.wouldDo !== undefined) {
    lines.push(report.wouldDo.headline.charAt(0).toUpperCase() + report.wouldDo.headline.slice(1));
    report.wouldDo.calls.forEach((call, index) => lines.push(`${INDENT}${index + 1}. ${call}`));
    for (const step of report.wouldDo.then) lines.push(`${INDENT}then ${step}`);
  }
  lines.push('');
  const total = report.calls.reduce((sum, call) => sum + call.count, 0);
  lines.push(
    `Calls: ${total} read(s) reached a client${total === 0 ? '' : ` — ${report.calls.map((call) => `${call.service} ${call.operation}${call.count > 1 ? ` ×${call.count}` : ''}`).join(', ')}`}; ` +
      (report.refused === undefined ? 'none was refused, nothing was changed.' : '1 was refused before it was sent.'),
  );
  return lines;
}
