import { describe, expect, it } from 'vitest';
import { tokenize, WILDCARD } from '../../../../lambdas/shared/logs/tokenize.js';
import { maskValueWords } from '../../../../lambdas/shared/logs/value-words.js';

function masked(line: string): string[] {
  const { tokens, spaced } = tokenize(line);
  maskValueWords(tokens, spaced);
  return tokens;
}

describe('maskValueWords', () => {
  it('treats true, false and null as values, in any case', () => {
    expect(masked('setLightsOn(TRUE) ws=null ok=false')).toEqual(['setLightsOn', '(', WILDCARD, ')', 'ws', '=', WILDCARD, 'ok', '=', WILDCARD]);
  });

  it('treats a unit after a number as part of the number', () => {
    expect(masked('estimated size 5.2 KB, free 93.0 B took 5 ms')).toEqual([
      'estimated', 'size', WILDCARD, WILDCARD, ',', 'free', WILDCARD, WILDCARD, 'took', WILDCARD, WILDCARD,
    ]);
  });

  it('keeps a unit word that does not follow a number', () => {
    expect(masked('MB of memory')).toEqual(['MB', 'of', 'memory']);
  });

  it('treats weekday and month names before a number as parts of a date', () => {
    expect(masked('status=M Fri Jul 01 08:16:53 PDT 2005')).toEqual(['status', '=', 'M', WILDCARD, WILDCARD, WILDCARD, WILDCARD, 'PDT', WILDCARD]);
  });

  it('keeps a month name that is a word in a sentence', () => {
    expect(masked('May not be empty')).toEqual(['May', 'not', 'be', 'empty']);
  });
});
