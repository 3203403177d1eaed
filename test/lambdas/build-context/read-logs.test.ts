import { describe, expect, it } from 'vitest';
import { cleanLogMessage, selectLogLines, toLogExcerpt } from '../../../lambdas/build-context/read-logs.js';
import { LogExcerptSchema } from '../../../lambdas/shared/workflow.js';

const T0 = Date.parse('2026-11-27T09:59:00.000Z');
const event = (index: number, message: string, stream = 'web/i-0') => ({ timestamp: T0 + index * 1_000, message, logStreamName: stream });

describe('cleanLogMessage', () => {
  it('removes terminal escapes and control characters and folds whitespace', () => {
    // Act & Assess
    expect(cleanLogMessage('\u001b[31mERROR\u001b[0m\tdb\u0007 refused\n  at Foo.bar()\r\n', 300)).toBe('ERROR db refused at Foo.bar()');
  });

  it('cuts a long line to the limit, marking the cut', () => {
    // Act
    const line = cleanLogMessage('x'.repeat(500), 300);

    // Assess
    expect(line).toHaveLength(300);
    expect(line.endsWith('…')).toBe(true);
  });
});

describe('selectLogLines', () => {
  it('keeps every line, oldest first, when they fit', () => {
    // Act
    const lines = selectLogLines([event(2, 'ERROR b', 'web/i-1'), event(1, 'ERROR a')], { maxLines: 20, maxLineChars: 300 });

    // Assess
    expect(lines).toEqual([
      { at: '2026-11-27T09:59:01.000Z', stream: 'web/i-0', message: 'ERROR a' },
      { at: '2026-11-27T09:59:02.000Z', stream: 'web/i-1', message: 'ERROR b' },
    ]);
  });

  it('folds identical lines into one, counting the repeats', () => {
    // Act
    const lines = selectLogLines([event(1, 'ERROR refused'), event(2, 'ERROR refused '), event(3, 'ERROR other'), event(4, 'ERROR refused')], {
      maxLines: 20,
      maxLineChars: 300,
    });

    // Assess
    expect(lines.map((line) => [line.message, line.repeats])).toEqual([
      ['ERROR refused', 3],
      ['ERROR other', undefined],
    ]);
  });

  it('keeps the first and the latest lines when there are more than the limit', () => {
    // Act
    const lines = selectLogLines(
      Array.from({ length: 30 }, (_, i) => event(i, `ERROR ${i}`)),
      { maxLines: 5, maxLineChars: 300 },
    );

    // Assess
    expect(lines.map((line) => line.message)).toEqual(['ERROR 0', 'ERROR 1', 'ERROR 2', 'ERROR 28', 'ERROR 29']);
  });

  it('keeps none with a limit of zero, and skips empty lines', () => {
    // Act & Assess
    expect(selectLogLines([event(1, 'ERROR')], { maxLines: 0, maxLineChars: 300 })).toEqual([]);
    expect(selectLogLines([event(1, ' \n ')], { maxLines: 5, maxLineChars: 300 })).toEqual([]);
  });
});

describe('toLogExcerpt', () => {
  it('counts every matched line, says when more matched, and keeps the selected ones', () => {
    // Act
    const excerpt = toLogExcerpt('/app/web', Array.from({ length: 30 }, (_, i) => event(i, `ERROR ${i}`)), true, { maxLines: 4, maxLineChars: 300 });

    // Assess
    expect(excerpt.matchedLines).toBe(30);
    expect(excerpt.moreAvailable).toBe(true);
    expect(excerpt.lines).toHaveLength(4);
    expect(LogExcerptSchema.safeParse(excerpt).success).toBe(true);
  });
});
