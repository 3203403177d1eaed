import type { IncidentContext, MetricPoint } from '../shared/workflow.js';

/**
 * What the first, gentle round of trimming leaves of each part. Only when
 * the context is still too large does a second round go below these.
 */
export const SOFT_FLOORS = {
  logLinesPerGroup: 3,
  metricPointsPerSeries: 12,
  changes: 5,
  alarmHistory: 5,
} as const;

/** The serialised size the budget counts: the context as the next state receives it. */
export function contextSize(context: IncidentContext): number {
  return JSON.stringify(context).length;
}

/** `k` points spread evenly over the series, always keeping the latest. */
export function thinPoints(points: readonly MetricPoint[], k: number): MetricPoint[] {
  if (k <= 0) return [];
  if (k >= points.length) return [...points];
  if (k === 1) return [points.at(-1)!];
  const last = points.length - 1;
  return Array.from({ length: k }, (_, i) => points[Math.round((i * last) / (k - 1))]!);
}

type Step = (context: IncidentContext) => boolean;

/** Drops the middle line of the group with the most lines above `floor` (keeping the first and the latest). */
const trimLogLine =
  (floor: number): Step =>
  (context) => {
    const group = context.logs.reduce<IncidentContext['logs'][number] | undefined>(
      (most, candidate) => (candidate.lines.length > floor && candidate.lines.length > (most?.lines.length ?? 0) ? candidate : most),
      undefined,
    );
    if (group === undefined) return false;
    group.lines.splice(Math.floor(group.lines.length / 2), 1);
    return true;
  };

/** Halves the points of the series with the most points above `floor`. */
const thinMetricPoints =
  (floor: number): Step =>
  (context) => {
    const series = context.metrics.reduce<IncidentContext['metrics'][number] | undefined>(
      (most, candidate) => (candidate.points.length > floor && candidate.points.length > (most?.points.length ?? 0) ? candidate : most),
      undefined,
    );
    if (series === undefined) return false;
    series.points = thinPoints(series.points, Math.max(floor, Math.floor(series.points.length / 2)));
    return true;
  };

/** Drops the oldest entry of a newest-first list while it is longer than `floor`. */
const dropOldest =
  (list: (context: IncidentContext) => unknown[], floor: number): Step =>
  (context) => {
    const items = list(context);
    if (items.length <= floor) return false;
    items.pop();
    return true;
  };

const dropLastLogGroup: Step = (context) => context.logs.pop() !== undefined;

/** Drops a related series first (the last one), the alarm's own last. */
const dropMetricSeries: Step = (context) => {
  if (context.metrics.length === 0) return false;
  const related = context.metrics.map((series) => series.role).lastIndexOf('related');
  context.metrics.splice(related === -1 ? context.metrics.length - 1 : related, 1);
  return true;
};

/**
 * Trims, in order, until the context fits. First gently, down to the soft
 * floors: log lines, then metric points, then changes, then alarm history.
 * Then the same parts (and the past incidents) down to nothing, and last
 * whole log groups and metric series. The summaries (counts, min/max/last,
 * baseline) stay. Returns a new context whose `trimmed` says what was cut;
 * its JSON is at most `maxChars` whenever the required parts alone fit.
 */
export function fitToBudget(context: IncidentContext, maxChars: number): IncidentContext {
  if (contextSize(context) <= maxChars) return context;
  const work: IncidentContext = structuredClone(context);
  const before = {
    logGroups: context.logs.length,
    logLines: context.logs.reduce((sum, group) => sum + group.lines.length, 0),
    series: context.metrics.length,
    points: context.metrics.reduce((sum, series) => sum + series.points.length, 0),
    changes: context.changes.length,
    alarmHistory: context.alarmHistory.length,
    recentIncidents: context.recentIncidents.length,
  };

  const notes = (overBudget = false): string[] => {
    const lines = work.logs.reduce((sum, group) => sum + group.lines.length, 0);
    const points = work.metrics.reduce((sum, series) => sum + series.points.length, 0);
    return [
      lines < before.logLines && `logs: kept ${lines} of ${before.logLines} lines (the first and the latest of each group)`,
      work.logs.length < before.logGroups && `logs: dropped ${before.logGroups - work.logs.length} of ${before.logGroups} log groups`,
      points < before.points &&
        `metrics: kept ${points} of ${before.points} points, evenly thinned (min, max, last and baseline are from every point)`,
      work.metrics.length < before.series && `metrics: dropped ${before.series - work.metrics.length} of ${before.series} series`,
      work.changes.length < before.changes && `changes: kept the newest ${work.changes.length} of ${before.changes}`,
      work.alarmHistory.length < before.alarmHistory && `alarmHistory: kept the newest ${work.alarmHistory.length} of ${before.alarmHistory}`,
      work.recentIncidents.length < before.recentIncidents &&
        `recentIncidents: kept the newest ${work.recentIncidents.length} of ${before.recentIncidents}`,
      overBudget && `context: still over ${maxChars} chars after trimming every optional part`,
    ].filter((note): note is string => typeof note === 'string');
  };
  const withNotes = (overBudget = false): IncidentContext => ({ ...work, trimmed: [...context.trimmed, ...notes(overBudget)] });
  const fits = () => contextSize(withNotes()) <= maxChars;

  const steps: Step[] = [
    trimLogLine(SOFT_FLOORS.logLinesPerGroup),
    thinMetricPoints(SOFT_FLOORS.metricPointsPerSeries),
    dropOldest((c) => c.changes, SOFT_FLOORS.changes),
    dropOldest((c) => c.alarmHistory, SOFT_FLOORS.alarmHistory),
    trimLogLine(0),
    thinMetricPoints(0),
    dropOldest((c) => c.changes, 0),
    dropOldest((c) => c.alarmHistory, 0),
    dropOldest((c) => c.recentIncidents, 0),
    dropLastLogGroup,
    dropMetricSeries,
  ];
  for (const step of steps) {
    while (!fits() && step(work)) {
      // each step cuts one piece; go on until the context fits or the step has nothing left
    }
    if (fits()) return withNotes();
  }
  return withNotes(true);
}
