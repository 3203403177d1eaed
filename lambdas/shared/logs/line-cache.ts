interface Entry<T> {
  readonly check: number;
  value: T;
  next: Entry<T> | undefined;
}

/**
 * Masked lines seen before, by their hash (`MaskedLineHasher`), to what they
 * matched. Keys that share the 30-bit key are chained and told apart by the
 * check. When full it is cleared, which costs the next lines a template
 * search each, not correctness; that keeps it bounded without bookkeeping on
 * the per-line path.
 */
export class LineCache<T> {
  private readonly entries = new Map<number, Entry<T>>();
  private count = 0;

  constructor(private readonly maxEntries: number) {}

  get(key: number, check: number): T | undefined {
    for (let entry = this.entries.get(key); entry !== undefined; entry = entry.next) {
      if (entry.check === check) return entry.value;
    }
    return undefined;
  }

  set(key: number, check: number, value: T): void {
    const first = this.entries.get(key);
    for (let entry = first; entry !== undefined; entry = entry.next) {
      if (entry.check === check) {
        entry.value = value;
        return;
      }
    }
    if (this.count >= this.maxEntries) {
      this.entries.clear();
      this.count = 0;
      this.entries.set(key, { check, value, next: undefined });
    } else {
      this.entries.set(key, { check, value, next: first });
    }
    this.count++;
  }
}
