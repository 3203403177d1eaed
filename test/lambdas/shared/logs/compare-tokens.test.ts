import { describe, expect, it } from 'vitest';
import { compareTokens, FITS, UNRELATED, WIDENS } from '../../../../lambdas/shared/logs/compare-tokens.js';

const W = '<*>';

describe('compareTokens', () => {
  it('says a line fits when it matches word for word or a wildcard stands for its value', () => {
    expect(compareTokens(['Invalid', 'user', W, 'from', W], ['Invalid', 'user', 'root', 'from', W])).toBe(FITS);
  });

  it('says a line widens a template where it has a variable and the template a word', () => {
    expect(compareTokens(['Invalid', 'user', 'webmaster', 'from', W], ['Invalid', 'user', W, 'from', W])).toBe(WIDENS);
  });

  it('gives the position of the one word that differs', () => {
    expect(compareTokens(['client', 'SPP', '.'], ['client', 'WindowsUpdateAgent', '.'])).toBe(1);
  });

  it('says two differing words are unrelated', () => {
    expect(compareTokens(['Failed', 'to', 'get', 'next', 'element'], ['Failed', 'to', 'open', 'the', 'element'])).toBe(UNRELATED);
  });

  it('never lets a wildcard stand for punctuation, nor turns punctuation into a variable', () => {
    expect(compareTokens(['(', W, W, ')'], ['(', W, '****', ')'])).toBe(UNRELATED);
    expect(compareTokens(['(', W, '****', ')'], ['(', W, W, ')'])).toBe(UNRELATED);
    expect(compareTokens(['a', '-', 'b'], ['a', '+', 'b'])).toBe(UNRELATED);
  });

  it('says lines of another length are unrelated', () => {
    expect(compareTokens(['a', 'b'], ['a', 'b', 'c'])).toBe(UNRELATED);
  });

  it('says a line that both widens and differs by a word is unrelated', () => {
    expect(compareTokens(['a', 'b', 'c', 'd'], ['a', W, 'x', 'd'])).toBe(UNRELATED);
  });
});
