/** A span of time to read, inclusive of its start. */
export interface TimeWindow {
  readonly start: Date;
  readonly end: Date;
}

/** How far before the onset each part of the context looks. */
export const LOOKBACK_MINUTES = {
  metrics: 30,
  logs: 15,
  changes: 60,
  alarmHistory: 60,
} as const;

/** No window reaches further back than this before its end, however old the onset. */
export const MAX_WINDOW_MINUTES = 24 * 60;

export type ContextWindows = Record<keyof typeof LOOKBACK_MINUTES, TimeWindow>;

const MINUTE_MS = 60_000;

/**
 * The windows each part reads: from its lookback before the onset to now.
 * An onset stamped after `now` (clock skew) ends the windows at the onset,
 * and a very old onset is clamped so no window exceeds MAX_WINDOW_MINUTES.
 */
export function contextWindows(onsetAt: Date, now: Date): ContextWindows {
  const end = new Date(Math.max(now.getTime(), onsetAt.getTime()));
  const earliest = end.getTime() - MAX_WINDOW_MINUTES * MINUTE_MS;
  const windowOf = (minutes: number): TimeWindow => ({
    start: new Date(Math.max(earliest, onsetAt.getTime() - minutes * MINUTE_MS)),
    end,
  });
  return {
    metrics: windowOf(LOOKBACK_MINUTES.metrics),
    logs: windowOf(LOOKBACK_MINUTES.logs),
    changes: windowOf(LOOKBACK_MINUTES.changes),
    alarmHistory: windowOf(LOOKBACK_MINUTES.alarmHistory),
  };
}

/**
 * The period (seconds) that keeps a series within `maxPoints` over a window:
 * the preferred period, or the next multiple of 60 s long enough.
 */
export function metricPeriodSeconds(window: TimeWindow, preferredSeconds: number, maxPoints: number): number {
  const spanSeconds = Math.max(0, (window.end.getTime() - window.start.getTime()) / 1000);
  const needed = Math.ceil(spanSeconds / Math.max(1, maxPoints));
  if (needed <= preferredSeconds) return preferredSeconds;
  return Math.ceil(needed / 60) * 60;
}
