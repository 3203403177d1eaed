export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
export const WEEK_MS = 7 * DAY_MS;

/**
 * Below this sampling interval no seasonal history is kept: a week of
 * 10-second points would be 60,000 slots per metric, far more than a
 * per-incident score needs.
 */
export const MIN_SEASONAL_STEP_MS = MINUTE_MS;

/**
 * The sampling interval of a series: the median of its positive gaps
 * (so a few missing points do not change it). Undefined below two
 * distinct timestamps.
 */
export function inferStepMs(timestamps: readonly number[]): number | undefined {
  const gaps: number[] = [];
  for (let index = 1; index < timestamps.length; index += 1) {
    const gap = timestamps[index]! - timestamps[index - 1]!;
    if (gap > 0) gaps.push(gap);
  }
  if (gaps.length === 0) return undefined;
  gaps.sort((a, b) => a - b);
  const middle = gaps.length >> 1;
  return gaps.length % 2 === 1 ? gaps[middle]! : (gaps[middle - 1]! + gaps[middle]!) / 2;
}

/** A value against the earlier cycles at its phase. */
export interface SeasonalComparison {
  /** How far outside the earlier cycles' range the value falls (0 inside): the median over cycles. */
  readonly distance: number;
  /** How wide those ranges are: the median over cycles. */
  readonly width: number;
  /** How many earlier cycles held data near the phase. */
  readonly cycles: number;
}

function lowerMedian(values: number[]): number {
  values.sort((a, b) => a - b);
  return values[(values.length - 1) >> 1]!;
}

export interface SeasonalEnvelopeProps {
  /** The season: a day, a week. */
  readonly periodMs: number;
  /** The series' sampling interval; slots are `round(t / stepMs)`. */
  readonly stepMs: number;
  /** How many past cycles are kept and compared against. */
  readonly cycles: number;
  /** How far (either way) a pattern may drift in phase and still count as the same. */
  readonly toleranceMs: number;
  /** Past cycles that must hold data near the phase before the envelope answers. */
  readonly minCycles: number;
}

/**
 * What a metric did at the same phase of earlier cycles (the same time of
 * day, of the week). For each earlier cycle it keeps the values recorded
 * within `toleranceMs` of the phase; the distance of a new value is how far
 * it falls outside that cycle's range, and the envelope answers the median
 * of those distances over the cycles on record. A nightly batch job that
 * spikes the CPU at 03:00 ± 40 min is then inside the envelope, while the
 * same spike at 22:00 is not.
 */
export class SeasonalEnvelope {
  private readonly periodSlots: number;
  private readonly toleranceSlots: number;
  private readonly values = new Map<number, number>();
  /** Slots in the order they were recorded, to forget the oldest. */
  private readonly order: number[] = [];
  private orderHead = 0;

  constructor(readonly props: SeasonalEnvelopeProps) {
    if (!(props.stepMs > 0) || !(props.periodMs >= props.stepMs)) {
      throw new RangeError(`a season needs 0 < stepMs <= periodMs, got ${props.stepMs} and ${props.periodMs}`);
    }
    this.periodSlots = Math.round(props.periodMs / props.stepMs);
    this.toleranceSlots = Math.max(0, Math.round(props.toleranceMs / props.stepMs));
  }

  /** Records the value seen at `timestampMs` (the latest value wins for a slot). */
  record(timestampMs: number, value: number): void {
    const slot = this.slotOf(timestampMs);
    if (!this.values.has(slot)) this.order.push(slot);
    this.values.set(slot, value);
    this.forgetBefore(slot - this.props.cycles * this.periodSlots - this.toleranceSlots);
  }

  /**
   * How far `value` falls outside the range of the earlier cycles at this
   * phase (0 when inside), and how wide those ranges are: the medians over
   * the cycles on record (the lower of the two middle ones). Undefined until
   * `minCycles` earlier cycles hold data near this phase.
   */
  compare(timestampMs: number, value: number): SeasonalComparison | undefined {
    const slot = this.slotOf(timestampMs);
    const distances: number[] = [];
    const widths: number[] = [];
    for (let cycle = 1; cycle <= this.props.cycles; cycle += 1) {
      const center = slot - cycle * this.periodSlots;
      let low = Number.POSITIVE_INFINITY;
      let high = Number.NEGATIVE_INFINITY;
      for (let offset = -this.toleranceSlots; offset <= this.toleranceSlots; offset += 1) {
        const seen = this.values.get(center + offset);
        if (seen === undefined) continue;
        if (seen < low) low = seen;
        if (seen > high) high = seen;
      }
      if (low > high) continue;
      distances.push(Math.max(0, value - high, low - value));
      widths.push(high - low);
    }
    if (distances.length < Math.max(1, this.props.minCycles)) return undefined;
    return { distance: lowerMedian(distances), width: lowerMedian(widths), cycles: distances.length };
  }

  private slotOf(timestampMs: number): number {
    return Math.round(timestampMs / this.props.stepMs);
  }

  private forgetBefore(oldestSlot: number): void {
    while (this.orderHead < this.order.length && this.order[this.orderHead]! < oldestSlot) {
      this.values.delete(this.order[this.orderHead]!);
      this.orderHead += 1;
    }
    if (this.orderHead > 1024 && this.orderHead * 2 > this.order.length) {
      this.order.splice(0, this.orderHead);
      this.orderHead = 0;
    }
  }
}
