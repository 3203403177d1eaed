import { describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS, inferStepMs, SeasonalEnvelope } from '../../../../lambdas/shared/metrics/seasonality.js';

const STEP = 5 * 60_000;
const START = Date.UTC(2026, 0, 5);

function envelope(minCycles = 2): SeasonalEnvelope {
  return new SeasonalEnvelope({ periodMs: DAY_MS, stepMs: STEP, cycles: 7, toleranceMs: HOUR_MS, minCycles });
}

/** Records `days` days of a flat 10 with a 100 at 03:00 + `driftSlots(day)` sampling intervals. */
function recordNightlyJob(season: SeasonalEnvelope, days: number, driftSlots: (day: number) => number): void {
  for (let index = 0; index < (days * DAY_MS) / STEP; index += 1) {
    const timestamp = START + index * STEP;
    const day = Math.floor((index * STEP) / DAY_MS);
    const job = START + day * DAY_MS + 3 * HOUR_MS + driftSlots(day) * STEP;
    season.record(timestamp, timestamp === job ? 100 : 10);
  }
}

describe('inferStepMs', () => {
  it('takes the median gap, so a missing point does not change it', () => {
    expect(inferStepMs([0, STEP, 2 * STEP, 4 * STEP, 5 * STEP])).toBe(STEP);
    expect(inferStepMs([START])).toBeUndefined();
  });
});

describe('SeasonalEnvelope', () => {
  it('says nothing until enough earlier cycles are on record', () => {
    // Prepare
    const season = envelope(2);
    recordNightlyJob(season, 1, () => 0);

    // Act / Assess
    expect(season.compare(START + DAY_MS + 3 * HOUR_MS, 100)).toBeUndefined();
  });

  it('finds a nightly spike that drifts by up to 40 minutes inside the range of earlier nights', () => {
    // Prepare
    const season = envelope();
    recordNightlyJob(season, 4, (day) => [0, 8, -6, 3][day]!);

    // Act
    const atJobTime = season.compare(START + 4 * DAY_MS + 3 * HOUR_MS + 4 * STEP, 100);

    // Assess
    expect(atJobTime).toEqual({ distance: 0, width: 90, cycles: 4 });
  });

  it('measures how far outside the earlier ranges a value at another time of day falls', () => {
    // Prepare
    const season = envelope();
    recordNightlyJob(season, 4, () => 0);

    // Act
    const afternoon = season.compare(START + 4 * DAY_MS + 15 * HOUR_MS, 100);

    // Assess
    expect(afternoon).toEqual({ distance: 90, width: 0, cycles: 4 });
  });

  it('compares with the last `cycles` cycles only', () => {
    // Prepare: a job on the first night only, then eight quiet nights
    const season = new SeasonalEnvelope({ periodMs: DAY_MS, stepMs: STEP, cycles: 7, toleranceMs: HOUR_MS, minCycles: 1 });
    recordNightlyJob(season, 9, (day) => (day === 0 ? 0 : 10_000));

    // Act
    const ninthNight = season.compare(START + 9 * DAY_MS + 3 * HOUR_MS, 10);

    // Assess
    expect(ninthNight).toEqual({ distance: 0, width: 0, cycles: 7 });
  });
});
