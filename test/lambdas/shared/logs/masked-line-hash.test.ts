import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashMaskedText, MaskedLineHasher } from '../../../../lambdas/shared/logs/masked-line-hash.js';
import { maskLine } from '../../../../lambdas/shared/logs/tokenize.js';

const trickyChar = fc.constantFrom(...'aFz0:9.. =x(,)"\' \t<>*-_/G|{}[];\u00e9\u4e2d\r\n', '<*>', '...');
const trickyLine = fc.array(trickyChar, { maxLength: 40 }).map((chars) => chars.join(''));

describe('MaskedLineHasher', () => {
  it('hashes a line exactly as its masked text hashes', () => {
    const hasher = new MaskedLineHasher();
    fc.assert(
      fc.property(trickyLine, fc.integer({ min: 0, max: 50 }), (line, maxLength) => {
        // Act
        const key = hasher.hash(line, maxLength);

        // Assess
        const expected = hashMaskedText(maskLine(line, maxLength));
        expect(key).toBe(expected.key);
        expect(hasher.check).toBe(expected.check);
      }),
      { numRuns: 5000 },
    );
  });

  it('gives lines with the same masked text the same hash, and others different ones', () => {
    // Prepare
    const hasher = new MaskedLineHasher();
    const hashOf = (line: string): string => `${hasher.hash(line, Infinity)}/${hasher.check}`;

    // Assess
    expect(hashOf('Invalid user test9 from 52.80.34.196')).toBe(hashOf('Invalid  user x1 from 10.0.0.1 '));
    expect(hashOf('Invalid user test from 52.80.34.196')).not.toBe(hashOf('Invalid user test9 from 52.80.34.196'));
  });

  it('returns a key that is a non-negative 30-bit integer', () => {
    const hasher = new MaskedLineHasher();
    for (const line of ['', 'a', 'Connection closed by 5.188.10.180 [preauth]']) {
      const key = hasher.hash(line, Infinity);
      expect(Number.isInteger(key) && key >= 0 && key < 2 ** 30).toBe(true);
    }
  });
});
