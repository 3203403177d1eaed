/**
 * Tokenization for the template miner.
 *
 * A line is split on whitespace, and also around structural punctuation
 * (`= , ; : ( ) [ ] { } " ' | < >`) and around runs of two or more dots, so
 * `uid=0,` or `setLightsOn(true)` expose their keys and values as separate
 * tokens. The punctuation stays as tokens of its own, and each token remembers
 * whether whitespace came before it, so a template renders like the line it
 * came from: `acquire lock=<*>, flags=<*>`.
 *
 * Any token that holds a digit is a variable (ids, counters, addresses, times,
 * sizes) and becomes `<*>`. A colon inside a run of hex digits (`FF:F2:9F`,
 * `12:30:45`) does not split: it is part of one value.
 */

import { ALPHANUMERIC, CHAR_CLASS, COLON_CODE, DELIMITER, DIGIT, DOT, DOT_CODE, HEX, WHITESPACE, WORD_END } from './char-classes.js';

/** What a variable token becomes in a template. */
export const WILDCARD = '<*>';

/**
 * Scans the word starting at `start` (a character that is not whitespace, a
 * delimiter or the start of a dot run) and returns `end * 2 + (has a digit ?
 * 1 : 0)`, so the hot loop allocates nothing. A word ends at whitespace, a
 * delimiter or a dot run; a colon stays inside when everything before it in
 * the word and the character after it are hex digits (`FF:F2:9F`, `12:30:45`).
 */
function scanWord(text: string, start: number, limit: number): number {
  let i = start;
  let kind = CHAR_CLASS[text.charCodeAt(i)]!;
  let seen = 0;
  let hexOnly = HEX;
  for (;;) {
    seen |= kind;
    hexOnly &= kind;
    if (++i >= limit) break;
    const code = text.charCodeAt(i);
    kind = CHAR_CLASS[code]!;
    if (kind & WORD_END) {
      if (kind & DOT) {
        if (i + 1 < limit && text.charCodeAt(i + 1) === DOT_CODE) break;
        continue; // A single dot: part of the word, and not a hex digit.
      }
      if (code === COLON_CODE && hexOnly && i + 1 < limit && CHAR_CLASS[text.charCodeAt(i + 1)]! & HEX) {
        kind = HEX;
        continue;
      }
      break;
    }
  }
  return i * 2 + (seen & DIGIT ? 1 : 0);
}

/** The end of the run of two or more dots starting at `start`, or `start` if there is none. */
export function dotRunEnd(text: string, start: number, limit: number): number {
  if (start + 1 >= limit || text.charCodeAt(start) !== DOT_CODE || text.charCodeAt(start + 1) !== DOT_CODE) return start;
  let i = start + 2;
  while (i < limit && text.charCodeAt(i) === DOT_CODE) i++;
  return i;
}

/** A line's or a template's tokens, and for each whether whitespace came before it. */
export interface Tokens {
  readonly tokens: string[];
  readonly spaced: boolean[];
}

const LESS_THAN_CODE = 0x3c;

/**
 * Splits a line into tokens, with every digit-bearing word as `<*>`. A
 * template's text splits back into the template's tokens the same way, since
 * it has no digits left and `<*>` is read as one token (so is a literal `<*>`
 * in a line: it means the same). Reads at most `maxLength` characters.
 */
export function tokenize(text: string, maxLength = Infinity): Tokens {
  const tokens: string[] = [];
  const spaced: boolean[] = [];
  const limit = text.length < maxLength ? text.length : maxLength;
  let space = false;
  let i = 0;
  while (i < limit) {
    const code = text.charCodeAt(i);
    const kind = CHAR_CLASS[code]!;
    let end: number;
    let token: string | undefined;
    if (kind & WHITESPACE) {
      space = tokens.length > 0;
      i++;
      continue;
    } else if (code === LESS_THAN_CODE && i + WILDCARD.length <= limit && text.startsWith(WILDCARD, i)) {
      end = i + WILDCARD.length;
      token = WILDCARD;
    } else if (kind & DELIMITER) {
      end = i + 1;
    } else {
      end = dotRunEnd(text, i, limit);
      if (end === i) {
        const scanned = scanWord(text, i, limit);
        end = scanned >>> 1;
        if (scanned & 1) token = WILDCARD;
      }
    }
    tokens.push(token ?? text.slice(i, end));
    spaced.push(space);
    space = false;
    i = end;
  }
  return { tokens, spaced };
}

/** Joins tokens back into text, with a space wherever the line had whitespace. */
export function renderTokens(tokens: readonly string[], spaced: readonly boolean[]): string {
  let text = '';
  for (let i = 0; i < tokens.length; i++) text += spaced[i] ? ' ' + tokens[i] : tokens[i];
  return text;
}

/**
 * The line as the miner sees it: digit-bearing words as `<*>`, whitespace
 * runs as one space, none at the ends. Lines with the same masked text are
 * the same to the miner.
 */
export function maskLine(line: string, maxLength = Infinity): string {
  const { tokens, spaced } = tokenize(line, maxLength);
  return renderTokens(tokens, spaced);
}

/**
 * Whether a token can be a value: it has a letter, a digit or a non-ASCII
 * character. Punctuation such as `****` or `-->` is structure, never a value,
 * so a wildcard never stands for it.
 */
export function isValueToken(token: string): boolean {
  if (token === WILDCARD) return true;
  for (let i = 0; i < token.length; i++) {
    if (CHAR_CLASS[token.charCodeAt(i)]! & ALPHANUMERIC) return true;
  }
  return false;
}
