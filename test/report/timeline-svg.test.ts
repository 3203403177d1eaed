import { beforeAll, describe, expect, it } from 'vitest';
import { buildIncidentReport, type ExecutionStep, type IncidentReport, renderTimelineSvg, timelineMarkers } from '../../lambdas/shared/report/index.js';
import { timeScale } from '../../lambdas/shared/report/timeline-svg.js';
import { expectContains, expectMatch, expectNoMatch, expectNotContains, HOSTILE, scenarioReports } from './run-report.js';

interface DrawnMarker {
  kind: string;
  at: string;
  x: number;
}

/** The markers as drawn, in document order. */
function drawnMarkers(svg: string): DrawnMarker[] {
  return [...svg.matchAll(/<g class="marker marker-[a-z]+" data-marker="([a-z]+)" data-at="([^"]+)" data-x="([\d.]+)"/g)].map((match) => ({
    kind: match[1]!,
    at: match[2]!,
    x: Number(match[3]),
  }));
}

const minute = (n: number, second = 0) => new Date(Date.UTC(2026, 0, 1, 12, n, second)).toISOString();

/** A report built from hand-made steps: an anomaly alarm (no threshold), a decision, an action, a failed verification, an undo, an escalation. */
function anomalyReport(hostile = ''): IncidentReport {
  const incident = {
    incidentId: 'inc-00000000000000000001',
    resource: { kind: 'autoscaling-group', name: `api${hostile}`, id: 'autoscaling-group/api' },
    signal: { source: 'cloudwatch-alarm', alarmName: 'api-latency', alarmArn: 'arn:x', state: 'ALARM', reason: `left the band ${hostile}` },
    onsetAt: minute(30),
    detectedAt: minute(30, 20),
    region: 'eu-west-1',
    account: '123456789012',
    evidence: [],
  };
  const points = Array.from({ length: 32 }, (_, index) => ({ t: minute(index), v: index < 29 ? 200 + 10 * Math.sin(index) : 640 }));
  const context = {
    mode: 'auto',
    alarm: { name: 'api-latency', state: 'ALARM', comparisonOperator: 'LessThanLowerOrGreaterThanUpperThreshold' },
    metrics: [{ label: `AWS/ApplicationELB TargetResponseTime p99 {LoadBalancer=api${hostile}}`, role: 'alarm', unit: 'Milliseconds', periodSeconds: 60, points, deviatedAt: minute(29) }],
  };
  const decision = { action: 'scaleOutAsg', target: 'autoscaling-group/api', params: {}, rationale: `slow ${hostile}`, confidence: 0.6, evidence: [hostile], source: 'runbook' };
  const steps: ExecutionStep[] = [
    { stateName: 'BuildContext', stateType: 'Task', enteredAt: minute(30, 30), exitedAt: minute(30, 32), input: { incident }, output: { incident, context } },
    { stateName: 'Decide', stateType: 'Task', enteredAt: minute(30, 32), exitedAt: minute(30, 35), output: { incident, context, decision } },
    { stateName: 'ScaleOutAsg', stateType: 'Task', enteredAt: minute(30, 36), exitedAt: minute(30, 40), output: { action: { summary: `raised ${hostile}`, changed: true, actedAt: minute(30, 39) } } },
    { stateName: 'WaitForEffect', stateType: 'Wait', enteredAt: minute(30, 40), exitedAt: minute(35, 40), output: {} },
    {
      stateName: 'VerifyRecovery',
      stateType: 'Task',
      enteredAt: minute(35, 40),
      exitedAt: minute(35, 45),
      output: { verification: { healthy: false, verdict: 'not-recovered', undo: true, alarmState: 'ALARM', tripped: [], checkedAt: minute(35, 44), summary: `still slow ${hostile}` } },
    },
    { stateName: 'UndoScaleOutAsg', stateType: 'Task', enteredAt: minute(35, 45), exitedAt: minute(35, 50), output: { undo: { undone: true, summary: 'put back', undoneAt: minute(35, 49) } } },
    { stateName: 'EscalateIncident', stateType: 'Task', enteredAt: minute(35, 50), exitedAt: minute(35, 52), output: { escalation: { reason: `no luck ${hostile}`, notified: true } } },
    { stateName: 'IncidentEscalated', stateType: 'Fail', enteredAt: minute(35, 52), error: 'IncidentEscalated' },
  ];
  return buildIncidentReport(steps, { status: 'FAILED', name: 'api-inc-1' });
}

