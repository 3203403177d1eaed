import { beforeAll, describe, expect, it } from 'vitest';
import { buildIncidentReport, type ExecutionStep, type IncidentReport, renderIncidentReportHtml } from '../../lambdas/shared/report/index.js';
import { expectContains, expectMatch, expectNoMatch, expectNotContains, HOSTILE, scenarioReports } from './run-report.js';

type Json = Record<string, any>;

const SECTIONS = ['summary', 'timeline', 'evidence', 'decision', 'policy', 'action', 'verification', 'outcome', 'steps'];
const HOSTILE_TEXT = `${HOSTILE.script} ${HOSTILE.image} ${HOSTILE.markup}`;

/** The steps of a real run, with hostile text planted wherever the incident's own words reach the page. */
function poisoned(steps: readonly ExecutionStep[]): ExecutionStep[] {
  const copy = structuredClone(steps) as (ExecutionStep & { input?: Json; output?: Json })[];
  for (const step of copy) {
    for (const state of [step.input, step.output]) {
      if (state?.incident?.signal) state.incident.signal.reason = `CPU high ${HOSTILE_TEXT}`;
      if (state?.context) {
        state.context.logs = [{ logGroupName: `/app/${HOSTILE.image}`, matchedLines: 1, moreAvailable: false, lines: [{ at: state.context.gatheredAt, message: `ERROR ${HOSTILE_TEXT}` }] }];
        state.context.gaps = [HOSTILE.script];
      }
      if (state?.decision) {
        state.decision.rationale = `Because ${HOSTILE_TEXT}`;
        state.decision.evidence = [HOSTILE.script];
        state.decision.params = { note: HOSTILE.markup };
      }
      if (state?.policy) state.policy.checks[0].detail = HOSTILE.image;
      if (state?.action) state.action.summary = `scaled ${HOSTILE.script}`;
    }
  }
  return copy;
}

describe('renderIncidentReportHtml', () => {
  let report: IncidentReport;
  let html: string;
  let steps: ExecutionStep[];
  beforeAll(async () => {
    const run = await scenarioReports('cpu-saturation');
    report = run.reports[0]!;
    steps = run.steps[0]!.steps;
    html = renderIncidentReportHtml(report, { generatedAt: new Date('2026-01-01T00:00:00Z') });
  });

  it('is one self-contained page: inline style, no script, nothing loaded from elsewhere, and a policy that forbids both', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expectContains(html, `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">`);
    expectMatch(html, /<style>[^<]+<\/style>/);
    expectNoMatch(html, /<script|<link|<iframe|<img|<object|<embed|@import|url\((?!#)/i);
    expectNoMatch(html, /\s(src|href)="(https?:)?\/\//i);
  });

  it('has every section, headline first', () => {
    for (const id of SECTIONS) expectMatch(html, new RegExp(`<(section|header) [^>]*id="${id}"`));
    const order = SECTIONS.map((id) => html.indexOf(`id="${id}"`));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expectContains(html, '<h1 id="headline">Resolved automatically</h1>');
    expectContains(html, '<title>Resolved automatically — web — inc-');
    expectContains(html, 'Generated 2026-01-01 00:00:00 UTC.');
  });

  it('shows the decision and its rationale, the policy verdict with each check, and the state before and after', () => {
    const decision = report.rounds[0]!.decision!;
    expectContains(html, `<blockquote class="rationale">${decision.rationale}</blockquote>`);
    expectContains(html, 'ALLOWED — autonomy auto');
    for (const check of report.rounds[0]!.policy!.checks) expectContains(html, `<td>${check.name}</td><td class="pass">✔ pass</td>`);
    expectContains(html, '<tr><td>desired capacity</td><td>4</td><td>6</td></tr>');
    expectContains(html, '<pre class="before">{\n  &quot;desiredCapacity&quot;: 4\n}</pre>');
  });

  it('lists the steps with their durations', () => {
    const rows = html.slice(html.indexOf('<table class="steps">')).match(/<tr class="[^"]*"><td class="num">\d+<\/td>/g) ?? [];
    expect(rows).toHaveLength(report.steps.length);
    expectMatch(html, /<td>ScaleOutAsg<\/td><td><time datetime="[^"]+">\d\d:\d\d:\d\d\.\d{3}<\/time><\/td><td class="num">\d+ ms<\/td>/);
  });

  it('escapes hostile text from the logs, the alarm, the model and the action: it shows as text, never as markup', () => {
    const page = renderIncidentReportHtml(buildIncidentReport(poisoned(steps), { status: 'SUCCEEDED', name: HOSTILE.image }));
    expectNoMatch(page, /<script|<img|<b class="injected"|onerror="/i);
    // Only the page's own <pre>s close.
    expect(page.match(/<\/pre>/g)!.length).toBe(page.match(/<pre[ >]/g)!.length);
    expectContains(page, 'ERROR &lt;script&gt;window.__pwned = 1&lt;/script&gt; &quot;&gt;&lt;img src=x onerror=&quot;window.__pwned = 2&quot;&gt; &lt;/pre&gt;&lt;b class=&quot;injected&quot;&gt;bold&lt;/b&gt;');
    expectContains(page, '<blockquote class="rationale">Because &lt;script&gt;');
    expectContains(page, 'CPU high &lt;script&gt;');
  });

  it('links the execution in the console when it knows the ARN, with the link escaped', () => {
    const arn = 'arn:aws:states:eu-west-1:123456789012:execution:remediate:web-inc-1';
    const page = renderIncidentReportHtml(buildIncidentReport(steps, { status: 'SUCCEEDED', arn }));
    expectContains(page, 
      `<a href="https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${arn}" rel="noopener noreferrer">open in the Step Functions console</a>`,
    );
    const hostile = renderIncidentReportHtml(buildIncidentReport(steps, { status: 'SUCCEEDED', arn: `arn:aws:states:x:1:execution:m:"><script>` }));
    expectNotContains(hostile, '<script');
  });

  it('says plainly when nothing was done', () => {
    const empty = renderIncidentReportHtml(buildIncidentReport([]));
    expectContains(empty, '<h1 id="headline">In progress</h1>');
    expectContains(empty, 'No plan was made.');
    expectContains(empty, 'No action was taken: nothing was changed.');
  });
});
