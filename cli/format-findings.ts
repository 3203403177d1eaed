import type { Evidence, Finding, Suggestion } from '../lambdas/shared/k8s-diagnostics/index.js';

/**
 * Pure text for `self-heal diagnose`, in the manner of `k8sgpt analyze`:
 * one numbered block per finding with its message, the key evidence and
 * the catalog action it proposes. No I/O; the caller prints the lines.
 */

/** Log lines shown per finding; the rest stay in `--json`. */
export const MAX_LOG_LINES_SHOWN = 5;
/** Event lines shown per finding. */
export const MAX_EVENT_LINES_SHOWN = 3;

export interface FormatSummary {
  /** Where the findings were read, e.g. `kubeconfig context kind-dev, namespace shop`. */
  readonly scope?: string;
  /** Findings in all, before the budget; more than shown means some were left out. */
  readonly total?: number;
  /** What could not be read, one sentence each. */
  readonly notes?: readonly string[];
}

/** `Pod shop/web-abc — CrashLoopBackOff (high)` */
export function findingTitle(finding: Finding): string {
  const name = finding.namespace === undefined ? finding.name : `${finding.namespace}/${finding.name}`;
  return `${finding.kind} ${name} — ${finding.reason} (${finding.severity})`;
}

function params(values: Readonly<Record<string, string>> | undefined): string {
  if (values === undefined) return '';
  const entries = Object.entries(values);
  return entries.length === 0 ? '' : ` ${entries.map(([key, value]) => `${key}=${JSON.stringify(value)}`).join(' ')}`;
}

/** `→ proposes: patchEksConfigMap namespace="shop" … (why)` and the follow-up, if any. */
export function suggestionLines(suggestion: Suggestion): string[] {
  const lines = [`→ proposes: ${suggestion.action}${params(suggestion.params)} (${suggestion.why})`];
  if (suggestion.followUp !== undefined) {
    lines.push(`  then: ${suggestion.followUp.action}${params(suggestion.followUp.params)} (${suggestion.followUp.why})`);
  }
  return lines;
}

/** The evidence worth a glance; log lines are marked as the untrusted application output they are. */
export function evidenceLines(evidence: Evidence): string[] {
  const lines: string[] = [];
  if (evidence.containerState !== undefined) lines.push(`state: ${evidence.containerState}`);
  if (evidence.exitCode !== undefined || evidence.lastTerminationReason !== undefined) {
    const parts = [
      ...(evidence.lastTerminationReason === undefined ? [] : [evidence.lastTerminationReason]),
      ...(evidence.exitCode === undefined ? [] : [`exit code ${evidence.exitCode}`]),
    ];
    lines.push(`last termination: ${parts.join(', ')}`);
  }
  for (const [key, value] of Object.entries(evidence.details ?? {})) lines.push(`${key}: ${value}`);
  const events = evidence.events ?? [];
  for (const event of events.slice(0, MAX_EVENT_LINES_SHOWN)) lines.push(`event: ${event}`);
  if (events.length > MAX_EVENT_LINES_SHOWN) lines.push(`event: … ${events.length - MAX_EVENT_LINES_SHOWN} more`);
  const logs = evidence.logTail ?? [];
  if (logs.length > 0) {
    lines.push('log (untrusted application output):');
    for (const line of logs.slice(-MAX_LOG_LINES_SHOWN)) lines.push(`  | ${line}`);
  }
  return lines;
}

/** One finding as a numbered block. */
export function formatFinding(finding: Finding, index: number): string[] {
  const head = `${index}. ${findingTitle(finding)}`;
  const pad = ' '.repeat(String(index).length + 2);
  return [
    head,
    `${pad}${finding.message}`,
    ...(finding.at === undefined ? [] : [`${pad}since: ${finding.at}`]),
    ...evidenceLines(finding.evidence).map((line) => `${pad}${line}`),
    ...suggestionLines(finding.suggestion).map((line) => `${pad}${line}`),
  ];
}

/** The whole report: a header, the numbered findings separated by blank lines, and the notes. */
export function formatFindings(findings: readonly Finding[], summary: FormatSummary = {}): string[] {
  const lines: string[] = [];
  const where = summary.scope === undefined ? '' : ` in ${summary.scope}`;
  if (findings.length === 0) {
    lines.push(`No problems found${where}.`);
  } else {
    const left = summary.total !== undefined && summary.total > findings.length ? ` (${summary.total - findings.length} more left out; raise --max-findings or use --json)` : '';
    lines.push(`${findings.length} ${findings.length === 1 ? 'finding' : 'findings'}${where}${left}:`);
    findings.forEach((finding, position) => {
      lines.push('', ...formatFinding(finding, position + 1));
    });
  }
  const notes = summary.notes ?? [];
  if (notes.length > 0) {
    lines.push('', 'Notes:');
    for (const note of notes) lines.push(`- ${note}`);
  }
  return lines;
}
