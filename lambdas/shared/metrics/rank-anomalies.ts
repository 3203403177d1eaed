import { DEFAULT_THRESHOLD } from './anomaly-detector.js';
import { HOUR_MS } from './seasonality.js';
import { type MetricObservation, scoreSeries, type ScoreSeriesOptions } from './score-series.js';

/** A change to the resource: a deploy, a scaling activity, a config edit. */
export interface ChangeEvent {
  readonly at: Date | number | string;
  /** What kind of change, e.g. `deploy`, `ScalingActivity`, `UpdateAutoScalingGroup`. */
  readonly kind: string;
  readonly summary: string;
}

export interface NamedSeries {
  readonly name: string;
  readonly points: readonly MetricObservation[];
}

/** A change linked to an anomaly's onset. */
export interface LinkedChange<E extends ChangeEvent = ChangeEvent> {
  readonly change: E;
  /** Onset time minus the change's time (negative, by less than one sampling interval, when it came just after). */
  readonly leadMs: number;
}

export interface RankedMetric<E extends ChangeEvent = ChangeEvent> {
  readonly name: string;
  /** The series' highest anomaly score, 0..1. */
  readonly score: number;
  /** Whether the score reaches the threshold. */
  readonly anomalous: boolean;
  /** When the strongest anomaly began (anomalous series only). */
  readonly onsetAt?: Date;
  /** When the score peaked. */
  readonly peakAt?: Date;
  /** The latest change at or before the onset, within `linkWindowMs`. */
  readonly likelyCause?: LinkedChange<E>;
}

export interface RankOptions extends ScoreSeriesOptions {
  /**
   * How long before an onset a change may come and still be linked to it.
   * @default 1 hour
   */
  readonly linkWindowMs?: number;
}

const timeOf = (at: Date | number | string) =>
  typeof at === 'number' ? at : typeof at === 'string' ? Date.parse(at) : at.getTime();

/**
 * The change most likely behind an onset: the latest one in
 * `[onset − linkWindowMs, onset + stepMs)`. The upper slack is one sampling
 * interval because a metric point is stamped with the start of its period:
 * a deploy at 10:03 shows in the point stamped 10:00.
 */
export function nearestPrecedingChange<E extends ChangeEvent>(
  onsetMs: number,
  changes: readonly E[],
  linkWindowMs: number,
  stepMs = 0,
): LinkedChange<E> | undefined {
  let best: LinkedChange<E> | undefined;
  for (const change of changes) {
    const atMs = timeOf(change.at);
    if (!Number.isFinite(atMs)) continue;
    const leadMs = onsetMs - atMs;
    const inWindow = leadMs <= linkWindowMs && (leadMs >= 0 || -leadMs < stepMs);
    if (inWindow && (best === undefined || leadMs < best.leadMs)) best = { change, leadMs };
  }
  return best;
}

/**
 * Scores each series and ranks them for the decision: the anomalous ones
 * first, earliest onset first (the metric that deviated first is the best
 * lead to the cause), then by score; the rest by score. Each anomalous
 * series carries the nearest change before its onset. Pure: no clock, no I/O.
 */
export function rankMetricsByAnomaly<E extends ChangeEvent = ChangeEvent>(
  series: readonly NamedSeries[],
  changeEvents: readonly E[] = [],
  options: RankOptions = {},
): RankedMetric<E>[] {
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  const linkWindowMs = options.linkWindowMs ?? HOUR_MS;
  const ranked = series.map((entry): RankedMetric<E> => {
    const result = scoreSeries(entry.points, options);
    const at = (index: number | undefined) => (index === undefined ? undefined : new Date(timeOf(entry.points[index]!.timestamp)));
    const onsetAt = at(result.onsetIndex);
    const peakAt = at(result.peakIndex);
    const anomalous = result.maxScore >= threshold && onsetAt !== undefined;
    const likelyCause =
      anomalous && onsetAt !== undefined
        ? nearestPrecedingChange(onsetAt.getTime(), changeEvents, linkWindowMs, result.stepMs)
        : undefined;
    return {
      name: entry.name,
      score: result.maxScore,
      anomalous,
      ...(anomalous && onsetAt !== undefined ? { onsetAt } : {}),
      ...(peakAt === undefined ? {} : { peakAt }),
      ...(likelyCause === undefined ? {} : { likelyCause }),
    };
  });
  return ranked.sort((a, b) => {
    if (a.anomalous !== b.anomalous) return a.anomalous ? -1 : 1;
    if (a.anomalous && b.onsetAt !== undefined && a.onsetAt !== undefined) {
      const byOnset = a.onsetAt.getTime() - b.onsetAt.getTime();
      if (byOnset !== 0) return byOnset;
    }
    return b.score - a.score || a.name.localeCompare(b.name);
  });
}
