import { AnomalyDetector, nearestPrecedingChange } from '../shared/metrics/index.js';
import type { Change, MetricSeries } from '../shared/workflow.js';

/**
 * Orient: which metric went wrong, when, and what changed just before.
 * Every series of the context is scored with the metric anomaly detector
 * (`lambdas/shared/metrics`), its first deviation is linked to the latest
 * change before it, and the series are ranked so that the decision reads
 * the most anomalous, earliest-deviating metric — and its likely cause —
 * first. Pure: no clock, no I/O.
 */

const MINUTE_MS = 60_000;

/** A score at or above this marks a point as a deviation (`deviatedAt`). */
export const DEVIATION_THRESHOLD = 0.5;
/**
 * Scores count from this long before the onset (at least 3 sampling
 * intervals): an alarm fires only after its evaluation periods, so the
 * metric behind it deviated earlier. The points before are the baseline.
 */
export const SCORE_MARGIN_MS = 15 * MINUTE_MS;
/** Scores this close count as a tie, broken by the earliest `deviatedAt`. */
export const SCORE_TIE = 0.05;
/** How long before a deviation a change may come and still be its likely cause. */
export const CAUSE_WINDOW_MS = 15 * MINUTE_MS;
/**
 * Longest change summary copied into `likelyCause` (the change itself, in
 * full, is in the context's changes): it is repeated on every series it is
 * linked to, and trimming never cuts it.
 */
export const LIKELY_CAUSE_SUMMARY_CHARS = 160;
/** The detector's own warm-up (points scored 0 while it learns), shortened when fewer points come before the scored span. */
const DETECTOR_WARMUP_POINTS = 12;

/** One point of a series, as read. */
export interface ObservedPoint {
  readonly at: Date;
  readonly value: number;
}

/** What scoring adds to a series. */
export interface SeriesAnomaly {
  /** The highest score from `SCORE_MARGIN_MS` before the onset on, rounded down to 2 decimals. */
  readonly anomalyScore: number;
  /** The first point of that span scoring at least `DEVIATION_THRESHOLD`, to the second. */
  readonly deviatedAt?: string;
  /** Whether the highest-scoring point was above or below the detector's baseline. */
  readonly direction?: 'up' | 'down';
}

export interface ScoreOptions {
  /** @default DEVIATION_THRESHOLD */
  readonly threshold?: number;
  /** @default SCORE_MARGIN_MS */
  readonly marginMs?: number;
}

const isoSecond = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
/** Down to 2 decimals, so a score shown as 0.5 or more always has a `deviatedAt` (at the default threshold). */
const floor2 = (value: number) => Math.floor(value * 100 + 1e-9) / 100;

/**
 * Scores one series around an onset with a fresh `AnomalyDetector` (no
 * daily or weekly comparison: the window is shorter than a day). The points
 * before the scored span teach it the baseline and the noise; the detector's
 * warm-up is cut to their number so a short window still scores its span.
 * Undefined when no point of the span could be scored (fewer than about 8
 * points in all: the detector needs a baseline and a noise estimate first).
 */
export function scoreAnomaly(
  points: readonly ObservedPoint[],
  periodSeconds: number,
  onsetAt: Date,
  options: ScoreOptions = {},
): SeriesAnomaly | undefined {
  const threshold = options.threshold ?? DEVIATION_THRESHOLD;
  const stepMs = periodSeconds * 1000;
  const scoredFromMs = onsetAt.getTime() - Math.max(options.marginMs ?? SCORE_MARGIN_MS, 3 * stepMs);
  const sorted = points
    .filter((point) => Number.isFinite(point.value) && Number.isFinite(point.at.getTime()))
    .sort((a, b) => a.at.getTime() - b.at.getTime());
  const before = sorted.findIndex((point) => point.at.getTime() >= scoredFromMs);
  if (before === -1 || !(stepMs > 0)) return undefined;

  const detector = new AnomalyDetector({
    stepMs,
    warmupPoints: Math.min(DETECTOR_WARMUP_POINTS, before),
    daily: false,
    weekly: false,
  });
  let peak: { score: number; direction?: 'up' | 'down' } | undefined;
  let deviatedAtMs: number | undefined;
  sorted.forEach((point, index) => {
    const score = detector.update(point.at, point.value);
    const detail = detector.lastDetail;
    if (index < before || detail === undefined) return;
    if (deviatedAtMs === undefined && score >= threshold) deviatedAtMs = point.at.getTime();
    if (peak === undefined || score > peak.score) {
      const residual = detail.value - detail.baseline;
      peak = { score, ...(residual === 0 ? {} : { direction: residual > 0 ? 'up' : 'down' }) };
    }
  });
  if (peak === undefined) return undefined;
  return {
    anomalyScore: floor2(peak.score),
    ...(deviatedAtMs === undefined ? {} : { deviatedAt: isoSecond(deviatedAtMs) }),
    ...(peak.direction === undefined ? {} : { direction: peak.direction }),
  };
}

