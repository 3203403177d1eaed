import { escapeText as e } from './escape.js';
import { formatClock, formatDateTime, formatDuration, formatNumber } from './format.js';
import type { IncidentReport, ReportRound } from './report-model.js';
import { renderTimelineSvg } from './timeline-svg.js';

/**
 * The incident report as one self-contained HTML page: inline CSS, the
 * timeline as inline SVG, no script, no external asset (a Content Security
 * Policy forbids both, should anything ever slip through). Every text from
 * the incident is escaped: log lines, alarm reasons and model rationales
 * are untrusted.
 */

/** Longest JSON shown for a before/after state; the rest is cut with a note. */
const MAX_JSON_CHARS = 12_000;

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

const CSS = `
:root { --ink:#101828; --muted:#475467; --line:#d0d5dd; --soft:#f2f4f7; --good:#067647; --good-bg:#ecfdf3; --bad:#b42318; --bad-bg:#fef3f2; --warn:#b54708; --warn-bg:#fffaeb; --info:#175cd3; --info-bg:#eff8ff; }
* { box-sizing: border-box; }
body { margin: 0; background: #f9fafb; color: var(--ink); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
main { max-width: 1040px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 28px; line-height: 1.2; margin: 8px 0 6px; }
h2 { font-size: 19px; margin: 0 0 12px; }
h3 { font-size: 15px; margin: 16px 0 8px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
section, header.summary { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 18px 20px; margin: 0 0 16px; }
header.summary { border-left: 8px solid var(--muted); }
header.summary.good { border-left-color: var(--good); }
header.summary.bad { border-left-color: var(--bad); }
header.summary.warn { border-left-color: var(--warn); }
.lead { font-size: 17px; margin: 0 0 12px; }
.badge { display: inline-block; font-size: 12px; font-weight: 700; letter-spacing: .05em; text-transform: uppercase; border-radius: 999px; padding: 2px 10px; background: var(--soft); color: var(--muted); }
.badge.good { background: var(--good-bg); color: var(--good); }
.badge.bad { background: var(--bad-bg); color: var(--bad); }
.badge.warn { background: var(--warn-bg); color: var(--warn); }
.badge.info { background: var(--info-bg); color: var(--info); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
figure { margin: 0; }
figure svg { width: 100%; height: auto; display: block; }
figcaption { color: var(--muted); font-size: 13px; margin-top: 6px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid var(--soft); overflow-wrap: anywhere; }
th { color: var(--muted); font-weight: 600; border-bottom: 1px solid var(--line); }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
tr.failed td { background: var(--bad-bg); }
table.steps td:nth-child(-n+5), table.steps th, table.checks td:first-child { white-space: nowrap; overflow-wrap: normal; }
table.steps tr.minor td { color: var(--muted); font-size: 13px; padding-top: 2px; padding-bottom: 2px; }
.pass { color: var(--good); font-weight: 700; white-space: nowrap; }
.fail { color: var(--bad); font-weight: 700; white-space: nowrap; }
.verdict { font-size: 18px; font-weight: 700; margin: 0 0 8px; }
.verdict.good { color: var(--good); }
.verdict.bad { color: var(--bad); }
blockquote { margin: 8px 0; padding: 8px 14px; border-left: 4px solid #bdb4fe; background: #f9f5ff; }
pre { margin: 6px 0; padding: 10px 12px; background: #f8f9fc; border: 1px solid var(--soft); border-radius: 6px; font: 12.5px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; white-space: pre-wrap; overflow-wrap: anywhere; max-height: 420px; overflow: auto; }
.untrusted { border-color: #fec84b; background: #fffcf5; }
.note { color: var(--muted); font-size: 13px; }
.state-change td:nth-child(2) { color: var(--muted); }
.state-change td:nth-child(3) { font-weight: 600; }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
@media (max-width: 720px) { .grid2 { grid-template-columns: 1fr; } }
details > summary { cursor: pointer; color: var(--info); }
caption { text-align: left; padding: 0 0 4px; }
footer { color: var(--muted); font-size: 13px; text-align: center; }
a { color: var(--info); }
@media print { body { background: #fff; } section, header.summary { break-inside: avoid; } }
`;

const TONES: Record<IncidentReport['outcome']['kind'], 'good' | 'bad' | 'warn' | 'info'> = {
  resolved: 'good',
  escalated: 'bad',
  failed: 'bad',
  skipped: 'info',
  observed: 'info',
  recommended: 'warn',
  'awaiting-approval': 'warn',
  'in-progress': 'info',
};

