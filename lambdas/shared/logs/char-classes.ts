/**
 * Character classes for the tokenizer, as bit flags in a table indexed by
 * UTF-16 code unit: one load per character, no branches on ranges, because
 * the scan over every character of every line is the miner's hot loop.
 *
 * - whitespace separates tokens;
 * - delimiters (`= , ; : ( ) [ ] { } " ' | < >`) are tokens of their own;
 * - a dot is part of a word, but a run of two or more dots is a token;
 * - digits make a word a variable; hex digits let a colon join a value;
 * - letters, digits and anything outside ASCII can be part of a value.
 */
export const WHITESPACE = 1;
export const DIGIT = 2;
export const HEX = 4;
export const DELIMITER = 8;
export const DOT = 16;
export const ALPHANUMERIC = 32;
/** Any of these ends a word. */
export const WORD_END = WHITESPACE | DELIMITER | DOT;

export const DOT_CODE = 0x2e;
export const COLON_CODE = 0x3a;
export const SPACE_CODE = 0x20;

export const CHAR_CLASS: Uint8Array = buildCharClasses();

function buildCharClasses(): Uint8Array {
  // Outside ASCII everything counts as a letter: accented words, CJK, symbols.
  const classes = new Uint8Array(0x10000).fill(ALPHANUMERIC);
  classes.fill(0, 0, 0x80);
  for (const c of ' \t\n\r\v\f') classes[c.charCodeAt(0)] = WHITESPACE;
  for (const c of '=,;:()[]{}"\'|<>') classes[c.charCodeAt(0)] = DELIMITER;
  classes[DOT_CODE] = DOT;
  for (let code = 0x30; code <= 0x39; code++) classes[code] = DIGIT | HEX | ALPHANUMERIC;
  for (let code = 0x41; code <= 0x5a; code++) classes[code] = ALPHANUMERIC;
  for (let code = 0x61; code <= 0x7a; code++) classes[code] = ALPHANUMERIC;
  for (const c of 'abcdefABCDEF') classes[c.charCodeAt(0)]! |= HEX;
  return classes;
}
