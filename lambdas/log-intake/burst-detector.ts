import * as z from 'zod';

/**
 * Error-rate bursts, each template against its own baseline. Per template
 * the state keeps the count of the current minute and an exponentially
 * weighted mean and variance of its earlier per-minute counts (silent minutes
 * count as zero). A minute is a burst when its count reaches
 *
 *   max(minCount, mean + k·σ),  σ = max(EWMA standard deviation, √mean)
 *
 * The √mean floor is the spread of a steady Poisson rate: a template that
 * logs exactly 30 a minute has no variance, and 31 must not be a burst. A
 * template bursts only once it has a few minutes of baseline (`warmUpMinutes`).
 *
 * The state is compact tuples, bounded by an LRU (least recently updated
 * first), and holds only the templates the caller feeds it: the error-like
 * ones. Pure: times come from the log events.
 */

export const BURST_STATE_VERSION = 1;
const MINUTE_MS = 60_000;
/** Silent minutes folded one by one; beyond this the baseline has decayed to nothing anyway. */
const MAX_FOLDED_GAP = 240;

/**
 * One template's statistics:
 * `[templateId, bucketMinute, bucketCount, mean, variance, minutesSeen, alertedMinute]`.
 * Minutes are epoch minutes (`floor(ms / 60,000)`); `alertedMinute` is the
 * last minute reported as a burst (-1: none), so later batches of the same
 * minute do not report it again.
 */
export const BurstEntrySchema = z.tuple([
  z.string().min(1),
  z.number().int(),
  z.number().int().nonnegative(),
  z.number().nonnegative(),
  z.number().nonnegative(),
  z.number().int().nonnegative(),
  z.number().int(),
]);
export type BurstEntry = z.infer<typeof BurstEntrySchema>;

export const BurstStateSchema = z.object({
  version: z.literal(BURST_STATE_VERSION),
  /** Least recently updated first. */
  entries: z.array(BurstEntrySchema),
});
export type BurstState = z.infer<typeof BurstStateSchema>;

export function emptyBurstState(): BurstState {
  return { version: BURST_STATE_VERSION, entries: [] };
}

export interface BurstOptions {
  /**
   * Fewest lines in a minute that can be a burst, whatever the baseline.
   * @default 20
   */
  readonly minCount?: number;
  /**
   * Standard deviations above the baseline mean (k).
   * @default 4
   */
  readonly stdDevs?: number;
  /**
   * Weight of the newest minute in the moving mean and variance (0–1]:
   * 0.1 remembers about the last ten minutes.
   * @default 0.1
   */
  readonly alpha?: number;
  /**
   * Minutes of baseline a template needs (counted from its first line, silent
   * minutes included) before it can burst. Without a baseline there is
   * nothing to burst against: a template's first lines are news
   * (`new-error-template`), and right after deployment every busy template
   * would otherwise "burst".
   * @default 5
   */
  readonly warmUpMinutes?: number;
  /**
   * Most templates with statistics; the least recently updated go first.
   * @default 2000
   */
  readonly maxTemplates?: number;
}

export interface TemplateBurst {
  readonly templateId: string;
  /** Start of the minute that burst (epoch ms). */
  readonly minuteStart: number;
  /** Lines of the template in that minute (across batches). */
  readonly count: number;
  /** Lines of the template in that minute in this batch. */
  readonly countInBatch: number;
  readonly baselineMean: number;
  readonly baselineStdDev: number;
  readonly threshold: number;
}

interface Stats {
  bucket: number;
  count: number;
  mean: number;
  variance: number;
  minutes: number;
  alerted: number;
}

/**
 * Feeds a batch's occurrences (template id → event times, epoch ms) to the
 * statistics and returns the bursts found, plus the new state. Events older
 * than a template's current minute are late: they are not counted (their
 * minute has been folded into the baseline already).
 */
