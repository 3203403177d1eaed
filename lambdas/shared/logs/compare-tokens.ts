import { isValueToken, WILDCARD } from './tokenize.js';

/**
 * How a tokenized line relates to a template of the same length. The miner
 * decides on these outcomes, not on a similarity score: a score threshold
 * that suits one log source merges distinct messages in another.
 */

/** The line fits the template as it is. */
export const FITS = -1;
/** The line fits once some template words become wildcards: the line has a variable (digits) where the template has a word. */
export const WIDENS = -2;
/** Anything else: more than one word differs, or punctuation differs. */
export const UNRELATED = -3;

/**
 * `FITS`, `WIDENS`, `UNRELATED`, or the position of the one word that
 * differs (both sides value-like words, everything else fitting as is).
 * A wildcard stands for any value but never for punctuation.
 */
export function compareTokens(template: readonly string[], line: readonly string[]): number {
  if (template.length !== line.length) return UNRELATED;
  let differsAt = -1;
  let widens = false;
  for (let i = 0; i < template.length; i++) {
    const expected = template[i]!;
    const actual = line[i]!;
    if (expected === actual) continue;
    if (expected === WILDCARD) {
      if (!isValueToken(actual)) return UNRELATED;
    } else if (actual === WILDCARD) {
      if (!isValueToken(expected)) return UNRELATED;
      widens = true;
    } else {
      if (differsAt !== -1 || !isValueToken(expected) || !isValueToken(actual)) return UNRELATED;
      differsAt = i;
    }
  }
  if (differsAt !== -1) return widens ? UNRELATED : differsAt;
  return widens ? WIDENS : FITS;
}
