import { describe, expect, it } from 'vitest';
import {
  judgeVerification,
  type ObservedAlarm,
  targetStateOf,
  type VerificationInput,
} from '../../../lambdas/verify-recovery/judge-verification.js';
import type { AlarmHistoryItem, AlarmState } from '../../../lambdas/shared/workflow.js';

const ACTED_AT = new Date('2026-11-27T10:00:10.000Z');
const NOW = new Date('2026-11-27T10:05:10.000Z');

/** An ISO time `seconds` after the action (negative: before it). */
const at = (seconds: number) => new Date(ACTED_AT.getTime() + seconds * 1_000).toISOString();

/** One CloudWatch state-update history item, as `readAlarmHistory` returns it. */
const moved = (seconds: number, from: AlarmState['state'], to: AlarmState['state']): AlarmHistoryItem => ({
  at: at(seconds),
  summary: `Alarm updated from ${from} to ${to}`,
});

function observed(
  name: string,
  state: AlarmState['state'] | undefined,
  options: { latestValue?: number; threshold?: number; comparisonOperator?: string; history?: AlarmHistoryItem[]; historyKnown?: boolean } = {},
): ObservedAlarm {
  return {
    name,
    state:
      state === undefined
        ? undefined
        : { name, state, threshold: options.threshold ?? 70, comparisonOperator: options.comparisonOperator ?? 'GreaterThanThreshold', latestValue: options.latestValue },
    history: options.history ?? [],
    historyKnown: options.historyKnown ?? true,
  };
}

function judge(overrides: Partial<VerificationInput> = {}) {
  return judgeVerification({
    primary: [observed('web-cpu-high', 'OK', { latestValue: 55, history: [moved(120, 'ALARM', 'OK')] })],
    dependents: [],
    actedAt: ACTED_AT,
    now: NOW,
    valueAtPlan: 95,
    incremental: false,
    ...overrides,
  });
}

describe('targetStateOf', () => {
  it.each([
    ['Alarm updated from OK to ALARM', 'ALARM'],
    ['Alarm updated from ALARM to OK', 'OK'],
    ['Alarm updated from OK to INSUFFICIENT_DATA', 'INSUFFICIENT_DATA'],
    ['Alarm updated from INSUFFICIENT_DATA to OK', 'OK'],
  ] as const)('reads %j as a move to %s', (summary, state) => {
    expect(targetStateOf(summary)).toBe(state);
  });

  it.each([
    ['state changed'],
    ['Alarm "web-cpu-high" created'],
    ['Alarm updated from OK to ALARMING'],
    ['Alarm updated from OK to alarm'],
    [''],
  ])('reads no state from %j', (summary) => {
    expect(targetStateOf(summary)).toBeUndefined();
  });
});