export function detectBursts(
  state: BurstState,
  occurrences: ReadonlyMap<string, readonly number[]>,
  options: BurstOptions = {},
): { bursts: TemplateBurst[]; state: BurstState } {
  const minCount = options.minCount ?? 20;
  const stdDevs = options.stdDevs ?? 4;
  const alpha = options.alpha ?? 0.1;
  const warmUpMinutes = options.warmUpMinutes ?? 5;
  const maxTemplates = options.maxTemplates ?? 2000;
  if (!(minCount >= 1)) throw new RangeError('minCount must be at least 1');
  if (!(stdDevs >= 0)) throw new RangeError('stdDevs must not be negative');
  if (!(alpha > 0 && alpha <= 1)) throw new RangeError('alpha must be in (0, 1]');
  if (!(warmUpMinutes >= 0)) throw new RangeError('warmUpMinutes must not be negative');
  if (!(maxTemplates >= 1)) throw new RangeError('maxTemplates must be at least 1');

  const stats = new Map<string, Stats>();
  for (const [id, bucket, count, mean, variance, minutes, alerted] of state.entries) {
    stats.set(id, { bucket, count, mean, variance, minutes, alerted });
  }

  const bursts: TemplateBurst[] = [];
  for (const [templateId, times] of occurrences) {
    if (times.length === 0) continue;
    const perMinute = new Map<number, number>();
    for (const time of times) {
      const minute = Math.floor(time / MINUTE_MS);
      perMinute.set(minute, (perMinute.get(minute) ?? 0) + 1);
    }
    let entry = stats.get(templateId);
    stats.delete(templateId); // re-inserted below as the most recently updated
    for (const minute of [...perMinute.keys()].sort((a, b) => a - b)) {
      const added = perMinute.get(minute)!;
      if (entry === undefined) {
        entry = { bucket: minute, count: 0, mean: 0, variance: 0, minutes: 0, alerted: -1 };
      } else if (minute < entry.bucket) {
        continue; // late: that minute is already in the baseline
      } else if (minute > entry.bucket) {
        fold(entry, minute, alpha);
      }
      entry.count += added;
      const stdDev = Math.max(Math.sqrt(entry.variance), Math.sqrt(entry.mean));
      const threshold = Math.max(minCount, entry.mean + stdDevs * stdDev);
      if (entry.minutes >= warmUpMinutes && entry.count >= threshold && entry.alerted !== minute) {
        entry.alerted = minute;
        bursts.push({
          templateId,
          minuteStart: minute * MINUTE_MS,
          count: entry.count,
          countInBatch: added,
          baselineMean: entry.mean,
          baselineStdDev: stdDev,
          threshold,
        });
      }
    }
    if (entry !== undefined) stats.set(templateId, entry);
  }

  while (stats.size > maxTemplates) stats.delete(stats.keys().next().value!);
  const entries: BurstEntry[] = [];
  for (const [id, s] of stats) entries.push([id, s.bucket, s.count, round(s.mean), round(s.variance), s.minutes, s.alerted]);
  return { bursts, state: { version: BURST_STATE_VERSION, entries } };
}

/** Closes the current minute into the baseline, then each silent minute up to `minute`, and opens `minute`. */
function fold(entry: Stats, minute: number, alpha: number): void {
  update(entry, entry.count, alpha);
  const silent = Math.min(minute - entry.bucket - 1, MAX_FOLDED_GAP);
  for (let i = 0; i < silent; i++) update(entry, 0, alpha);
  entry.bucket = minute;
  entry.count = 0;
}

/** West's exponentially weighted mean and variance; the first minute seeds the mean. */
function update(entry: Stats, value: number, alpha: number): void {
  if (entry.minutes === 0) {
    entry.mean = value;
    entry.variance = 0;
  } else {
    const diff = value - entry.mean;
    const increment = alpha * diff;
    entry.mean += increment;
    entry.variance = (1 - alpha) * (entry.variance + diff * increment);
  }
  entry.minutes++;
}

/** Six significant decimals are plenty for a baseline and keep the JSON short. */
function round(value: number): number {
  return value < 1e-6 ? 0 : Number(value.toPrecision(6));
}

/**
 * Re-keys the statistics after the miner merged templates: an id that now
 * resolves to another template takes that id (unless that template has
 * statistics of its own), and an id the miner no longer knows is dropped.
 */
export function renameBurstTemplates(state: BurstState, resolve: (id: string) => string | undefined): BurstState {
  const present = new Set(state.entries.map(([id]) => id));
  const kept = new Map<string, BurstEntry>();
  for (const entry of state.entries) {
    const id = resolve(entry[0]);
    if (id === undefined) continue;
    if (id !== entry[0] && (present.has(id) || kept.has(id))) continue;
    kept.set(id, id === entry[0] ? entry : [id, ...entry.slice(1)] as BurstEntry);
  }
  return { version: BURST_STATE_VERSION, entries: [...kept.values()] };
}

/**
 * Merges the statistics of two writers that both started from `base`: per
 * template, the entry with the later minute; for the same minute, the counts
 * both added to the base's count of that minute are summed. Order (recency)
 * follows `a`, then what only `b` has.
 */
export function mergeBurstStates(a: BurstState, b: BurstState, base: BurstState = emptyBurstState(), maxTemplates = 2000): BurstState {
  const baseById = new Map(base.entries.map((entry) => [entry[0], entry]));
  const merged = new Map<string, BurstEntry>();
  for (const entry of a.entries) merged.set(entry[0], entry);
  for (const theirs of b.entries) {
    const ours = merged.get(theirs[0]);
    if (ours === undefined || theirs[1] > ours[1]) {
      merged.delete(theirs[0]);
      merged.set(theirs[0], theirs);
    } else if (theirs[1] === ours[1]) {
      const before = baseById.get(theirs[0]);
      const inBase = before !== undefined && before[1] === ours[1] ? before[2] : 0;
      const count = ours[2] + Math.max(0, theirs[2] - inBase);
      merged.set(theirs[0], [ours[0], ours[1], count, ours[3], ours[4], ours[5], Math.max(ours[6], theirs[6])]);
    }
  }
  const entries = [...merged.values()];
  return { version: BURST_STATE_VERSION, entries: entries.slice(Math.max(0, entries.length - maxTemplates)) };
}
