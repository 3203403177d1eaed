import { escapeText as e } from './escape.js';
import { formatClock, formatDuration, formatNumber } from './format.js';
import type { IncidentReport, ReportMetric } from './report-model.js';

/**
 * The incident's timeline as one SVG picture: x is time, the metric the
 * alarm watches is drawn with its threshold (or the band it was expected
 * in), and the workflow's moments are marked on it — onset, decision,
 * approval, action, verification, undo, escalation, outcome. Pure: a string
 * from the report, every text escaped.
 *
 * The minutes before the onset and the seconds of the response rarely share
 * a scale: when the response would be squeezed into a sliver, the axis is
 * broken at the onset and each part gets its own scale (the response part
 * ticks in time since the onset), marked with a break on the axis.
 */

export type MarkerKind = 'onset' | 'deviation' | 'decision' | 'approval' | 'action' | 'verification' | 'undo' | 'escalation' | 'outcome';

export interface TimelineMarker {
  readonly kind: MarkerKind;
  readonly at: string;
  /** The chip's text: a few words. */
  readonly label: string;
  /** The rest, for the tooltip and the accessible description. */
  readonly detail: string;
  /** `bad` draws the chip in red: a failed verification, a rejection, an escalation. */
  readonly tone?: 'good' | 'bad' | 'neutral';
}

export interface TimelineSvgOptions {
  /** @default 960 */
  readonly width?: number;
  /** Prefix of the SVG's element ids, unique per page. @default 'timeline' */
  readonly idPrefix?: string;
}

const COLORS: Record<MarkerKind, string> = {
  onset: '#b42318',
  deviation: '#b54708',
  decision: '#6941c6',
  approval: '#0e7090',
  action: '#175cd3',
  verification: '#067647',
  undo: '#c4320a',
  escalation: '#b42318',
  outcome: '#344054',
};
const BAD = '#b42318';
const GOOD = '#067647';
const METRIC = '#1849a9';
const THRESHOLD = '#d92d20';
const BAND_FILL = '#d1e0ff';
const GRID = '#eaecf0';
const INK = '#101828';
const MUTED = '#475467';
const INCIDENT_FILL = '#fef3f2';

const FONT = "font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif\"";
const LABEL_FONT_SIZE = 12;
const LANE_HEIGHT = 22;
const MAX_LANES = 6;