/**
 * Each series with a `deviatedAt` gets, as `likelyCause`, the latest change
 * at or before it within `windowMs`. A change up to one sampling interval
 * after it counts too: CloudWatch stamps a point with the start of its
 * period, so a deploy at 10:00:40 shows in the point stamped 10:00:00.
 * A series without a deviation, or without such a change, has no
 * `likelyCause`; the summary is clipped to `LIKELY_CAUSE_SUMMARY_CHARS`.
 * Returns new series; the input is not changed.
 */
export function linkLikelyCauses(
  series: readonly MetricSeries[],
  changes: readonly Change[],
  windowMs: number = CAUSE_WINDOW_MS,
): MetricSeries[] {
  const events = changes.map((change) => ({ ...change, kind: change.event }));
  return series.map(({ likelyCause: _previous, ...entry }) => {
    const deviatedAtMs = entry.deviatedAt === undefined ? Number.NaN : Date.parse(entry.deviatedAt);
    if (!Number.isFinite(deviatedAtMs)) return entry;
    const linked = nearestPrecedingChange(deviatedAtMs, events, windowMs, entry.periodSeconds * 1000);
    if (linked === undefined) return entry;
    const { at, source, event, summary } = linked.change;
    const clipped = summary.length <= LIKELY_CAUSE_SUMMARY_CHARS ? summary : `${summary.slice(0, LIKELY_CAUSE_SUMMARY_CHARS - 1)}…`;
    return { ...entry, likelyCause: { at, source, event, summary: clipped } };
  });
}

/**
 * The series, most anomalous first. Scores within `tie` of the highest one
 * of their group are a tie, ordered by the earliest `deviatedAt` (the metric
 * that deviated first is the best lead to the cause; none counts as last),
 * then by score. Groups are taken from the top: the highest remaining score
 * and every score within `tie` of it. Series without a score (too short to
 * score) come last. Equal keys keep the input order, so the alarm's own
 * series, listed first, stays ahead of an equal related one. Roles are kept.
 */
export function rankMetrics(series: readonly MetricSeries[], tie: number = SCORE_TIE): MetricSeries[] {
  const indexed = series.map((entry, index) => ({ entry, index }));
  const scored = indexed
    .filter(({ entry }) => entry.anomalyScore !== undefined)
    .sort((a, b) => b.entry.anomalyScore! - a.entry.anomalyScore! || a.index - b.index);
  const unscored = indexed.filter(({ entry }) => entry.anomalyScore === undefined);
  const deviatedMs = (entry: MetricSeries) => (entry.deviatedAt === undefined ? Number.POSITIVE_INFINITY : Date.parse(entry.deviatedAt));

  const ranked: MetricSeries[] = [];
  for (let start = 0; start < scored.length; ) {
    const top = scored[start]!.entry.anomalyScore!;
    let end = start + 1;
    while (end < scored.length && top - scored[end]!.entry.anomalyScore! <= tie + 1e-9) end += 1;
    const group = scored
      .slice(start, end)
      .sort(
        (a, b) =>
          deviatedMs(a.entry) - deviatedMs(b.entry) ||
          b.entry.anomalyScore! - a.entry.anomalyScore! ||
          a.index - b.index,
      );
    ranked.push(...group.map(({ entry }) => entry));
    start = end;
  }
  return [...ranked, ...unscored.map(({ entry }) => entry)];
}