describe('judgeVerification', () => {
  describe('the primary alarm', () => {
    it('is recovered when every primary alarm is OK and stayed OK', () => {
      // Act
      const judgement = judge();

      // Assess
      expect(judgement).toEqual({
        healthy: true,
        verdict: 'recovered',
        undo: false,
        alarmState: 'OK',
        tripped: [],
        summary: 'recovered: web-cpu-high is OK at 55',
      });
    });

    it('is not recovered while the alarm is still in ALARM, and the action is undone', () => {
      // Act
      const judgement = judge({ primary: [observed('web-cpu-high', 'ALARM', { latestValue: 94 })] });

      // Assess
      expect(judgement).toMatchObject({ healthy: false, verdict: 'not-recovered', undo: true, alarmState: 'ALARM', tripped: [] });
      expect(judgement.summary).toBe('not recovered, the action did not help: web-cpu-high is ALARM at 94');
    });

    it('is not healthy with INSUFFICIENT_DATA: recovery cannot be confirmed', () => {
      // Act
      const judgement = judge({ primary: [observed('web-cpu-high', 'INSUFFICIENT_DATA')] });

      // Assess
      expect(judgement).toMatchObject({ healthy: false, verdict: 'not-recovered', undo: true, alarmState: 'INSUFFICIENT_DATA' });
      expect(judgement.summary).toBe('not recovered, recovery cannot be confirmed: web-cpu-high is INSUFFICIENT_DATA');
    });

    it('is not healthy when the alarm no longer exists', () => {
      // Act
      const judgement = judge({ primary: [observed('web-cpu-high', undefined)] });

      // Assess
      expect(judgement).toMatchObject({ healthy: false, verdict: 'not-recovered', alarmState: 'INSUFFICIENT_DATA' });
      expect(judgement.summary).toContain('web-cpu-high not found');
    });

    it('is not healthy with no primary alarm at all', () => {
      // Act
      const judgement = judge({ primary: [] });

      // Assess
      expect(judgement.healthy).toBe(false);
      expect(judgement.alarmState).toBe('INSUFFICIENT_DATA');
    });

    it('needs every primary alarm OK: one OK and one without data is not healthy', () => {
      // Act
      const judgement = judge({ primary: [observed('site-requests-high', 'OK', { latestValue: 10 }), observed('site-5xx', 'INSUFFICIENT_DATA')] });

      // Assess
      expect(judgement).toMatchObject({ healthy: false, alarmState: 'INSUFFICIENT_DATA' });
      expect(judgement.summary).toContain('site-requests-high is OK at 10; site-5xx is INSUFFICIENT_DATA');
    });

    it('reports ALARM when any primary alarm is in ALARM', () => {
      // Act
      const judgement = judge({ primary: [observed('a', 'OK'), observed('b', 'ALARM'), observed('c', 'INSUFFICIENT_DATA')] });

      // Assess
      expect(judgement).toMatchObject({ healthy: false, alarmState: 'ALARM' });
    });
  });

  describe('flapping', () => {
    // In ALARM when the action ran; OK, back in ALARM, OK again, all inside the window.
    const flapping = () => [
      observed('web-cpu-high', 'OK', { latestValue: 60, history: [moved(60, 'ALARM', 'OK'), moved(150, 'OK', 'ALARM'), moved(240, 'ALARM', 'OK')] }),
    ];

    it('is not healthy when the alarm went OK → ALARM → OK inside the window: OK now is luck, not recovery', () => {
      // Act
      const judgement = judge({ primary: flapping() });

      // Assess
      expect(judgement).toMatchObject({ healthy: false, verdict: 'flapping', alarmState: 'OK', undo: true });
      expect(judgement.summary).toContain('flapping: web-cpu-high recovered and went back into ALARM after the action');
    });

    it('finds the relapse whatever order the history is in', () => {
      // Act
      const judgement = judge({ primary: [{ ...flapping()[0]!, history: [...flapping()[0]!.history].reverse() }] });

      // Assess
      expect(judgement.verdict).toBe('flapping');
    });

    it('keeps an incremental step when the alarm flaps: the next step builds on it', () => {
      // Act
      const judgement = judge({ primary: flapping(), incremental: true });

      // Assess
      expect(judgement).toMatchObject({ healthy: false, verdict: 'flapping', undo: false });
    });

    it('counts a relapse that is still in ALARM as flapping too', () => {
      // Act
      const judgement = judge({ primary: [observed('web-cpu-high', 'ALARM', { latestValue: 90, history: [moved(60, 'ALARM', 'OK'), moved(150, 'OK', 'ALARM')] })] });

      // Assess
      expect(judgement).toMatchObject({ healthy: false, verdict: 'flapping', alarmState: 'ALARM', undo: true });
    });

    it('ignores flapping before the action: only transitions since actedAt count', () => {
      // Act
      const judgement = judge({
        primary: [observed('web-cpu-high', 'OK', { latestValue: 50, history: [moved(-300, 'ALARM', 'OK'), moved(-200, 'OK', 'ALARM'), moved(30, 'ALARM', 'OK')] })],
      });

      // Assess
      expect(judgement).toMatchObject({ healthy: true, verdict: 'recovered' });
    });

    it('does not call a single recovery flapping', () => {
      // Act
      const judgement = judge({ primary: [observed('web-cpu-high', 'OK', { history: [moved(30, 'ALARM', 'INSUFFICIENT_DATA'), moved(90, 'INSUFFICIENT_DATA', 'OK')] })] });

      // Assess
      expect(judgement.verdict).toBe('recovered');
    });
  });

  describe('dependent alarms', () => {
    it('is an unintended consequence when a dependent alarm went into ALARM after the action, even with the primary OK', () => {
      // Act
      const judgement = judge({
        dependents: [observed('db-connections-high', 'ALARM', { history: [moved(45, 'OK', 'ALARM')] }), observed('api-5xx', 'OK')],
      });

      // Assess
      expect(judgement).toMatchObject({ healthy: false, verdict: 'unintended-consequence', undo: true, alarmState: 'OK', tripped: ['db-connections-high'] });
      expect(judgement.summary).toBe('unintended consequence: dependent alarm db-connections-high went into ALARM after the action; web-cpu-high is OK at 55');
    });

    it('undoes even an incremental step that tripped a dependent alarm', () => {
      // Act
      const judgement = judge({ incremental: true, dependents: [observed('db-connections-high', 'ALARM', { history: [moved(45, 'OK', 'ALARM')] })] });

      // Assess
      expect(judgement).toMatchObject({ verdict: 'unintended-consequence', undo: true });
    });

    it('counts a dependent that went into ALARM after the action and is OK again', () => {
      // Act
      const judgement = judge({ dependents: [observed('db-connections-high', 'OK', { history: [moved(45, 'OK', 'ALARM'), moved(200, 'ALARM', 'OK')] })] });

      // Assess
      expect(judgement.tripped).toEqual(['db-connections-high']);
    });

    it('does not count a dependent that was already in ALARM before the action and has not moved', () => {
      // Act
      const judgement = judge({ dependents: [observed('db-connections-high', 'ALARM', { history: [moved(-600, 'OK', 'ALARM')] })] });

      // Assess
      expect(judgement).toMatchObject({ healthy: true, verdict: 'recovered', tripped: [] });
    });

    it('does not count a dependent in ALARM whose (known) history since the action is empty', () => {
      // Act: the handler reads history from actedAt on, so an alarm that moved before has none.
      const judgement = judge({ dependents: [observed('db-connections-high', 'ALARM', { history: [] })] });

      // Assess
      expect(judgement.tripped).toEqual([]);
      expect(judgement.healthy).toBe(true);
    });

    it('counts a dependent in ALARM whose history could not be read as tripped: safety over benefit of the doubt', () => {
      // Act
      const judgement = judge({ dependents: [observed('db-connections-high', 'ALARM', { historyKnown: false })] });

      // Assess
      expect(judgement).toMatchObject({ healthy: false, verdict: 'unintended-consequence', undo: true, tripped: ['db-connections-high'] });
    });

    it('does not count a dependent that is OK with unreadable history', () => {
      // Act
      const judgement = judge({ dependents: [observed('db-connections-high', 'OK', { historyKnown: false })] });

      // Assess
      expect(judgement.tripped).toEqual([]);
    });

    it('names every tripped dependent', () => {
      // Act
      const judgement = judge({
        dependents: [
          observed('db-connections-high', 'ALARM', { history: [moved(45, 'OK', 'ALARM')] }),
          observed('queue-depth-high', 'ALARM', { historyKnown: false }),
          observed('api-5xx', 'ALARM', { history: [moved(-45, 'OK', 'ALARM')] }),
        ],
      });

      // Assess
      expect(judgement.tripped).toEqual(['db-connections-high', 'queue-depth-high']);
      expect(judgement.summary).toContain('dependent alarm db-connections-high, queue-depth-high went into ALARM');
    });
  });

  describe('an incremental step that helped but did not clear the alarm', () => {
    const stillHigh = (latestValue: number) => [observed('web-cpu-high', 'ALARM', { latestValue, threshold: 70 })];

    it('is kept when the metric moved toward its threshold', () => {
      // Act: 95 → 80 against a threshold of 70 is 60 % of the way
      const judgement = judge({ primary: stillHigh(80), valueAtPlan: 95, incremental: true });

      // Assess
      expect(judgement).toMatchObject({ healthy: false, verdict: 'improving', undo: false, alarmState: 'ALARM' });
      expect(judgement.summary).toBe('improving but not recovered: web-cpu-high is ALARM at 80 (was 95 when planned); the step is kept for the next one');
    });

    it('is undone when the metric went the wrong way', () => {
      // Act
      const judgement = judge({ primary: stillHigh(98), valueAtPlan: 95, incremental: true });

      // Assess
      expect(judgement).toMatchObject({ verdict: 'not-recovered', undo: true });
    });

    it('is undone when the metric barely moved (less than the minimum share of the way)', () => {
      // Act: 95 → 94 is 4 % of the way, under the default 10 %
      const judgement = judge({ primary: stillHigh(94), valueAtPlan: 95, incremental: true });

      // Assess
      expect(judgement).toMatchObject({ verdict: 'not-recovered', undo: true });
    });

    it('honours a custom minimum improvement', () => {
      // Act: 95 → 90 is 20 % of the way
      const kept = judge({ primary: stillHigh(90), valueAtPlan: 95, incremental: true, minImprovement: 0.2 });
      const undone = judge({ primary: stillHigh(90), valueAtPlan: 95, incremental: true, minImprovement: 0.25 });

      // Assess
      expect(kept.verdict).toBe('improving');
      expect(undone.verdict).toBe('not-recovered');
    });

    it('treats a "low" alarm (LessThanThreshold) moving up as improvement, and moving down as not', () => {
      // Prepare: healthy hosts fell to 3 against a floor of 10
      const low = (latestValue: number) => [observed('web-healthy-hosts-low', 'ALARM', { latestValue, threshold: 10, comparisonOperator: 'LessThanThreshold' })];

      // Act
      const up = judge({ primary: low(7), valueAtPlan: 3, incremental: true });
      const down = judge({ primary: low(1), valueAtPlan: 3, incremental: true });

      // Assess
      expect(up).toMatchObject({ verdict: 'improving', undo: false });
      expect(down).toMatchObject({ verdict: 'not-recovered', undo: true });
    });

    it('is undone when a non-incremental action improved the metric without clearing the alarm', () => {
      // Act
      const judgement = judge({ primary: stillHigh(80), valueAtPlan: 95, incremental: false });

      // Assess
      expect(judgement).toMatchObject({ verdict: 'not-recovered', undo: true });
    });

    it.each([
      ['no value at plan time', { valueAtPlan: undefined }],
      ['no value now', { primary: [observed('web-cpu-high', 'ALARM', { latestValue: undefined })] }],
      ['a value at plan time on the threshold', { valueAtPlan: 70 }],
    ])('cannot call it improving with %s', (_title, overrides) => {
      // Act
      const judgement = judge({ primary: stillHigh(80), valueAtPlan: 95, incremental: true, ...overrides });

      // Assess
      expect(judgement).toMatchObject({ verdict: 'not-recovered', undo: true });
    });
  });
});
