/** What an item needs to sit in an `LruList`: its two neighbours. */
export interface LruNode<T> {
  lruPrev: T | undefined;
  lruNext: T | undefined;
}

/**
 * Items in order of last use, least recent first. The links live in the
 * items themselves, so marking an item used is a few pointer moves with no
 * allocation and no hashing: the miner does it for every line.
 */
export class LruList<T extends LruNode<T>> {
  private head: T | undefined;
  private tail: T | undefined;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The least recently used item. */
  oldest(): T | undefined {
    return this.head;
  }

  /** Adds an item as the most recently used. It must not be in the list already. */
  push(item: T): void {
    item.lruPrev = this.tail;
    item.lruNext = undefined;
    if (this.tail === undefined) this.head = item;
    else this.tail.lruNext = item;
    this.tail = item;
    this.count++;
  }

  /** Marks an item in the list as the most recently used. */
  touch(item: T): void {
    if (item === this.tail) return;
    this.remove(item);
    this.push(item);
  }

  /** Takes an item out of the list. */
  remove(item: T): void {
    if (item.lruPrev === undefined) this.head = item.lruNext;
    else item.lruPrev.lruNext = item.lruNext;
    if (item.lruNext === undefined) this.tail = item.lruPrev;
    else item.lruNext.lruPrev = item.lruPrev;
    item.lruPrev = undefined;
    item.lruNext = undefined;
    this.count--;
  }

  /** Least recently used first. */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let item = this.head; item !== undefined; item = item.lruNext) yield item;
  }
}