describe('renderTimelineSvg', () => {
  let resolved: IncidentReport;
  let svg: string;
  beforeAll(async () => {
    resolved = (await scenarioReports('cpu-saturation')).reports[0]!;
    svg = renderTimelineSvg(resolved);
  });

  it('is one SVG element, with an accessible name and a description in words', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expectContains(svg, 'role="img" aria-labelledby="timeline-title timeline-desc"');
    expectMatch(svg, /<title id="timeline-title">Timeline of incident inc-[0-9a-f]{20} on web<\/title>/);
    const desc = /<desc id="timeline-desc">([^<]*)<\/desc>/.exec(svg)![1]!;
    expectContains(desc, 'against a threshold of 70');
    expectContains(desc, 'Decision: scaleOutAsg at');
  });

  it('draws the metric and its threshold, with the breaching points in red', () => {
    expectContains(svg, '<polyline class="metric"');
    expectMatch(svg, /<line class="threshold" [^>]*stroke-dasharray/);
    expectContains(svg, 'threshold &gt; 70');
    expectNotContains(svg, 'class="band"');
    const points = [...svg.matchAll(/<circle cx="[\d.]+" cy="[\d.]+" r="([\d.]+)" fill="([^"]+)"><title>[^<]*: ([\d.,]+)<\/title>/g)];
    expect(points.length).toBe(resolved.metric!.points.length);
    for (const [, , fill, value] of points) expect(fill === '#d92d20').toBe(Number(value!.replace(/,/g, '')) > 70);
  });

  it('marks the onset, the decision, the action, the verification and the outcome, in time order, left to right', () => {
    const markers = drawnMarkers(svg);
    expect(markers.map((marker) => marker.kind)).toEqual(['deviation', 'onset', 'decision', 'action', 'verification', 'outcome']);
    for (let index = 1; index < markers.length; index += 1) {
      expect(Date.parse(markers[index]!.at)).toBeGreaterThanOrEqual(Date.parse(markers[index - 1]!.at));
      expect(markers[index]!.x).toBeGreaterThanOrEqual(markers[index - 1]!.x);
    }
    for (const label of ['Onset', 'Decision: scaleOutAsg', 'Action: scaleOutAsg', 'Verified', 'Resolved']) {
      expectContains(svg, `<text class="marker-label" `);
      expectContains(svg, `>${label}</text>`);
    }
  });

  it('breaks the axis when the response is seconds after half an hour of metric, and ticks it in time since the onset', () => {
    expectContains(svg, 'class="axis-break"');
    expectContains(svg, 'time since onset');
    expectMatch(svg, />\+[\d.]+ (ms|s)<\/text>/);
    expectMatch(svg, />\d\d:\d\d<\/text>/);
    // The response part keeps at least 40 % of the plot, so its markers are apart.
    const markers = drawnMarkers(svg);
    const decision = markers.find((marker) => marker.kind === 'decision')!;
    const outcome = markers.find((marker) => marker.kind === 'outcome')!;
    expect(outcome.x - decision.x).toBeGreaterThan(60);
  });

  it('shades the band the metric was expected in when the alarm has none, and marks the undo and the escalation', () => {
    const report = anomalyReport();
    const drawn = renderTimelineSvg(report, { idPrefix: 'second' });
    expectMatch(drawn, /<polygon class="band" points="[\d., ]+"/);
    expectNotContains(drawn, 'class="threshold"');
    expectContains(drawn, 'expected range: the detector');
    expect(drawnMarkers(drawn).map((marker) => marker.kind)).toEqual(['deviation', 'onset', 'decision', 'action', 'verification', 'undo', 'escalation']);
    expectContains(drawn, '>Not recovered</text>');
    expectContains(drawn, '>Undone</text>');
    expectContains(drawn, '>Escalated</text>');
    expectContains(drawn, 'id="second-title"');
    // Five minutes of response after half an hour of metric: the response still gets 40 % of the width, ticked from the onset.
    expectContains(drawn, 'class="axis-break"');
    expectMatch(drawn, />\+\d+ min<\/text>/);
  });

  it('escapes every text it draws: hostile labels stay text', () => {
    const hostile = `${HOSTILE.script}${HOSTILE.image}${HOSTILE.markup}\u0000\u001b`;
    const drawn = renderTimelineSvg(anomalyReport(hostile), { idPrefix: 'x"><script>' });
    expectNoMatch(drawn, /<script|<img|<b |<\/pre>|onerror="/i);
    expectContains(drawn, '&lt;script&gt;window.__pwned = 1&lt;/script&gt;');
    expectContains(drawn, '&quot;&gt;&lt;img src=x onerror=&quot;');
    expectNoMatch(drawn, /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
    expectContains(drawn, 'id="x---script--title"');
  });

  it('draws the markers alone when no metric was read', () => {
    const report = { ...resolved, metric: undefined };
    const drawn = renderTimelineSvg(report);
    expectContains(drawn, 'No metric was read for this incident.');
    expectNotContains(drawn, 'class="metric"');
    expect(drawnMarkers(drawn).map((marker) => marker.kind)).toEqual(['onset', 'decision', 'action', 'verification', 'outcome']);
  });

  it('still draws a picture for a run with nothing to place in time', () => {
    const drawn = renderTimelineSvg(buildIncidentReport([]));
    expectContains(drawn, 'No metric was read for this incident.', '</svg>');
    expect(drawnMarkers(drawn)).toEqual([]);
  });

  it('lists the markers in time order', () => {
    const markers = timelineMarkers(resolved);
    expect(markers.map((marker) => Date.parse(marker.at))).toEqual([...markers.map((marker) => Date.parse(marker.at))].sort((a, b) => a - b));
  });
});

describe('timeScale', () => {
  const times = { start: 0, onset: 1_800_000, responseStart: 1_800_500, responseEnd: 1_801_000, end: 1_801_000 };

  it('gives a response of one second among thirty minutes 40 % of the width, and breaks the axis there', () => {
    const scale = timeScale(times, 0, 1_000);
    const response = scale.segments.find((segment) => segment.from === times.responseStart)!;
    expect(response.x1 - response.x0).toBeCloseTo(400, 5);
    expect(scale.breaks).toEqual([response.x0]);
    expect(response.relative).toBe(true);
    expect(scale.x(times.end)).toBe(1_000);
  });

  it('is monotonic', () => {
    const scale = timeScale(times, 0, 1_000);
    let previous = -Infinity;
    for (let t = -10_000; t <= 1_802_000; t += 997) {
      const x = scale.x(t);
      expect(x).toBeGreaterThanOrEqual(previous);
      previous = x;
    }
  });

  it('stays linear, without a break, when every part is wide enough', () => {
    const scale = timeScale({ start: 0, onset: 600_000, responseStart: 600_000, responseEnd: 1_000_000, end: 1_000_000 }, 0, 1_000);
    expect(scale.breaks).toEqual([]);
    expect(scale.x(500_000)).toBeCloseTo(500, 5);
    expect(scale.segments.every((segment) => !segment.relative)).toBe(true);
  });
});