/** The moments the timeline marks, in time order. */
export function timelineMarkers(report: IncidentReport): TimelineMarker[] {
  const markers: TimelineMarker[] = [];
  const signal = report.evidence.signals[0];
  if (report.incident.onsetAt !== undefined) {
    markers.push({ kind: 'onset', at: report.incident.onsetAt, label: 'Onset', detail: signal === undefined ? 'the signal began' : `${signal.title}${signal.detail ? `: ${signal.detail}` : ''}`, tone: 'bad' });
  }
  const metric = report.metric;
  if (metric?.deviatedAt !== undefined) {
    markers.push({ kind: 'deviation', at: metric.deviatedAt, label: 'Metric deviates', detail: `${metric.label} first scored as anomalous`, tone: 'neutral' });
  }
  const numbered = report.rounds.length > 1;
  for (const round of report.rounds) {
    const n = numbered ? ` ${round.number}` : '';
    const { decision, approval, action, verification, undo } = round;
    if (decision !== undefined) {
      markers.push({ kind: 'decision', at: decision.at, label: `Decision${n}: ${decision.action}`, detail: `${decision.source}${decision.runbookId ? ` ${decision.runbookId}` : ''}: ${decision.action} on ${decision.target} — ${decision.rationale}` });
    }
    if (approval !== undefined) {
      const label = { approved: 'Approved', rejected: 'Rejected', 'timed-out': 'Approval timed out', failed: 'Approval failed', waiting: 'Awaiting approval' }[approval.verdict];
      markers.push({ kind: 'approval', at: approval.at, label: `${label}${n}`, detail: approval.detail, tone: approval.verdict === 'approved' ? 'good' : approval.verdict === 'waiting' ? 'neutral' : 'bad' });
    }
    if (action !== undefined) {
      markers.push({ kind: 'action', at: action.at, label: action.error ? `Action${n} failed` : `Action${n}: ${action.action ?? action.state}`, detail: action.summary, tone: action.error ? 'bad' : 'neutral' });
    }
    if (verification !== undefined) {
      markers.push({
        kind: 'verification',
        at: verification.at,
        label: `${verification.healthy ? 'Verified' : 'Not recovered'}${n}`,
        detail: verification.summary,
        tone: verification.healthy ? 'good' : 'bad',
      });
    }
    if (undo !== undefined && (undo.undone || undo.error !== undefined)) {
      markers.push({ kind: 'undo', at: undo.at, label: undo.error ? `Undo${n} failed` : `Undone${n}`, detail: undo.summary, tone: 'bad' });
    }
  }
  if (report.escalation !== undefined) {
    const recommended = report.escalation.state === 'RecommendPlan';
    markers.push({ kind: 'escalation', at: report.escalation.at, label: recommended ? 'Sent to a human' : 'Escalated', detail: report.escalation.reason, tone: recommended ? 'neutral' : 'bad' });
  } else if (report.record !== undefined) {
    const label = { resolved: 'Resolved', skipped: 'Skipped', observed: 'Recorded' }[report.outcome.kind as 'resolved' | 'skipped' | 'observed'] ?? 'Recorded';
    markers.push({ kind: 'outcome', at: report.record.at, label, detail: report.record.summary, tone: report.outcome.kind === 'resolved' ? 'good' : 'neutral' });
  }
  return markers.filter((marker) => Number.isFinite(Date.parse(marker.at))).sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

// ─── Scales ──────────────────────────────────────────────────────────────

interface Segment {
  readonly from: number;
  readonly to: number;
  readonly x0: number;
  readonly x1: number;
  /** Ticks read as time since the onset, not clock time. */
  readonly relative: boolean;
}

export interface TimeScale {
  readonly segments: readonly Segment[];
  /** Where the scale changes: an axis break is drawn there. */
  readonly breaks: readonly number[];
  x(ms: number): number;
}

/**
 * A piecewise-linear time scale over [start, end]. The parts: the lead-up
 * to the onset, the wait until the workflow's first step (detection and
 * delivery), the workflow's response, and a tail of metric points after it.
 * A part too narrow to read gets a minimum share of the width — the lead-up
 * 30 %, the response 40 %, the tail 12 % — and the others share the rest in
 * proportion to their durations. Where the scale changes, a break is drawn.
 */
export function timeScale(
  times: { start: number; onset: number; responseStart: number; responseEnd: number; end: number },
  x0: number,
  x1: number,
): TimeScale {
  const { start, onset } = times;
  const responseStart = Math.max(onset, times.responseStart);
  const responseEnd = Math.max(responseStart + 1, times.responseEnd);
  const parts: { from: number; to: number; min: number }[] = [];
  if (onset > start) parts.push({ from: start, to: onset, min: 0.3 });
  if (responseStart > onset) parts.push({ from: onset, to: responseStart, min: 0 });
  parts.push({ from: responseStart, to: responseEnd, min: 0.4 });
  if (times.end > responseEnd) parts.push({ from: responseEnd, to: times.end, min: 0.12 });

  // A part narrower than its minimum gets the minimum; the others share the rest in proportion to their durations.
  const shares = parts.map(() => 0);
  const fixed = new Set<number>();
  for (;;) {
    const remaining = 1 - [...fixed].reduce((sum, index) => sum + parts[index]!.min, 0);
    const free = parts.reduce((sum, part, index) => (fixed.has(index) ? sum : sum + (part.to - part.from)), 0);
    parts.forEach((part, index) => {
      shares[index] = fixed.has(index) ? part.min : (remaining * (part.to - part.from)) / free;
    });
    const squeezed = parts.findIndex((part, index) => !fixed.has(index) && parts.length > 1 && shares[index]! < part.min);
    if (squeezed === -1) break;
    fixed.add(squeezed);
  }
  const width = x1 - x0;
  let cursor = x0;
  const placed = parts.map((part, index) => {
    const share = shares[index]! * width;
    const segment = { from: part.from, to: part.to, x0: cursor, x1: cursor + share };
    cursor += share;
    return segment;
  });
  const density = (segment: { from: number; to: number; x0: number; x1: number }) => (segment.x1 - segment.x0) / (segment.to - segment.from);
  const breaks: number[] = [];
  for (let index = 1; index < placed.length; index += 1) {
    const ratio = density(placed[index]!) / density(placed[index - 1]!);
    if (ratio > 1.25 || ratio < 0.8) breaks.push(placed[index]!.x0);
  }
  // After a break past the onset, time reads as time since the onset.
  const segments: Segment[] = placed.map((segment) => ({
    ...segment,
    relative: segment.from >= onset && breaks.some((x) => x <= segment.x0 + 0.01 && x > x0),
  }));
  return {
    segments,
    breaks,
    x(ms: number): number {
      const first = segments[0]!;
      const last = segments.at(-1)!;
      if (ms <= first.from) return first.x0;
      if (ms >= last.to) return last.x1;
      const segment = segments.find((candidate) => ms >= candidate.from && ms <= candidate.to) ?? last;
      return segment.x0 + ((ms - segment.from) / (segment.to - segment.from)) * (segment.x1 - segment.x0);
    },
  };
}

const TIME_STEPS = [
  1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000,
  7_200_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000,
];

interface Tick {
  readonly x: number;
  readonly label: string;
}

function timeTicks(scale: TimeScale, onset: number): Tick[] {
  const ticks: Tick[] = [];
  for (const segment of scale.segments) {
    const span = segment.to - segment.from;
    const wanted = Math.max(1, Math.floor((segment.x1 - segment.x0) / 110));
    const step = TIME_STEPS.find((candidate) => span / candidate <= wanted) ?? TIME_STEPS.at(-1)!;
    const origin = segment.relative ? onset : 0;
    const first = Math.ceil((segment.from - origin) / step) * step + origin;
    if (!Number.isFinite(first)) continue;
    for (let t = first, count = 0; t <= segment.to && count < 50; t += step, count += 1) {
      const x = scale.x(t);
      // Keep clear of the segment's edges, where the neighbour's ticks or the break are.
      if (x - segment.x0 < 28 || segment.x1 - x < 28) continue;
      const label = segment.relative
        ? relativeLabel(t - onset, step)
        : formatClock(t, step >= 60_000 ? 'minutes' : step >= 1_000 ? 'seconds' : 'millis');
      ticks.push({ x, label });
    }
  }
  return ticks;
}

/** Time since the onset, as precise as the tick step: `+0.40 s`, `+12 s`, `+3 min`. */
function relativeLabel(offsetMs: number, stepMs: number): string {
  if (stepMs >= 1_000) return `+${formatDuration(offsetMs)}`;
  const decimals = stepMs < 10 ? 3 : stepMs < 100 ? 2 : 1;
  return `+${(offsetMs / 1_000).toFixed(decimals)} s`;
}

function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10) * power;
}

