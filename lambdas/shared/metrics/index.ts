export {
  AnomalyDetector,
  type AnomalyDetectorOptions,
  DEFAULT_THRESHOLD,
  type ScoreDetail,
  scoreFromTailProbability,
} from './anomaly-detector.js';
export {
  type ChangeEvent,
  type LinkedChange,
  type NamedSeries,
  nearestPrecedingChange,
  rankMetricsByAnomaly,
  type RankedMetric,
  type RankOptions,
} from './rank-anomalies.js';
export { RollingWindow } from './rolling-window.js';
export {
  type AlertEvent,
  alertEvents,
  DEFAULT_DEBOUNCE_STEPS,
  type MetricObservation,
  scoreSeries,
  type ScoreSeriesOptions,
  type SeriesScore,
} from './score-series.js';
export { DAY_MS, inferStepMs, type SeasonalComparison, SeasonalEnvelope, WEEK_MS } from './seasonality.js';
