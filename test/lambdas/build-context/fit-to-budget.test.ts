import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contextSize, fitToBudget, SOFT_FLOORS, thinPoints } from '../../../lambdas/build-context/fit-to-budget.js';
import { type IncidentContext, IncidentContextSchema } from '../../../lambdas/shared/workflow.js';
import { sizedContext } from './context-fixtures.js';

const lineCount = (context: IncidentContext) => context.logs.reduce((sum, group) => sum + group.lines.length, 0);
const pointCount = (context: IncidentContext) => context.metrics.reduce((sum, series) => sum + series.points.length, 0);

describe('thinPoints', () => {
  const points = Array.from({ length: 10 }, (_, i) => ({ t: `2026-11-27T09:0${i}:00Z`, v: i }));

  it('spreads the kept points evenly and always keeps the first and the latest', () => {
    // Act & Assess
    expect(thinPoints(points, 4).map((point) => point.v)).toEqual([0, 3, 6, 9]);
    expect(thinPoints(points, 1).map((point) => point.v)).toEqual([9]);
    expect(thinPoints(points, 0)).toEqual([]);
    expect(thinPoints(points, 20)).toEqual(points);
  });
});

describe('fitToBudget', () => {
  it('returns a context that already fits unchanged', () => {
    // Prepare
    const context = sizedContext({ logGroups: 0, series: 1, pointsPerSeries: 5, changes: 1, alarmHistory: 1 });

    // Act & Assess
    expect(fitToBudget(context, 12_000)).toBe(context);
  });

  it('trims log lines first, keeping the first and the latest of each group, and says so', () => {
    // Prepare
    const context = sizedContext();
    const budget = contextSize(context) - 1_000;

    // Act
    const fitted = fitToBudget(context, budget);

    // Assess
    expect(contextSize(fitted)).toBeLessThanOrEqual(budget);
    expect(lineCount(fitted)).toBeLessThan(lineCount(context));
    expect(fitted.metrics).toEqual(context.metrics);
    expect(fitted.changes).toEqual(context.changes);
    expect(fitted.alarmHistory).toEqual(context.alarmHistory);
    for (const group of fitted.logs) {
      expect(group.lines[0]!.message).toMatch(/^ERROR 0 /);
      expect(group.lines.at(-1)!.message).toMatch(/^ERROR 19 /);
    }
    expect(fitted.trimmed).toEqual([`logs: kept ${lineCount(fitted)} of 40 lines (the first and the latest of each group)`]);
  });

  it('then thins metric points, then drops the oldest changes, then the oldest alarm history', () => {
    // Prepare
    const context = sizedContext({ series: 5 });

    // Act: budgets from generous to tight
    const fittedAt = (budget: number) => fitToBudget(context, budget);
    const results = [30_000, 20_000, 14_000, 10_000, 8_000, 6_000, 4_000, 3_000, 2_500].map(fittedAt);

    // Assess: a later part is cut only once the earlier ones are at their (soft, then hard) floors
    for (const fitted of results) {
      const maxLines = Math.max(0, ...fitted.logs.map((group) => group.lines.length));
      const maxPoints = Math.max(0, ...fitted.metrics.map((series) => series.points.length));
      if (pointCount(fitted) < pointCount(context)) expect(maxLines).toBeLessThanOrEqual(SOFT_FLOORS.logLinesPerGroup);
      if (fitted.changes.length < context.changes.length) expect(maxPoints).toBeLessThanOrEqual(SOFT_FLOORS.metricPointsPerSeries);
      if (fitted.alarmHistory.length < context.alarmHistory.length) expect(fitted.changes.length).toBeLessThanOrEqual(SOFT_FLOORS.changes);
      if (maxLines < SOFT_FLOORS.logLinesPerGroup && lineCount(context) > 0) {
        expect(fitted.alarmHistory.length).toBeLessThanOrEqual(SOFT_FLOORS.alarmHistory);
      }
      if (fitted.recentIncidents.length < context.recentIncidents.length) {
        expect([lineCount(fitted), pointCount(fitted), fitted.changes.length, fitted.alarmHistory.length]).toEqual([0, 0, 0, 0]);
      }
    }
    // the tightest budgets really did reach each stage
    expect(results.some((fitted) => pointCount(fitted) < pointCount(context))).toBe(true);
    expect(results.some((fitted) => fitted.changes.length < context.changes.length)).toBe(true);
    expect(results.some((fitted) => fitted.alarmHistory.length < context.alarmHistory.length)).toBe(true);
  });

  it("keeps each series' statistics, computed from every point, when its points are thinned", () => {
    // Prepare
    const context = sizedContext({ logGroups: 0, series: 6 });

    // Act
    const fitted = fitToBudget(context, 8_000);

    // Assess
    expect(pointCount(fitted)).toBeLessThan(pointCount(context));
    fitted.metrics.forEach((series, index) => {
      const original = context.metrics[index]!;
      expect([series.min, series.max, series.last, series.baseline]).toEqual([original.min, original.max, original.last, original.baseline]);
      if (series.points.length > 0) expect(series.points.at(-1)).toEqual(original.points.at(-1));
    });
    expect(fitted.trimmed.some((note) => note.startsWith('metrics: kept '))).toBe(true);
  });

  it('records each kind of cut once, in the order it was made', () => {
    // Act
    const fitted = fitToBudget(sizedContext(), 2_000);

    // Assess
    expect(fitted.trimmed.map((note) => note.split(':')[0])).toEqual(
      [...new Set(fitted.trimmed.map((note) => note.split(':')[0]))],
    );
    expect(fitted.trimmed[0]).toMatch(/^logs: kept 0 of 40 lines/);
    expect(contextSize(fitted)).toBeLessThanOrEqual(2_000);
  });

  it('does not change the context it is given', () => {
    // Prepare
    const context = sizedContext();
    const copy = structuredClone(context);

    // Act
    fitToBudget(context, 3_000);

    // Assess
    expect(context).toEqual(copy);
  });

  it('keeps trim notes that were already there', () => {
    // Act
    const fitted = fitToBudget({ ...sizedContext(), trimmed: ['earlier note'] }, 6_000);

    // Assess
    expect(fitted.trimmed[0]).toBe('earlier note');
  });

  it('says so when the required parts alone are over the budget, having cut every optional part', () => {
    // Prepare
    const context = sizedContext({ dependencies: 200 });

    // Act
    const fitted = fitToBudget(context, 2_000);

    // Assess
    expect([fitted.logs, fitted.metrics, fitted.changes, fitted.alarmHistory, fitted.recentIncidents]).toEqual([[], [], [], [], []]);
    expect(fitted.trimmed.at(-1)).toBe('context: still over 2000 chars after trimming every optional part');
    expect(fitted.resource.dependencies).toHaveLength(200);
  });

  it('never exceeds the budget, and its result is a valid context', () => {
    fc.assert(
      fc.property(
        fc.record({
          logGroups: fc.integer({ min: 0, max: 5 }),
          linesPerGroup: fc.integer({ min: 0, max: 20 }),
          lineChars: fc.integer({ min: 10, max: 300 }),
          series: fc.integer({ min: 0, max: 11 }),
          pointsPerSeries: fc.integer({ min: 0, max: 60 }),
          changes: fc.integer({ min: 0, max: 20 }),
          alarmHistory: fc.integer({ min: 0, max: 10 }),
          recentIncidents: fc.integer({ min: 0, max: 5 }),
          dependencies: fc.integer({ min: 0, max: 5 }),
        }),
        fc.integer({ min: 2_000, max: 40_000 }),
        (sizes, budget) => {
          const context = sizedContext(sizes);
          const fitted = fitToBudget(context, budget);
          expect(contextSize(fitted)).toBeLessThanOrEqual(budget);
          expect(IncidentContextSchema.safeParse(fitted).success).toBe(true);
          expect(fitted.trimmed.length > 0).toBe(contextSize(context) > budget);
        },
      ),
      { numRuns: 150 },
    );
  });
});
