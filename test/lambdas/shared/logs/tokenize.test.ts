import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValueToken, maskLine, renderTokens, tokenize, WILDCARD } from '../../../../lambdas/shared/logs/tokenize.js';

/** Characters that exercise every rule: hex and other letters, digits, colons, dots, delimiters, whitespace, non-ASCII. */
const trickyChar = fc.constantFrom(...'aFz0:9.. =x(,)"\' \t<>*-_/G|{}[];\u00e9\u4e2d\r\n', '<*>', '...');
const trickyLine = fc.array(trickyChar, { maxLength: 40 }).map((chars) => chars.join(''));

describe('tokenize', () => {
  it('splits on whitespace and around delimiters, and remembers where whitespace was', () => {
    // Act
    const { tokens, spaced } = tokenize('acquire lock=abc, tag="View Lock"');

    // Assess
    expect(tokens).toEqual(['acquire', 'lock', '=', 'abc', ',', 'tag', '=', '"', 'View', 'Lock', '"']);
    expect(spaced).toEqual([false, true, false, false, false, true, false, false, false, true, false]);
  });

  it.each([
    ['PacketResponder 1 for block blk_-6952295868487656571 terminating', 'PacketResponder <*> for block <*> terminating'],
    ['Received block of size 67108864 from /10.251.42.84', 'Received block of size <*> from <*>'],
    ['uid=0 euid=0 tty=ssh ruser= rhost=183.62.140.253', 'uid=<*> euid=<*> tty=ssh ruser= rhost=<*>'],
    ['setLightsOn(true)', 'setLightsOn(true)'],
    ['Time out: 0x1f at 2016-09-28', 'Time out: <*> at <*>'],
  ])('masks every word with a digit: %s', (line, masked) => {
    expect(maskLine(line)).toBe(masked);
  });

  it.each([
    ['status changed: FF:F2:9F:16:E2:23 ip=10.0.0.151', 'status changed: <*> ip=<*>'],
    ['at 12:30:45 done', 'at <*> done'],
    ['pid:123 uid:0', 'pid:<*> uid:<*>'],
    ['overlap:false', 'overlap:false'],
  ])('keeps hex runs joined by colons as one value, and splits key:value: %s', (line, masked) => {
    expect(maskLine(line)).toBe(masked);
  });

  it('treats a run of dots as a token of its own, and a single dot as part of a word', () => {
    // Act
    const { tokens } = tokenize('data store interrupt caused by icbi.........0 in core.465');

    // Assess
    expect(tokens).toEqual(['data', 'store', 'interrupt', 'caused', 'by', 'icbi', '.........', WILDCARD, 'in', WILDCARD]);
  });

  it('collapses whitespace runs and drops whitespace at the ends', () => {
    expect(maskLine('  Failed to renew lease for 346 seconds.  \tWill retry\r\n')).toBe('Failed to renew lease for <*> seconds. Will retry');
  });

  it('reads at most maxLength characters', () => {
    expect(maskLine('abc def ghi', 6)).toBe('abc de');
    expect(maskLine('abc <*> x', 5)).toBe('abc <'); // half a wildcard is not one
  });

  it('reads <*> in a template text as one token', () => {
    expect(tokenize('Invalid user <*> from <*>:<*>').tokens).toEqual(['Invalid', 'user', WILDCARD, 'from', WILDCARD, ':', WILDCARD]);
  });

  it('gives back the masked line when its tokens are rendered and split again', () => {
    fc.assert(
      fc.property(trickyLine, (line) => {
        const masked = maskLine(line);
        const again = tokenize(masked);
        expect(renderTokens(again.tokens, again.spaced)).toBe(masked);
        expect(again.tokens).toEqual(tokenize(line).tokens);
      }),
      { numRuns: 3000 },
    );
  });

  it('is idempotent: masking a masked line changes nothing', () => {
    fc.assert(
      fc.property(trickyLine, (line) => {
        expect(maskLine(maskLine(line))).toBe(maskLine(line));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('isValueToken', () => {
  it.each(['root', 'x1', WILDCARD, '\u00e9t\u00e9', 'a-b'])('counts %j as a value', (token) => {
    expect(isValueToken(token)).toBe(true);
  });

  it.each(['****', '-->', '=', '...'])('counts %j as punctuation', (token) => {
    expect(isValueToken(token)).toBe(false);
  });
});
