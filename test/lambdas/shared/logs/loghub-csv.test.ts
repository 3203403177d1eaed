import { describe, expect, it } from 'vitest';
import { labelledLinesFromCsv, parseCsv } from '../../../../bench/loghub-csv.js';

describe('parseCsv', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks', () => {
    const text = 'a,"b, c","say ""hi""","two\nlines"\r\n1,,3,4\n';
    expect(parseCsv(text)).toEqual([
      ['a', 'b, c', 'say "hi"', 'two\nlines'],
      ['1', '', '3', '4'],
    ]);
  });

  it('reads a last row without a line break, and empty trailing fields', () => {
    expect(parseCsv('x,y\n1,')).toEqual([
      ['x', 'y'],
      ['1', ''],
    ]);
  });

  it('refuses an unterminated quoted field and text after a closing quote', () => {
    expect(() => parseCsv('a,"b\n')).toThrow(SyntaxError);
    expect(() => parseCsv('a,"b"c\n')).toThrow(SyntaxError);
  });
});

describe('labelledLinesFromCsv', () => {
  it('takes Content as the lines and EventTemplate as the truth', () => {
    // Prepare
    const text = [
      'LineId,Content,EventId,EventTemplate',
      '1,"Block 5 stored (size 3, free 2)",E2,"Block <*> stored (size <*>, free <*>)"',
      '2,Got assigned task 7,E11,Got assigned task <*>',
      '',
    ].join('\r\n');

    // Act
    const { lines, truth } = labelledLinesFromCsv(text);

    // Assess
    expect(lines).toEqual(['Block 5 stored (size 3, free 2)', 'Got assigned task 7']);
    expect(truth).toEqual(['Block <*> stored (size <*>, free <*>)', 'Got assigned task <*>']);
  });

  it('refuses a file without the columns it needs', () => {
    expect(() => labelledLinesFromCsv('LineId,Text\n1,x\n')).toThrow(/Content/);
  });
});