function valueDomain(metric: ReportMetric): { min: number; max: number; step: number } {
  const values = [
    ...metric.points.map((point) => point.v),
    ...(metric.threshold ? [metric.threshold.value] : []),
    ...(metric.band?.points.flatMap((point) => [point.lower, point.upper]) ?? []),
  ].filter(Number.isFinite);
  let min = Math.min(...values);
  let max = Math.max(...values);
  if (min >= 0) min = 0;
  if (max === min) max = min + (Math.abs(min) || 1);
  const pad = (max - min) * 0.08;
  max += pad;
  if (min < 0) min -= pad;
  // The tick count (4 to 6) whose rounded domain wastes the least room.
  const candidates = [4, 5, 6].map((count) => {
    const step = niceStep(max - min, count);
    return { min: Math.floor(min / step) * step, max: Math.ceil(max / step) * step, step };
  });
  return candidates.reduce((best, candidate) => (candidate.max - candidate.min < best.max - best.min ? candidate : best));
}

/** Whether a value is on the wrong side of the threshold or outside the band. */
function breaches(metric: ReportMetric, t: string, v: number): boolean {
  const operator = metric.threshold?.operator ?? 'GreaterThanThreshold';
  if (metric.threshold !== undefined) {
    const threshold = metric.threshold.value;
    if (operator.startsWith('GreaterThanOrEqual')) return v >= threshold;
    if (operator.startsWith('GreaterThan')) return v > threshold;
    if (operator.startsWith('LessThanOrEqual')) return v <= threshold;
    if (operator.startsWith('LessThan')) return v < threshold;
    return false;
  }
  const band = metric.band?.points.find((point) => point.t === t);
  return band !== undefined && (v > band.upper || v < band.lower);
}

