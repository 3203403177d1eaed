import { RollingWindow } from './rolling-window.js';
import { DAY_MS, HOUR_MS, inferStepMs, MIN_SEASONAL_STEP_MS, SeasonalEnvelope, WEEK_MS } from './seasonality.js';

/** Scores reach 1 at a tail probability of 10^-SCORE_DECADES. */
export const SCORE_DECADES = 5;
/** The default alert threshold: a tail probability of 10^-4 per point. */
export const DEFAULT_THRESHOLD = 0.8;

/** Points used to infer the sampling interval when none is given. */
const STEP_SAMPLE_POINTS = 5;
/** The most points any rolling window keeps (a week of 1-minute points). */
const MAX_WINDOW_POINTS = 7 * 24 * 60;
/** The fewest points the baseline median is taken over. */
const MIN_BASELINE_POINTS = 5;
/**
 * How far back the calibration looks by default: at 5-minute points, about
 * 86 surprises in the fitted tail; and surprises scored before the daily
 * comparison switched on (after two days) age out a day later.
 */
const CALIBRATION_WINDOW_MS = 3 * DAY_MS;
/** Earlier days (weeks) a point is compared with. */
const DAILY_CYCLES = 7;
const WEEKLY_CYCLES = 4;
/** Surprises above this quantile of their history make the fitted tail. */
const TAIL_QUANTILE = 0.9;
/** The smallest tail scale, in robust z units: a quiet history must not make z = 2 look extreme. */
const MIN_TAIL_SCALE = 0.5;
/** The heaviest tail shape the fit may use (a generalized Pareto shape; 0.5 would have no variance). */
const MAX_TAIL_SHAPE = 0.45;
/** Excesses on record at which the fitted shape counts for half of its estimate. */
const SHAPE_PRIOR_EXCESSES = 20;
/** The spread is at least this fraction of the baseline's magnitude. */
const RELATIVE_SPREAD_FLOOR = 1e-3;
const ABSOLUTE_SPREAD_FLOOR = 1e-12;
/** MAD × this estimates a normal standard deviation; so does the mean absolute deviation × MEAN_ABS_TO_SD. */
const MAD_TO_SD = 1.4826;
const MEAN_ABS_TO_SD = 1.2533;
/** Surprises are capped here so that an absurd value cannot poison the calibration with infinities. */
const MAX_SURPRISE = 1e9;
/** A quarter of the range of earlier cycles at a phase stands for their standard deviation. */
const SEASONAL_WIDTH_TO_SD = 0.25;

export interface AnomalyDetectorOptions {
  /**
   * The series' sampling interval.
   * @default inferred: the median gap of the first 5 points
   */
  readonly stepMs?: number;
  /**
   * How far back the baseline (a rolling median of the values) looks.
   * @default 1 hour, and at least 5 points
   */
  readonly baselineWindowMs?: number;
  /**
   * How far back the noise estimate (a rolling MAD of point-to-point changes) looks.
   * @default 1 day
   */
  readonly spreadWindowMs?: number;
  /**
   * How far back the score calibration (the tail fit of past surprises) looks.
   * @default 3 days
   */
  readonly calibrationWindowMs?: number;
  /**
   * Points scored 0 while the detector learns the series.
   * @default 12
   */
  readonly warmupPoints?: number;
  /**
   * Compare each point with the same time of day on earlier days.
   * @default true
   */
  readonly daily?: boolean;
  /**
   * Compare each point with the same time of the week on earlier weeks.
   * @default true
   */
  readonly weekly?: boolean;
  /**
   * How far (either way) a daily or weekly pattern may drift and still count as the same.
   * @default 1 hour
   */
  readonly seasonalToleranceMs?: number;
  /**
   * Earlier days (weeks) that must be on record before the daily (weekly) comparison is used.
   * @default 2
   */
  readonly minSeasonalCycles?: number;
  /**
   * Score at or above which a point is anomalous (used by `scoreSeries` and `alertEvents`).
   * @default 0.8
   */
  readonly threshold?: number;
}

/** Why a point got its score. */
export interface ScoreDetail {
  readonly timestampMs: number;
  readonly value: number;
  /** The rolling median before this point. */
  readonly baseline: number;
  /** The noise: a robust standard deviation from recent point-to-point changes. */
  readonly spread: number;
  /** |value − baseline| / spread. */
  readonly baselineZ: number;
  /** How far the residual falls outside the earlier days' residuals at this time of day, / spread; absent without enough history. */
  readonly dailyZ?: number;
  /** The same against earlier weeks. */
  readonly weeklyZ?: number;
  /** The smallest of the z's (at most 10^9): how unexpected the point is under the best explanation. */
  readonly surprise: number;
  /** The tail probability of that surprise, fitted to the detector's own history. */
  readonly tailProbability: number;
  readonly score: number;
}

/** Maps a tail probability to 0..1 on a log scale: 0.1 → 0.2, 10^-4 → 0.8, 10^-5 and below → 1. */
export function scoreFromTailProbability(probability: number): number {
  if (Number.isNaN(probability)) return 0;
  if (probability <= 0) return 1;
  return Math.min(1, Math.max(0, -Math.log10(Math.min(1, probability)) / SCORE_DECADES));
}

