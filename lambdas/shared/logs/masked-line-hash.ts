import { CHAR_CLASS, COLON_CODE, DELIMITER, DIGIT, DOT, DOT_CODE, HEX, SPACE_CODE, WHITESPACE, WORD_END } from './char-classes.js';
import { dotRunEnd, WILDCARD } from './tokenize.js';

/**
 * Hashes `maskLine(line)` without building it. Building the masked string
 * and having a Map hash it cost more than the masking itself, and the miner
 * needs the string only for lines it has not seen before; for the rest, a
 * number is enough to find the template.
 *
 * The hash is two 32-bit FNV-1a lanes over the masked line's characters, so
 * it equals `hashMaskedText(maskLine(line))` exactly (the tests check this on
 * random lines). The first lane, cut to 30 bits, is the lookup key (a small
 * integer Map key is cheap); the second is a check. Two different masked
 * lines pass as one only if they agree on all 62 bits: with 50,000 cached
 * lines that is about one new line in 10^13.
 */

const KEY_OFFSET = 0x811c9dc5 | 0;
const KEY_PRIME = 0x01000193;
const CHECK_OFFSET = 0x2545f491;
const CHECK_PRIME = 0x5bd1e995 | 0;
const KEY_BITS = 0x3fffffff;

export interface MaskedLineKey {
  /** 30-bit lookup key. */
  readonly key: number;
  /** 32-bit check. */
  readonly check: number;
}

/** The hash of text that is already masked (a template's text, or `maskLine`'s output). */
export function hashMaskedText(text: string): MaskedLineKey {
  let key = KEY_OFFSET;
  let check = CHECK_OFFSET;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    key = Math.imul(key ^ code, KEY_PRIME);
    check = Math.imul(check ^ code, CHECK_PRIME);
  }
  return { key: key & KEY_BITS, check };
}

/**
 * Hashes lines as masked. `hash` returns the key and leaves the check in
 * `check`, so the per-line path allocates nothing.
 */
export class MaskedLineHasher {
  /** The check of the last line hashed. */
  check = 0;

  hash(line: string, maxLength: number): number {
    const limit = line.length < maxLength ? line.length : maxLength;
    let key = KEY_OFFSET;
    let check = CHECK_OFFSET;
    let i = 0;
    while (i < limit) {
      let code = line.charCodeAt(i);
      let kind = CHAR_CLASS[code]!;
      if (kind & WHITESPACE) {
        // A run of whitespace is one space; none at either end.
        const start = i;
        do i++;
        while (i < limit && CHAR_CLASS[line.charCodeAt(i)]! & WHITESPACE);
        if (start !== 0 && i !== limit) {
          key = Math.imul(key ^ SPACE_CODE, KEY_PRIME);
          check = Math.imul(check ^ SPACE_CODE, CHECK_PRIME);
        }
        continue;
      }
      if (kind & DELIMITER) {
        key = Math.imul(key ^ code, KEY_PRIME);
        check = Math.imul(check ^ code, CHECK_PRIME);
        i++;
        continue;
      }
      const dotsEnd = dotRunEnd(line, i, limit);
      if (dotsEnd !== i) {
        for (; i < dotsEnd; i++) {
          key = Math.imul(key ^ DOT_CODE, KEY_PRIME);
          check = Math.imul(check ^ DOT_CODE, CHECK_PRIME);
        }
        continue;
      }
      // A word, scanned as scanWord does; its characters are hashed on the
      // side, and kept only if it has no digit (else it hashes as `<*>`).
      let wordKey = key;
      let wordCheck = check;
      let seen = 0;
      let hexOnly = HEX;
      for (;;) {
        seen |= kind;
        hexOnly &= kind;
        wordKey = Math.imul(wordKey ^ code, KEY_PRIME);
        wordCheck = Math.imul(wordCheck ^ code, CHECK_PRIME);
        if (++i >= limit) break;
        code = line.charCodeAt(i);
        kind = CHAR_CLASS[code]!;
        if (kind & WORD_END) {
          if (kind & DOT) {
            if (i + 1 < limit && line.charCodeAt(i + 1) === DOT_CODE) break;
            continue;
          }
          if (code === COLON_CODE && hexOnly && i + 1 < limit && CHAR_CLASS[line.charCodeAt(i + 1)]! & HEX) {
            kind = HEX;
            continue;
          }
          break;
        }
      }
      if (seen & DIGIT) {
        for (let w = 0; w < WILDCARD.length; w++) {
          key = Math.imul(key ^ WILDCARD.charCodeAt(w), KEY_PRIME);
          check = Math.imul(check ^ WILDCARD.charCodeAt(w), CHECK_PRIME);
        }
      } else {
        key = wordKey;
        check = wordCheck;
      }
    }
    this.check = check;
    return key & KEY_BITS;
  }
}