const NET_CHANGE: Record<IncidentReport['outcome']['netChange'], string> = {
  changed: 'a change was made and is in place',
  'changed-then-undone': 'a change was made, then undone',
  'nothing-changed': 'nothing was changed',
  unknown: 'unknown (an action did not report)',
};

function json(value: unknown): string {
  const text = JSON.stringify(value, null, 2) ?? 'undefined';
  return text.length <= MAX_JSON_CHARS ? text : `${text.slice(0, MAX_JSON_CHARS)}\n… (${text.length - MAX_JSON_CHARS} more characters cut)`;
}

const time = (iso: string | undefined) => (iso === undefined ? '—' : `<time datetime="${e(iso)}">${e(formatClock(Date.parse(iso), 'millis'))}</time>`);
const facts = (rows: readonly [string, string | undefined][]) =>
  `<dl class="facts">${rows
    .filter((row): row is [string, string] => row[1] !== undefined && row[1] !== '')
    .map(([term, value]) => `<dt>${e(term)}</dt><dd>${value}</dd>`)
    .join('')}</dl>`;
const roundTitle = (report: IncidentReport, round: ReportRound) => (report.rounds.length > 1 ? `<h3>Round ${round.number}</h3>` : '');

/** The whole page. `generatedAt` is printed in the footer when given. */
export function renderIncidentReportHtml(report: IncidentReport, options: { generatedAt?: Date; title?: string } = {}): string {
  const tone = TONES[report.outcome.kind];
  const title = options.title ?? `${report.outcome.headline} — ${report.incident.resource.name} — ${report.incident.id}`;
  const body = [
    summarySection(report, tone),
    timelineSection(report),
    evidenceSection(report),
    decisionSection(report),
    policySection(report),
    actionSection(report),
    verificationSection(report),
    outcomeSection(report),
    errorsSection(report),
    stepsSection(report),
  ].join('\n');
  const generated = options.generatedAt === undefined ? '' : ` Generated ${e(formatDateTime(options.generatedAt.toISOString()))}.`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="referrer" content="no-referrer">
<title>${e(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${body}
<footer>Self-healing incident report for execution ${e(report.execution.name ?? '(unnamed)')}.${generated} Times are UTC.</footer>
</main>
</body>
</html>
`;
}

function summarySection(report: IncidentReport, tone: string): string {
  const { incident, execution, outcome } = report;
  const onset = incident.onsetAt === undefined ? undefined : Date.parse(incident.onsetAt);
  const openFor = onset !== undefined && outcome.at !== undefined ? formatDuration(Date.parse(outcome.at) - onset) : undefined;
  const consoleLink = execution.consoleUrl === undefined ? undefined : `<a href="${e(execution.consoleUrl)}" rel="noopener noreferrer">open in the Step Functions console</a>`;
  return `<header class="summary ${tone}" id="summary">
<span class="badge ${tone}">${e(outcome.kind.replace('-', ' '))}</span>
<h1 id="headline">${e(outcome.headline)}</h1>
<p class="lead" id="outcome-detail">${e(outcome.detail)}</p>
${facts([
  ['Resource', `${e(incident.resource.name)} <span class="note">(${e(incident.resource.id)})</span>`],
  ['Incident', e(incident.id)],
  ['Onset', incident.onsetAt === undefined ? undefined : e(formatDateTime(incident.onsetAt))],
  ['Onset to outcome', openFor === undefined ? undefined : e(openFor)],
  ['Net change', e(NET_CHANGE[outcome.netChange])],
  ['Mode', incident.mode === undefined ? undefined : e(incident.mode)],
  ['Execution', `${e(execution.name ?? '(unnamed)')} — ${e(execution.status)}${consoleLink === undefined ? '' : ` — ${consoleLink}`}`],
  ['Account / region', incident.account === undefined ? undefined : `${e(incident.account)} / ${e(incident.region ?? '?')}`],
])}
</header>`;
}

function timelineSection(report: IncidentReport): string {
  const metric = report.metric;
  const caption =
    metric === undefined
      ? 'No metric was read; the markers show when each step happened.'
      : `${metric.label}${metric.threshold ? `, with the alarm threshold (${formatNumber(metric.threshold.value)})` : metric.band ? `, with the ${metric.band.description}` : ''}. Red points breach it. Hover a marker or a point for details.`;
  return `<section id="timeline" aria-labelledby="timeline-heading">
<h2 id="timeline-heading">Timeline</h2>
<figure>
${renderTimelineSvg(report, { idPrefix: 'timeline' })}
<figcaption>${e(caption)}</figcaption>
</figure>
</section>`;
}

function evidenceSection(report: IncidentReport): string {
  const evidence = report.evidence;
  const parts: string[] = ['<section id="evidence" aria-labelledby="evidence-heading">', '<h2 id="evidence-heading">Evidence</h2>'];
  for (const signal of evidence.signals) {
    parts.push(`<h3>Signal</h3>`);
    parts.push(
      facts([
        ['What', e(signal.title)],
        ['When', e(formatDateTime(signal.at))],
        ['Metric', signal.metric === undefined ? undefined : e(signal.metric)],
        ['Log group', signal.logGroup === undefined ? undefined : e(signal.logGroup)],
        ['Count', signal.count === undefined ? undefined : e(signal.count)],
        ['Detail', signal.detail === undefined ? undefined : e(signal.detail)],
        ...Object.entries(signal.fields).map(([key, value]): [string, string] => [key, e(value)]),
      ]),
    );
    if (signal.sample !== undefined) parts.push(`<p class="note">Sample line (untrusted log text):</p><pre class="untrusted">${e(signal.sample)}</pre>`);
  }
  if (evidence.alarm !== undefined) {
    const alarm = evidence.alarm;
    parts.push('<h3>Alarm</h3>');
    parts.push(
      facts([
        ['Name', e(alarm.name)],
        ['State when read', e(alarm.state)],
        ['Latest value', alarm.latestValue === undefined ? undefined : e(formatNumber(alarm.latestValue))],
        ['Threshold', alarm.threshold === undefined ? undefined : `${e(alarm.operator ?? '')} ${e(formatNumber(alarm.threshold))}`],
        ['History', evidence.alarmHistory.length === 0 ? undefined : evidence.alarmHistory.map((item) => `${time(item.at)} ${e(item.summary)}`).join('<br>')],
      ]),
    );
  }
  const metrics = [...(report.metric === undefined ? [] : [report.metric]), ...report.otherMetrics];
  if (metrics.length > 0) {
    parts.push('<h3>Metrics</h3><table><thead><tr><th>Metric</th><th>Baseline</th><th>Last</th><th>Min … max</th><th>Anomaly</th><th>Deviated at</th></tr></thead><tbody>');
    for (const metric of metrics) {
      parts.push(
        `<tr><td>${e(metric.label)}${metric.likelyCause ? `<br><span class="note">likely cause: ${e(metric.likelyCause)}</span>` : ''}</td>` +
          `<td class="num">${metric.baseline === undefined ? '—' : e(formatNumber(metric.baseline))}</td>` +
          `<td class="num">${metric.last === undefined ? '—' : e(formatNumber(metric.last))}</td>` +
          `<td class="num">${metric.min === undefined ? '—' : `${e(formatNumber(metric.min))} … ${e(formatNumber(metric.max ?? metric.min))}`}</td>` +
          `<td class="num">${metric.anomalyScore === undefined ? '—' : `${e(metric.anomalyScore.toFixed(2))}${metric.direction ? ` ${metric.direction === 'up' ? '↑' : '↓'}` : ''}`}</td>` +
          `<td>${time(metric.deviatedAt)}</td></tr>`,
      );
    }
    parts.push('</tbody></table>');
  }
  if (evidence.workload !== undefined) parts.push(`<h3>Workload</h3><p>${e(evidence.workload)}</p>`);
  if (evidence.findings.length > 0) {
    parts.push('<h3>Findings</h3><table><thead><tr><th>Finding</th><th>Severity</th><th>What</th></tr></thead><tbody>');
    for (const finding of evidence.findings) {
      const tail = finding.logTail.length === 0 ? '' : `<pre class="untrusted">${e(finding.logTail.join('\n'))}</pre>`;
      parts.push(`<tr><td>${e(finding.reason)}</td><td>${e(finding.severity ?? '')}</td><td>${e(finding.message)}${tail}</td></tr>`);
    }
    parts.push('</tbody></table>');
  }
  if (evidence.logs.length > 0) {
    parts.push('<h3>Log lines</h3><p class="note">Copied from the application’s logs: untrusted text, shown as it was read.</p>');
    for (const excerpt of evidence.logs) {
      const lines = excerpt.lines.map((line) => `${line.at ? `${formatClock(Date.parse(line.at), 'seconds')}  ` : ''}${line.message}${line.repeats ? `  (×${line.repeats})` : ''}`);
      parts.push(
        `<p><strong>${e(excerpt.logGroupName)}</strong> <span class="note">${e(excerpt.matchedLines ?? excerpt.lines.length)} matching line(s)</span></p>`,
        `<pre class="untrusted log-lines">${e(lines.join('\n') || '(none)')}</pre>`,
      );
    }
  }
  if (evidence.changes.length > 0) {
    parts.push('<h3>Recent changes</h3><table><thead><tr><th>When</th><th>What</th><th>Who</th><th>Summary</th></tr></thead><tbody>');
    for (const change of evidence.changes) {
      parts.push(`<tr><td>${time(change.at)}</td><td>${e(change.event)} <span class="note">(${e(change.source)})</span></td><td>${e(change.actor ?? '')}</td><td>${e(change.summary)}</td></tr>`);
    }
    parts.push('</tbody></table>');
  }
  if (evidence.gaps.length > 0) parts.push(`<h3>Not available</h3><ul>${evidence.gaps.map((gap) => `<li>${e(gap)}</li>`).join('')}</ul>`);
  if (parts.length === 2) parts.push('<p class="note">No context was gathered.</p>');
  parts.push('</section>');
  return parts.join('\n');
}

function decisionSection(report: IncidentReport): string {
  const parts: string[] = ['<section id="decision" aria-labelledby="decision-heading">', '<h2 id="decision-heading">Decision and rationale</h2>'];
  const decided = report.rounds.filter((round) => round.decision !== undefined);
  if (decided.length === 0) parts.push('<p class="note">No plan was made.</p>');
  for (const round of decided) {
    const decision = round.decision!;
    const source = decision.source === 'bedrock' ? `model ${decision.model?.modelId ?? ''}` : `runbook ${decision.runbookId ?? ''}`;
    parts.push(roundTitle(report, round));
    parts.push(
      `<p class="verdict">${e(decision.action)} <span class="note">on</span> ${e(decision.target)}</p>`,
      `<blockquote class="rationale">${e(decision.rationale)}</blockquote>`,
      facts([
        ['Decided by', `<span class="badge ${decision.source === 'bedrock' ? 'info' : ''}">${e(decision.source)}</span> ${e(source.trim())}`],
        ['Confidence', decision.confidence === undefined ? undefined : `${e(Math.round(decision.confidence * 100))} %`],
        [
          'Model call',
          decision.model === undefined
            ? undefined
            : e(`${decision.model.modelId}: ${decision.model.inputTokens} input + ${decision.model.outputTokens} output tokens${decision.model.latencyMs === undefined ? '' : `, ${formatDuration(decision.model.latencyMs)}`}${decision.model.stopReason ? `, stop: ${decision.model.stopReason}` : ''}`),
        ],
        ['Model not used', decision.fallbackReason === undefined ? undefined : e(decision.fallbackReason)],
        ['Decided at', time(decision.at)],
      ]),
    );
    if (decision.evidence.length > 0) parts.push(`<p class="note">The plan rests on:</p><ul>${decision.evidence.map((item) => `<li>${e(item)}</li>`).join('')}</ul>`);
    parts.push(`<details><summary>Parameters</summary><pre>${e(json(decision.params))}</pre></details>`);
  }
  parts.push('</section>');
  return parts.join('\n');
}

function checksTable(checks: readonly { name: string; passed: boolean; detail: string }[], caption: string, kind: 'policy-checks' | 'lease-guards'): string {
  if (checks.length === 0) return '';
  return `<table class="checks ${kind}"><caption class="note">${e(caption)}</caption><thead><tr><th>Check</th><th>Result</th><th>Detail</th></tr></thead><tbody>${checks
    .map(
      (check) =>
        `<tr class="${check.passed ? 'passed' : 'failed'}"><td>${e(check.name)}</td><td class="${check.passed ? 'pass' : 'fail'}">${check.passed ? '✔ pass' : '✖ fail'}</td><td>${e(check.detail)}</td></tr>`,
    )
    .join('')}</tbody></table>`;
}

function policySection(report: IncidentReport): string {
  const parts: string[] = ['<section id="policy" aria-labelledby="policy-heading">', '<h2 id="policy-heading">Policy verdict</h2>'];
  const judged = report.rounds.filter((round) => round.policy !== undefined || round.approval !== undefined || round.lease !== undefined);
  if (judged.length === 0) parts.push('<p class="note">The plan never reached the policy.</p>');
  for (const round of judged) {
    parts.push(roundTitle(report, round));
    const policy = round.policy;
    if (policy !== undefined) {
      const failed = policy.checks.filter((check) => !check.passed).length;
      parts.push(
        `<p class="verdict policy-verdict ${policy.allowed ? 'good' : 'bad'}">${policy.allowed ? `ALLOWED — autonomy ${e(policy.autonomy)}` : 'DENIED'}</p>`,
        `<p>${e(policy.summary)}</p>`,
        checksTable(policy.checks, `${policy.checks.length - failed} of ${policy.checks.length} checks passed`, 'policy-checks'),
      );
    }
    if (round.approval !== undefined) {
      const approval = round.approval;
      parts.push(`<h3>Approval</h3><p><span class="badge ${approval.verdict === 'approved' ? 'good' : approval.verdict === 'waiting' ? 'warn' : 'bad'}">${e(approval.verdict)}</span> ${e(approval.detail)}</p>`);
    }
    if (round.lease !== undefined) {
      const lease = round.lease;
      parts.push('<h3>Lease and flap guards</h3>');
      if (lease.verdict === 'acquired') {
        parts.push(`<p>Lease on ${e(lease.resourceId ?? '?')} held by ${e(lease.holder ?? '?')} until ${e(lease.expiresAt ?? '?')}.</p>`, checksTable(lease.guards, 'guards checked under the lease', 'lease-guards'));
      } else {
        parts.push(`<p><span class="badge ${lease.verdict === 'skipped' ? 'info' : 'bad'}">${e(lease.verdict)}</span> ${e(lease.detail ?? '')}</p>`);
      }
    }
  }
  parts.push('</section>');
  return parts.join('\n');
}

function actionSection(report: IncidentReport): string {
  const parts: string[] = ['<section id="action" aria-labelledby="action-heading">', '<h2 id="action-heading">Action and state, before and after</h2>'];
  if (report.stateChanges.length > 0) {
    parts.push(
      `<table class="state-change"><thead><tr><th>What</th><th>Before</th><th>After</th></tr></thead><tbody>${report.stateChanges
        .map((row) => `<tr><td>${e(row.what)}</td><td>${e(row.before)}</td><td>${e(row.after)}</td></tr>`)
        .join('')}</tbody></table>`,
    );
  }
  const acted = report.rounds.filter((round) => round.action !== undefined || round.undo?.undone === true);
  if (acted.length === 0) parts.push('<p class="note">No action was taken: nothing was changed.</p>');
  for (const round of acted) {
    parts.push(roundTitle(report, round));
    const action = round.action;
    if (action !== undefined) {
      parts.push(
        '<h3>What was done</h3>',
        `<p class="verdict ${action.error ? 'bad' : ''}">${e(action.summary)}</p>`,
        facts([
          ['Step', e(action.state)],
          ['Target', action.target === undefined ? undefined : e(action.target)],
          ['At', time(action.at)],
          ['Changed anything', action.changed === undefined ? undefined : action.changed ? 'yes' : 'no'],
          ['Can be undone', action.undoable === undefined ? undefined : action.undoable ? 'yes' : 'no'],
        ]),
      );
      if (action.before !== undefined || action.applied !== undefined) {
        parts.push(
          `<details><summary>Recorded state: before and applied</summary><div class="grid2"><div><h3>Before</h3><pre class="before">${e(json(action.before ?? null))}</pre></div><div><h3>Applied</h3><pre class="applied">${e(json(action.applied ?? null))}</pre></div></div></details>`,
        );
      }
    }
    if (round.undo?.undone === true || round.undo?.error !== undefined) {
      parts.push(`<h3>Undo</h3><p class="verdict bad">${e(round.undo.summary)}</p>`);
      if (round.undo.details !== undefined) parts.push(`<pre>${e(json(round.undo.details))}</pre>`);
    }
  }
  parts.push('</section>');
  return parts.join('\n');
}

function verificationSection(report: IncidentReport): string {
  const verified = report.rounds.filter((round) => round.verification !== undefined);
  if (verified.length === 0) return '';
  const parts: string[] = ['<section id="verification" aria-labelledby="verification-heading">', '<h2 id="verification-heading">Verification</h2>'];
  for (const round of verified) {
    const verification = round.verification!;
    parts.push(
      roundTitle(report, round),
      `<p class="verdict ${verification.healthy ? 'good' : 'bad'}">${e(verification.verdict)}</p>`,
      `<p>${e(verification.summary)}</p>`,
      facts([
        ['Alarm state', verification.alarmState === undefined ? undefined : e(verification.alarmState)],
        ['Dependent alarms tripped', verification.tripped.length === 0 ? 'none' : e(verification.tripped.join(', '))],
        ['Checked at', time(verification.at)],
        ['After the action', verification.afterActionMs === undefined ? undefined : e(formatDuration(verification.afterActionMs))],
        ['Attempt recorded', round.attemptResult === undefined ? undefined : e(`${round.attemptResult.result}; circuit ${round.attemptResult.circuit ?? '?'}${round.attemptResult.circuitOpened ? ` OPENED: ${round.attemptResult.reason ?? ''}` : ''}`)],
      ]),
    );
  }
  parts.push('</section>');
  return parts.join('\n');
}

function outcomeSection(report: IncidentReport): string {
  const parts: string[] = ['<section id="outcome" aria-labelledby="outcome-heading">', '<h2 id="outcome-heading">Outcome</h2>'];
  parts.push(`<p class="verdict">${e(report.outcome.headline)}</p>`);
  if (report.escalation !== undefined) {
    const escalation = report.escalation;
    parts.push(
      facts([
        [escalation.state === 'RecommendPlan' ? 'Sent to a human because' : 'Escalated because', e(escalation.reason)],
        ['Notification', escalation.notified === undefined ? undefined : escalation.notified ? 'delivered' : '<strong class="fail">NOT delivered</strong> (logged instead)'],
        ['Circuit', escalation.circuit === undefined ? undefined : e(escalation.circuit)],
        ['Escalation error', escalation.error === undefined ? undefined : e(escalation.error)],
        ['At', time(escalation.at)],
      ]),
    );
  }
  if (report.record !== undefined) {
    parts.push(
      facts([
        ['Recorded', e(report.record.summary)],
        ['Lease released', report.record.leaseReleased === undefined ? undefined : report.record.leaseReleased ? 'yes' : 'no'],
        ['Cooldown', report.record.cooldownSeconds === undefined ? undefined : e(formatDuration(report.record.cooldownSeconds * 1_000))],
      ]),
    );
  }
  parts.push('</section>');
  return parts.join('\n');
}

function errorsSection(report: IncidentReport): string {
  if (report.errors.length === 0) return '';
  return `<section id="errors" aria-labelledby="errors-heading"><h2 id="errors-heading">Errors</h2><table><thead><tr><th>When</th><th>State</th><th>Error</th><th>Cause</th></tr></thead><tbody>${report.errors
    .map((error) => `<tr><td>${time(error.at)}</td><td>${e(error.state)}</td><td>${e(error.error)}${error.retries > 0 ? ` <span class="note">after ${error.retries} retries</span>` : ''}</td><td>${e(error.cause ?? '')}</td></tr>`)
    .join('')}</tbody></table></section>`;
}

function stepsSection(report: IncidentReport): string {
  const rows = report.steps.map((step, index) => {
    const result = step.result === 'failed' ? '<span class="fail">✖ failed</span>' : step.result === 'running' ? '<span class="badge warn">running</span>' : '<span class="pass">✔</span>';
    const retries = step.retries > 0 ? ` <span class="note">↻ ${step.retries} retr${step.retries === 1 ? 'y' : 'ies'}</span>` : '';
    const minor = step.type === 'Choice' || step.type === 'Pass' || step.type === 'Succeed' || step.type === 'Fail';
    return `<tr class="${step.result === 'failed' ? 'failed' : minor ? 'minor' : ''}"><td class="num">${index + 1}</td><td>${e(step.name)}</td><td>${time(step.enteredAt)}</td><td class="num">${step.durationMs === undefined ? '—' : e(formatDuration(step.durationMs))}</td><td>${result}${retries}</td><td>${e(step.summary)}</td></tr>`;
  });
  return `<section id="steps" aria-labelledby="steps-heading">
<h2 id="steps-heading">Steps</h2>
<table class="steps"><thead><tr><th>#</th><th>State</th><th>Entered</th><th>Took</th><th>Result</th><th>What it did</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table>
</section>`;
}
