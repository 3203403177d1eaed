import { WILDCARD } from './tokenize.js';

/**
 * Words that are values although they hold no digit. Only kinds that are
 * values in any log are listed (booleans, units of a number, parts of a date),
 * never words of one particular system: the miner has one configuration for
 * every log source.
 */

/** `true`, `false` and `null` are what a flag or an optional field printed. */
const LITERALS = new Set(['true', 'false', 'null']);

/** A unit after a number belongs to the number: `5.2 KB` and `93.0 B` are the same quantity. */
const UNITS = new Set([
  'B', 'KB', 'MB', 'GB', 'TB', 'PB', 'KiB', 'MiB', 'GiB', 'TiB',
  'ns', 'us', 'ms', 's', 'sec',
]);

/** Weekday and month names are variables next to a number or another date part: `Fri Jul 01`. */
const DATE_WORDS = new Set([
  'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun',
  'Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec',
]);

/**
 * Turns the value words of a tokenized line into wildcards, in place. Runs
 * once per template candidate, not per line: the miner's cache key is the
 * masked line, and lines that differ only in these words still meet in one
 * template.
 */
export function maskValueWords(tokens: string[], spaced: readonly boolean[]): void {
  // Right to left, so `Fri Jul 01` masks `Jul` before it looks at `Fri`.
  for (let i = tokens.length - 1; i >= 0; i--) {
    const token = tokens[i]!;
    if (token === WILDCARD) continue;
    // The cheap tests first: this runs for every token of every new line.
    if ((token.length === 4 || token.length === 5) && LITERALS.has(token.toLowerCase())) {
      tokens[i] = WILDCARD;
    } else if (i > 0 && spaced[i] && tokens[i - 1] === WILDCARD && UNITS.has(token)) {
      tokens[i] = WILDCARD;
    } else if (token.length === 3 && i + 1 < tokens.length && spaced[i + 1] && tokens[i + 1] === WILDCARD && DATE_WORDS.has(token)) {
      tokens[i] = WILDCARD;
    }
  }
}
