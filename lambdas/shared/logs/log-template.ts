import type { LruNode } from './lru-list.js';
import { renderTokens, WILDCARD } from './tokenize.js';

/** A template as callers see it. The miner updates it as more lines arrive. */
export interface MinedTemplate {
  /** Stable id: 12 hex characters, kept when the template generalizes. */
  readonly id: string;
  /** The template as text, variables as `<*>`: `Invalid user <*> from <*>`. */
  readonly text: string;
  /** The tokens the miner matches lines against. */
  readonly tokens: readonly string[];
  /** Lines matched so far, including those of templates merged into this one. */
  readonly count: number;
  /** Time of the first line matched (the caller's clock, usually epoch ms). */
  readonly firstSeen: number;
  /** Time of the last line matched. */
  readonly lastSeen: number;
}

/** The miner's own, mutable record of a template. */
export class LogTemplate implements MinedTemplate, LruNode<LogTemplate> {
  lruPrev: LogTemplate | undefined;
  lruNext: LogTemplate | undefined;
  /** Set when this template was merged into another: follow it. */
  mergedInto: LogTemplate | undefined;
  /** Set when the LRU bound dropped this template. */
  evicted = false;
  /** Ids of the templates merged into this one, which now resolve to it. */
  aliasIds: string[] = [];
  private renderedText: string | undefined;

  constructor(
    readonly id: string,
    readonly tokens: string[],
    readonly spaced: readonly boolean[],
    public count: number,
    public firstSeen: number,
    public lastSeen: number,
  ) {}

  get text(): string {
    this.renderedText ??= renderTokens(this.tokens, this.spaced);
    return this.renderedText;
  }

  /** How many positions are wildcards; fewer means more specific. */
  get wildcardCount(): number {
    let count = 0;
    for (const token of this.tokens) if (token === WILDCARD) count++;
    return count;
  }

  /** Makes a position a wildcard. */
  generalize(position: number): void {
    if (this.tokens[position] === WILDCARD) return;
    this.tokens[position] = WILDCARD;
    this.renderedText = undefined;
  }

  /** Whether this template was created before `other` (ties broken by id, so every writer agrees). */
  isOlderThan(other: LogTemplate): boolean {
    return this.firstSeen !== other.firstSeen ? this.firstSeen < other.firstSeen : this.id < other.id;
  }
}

/** Templates are compared only with others of the same length and the same first token. */
export function bucketKeyOf(tokens: readonly string[]): string {
  return tokens.length === 0 ? '0' : `${tokens.length} ${tokens[0]}`;
}
