import { describe, expect, it } from 'vitest';
import { DEFAULT_CONTEXT_BUDGET, DEFAULT_LOG_FILTER_PATTERN, readContextBudget } from '../../../lambdas/build-context/budget.js';

describe('readContextBudget', () => {
  it('uses the defaults when nothing is set', () => {
    // Act & Assess
    expect(readContextBudget({})).toEqual({
      totalTimeMs: 8_000,
      partTimeMs: 4_000,
      maxContextChars: 12_000,
      maxLogLinesPerGroup: 20,
      maxLogLineChars: 300,
      maxMetricPoints: 60,
      maxChanges: 20,
      maxAlarmHistory: 10,
      logFilterPattern: DEFAULT_LOG_FILTER_PATTERN,
    });
    expect(readContextBudget({})).toEqual(DEFAULT_CONTEXT_BUDGET);
  });

  it('reads each value from its environment variable', () => {
    // Act
    const budget = readContextBudget({
      CONTEXT_TOTAL_TIME_MS: '5000',
      CONTEXT_PART_TIME_MS: '2500',
      CONTEXT_MAX_CHARS: '8000',
      CONTEXT_MAX_LOG_LINES_PER_GROUP: '5',
      CONTEXT_MAX_LOG_LINE_CHARS: '120',
      CONTEXT_MAX_METRIC_POINTS: '30',
      CONTEXT_MAX_CHANGES: '7',
      CONTEXT_MAX_ALARM_HISTORY: '3',
      CONTEXT_LOG_FILTER_PATTERN: '?FATAL ?panic',
    });

    // Assess
    expect(budget).toEqual({
      totalTimeMs: 5_000,
      partTimeMs: 2_500,
      maxContextChars: 8_000,
      maxLogLinesPerGroup: 5,
      maxLogLineChars: 120,
      maxMetricPoints: 30,
      maxChanges: 7,
      maxAlarmHistory: 3,
      logFilterPattern: '?FATAL ?panic',
    });
  });

  it('treats an empty variable as unset', () => {
    // Act & Assess
    expect(readContextBudget({ CONTEXT_MAX_CHARS: '', CONTEXT_LOG_FILTER_PATTERN: '' }).maxContextChars).toBe(12_000);
  });

  it('refuses an invalid value, naming the variable', () => {
    // Act & Assess
    expect(() => readContextBudget({ CONTEXT_MAX_CHARS: 'lots' })).toThrow(/CONTEXT_MAX_CHARS/);
    expect(() => readContextBudget({ CONTEXT_PART_TIME_MS: '-1' })).toThrow(/CONTEXT_PART_TIME_MS/);
    expect(() => readContextBudget({ CONTEXT_MAX_CHARS: '500' })).toThrow(/CONTEXT_MAX_CHARS/);
  });
});
