import { describe, expect, it } from 'vitest';
import {
  type BurstState,
  BurstStateSchema,
  detectBursts,
  emptyBurstState,
  mergeBurstStates,
  renameBurstTemplates,
  type TemplateBurst,
} from '../../../lambdas/log-intake/burst-detector.js';
import { T0 } from './log-fixtures.js';

const MINUTE = 60_000;

/** `count` times spread over minute `minute` (counted from T0). */
function timesIn(minute: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => T0 + minute * MINUTE + Math.floor((i * 59_000) / Math.max(1, count)));
}

/** Feeds one batch per minute of `counts[m]` lines of template `id`; returns every burst and the final state. */
function run(counts: readonly number[], id = 'a1b2c3d4e5f6', state: BurstState = emptyBurstState()) {
  const bursts: TemplateBurst[] = [];
  let current = state;
  counts.forEach((count, minute) => {
    const result = detectBursts(current, new Map([[id, timesIn(minute, count)]]));
    bursts.push(...result.bursts);
    current = result.state;
  });
  return { bursts, state: current };
}

describe('detectBursts', () => {
  it('finds no burst in a steady rate, even a high one', () => {
    // 60 minutes of 30 lines a minute, with some jitter
    const counts = Array.from({ length: 60 }, (_, m) => 30 + ((m * 7) % 5) - 2);
    expect(run(counts).bursts).toEqual([]);
  });

  it('finds a spike against the template baseline', () => {
    // Prepare: 30 minutes of about 2 lines a minute, then 60 in one minute
    const counts = [...Array.from({ length: 30 }, (_, m) => 1 + (m % 3)), 60];

    // Act
    const { bursts } = run(counts);

    // Assess
    expect(bursts).toHaveLength(1);
    expect(bursts[0]).toMatchObject({ templateId: 'a1b2c3d4e5f6', minuteStart: T0 + 30 * MINUTE, count: 60, countInBatch: 60 });
    expect(bursts[0]!.baselineMean).toBeGreaterThan(1);
    expect(bursts[0]!.baselineMean).toBeLessThan(3);
    expect(bursts[0]!.threshold).toBe(20); // the floor: mean + 4σ is below minCount here
  });

  it('needs mean + k·σ, not just the floor, above a busy baseline', () => {
    // Prepare: a baseline of 100 a minute; 130 is inside 4σ (σ ≥ √100 = 10), 160 is not
    const baseline = Array.from({ length: 40 }, () => 100);

    // Act + Assess
    expect(run([...baseline, 130]).bursts).toEqual([]);
    const { bursts } = run([...baseline, 160]);
    expect(bursts.map(({ count }) => count)).toEqual([160]);
    expect(bursts[0]!.threshold).toBeCloseTo(140, 0);
  });

  it('needs a few minutes of baseline before a template can burst', () => {
    // 100 lines in a template's first minute is news, not a burst; four quiet minutes are not enough either
    expect(run([100]).bursts).toEqual([]);
    expect(run([1, 0, 0, 0, 100]).bursts).toEqual([]);
    expect(run([1, 0, 0, 0, 0, 100]).bursts.map(({ count }) => count)).toEqual([100]);
    expect(detectBursts(emptyBurstState(), new Map([['t', timesIn(0, 100)]]), { warmUpMinutes: 0 }).bursts).toHaveLength(1);
  });

  it('does not call a minute a burst below the minimum count', () => {
    const quiet = [1, ...Array.from({ length: 9 }, () => 0)];
    expect(run([...quiet, 19]).bursts).toEqual([]);
    expect(run([...quiet, 20]).bursts.map(({ count }) => count)).toEqual([20]);
  });

  it('adds up one minute across batches and reports it once', () => {
    // Prepare: the quiet baseline, then a minute delivered in three batches of 15
    let { state } = run(Array.from({ length: 20 }, () => 1));
    const minute = timesIn(20, 45);
    const reported: TemplateBurst[] = [];

    // Act
    for (const part of [minute.slice(0, 15), minute.slice(15, 30), minute.slice(30)]) {
      const result = detectBursts(state, new Map([['a1b2c3d4e5f6', part]]));
      reported.push(...result.bursts);
      state = result.state;
    }

    // Assess: the second batch crosses 20; the third does not report the same minute again
    expect(reported.map(({ count, countInBatch }) => ({ count, countInBatch }))).toEqual([{ count: 30, countInBatch: 15 }]);
    expect(state.entries[0]![2]).toBe(45);
  });

  it('counts silent minutes as zero, so a baseline decays', () => {
    // Prepare: busy (50 a minute) for 30 minutes, then silent for two hours
    const { state: busy } = run(Array.from({ length: 30 }, () => 50));
    const afterSilence = detectBursts(busy, new Map([['a1b2c3d4e5f6', timesIn(150, 40)]]));

    // Assess: 40 is no burst against 50 a minute, but is after two silent hours
    expect(afterSilence.bursts.map(({ count }) => count)).toEqual([40]);
    expect(afterSilence.bursts[0]!.baselineMean).toBeLessThan(1);
  });

  it('ignores events older than the current minute', () => {
    const { state } = run([1, 1, 1]);
    const late = detectBursts(state, new Map([['a1b2c3d4e5f6', timesIn(0, 100)]]));
    expect(late.bursts).toEqual([]);
    expect(late.state).toEqual(state);
  });

  it('keeps at most maxTemplates entries, dropping the least recently updated', () => {
    // Prepare: 2,500 templates, one line each, in order
    let state = emptyBurstState();
    for (let n = 0; n < 2_500; n++) state = detectBursts(state, new Map([[`t${n}`, [T0 + n]]])).state;

    // Act: touch the oldest survivor, then add one more
    state = detectBursts(state, new Map([['t500', [T0 + MINUTE]]])).state;
    state = detectBursts(state, new Map([['t-new', [T0 + MINUTE]]])).state;

    // Assess
    expect(state.entries).toHaveLength(2_000);
    const ids = state.entries.map(([id]) => id);
    expect(ids).not.toContain('t499');
    expect(ids).not.toContain('t501'); // the least recently updated went first
    expect(ids).toContain('t500');
    expect(ids.at(-1)).toBe('t-new');
    expect(Buffer.byteLength(JSON.stringify(state))).toBeLessThan(150_000);
  });

  it('produces a state that round-trips through JSON and the schema', () => {
    const { state } = run([3, 5, 80, 2]);
    expect(BurstStateSchema.parse(JSON.parse(JSON.stringify(state)))).toEqual(state);
  });
});