const OPERATOR_SIGNS: Record<string, string> = {
  GreaterThanThreshold: '>',
  GreaterThanOrEqualToThreshold: '≥',
  LessThanThreshold: '<',
  LessThanOrEqualToThreshold: '≤',
};

/** `CPUUtilization` out of `AWS/EC2 CPUUtilization Average {AutoScalingGroupName=web}`. */
function shortMetricName(label: string): string {
  const withoutDimensions = label.replace(/\s*\{.*\}\s*$/, '');
  const words = withoutDimensions.split(/\s+/);
  return words.length >= 2 ? words.slice(1).join(' ') : withoutDimensions;
}

const round1 = (value: number) => Math.round(value * 10) / 10;
const textWidth = (text: string, size = LABEL_FONT_SIZE) => text.length * size * 0.58;

interface PlacedLabel {
  readonly marker: TimelineMarker;
  readonly x: number;
  readonly lane: number;
  readonly boxX: number;
  readonly boxWidth: number;
}

/** Puts each marker's chip in the lowest lane where it overlaps nothing, left to right. */
function placeLabels(markers: readonly TimelineMarker[], scale: TimeScale, left: number, right: number): PlacedLabel[] {
  const laneEnds: number[] = [];
  return markers.map((marker) => {
    const x = scale.x(Date.parse(marker.at));
    const boxWidth = textWidth(marker.label) + 22;
    const boxX = Math.min(Math.max(x - boxWidth / 2, left), right - boxWidth);
    let lane = laneEnds.findIndex((end) => end + 6 <= boxX);
    if (lane === -1) lane = laneEnds.length < MAX_LANES ? laneEnds.length : laneEnds.indexOf(Math.min(...laneEnds));
    laneEnds[lane] = boxX + boxWidth;
    return { marker, x, lane, boxX, boxWidth };
  });
}

