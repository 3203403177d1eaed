/**
 * Caps on the addresses self-healing may block, per IP set, across every
 * incident. The block ledger in the state table enforces them with
 * conditional writes, so concurrent runs cannot overshoot; past a cap, a
 * block is refused (and the incident escalates) rather than evicting another.
 */
export interface WafBlockLimits {
  /**
   * Blocks started in one IP set in any sliding hour.
   *
   * @default 20
   */
  readonly maxPerHour?: number;

  /**
   * Blocks in place (not yet expired or undone) in one IP set at once; at most 2,000.
   *
   * @default 500
   */
  readonly maxTotal?: number;
}

/** Defaults applied to every `WafBlockLimits` field left unset. */
export const WAF_BLOCK_LIMIT_DEFAULTS = {
  maxPerHour: 20,
  maxTotal: 500,
} as const;