/**
 * The probability of a surprise at least `surprise`, given the history of
 * surprises: the empirical frequency in the body and, above the 90th
 * percentile, a generalized Pareto tail fitted to the excesses by moments,
 * its shape kept in [0, 0.45] and shrunk towards the exponential while few
 * excesses are on record. Heavy-tailed metrics (bursty network or disk
 * counters) thus need far larger surprises to score high than quiet ones.
 */
export function tailProbability(history: RollingWindow, surprise: number): number {
  const n = history.size;
  if (n === 0) return 1;
  const threshold = history.quantile(TAIL_QUANTILE);
  if (surprise <= threshold) return history.countAtLeast(surprise) / n;
  const excesses = history.excessMoments(threshold);
  const tailWeight = Math.max(excesses.count, 1) / n;
  let shape = 0;
  if (excesses.count >= 3 && excesses.variance > 0) {
    const meanSquaredOverVariance = (excesses.mean * excesses.mean) / excesses.variance;
    const estimate = Math.min(Math.max(0.5 * (1 - meanSquaredOverVariance), 0), MAX_TAIL_SHAPE);
    shape = (estimate * excesses.count) / (excesses.count + SHAPE_PRIOR_EXCESSES);
  }
  const scale = Math.max(excesses.mean * (1 - shape), MIN_TAIL_SCALE);
  const excess = surprise - threshold;
  const survival = shape > 1e-6 ? Math.pow(1 + (shape * excess) / scale, -1 / shape) : Math.exp(-excess / scale);
  return tailWeight * survival;
}

const pointsFor = (durationMs: number, stepMs: number, min: number) =>
  Math.min(MAX_WINDOW_POINTS, Math.max(min, Math.round(durationMs / stepMs)));

interface Model {
  readonly stepMs: number;
  readonly recent: RollingWindow;
  /** |change| between consecutive points: the noise estimate. */
  readonly changes: RollingWindow;
  readonly surprises: RollingWindow;
  readonly daily?: SeasonalEnvelope;
  readonly weekly?: SeasonalEnvelope;
}

/**
 * How unexpected a residual (value − baseline) is against the residuals of
 * the earlier cycles of one season at the same phase, in robust standard
 * deviations. A phase whose earlier cycles ranged widely (a nightly job
 * whose peak varies from night to night) is judged more loosely: the scale
 * is at least a quarter of that range, about one standard deviation for
 * plain noise seen over the tolerance.
 */
function seasonalZ(season: SeasonalEnvelope | undefined, timestampMs: number, residual: number, spread: number): number | undefined {
  const comparison = season?.compare(timestampMs, residual);
  if (comparison === undefined) return undefined;
  return comparison.distance / Math.max(spread, SEASONAL_WIDTH_TO_SD * comparison.width);
}

/**
 * A streaming anomaly detector for one metric.
 *
 * - Baseline: the median of the last hour; the residual is value − baseline.
 * - Noise: a robust standard deviation of the point-to-point changes over
 *   the last day (MAD / √2), so a daily swing does not inflate it.
 * - Seasonality: once two earlier days (weeks) are on record, the residual
 *   is also compared with the residuals at the same time of day (of the
 *   week) ± 1 hour on up to 7 earlier days (4 weeks), so a nightly job is
 *   expected and the same spike in the afternoon is not.
 * - Surprise: the smallest of these deviations in noise units, that is how
 *   unexpected the point is under its best explanation.
 * - Score: the tail probability of the surprise against the detector's own
 *   surprises over the last 3 days (a generalized Pareto tail above their
 *   90th percentile), on a log scale: 0.8 is a probability of 10^-4 per
 *   point, 1 is 10^-5 or less. Each metric is judged against its own noise.
 *
 * The first points score 0 while it learns. Cost per point: O(window) for
 * the sorted windows plus the seasonal look-ups; no I/O, no clock.
 */
export class AnomalyDetector {
  readonly threshold: number;
  private readonly options: AnomalyDetectorOptions;
  private model: Model | undefined;
  private readonly pending: Array<{ timestampMs: number; value: number }> = [];
  private lastTimestampMs = Number.NEGATIVE_INFINITY;
  private seen = 0;
  private lastValue: number | undefined;
  private detail: ScoreDetail | undefined;

  constructor(options: AnomalyDetectorOptions = {}) {
    this.options = options;
    this.threshold = options.threshold ?? DEFAULT_THRESHOLD;
    if (options.stepMs !== undefined) {
      if (!(options.stepMs > 0)) throw new RangeError(`stepMs must be positive, got ${options.stepMs}`);
      this.model = this.buildModel(options.stepMs);
    }
  }

  /** The sampling interval in use, once known. */
  get stepMs(): number | undefined {
    return this.model?.stepMs;
  }

  /** How the last scored point got its score (undefined during warm-up). */
  get lastDetail(): ScoreDetail | undefined {
    return this.detail;
  }