/** The picture. */
export function renderTimelineSvg(report: IncidentReport, options: TimelineSvgOptions = {}): string {
  const width = options.width ?? 960;
  const id = (options.idPrefix ?? 'timeline').replace(/[^A-Za-z0-9_-]/g, '-');
  const markers = timelineMarkers(report);
  const metric = report.metric !== undefined && report.metric.points.length > 0 ? report.metric : undefined;
  const times = [...markers.map((marker) => Date.parse(marker.at)), ...(metric?.points.map((point) => Date.parse(point.t)) ?? [])];
  const stepTimes = report.steps.flatMap((step) => [Date.parse(step.enteredAt), ...(step.exitedAt ? [Date.parse(step.exitedAt)] : [])]);
  const known = [...times, ...stepTimes].filter(Number.isFinite);
  const onsetAt = report.incident.onsetAt === undefined ? Number.NaN : Date.parse(report.incident.onsetAt);
  // Nothing to place in time (a run that has not started a state): an empty plot at the epoch, so the picture still stands.
  const onset = Number.isFinite(onsetAt) ? onsetAt : known.length > 0 ? Math.min(...known) : 0;
  const workflowMarkers = markers.filter((marker) => marker.kind !== 'onset' && marker.kind !== 'deviation').map((marker) => Date.parse(marker.at));
  const responseStart = Math.min(...stepTimes, ...workflowMarkers);
  const responseEnd = Math.max(onset, ...workflowMarkers, ...stepTimes);
  const start = Math.min(onset, ...times);
  const end = Math.max(responseEnd, ...times);

  const left = metric === undefined ? 24 : 72;
  const right = width - 24;
  const scale = timeScale({ start, onset, responseStart: Number.isFinite(responseStart) ? responseStart : onset, responseEnd, end }, left, right);
  const placed = placeLabels(markers, scale, left, right);
  const lanes = Math.max(1, ...placed.map((label) => label.lane + 1));
  const top = 12 + lanes * LANE_HEIGHT + 10;
  const plotHeight = metric === undefined ? 90 : 230;
  const bottom = top + plotHeight;
  const legend = legendOf(metric);
  const legendItems: string[] = [];
  let lx = left;
  let ly = bottom + 58;
  for (const entry of legend) {
    const itemWidth = 26 + textWidth(entry.text) + 18;
    if (lx + itemWidth > right && lx > left) {
      lx = left;
      ly += 20;
    }
    legendItems.push(`<g transform="translate(${round1(lx)} ${ly})">${entry.swatch}<text x="26" y="4" fill="${MUTED}">${e(entry.text)}</text></g>`);
    lx += itemWidth;
  }
  const height = ly + 16;
  const y = (() => {
    if (metric === undefined) return () => bottom;
    const domain = valueDomain(metric);
    return (value: number) => bottom - ((value - domain.min) / (domain.max - domain.min)) * plotHeight;
  })();

  const parts: string[] = [];
  const description = describe(markers, metric);
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="timeline" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="${id}-title ${id}-desc" ${FONT} font-size="${LABEL_FONT_SIZE}">`,
    `<title id="${id}-title">${e(`Timeline of incident ${report.incident.id} on ${report.incident.resource.name}`)}</title>`,
    `<desc id="${id}-desc">${e(description)}</desc>`,
    `<defs><clipPath id="${id}-plot"><rect x="${left}" y="${top}" width="${right - left}" height="${plotHeight}"/></clipPath></defs>`,
    `<rect x="${left}" y="${top}" width="${right - left}" height="${plotHeight}" fill="#ffffff" stroke="#d0d5dd"/>`,
  );

  // The incident window: from the onset to the outcome (or now).
  const windowEnd = report.outcome.at !== undefined ? Date.parse(report.outcome.at) : responseEnd;
  const windowX0 = scale.x(onset);
  const windowX1 = Math.max(windowX0 + 2, scale.x(windowEnd));
  parts.push(`<rect class="incident-window" x="${round1(windowX0)}" y="${top}" width="${round1(windowX1 - windowX0)}" height="${plotHeight}" fill="${INCIDENT_FILL}"><title>${e(`incident: ${formatDuration(windowEnd - onset)} from onset to ${report.outcome.kind}`)}</title></rect>`);

  // Value grid and axis.
  if (metric !== undefined) {
    const domain = valueDomain(metric);
    for (let value = domain.min, count = 0; value <= domain.max + domain.step / 2 && count < 20; value += domain.step, count += 1) {
      const gy = round1(y(value));
      parts.push(`<line x1="${left}" x2="${right}" y1="${gy}" y2="${gy}" stroke="${GRID}"/>`);
      parts.push(`<text x="${left - 8}" y="${gy + 4}" text-anchor="end" fill="${MUTED}">${e(formatNumber(value))}</text>`);
    }
    const unit = metric.unit && metric.unit !== 'None' ? ` (${metric.unit})` : '';
    parts.push(
      `<text x="14" y="${top + plotHeight / 2}" transform="rotate(-90 14 ${top + plotHeight / 2})" text-anchor="middle" fill="${MUTED}">${e(`${shortMetricName(metric.label)}${unit}`)}</text>`,
    );
  }

  parts.push(`<g clip-path="url(#${id}-plot)">`);
  if (metric?.band !== undefined && metric.band.points.length > 1) {
    const upper = metric.band.points.map((point) => `${round1(scale.x(Date.parse(point.t)))},${round1(y(point.upper))}`);
    const lower = [...metric.band.points].reverse().map((point) => `${round1(scale.x(Date.parse(point.t)))},${round1(y(point.lower))}`);
    parts.push(
      `<polygon class="band" points="${[...upper, ...lower].join(' ')}" fill="${BAND_FILL}" fill-opacity="0.8" stroke="#84adff" stroke-width="1"><title>${e(metric.band.description)}</title></polygon>`,
    );
  }
  if (metric?.threshold !== undefined) {
    const ty = round1(y(metric.threshold.value));
    parts.push(`<line class="threshold" x1="${left}" x2="${right}" y1="${ty}" y2="${ty}" stroke="${THRESHOLD}" stroke-width="1.5" stroke-dasharray="6 4"><title>${e(`threshold ${metric.threshold.value}`)}</title></line>`);
  }
  if (metric !== undefined) {
    const line = metric.points.map((point) => `${round1(scale.x(Date.parse(point.t)))},${round1(y(point.v))}`).join(' ');
    parts.push(`<polyline class="metric" points="${line}" fill="none" stroke="${METRIC}" stroke-width="2.25" stroke-linejoin="round"/>`);
    for (const point of metric.points) {
      const breach = breaches(metric, point.t, point.v);
      parts.push(
        `<circle cx="${round1(scale.x(Date.parse(point.t)))}" cy="${round1(y(point.v))}" r="${breach ? 3.5 : 2.5}" fill="${breach ? THRESHOLD : METRIC}"><title>${e(`${formatClock(Date.parse(point.t))} UTC: ${formatNumber(point.v)}`)}</title></circle>`,
      );
    }
  } else {
    parts.push(`<text x="${(left + right) / 2}" y="${top + plotHeight / 2 + 4}" text-anchor="middle" fill="${MUTED}">No metric was read for this incident.</text>`);
  }
  parts.push('</g>');

  // The threshold's label, inside the plot at the left, above its line.
  if (metric?.threshold !== undefined) {
    const sign = OPERATOR_SIGNS[metric.threshold.operator ?? ''] ?? '';
    const text = `threshold ${sign ? `${sign} ` : ''}${formatNumber(metric.threshold.value)}`;
    const ty = y(metric.threshold.value);
    const labelY = ty - top < 18 ? ty + 15 : ty - 6;
    parts.push(`<text class="threshold-label" x="${left + 6}" y="${round1(labelY)}" fill="${THRESHOLD}" font-weight="600">${e(text)}</text>`);
  }

  // Axis breaks: the scale changes there.
  for (const x of scale.breaks) {
    parts.push(
      `<line x1="${round1(x)}" x2="${round1(x)}" y1="${top}" y2="${bottom}" stroke="#98a2b3" stroke-dasharray="2 3"/>`,
      `<g class="axis-break" stroke="#475467" stroke-width="1.5"><title>the time scale changes here</title><line x1="${round1(x - 6)}" y1="${bottom + 6}" x2="${round1(x - 2)}" y2="${bottom - 6}"/><line x1="${round1(x + 2)}" y1="${bottom + 6}" x2="${round1(x + 6)}" y2="${bottom - 6}"/></g>`,
    );
  }

  // Markers: a line through the plot, a chip in its lane, a leader between them.
  parts.push('<g class="markers">');
  placed.forEach((label, index) => {
    const { marker } = label;
    const color = marker.tone === 'bad' ? BAD : marker.tone === 'good' ? GOOD : COLORS[marker.kind];
    const chipY = 12 + label.lane * LANE_HEIGHT;
    const mx = round1(label.x);
    const when = formatClock(Date.parse(marker.at), 'millis');
    const aria = `${marker.label} at ${when} UTC: ${marker.detail}`;
    parts.push(
      `<g class="marker marker-${marker.kind}" data-marker="${marker.kind}" data-at="${e(marker.at)}" data-x="${mx}" data-order="${index}" aria-label="${e(aria)}">`,
      `<title>${e(aria)}</title>`,
      `<line x1="${mx}" x2="${mx}" y1="${chipY + 18}" y2="${bottom}" stroke="${color}" stroke-width="${marker.kind === 'action' ? 2 : 1.25}"${marker.kind === 'deviation' ? ' stroke-dasharray="4 3"' : ''}/>`,
      `<rect x="${round1(label.boxX)}" y="${chipY}" width="${round1(label.boxWidth)}" height="18" rx="9" fill="#ffffff" stroke="${color}" stroke-width="1.25"/>`,
      `<circle cx="${round1(label.boxX + 10)}" cy="${chipY + 9}" r="3.5" fill="${color}"/>`,
      `<text class="marker-label" x="${round1(label.boxX + 18)}" y="${chipY + 13}" fill="${INK}">${e(marker.label)}</text>`,
      '</g>',
    );
  });
  parts.push('</g>');

  // Time axis.
  const onsetMs = onset;
  parts.push(`<g class="time-axis" fill="${MUTED}">`);
  for (const tick of timeTicks(scale, onsetMs)) {
    const tx = round1(tick.x);
    parts.push(`<line x1="${tx}" x2="${tx}" y1="${bottom}" y2="${bottom + 5}" stroke="#98a2b3"/>`, `<text x="${tx}" y="${bottom + 18}" text-anchor="middle">${e(tick.label)}</text>`);
  }
  // The onset's own time, under its marker.
  const ox = round1(scale.x(onsetMs));
  parts.push(`<text x="${ox}" y="${bottom + 32}" text-anchor="middle" fill="${COLORS.onset}" font-weight="600">${e(`onset ${formatClock(onsetMs, 'seconds')} UTC`)}</text>`);
  for (const segment of scale.segments) {
    if (!segment.relative) continue;
    parts.push(`<text x="${round1((segment.x0 + segment.x1) / 2)}" y="${bottom + 32}" text-anchor="middle" font-style="italic">time since onset</text>`);
  }
  parts.push('</g>');

  parts.push(`<g class="legend">${legendItems.join('')}</g>`);
  parts.push('</svg>');
  return parts.join('\n');
}

/** The legend's entries: swatch and text. */
function legendOf(metric: ReportMetric | undefined): { swatch: string; text: string }[] {
  const entries: { swatch: string; text: string }[] = [];
  if (metric !== undefined) {
    entries.push({ swatch: `<line x1="0" x2="20" y1="0" y2="0" stroke="${METRIC}" stroke-width="2.25"/>`, text: clipText(metric.label, 70) });
    if (metric.threshold !== undefined) {
      entries.push({
        swatch: `<line x1="0" x2="20" y1="0" y2="0" stroke="${THRESHOLD}" stroke-width="1.5" stroke-dasharray="6 4"/>`,
        text: `alarm threshold${metric.threshold.alarmName ? ` (${metric.threshold.alarmName})` : ''}`,
      });
    }
    if (metric.band !== undefined) entries.push({ swatch: `<rect x="0" y="-6" width="20" height="12" fill="${BAND_FILL}" stroke="#84adff"/>`, text: metric.band.description });
  }
  entries.push({ swatch: `<rect x="0" y="-6" width="20" height="12" fill="${INCIDENT_FILL}" stroke="#fda29b"/>`, text: 'incident: onset to outcome' });
  return entries;
}

const clipText = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/** The picture in words, for screen readers and for the page's alt text. */
function describe(markers: readonly TimelineMarker[], metric: ReportMetric | undefined): string {
  const sentences: string[] = [];
  if (metric !== undefined) {
    const values = metric.points.map((point) => point.v);
    const from = metric.points[0]!;
    const to = metric.points.at(-1)!;
    sentences.push(
      `${metric.label} from ${formatClock(Date.parse(from.t), 'minutes')} to ${formatClock(Date.parse(to.t), 'minutes')} UTC, between ${formatNumber(Math.min(...values))} and ${formatNumber(Math.max(...values))}` +
        (metric.threshold !== undefined ? `, against a threshold of ${formatNumber(metric.threshold.value)}.` : metric.band !== undefined ? `, against the ${metric.band.description}.` : '.'),
    );
  } else {
    sentences.push('No metric was read.');
  }
  for (const marker of markers) sentences.push(`${marker.label} at ${formatClock(Date.parse(marker.at), 'millis')} UTC: ${marker.detail}.`);
  return sentences.join(' ');
}
