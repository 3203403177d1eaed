import type { ApprovalRecord } from '../shared/approval-store.js';
import type { ApprovalAnswer, SignedApproval } from '../shared/approval-signature.js';
import { executionConsoleUrl } from '../shared/console-links.js';

/**
 * The callback's HTML pages. Every value is escaped by the `html` template
 * tag: plan text comes from a model or a runbook and is shown to a human
 * with power to act, so none of it may become markup.
 */

/** No scripts, no framing, no caching of a page that holds a signed link, no referrer leaking it. */
export const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
} as const;

export interface HtmlResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** Markup that is already safe; only the `html` tag makes one. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === undefined || value === null) return '';
  return escapeHtml(String(value));
}

/** Template tag: interpolated values are escaped unless they are `SafeHtml`. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, index) => {
    out += render(value) + (strings[index + 1] ?? '');
  });
  return new SafeHtml(out);
}

const STYLE = `
  body { font-family: system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #1b1b1b; }
  h1 { font-size: 1.4rem; }
  table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
  th { text-align: left; vertical-align: top; padding: .35rem .75rem .35rem 0; white-space: nowrap; color: #555; }
  td { padding: .35rem 0; overflow-wrap: anywhere; }
  pre { white-space: pre-wrap; margin: 0; }
  form { display: flex; gap: 1rem; margin-top: 1.5rem; }
  button { font-size: 1rem; padding: .6rem 1.4rem; border-radius: .3rem; border: 1px solid #888; cursor: pointer; }
  button.approve { background: #1d7a3a; color: #fff; border-color: #1d7a3a; }
  button.reject { background: #b3261e; color: #fff; border-color: #b3261e; }
  .note { color: #555; font-size: .9rem; }
`;

export function htmlPage(statusCode: number, title: string, content: SafeHtml, extraHeaders: Record<string, string> = {}): HtmlResponse {
  const body = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${title}</title>
<style>${new SafeHtml(STYLE)}</style>
</head>
<body>
<h1>${title}</h1>
${content}
</body>
</html>
`;
  return {
    statusCode,
    headers: { 'content-type': 'text/html; charset=utf-8', ...SECURITY_HEADERS, ...extraHeaders },
    body: body.value,
  };
}

/** A page with one message, for every outcome other than the confirmation form. */
export function messagePage(statusCode: number, title: string, message: string, extraHeaders: Record<string, string> = {}): HtmlResponse {
  return htmlPage(statusCode, title, html`<p>${message}</p>`, extraHeaders);
}

const isoOf = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString();

/** A console link only when it is one: an https URL, never a `javascript:` or other scheme. */
function executionLink(executionId: string): SafeHtml {
  const url = executionConsoleUrl(executionId);
  return url.startsWith('https://') ? html`<a href="${url}" rel="noopener noreferrer">open the run in the Step Functions console</a>` : html`${executionId}`;
}

/**
 * The confirmation page a link opens: the plan, and a form that POSTs the
 * same signed fields with the chosen answer. Opening it changes nothing, so
 * a mail scanner that prefetches links cannot approve anything.
 */
export function confirmationPage(record: ApprovalRecord, approval: SignedApproval, answer: ApprovalAnswer): HtmlResponse {
  const buttons = [
    html`<button type="submit" name="answer" value="approve" class="approve"${answer === 'approve' ? new SafeHtml(' autofocus') : ''}>Approve</button>`,
    html`<button type="submit" name="answer" value="reject" class="reject"${answer === 'reject' ? new SafeHtml(' autofocus') : ''}>Reject</button>`,
  ];
  const content = html`<p>The self-healing workflow proposes to change a resource and waits for a human's answer before it changes anything.</p>
<table>
<tr><th>Action</th><td>${record.action}</td></tr>
<tr><th>Target</th><td>${record.target}</td></tr>
<tr><th>Parameters</th><td><pre>${JSON.stringify(record.params, null, 2)}</pre></td></tr>
<tr><th>Rationale</th><td>${record.rationale}</td></tr>
<tr><th>Confidence</th><td>${record.confidence} (${record.source})</td></tr>
<tr><th>Policy</th><td>${record.policySummary}</td></tr>
<tr><th>Incident</th><td>${record.incidentId} on ${record.resourceId}</td></tr>
<tr><th>Expires</th><td>${isoOf(record.expiresAt)}</td></tr>
<tr><th>Run</th><td>${executionLink(record.executionId)}</td></tr>
</table>
<form method="post" action="/">
<input type="hidden" name="id" value="${approval.approvalId}">
<input type="hidden" name="exp" value="${approval.expiresAt}">
<input type="hidden" name="sig" value="${approval.signature}">
${buttons}
</form>
<p class="note">Nothing has changed yet. Your answer counts once: the first answer decides, and the links stop working after ${isoOf(record.expiresAt)}.</p>`;
  return htmlPage(200, `Approve ${record.action} on ${record.target}?`, content);
}

/** The answer was recorded and the workflow told. */
export function decidedPage(record: ApprovalRecord): HtmlResponse {
  return record.status === 'approved'
    ? messagePage(200, 'Approved', `The plan (${record.action} on ${record.target}) is approved; the workflow carries it out now. Recorded at ${record.decidedAt ?? '?'}.`)
    : messagePage(200, 'Rejected', `The plan (${record.action} on ${record.target}) is rejected; nothing will change, and the incident is escalated. Recorded at ${record.decidedAt ?? '?'}.`);
}
