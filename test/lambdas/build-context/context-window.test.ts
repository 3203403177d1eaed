import { describe, expect, it } from 'vitest';
import { contextWindows, MAX_WINDOW_MINUTES, metricPeriodSeconds } from '../../../lambdas/build-context/context-window.js';

const ONSET = new Date('2026-11-27T10:00:00.000Z');
const NOW = new Date('2026-11-27T10:05:00.000Z');

describe('contextWindows', () => {
  it('reads each part from its lookback before the onset to now', () => {
    // Act
    const windows = contextWindows(ONSET, NOW);

    // Assess
    expect(windows.metrics).toEqual({ start: new Date('2026-11-27T09:30:00.000Z'), end: NOW });
    expect(windows.logs).toEqual({ start: new Date('2026-11-27T09:45:00.000Z'), end: NOW });
    expect(windows.changes).toEqual({ start: new Date('2026-11-27T09:00:00.000Z'), end: NOW });
    expect(windows.alarmHistory).toEqual({ start: new Date('2026-11-27T09:00:00.000Z'), end: NOW });
  });

  it('ends at the onset when the onset is stamped after now (clock skew)', () => {
    // Act
    const windows = contextWindows(new Date('2026-11-27T10:06:00.000Z'), NOW);

    // Assess
    expect(windows.logs.end).toEqual(new Date('2026-11-27T10:06:00.000Z'));
    expect(windows.logs.start).toEqual(new Date('2026-11-27T09:51:00.000Z'));
  });

  it('clamps a very old onset so no window exceeds the maximum span', () => {
    // Act
    const windows = contextWindows(new Date('2026-11-20T10:00:00.000Z'), NOW);

    // Assess
    for (const window of Object.values(windows)) {
      expect(window.end.getTime() - window.start.getTime()).toBe(MAX_WINDOW_MINUTES * 60_000);
    }
  });
});

describe('metricPeriodSeconds', () => {
  const window = { start: new Date('2026-11-27T09:30:00.000Z'), end: NOW };

  it("keeps the preferred period when the window's points fit", () => {
    // Act & Assess: 35 minutes of 60 s points is 35 points
    expect(metricPeriodSeconds(window, 60, 60)).toBe(60);
    expect(metricPeriodSeconds(window, 300, 60)).toBe(300);
  });

  it('uses the next whole minute that keeps the series within the cap', () => {
    // Act & Assess: 2100 s over 20 points needs 105 s, so 120 s
    expect(metricPeriodSeconds(window, 60, 20)).toBe(120);
    expect(Math.ceil(2_100 / metricPeriodSeconds(window, 10, 10))).toBeLessThanOrEqual(10);
  });
});
