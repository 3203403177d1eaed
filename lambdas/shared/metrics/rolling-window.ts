/**
 * The last `capacity` numbers pushed, kept both in arrival order (to drop
 * the oldest) and sorted (for medians and quantiles in O(log n) reads).
 * A push costs O(n) for the array shift, which stays cheap for the few
 * thousand points a detector keeps.
 */
export class RollingWindow {
  private readonly ring: number[] = [];
  private readonly sorted: number[] = [];
  private head = 0;
  private total = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  }

  get size(): number {
    return this.sorted.length;
  }

  /** Adds a value, dropping the oldest when full. */
  push(value: number): void {
    if (this.ring.length < this.capacity) {
      this.ring.push(value);
    } else {
      const oldest = this.ring[this.head]!;
      this.ring[this.head] = value;
      this.head = (this.head + 1) % this.capacity;
      this.sorted.splice(this.lowerBound(oldest), 1);
      this.total -= oldest;
    }
    this.sorted.splice(this.lowerBound(value), 0, value);
    this.total += value;
  }

  mean(): number {
    return this.size === 0 ? Number.NaN : this.total / this.size;
  }

  /** The median (the mean of the two middle values for an even count); NaN when empty. */
  median(): number {
    const n = this.size;
    if (n === 0) return Number.NaN;
    const middle = n >> 1;
    return n % 2 === 1 ? this.sorted[middle]! : (this.sorted[middle - 1]! + this.sorted[middle]!) / 2;
  }

  /** The `q` quantile (0..1), interpolating between order statistics; NaN when empty. */
  quantile(q: number): number {
    const n = this.size;
    if (n === 0) return Number.NaN;
    const position = Math.min(Math.max(q, 0), 1) * (n - 1);
    const below = Math.floor(position);
    const above = Math.min(below + 1, n - 1);
    return this.sorted[below]! + (this.sorted[above]! - this.sorted[below]!) * (position - below);
  }

  /** How many values are at least `value`. */
  countAtLeast(value: number): number {
    return this.size - this.lowerBound(value);
  }

  /** The values strictly above `value`, as excesses over it: how many, their mean and their variance. */
  excessMoments(value: number): { count: number; mean: number; variance: number } {
    let index = this.size;
    let sum = 0;
    let sumOfSquares = 0;
    while (index > 0 && this.sorted[index - 1]! > value) {
      index -= 1;
      const excess = this.sorted[index]! - value;
      sum += excess;
      sumOfSquares += excess * excess;
    }
    const count = this.size - index;
    if (count === 0) return { count, mean: 0, variance: 0 };
    const mean = sum / count;
    return { count, mean, variance: Math.max(0, sumOfSquares / count - mean * mean) };
  }

  private lowerBound(value: number): number {
    let low = 0;
    let high = this.sorted.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.sorted[middle]! < value) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