describe('mergeBurstStates and renameBurstTemplates', () => {
  it('sums what two writers added to the same minute, counting the base once', () => {
    // Prepare: a base at minute 5 with 4 lines; writer a adds 3, writer b adds 6 in the same minute
    const base = run([1, 1, 1, 1, 1, 4]).state;
    const a = detectBursts(base, new Map([['a1b2c3d4e5f6', timesIn(5, 3)]])).state;
    const b = detectBursts(base, new Map([['a1b2c3d4e5f6', timesIn(5, 6)]])).state;

    // Act
    const merged = mergeBurstStates(a, b, base);

    // Assess
    expect(merged.entries).toHaveLength(1);
    expect(merged.entries[0]![2]).toBe(13);
  });

  it('takes the later minute, and keeps templates only one writer has', () => {
    const base = run([1]).state;
    const a = detectBursts(base, new Map([['a1b2c3d4e5f6', timesIn(3, 2)]])).state;
    const b = detectBursts(base, new Map([['other', timesIn(1, 2)]])).state;
    const merged = mergeBurstStates(a, b, base);
    expect(merged.entries.map(([id, minute]) => [id, minute - Math.floor(T0 / MINUTE)])).toEqual([
      ['a1b2c3d4e5f6', 3],
      ['other', 1],
    ]);
  });

  it('moves statistics to the template an id was merged into, and drops unknown ids', () => {
    const state = run([2], 'old').state;
    const withGone = { ...state, entries: [...state.entries, ['gone', 1, 1, 0, 0, 0, -1] as (typeof state.entries)[number]] };
    const renamed = renameBurstTemplates(withGone, (id) => (id === 'old' ? 'new' : undefined));
    expect(renamed.entries.map(([id]) => id)).toEqual(['new']);
  });
});