  /**
   * Takes the next point and returns its score in 0..1. Points must come
   * oldest first; a value that is not a finite number scores 0 and is
   * otherwise ignored.
   */
  update(timestamp: Date | number, value: number): number {
    const timestampMs = typeof timestamp === 'number' ? timestamp : timestamp.getTime();
    if (!Number.isFinite(timestampMs)) throw new RangeError('timestamp is not a valid time');
    if (timestampMs < this.lastTimestampMs) {
      throw new RangeError(`points must come oldest first: ${new Date(timestampMs).toISOString()} follows ${new Date(this.lastTimestampMs).toISOString()}`);
    }
    this.detail = undefined;
    if (!Number.isFinite(value)) return 0;
    this.lastTimestampMs = timestampMs;

    if (this.model === undefined) {
      this.pending.push({ timestampMs, value });
      if (this.pending.length < STEP_SAMPLE_POINTS) return 0;
      const stepMs = inferStepMs(this.pending.map((point) => point.timestampMs));
      if (stepMs === undefined) return 0;
      this.model = this.buildModel(stepMs);
      const replay = this.pending.splice(0);
      let score = 0;
      for (const point of replay) score = this.learn(this.model, point.timestampMs, point.value);
      return score;
    }
    return this.learn(this.model, timestampMs, value);
  }

  private buildModel(stepMs: number): Model {
    const options = this.options;
    const seasonal = (periodMs: number, cycles: number, enabled: boolean | undefined): SeasonalEnvelope | undefined => {
      if (enabled === false || stepMs < MIN_SEASONAL_STEP_MS || periodMs < 4 * stepMs) return undefined;
      return new SeasonalEnvelope({
        periodMs,
        stepMs,
        cycles,
        toleranceMs: options.seasonalToleranceMs ?? HOUR_MS,
        minCycles: options.minSeasonalCycles ?? 2,
      });
    };
    const daily = seasonal(DAY_MS, DAILY_CYCLES, options.daily);
    const weekly = seasonal(WEEK_MS, WEEKLY_CYCLES, options.weekly);
    return {
      stepMs,
      recent: new RollingWindow(pointsFor(options.baselineWindowMs ?? HOUR_MS, stepMs, MIN_BASELINE_POINTS)),
      changes: new RollingWindow(pointsFor(options.spreadWindowMs ?? DAY_MS, stepMs, MIN_BASELINE_POINTS)),
      surprises: new RollingWindow(pointsFor(options.calibrationWindowMs ?? CALIBRATION_WINDOW_MS, stepMs, MIN_BASELINE_POINTS)),
      ...(daily === undefined ? {} : { daily }),
      ...(weekly === undefined ? {} : { weekly }),
    };
  }

  /** Scores the point against what is known, then learns from it. */
  private learn(model: Model, timestampMs: number, value: number): number {
    this.seen += 1;
    const baseline = model.recent.median();
    let score = 0;
    if (model.recent.size >= Math.min(MIN_BASELINE_POINTS, model.recent.capacity)) {
      const residual = value - baseline;
      const spread = this.spreadOf(model, baseline);
      const baselineZ = Math.abs(residual) / spread;
      const dailyZ = seasonalZ(model.daily, timestampMs, residual, spread);
      const weeklyZ = seasonalZ(model.weekly, timestampMs, residual, spread);
      const surprise = Math.min(baselineZ, dailyZ ?? MAX_SURPRISE, weeklyZ ?? MAX_SURPRISE, MAX_SURPRISE);

      if (this.seen > (this.options.warmupPoints ?? 12) && model.surprises.size > 0) {
        const probability = tailProbability(model.surprises, surprise);
        score = scoreFromTailProbability(probability);
        this.detail = {
          timestampMs,
          value,
          baseline,
          spread,
          baselineZ,
          ...(dailyZ === undefined ? {} : { dailyZ }),
          ...(weeklyZ === undefined ? {} : { weeklyZ }),
          surprise,
          tailProbability: probability,
          score,
        };
      }
      if (model.changes.size >= MIN_BASELINE_POINTS) model.surprises.push(surprise);
      model.daily?.record(timestampMs, residual);
      model.weekly?.record(timestampMs, residual);
    }
    if (this.lastValue !== undefined) model.changes.push(Math.abs(value - this.lastValue));
    this.lastValue = value;
    model.recent.push(value);
    return score;
  }

  /**
   * The noise as a standard deviation, from the changes between consecutive
   * points (a slow trend or a daily swing does not inflate it), never below
   * a small fraction of the baseline.
   */
  private spreadOf(model: Model, baseline: number): number {
    const floor = Math.max(RELATIVE_SPREAD_FLOOR * Math.abs(baseline), ABSOLUTE_SPREAD_FLOOR);
    if (model.changes.size === 0) return floor;
    const mad = MAD_TO_SD * model.changes.median();
    const spread = (mad > 0 ? mad : MEAN_ABS_TO_SD * model.changes.mean()) / Math.SQRT2;
    return Math.max(spread, floor);
  }
}
