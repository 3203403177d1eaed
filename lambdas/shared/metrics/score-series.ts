import { AnomalyDetector, type AnomalyDetectorOptions, DEFAULT_THRESHOLD } from './anomaly-detector.js';

/** One observation of a metric. */
export interface MetricObservation {
  readonly timestamp: Date | number;
  readonly value: number;
}

/** A run of anomalous points: alerts less than the debounce apart belong to the same event. */
export interface AlertEvent {
  /** The first point at or above the threshold: the event's onset. */
  readonly startIndex: number;
  /** The last point at or above the threshold. */
  readonly endIndex: number;
  /** The highest-scoring point. */
  readonly peakIndex: number;
  readonly peakScore: number;
}

/** Consecutive sampling intervals an alert event stays open without a new alert. */
export const DEFAULT_DEBOUNCE_STEPS = 12;

/**
 * Groups the points scoring at least `threshold` into events: a point
 * starts a new event when the previous alerting point is more than
 * `debounceMs` earlier, so a score that flickers around the threshold is
 * one detection, not many. `timestampsMs` must be ascending.
 */
export function alertEvents(
  timestampsMs: readonly number[],
  scores: readonly number[],
  threshold: number,
  debounceMs: number,
): AlertEvent[] {
  const events: AlertEvent[] = [];
  let current: { startIndex: number; endIndex: number; peakIndex: number; peakScore: number } | undefined;
  for (let index = 0; index < scores.length; index += 1) {
    const score = scores[index]!;
    if (!(score >= threshold)) continue;
    if (current !== undefined && timestampsMs[index]! - timestampsMs[current.endIndex]! <= debounceMs) {
      current.endIndex = index;
      if (score > current.peakScore) {
        current.peakIndex = index;
        current.peakScore = score;
      }
      continue;
    }
    if (current !== undefined) events.push(current);
    current = { startIndex: index, endIndex: index, peakIndex: index, peakScore: score };
  }
  if (current !== undefined) events.push(current);
  return events;
}

export interface ScoreSeriesOptions extends AnomalyDetectorOptions {
  /**
   * How long an alert event stays open without a new alert.
   * @default 12 sampling intervals (1 hour at 5-minute data)
   */
  readonly debounceMs?: number;
}

export interface SeriesScore {
  /** One score in 0..1 per input point, in the input's order. */
  readonly scores: number[];
  /** The highest score (0 for an empty series). */
  readonly maxScore: number;
  /** The input index of the highest score, when the series has points. */
  readonly peakIndex?: number;
  /**
   * The input index where the strongest anomaly began: the first point at
   * or above the threshold of the alert event holding the highest score.
   * Absent when no point reaches the threshold.
   */
  readonly onsetIndex?: number;
  /** The sampling interval the detector used, once it could tell. */
  readonly stepMs?: number;
}

const timeOf = (timestamp: Date | number) => (typeof timestamp === 'number' ? timestamp : timestamp.getTime());

/**
 * Scores a whole series with a fresh `AnomalyDetector` (points are taken
 * oldest first whatever their order in the input) and finds the onset of
 * its strongest anomaly. Pure: the same points give the same answer.
 */
export function scoreSeries(points: readonly MetricObservation[], options: ScoreSeriesOptions = {}): SeriesScore {
  const order = points
    .map((point, index) => ({ index, timestampMs: timeOf(point.timestamp), value: point.value }))
    .filter((point) => Number.isFinite(point.timestampMs))
    .sort((a, b) => a.timestampMs - b.timestampMs || a.index - b.index);
  const detector = new AnomalyDetector(options);
  const scores: number[] = points.map(() => 0);
  const sortedScores = order.map((point) => {
    const score = detector.update(point.timestampMs, point.value);
    scores[point.index] = score;
    return score;
  });

  let peak = -1;
  sortedScores.forEach((score, position) => {
    if (peak < 0 || score > sortedScores[peak]!) peak = position;
  });
  if (peak < 0) return { scores, maxScore: 0 };

  const stepMs = detector.stepMs;
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  const debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_STEPS * (stepMs ?? 0);
  const events = alertEvents(
    order.map((point) => point.timestampMs),
    sortedScores,
    threshold,
    debounceMs,
  );
  const strongest = events.find((event) => event.startIndex <= peak && peak <= event.endIndex);
  return {
    scores,
    maxScore: sortedScores[peak]!,
    peakIndex: order[peak]!.index,
    ...(strongest === undefined ? {} : { onsetIndex: order[strongest.startIndex]!.index }),
    ...(stepMs === undefined ? {} : { stepMs }),
  };
}
