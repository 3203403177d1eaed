import type { AlarmHistoryItem, AlarmState } from '../shared/workflow.js';
import type { IndexEffectOutcome } from '../shared/index-advisor/judge-index-effect.js';

/** An alarm as verification reads it: its state now, and its state changes since the action (any order). */
export interface ObservedAlarm {
  readonly name: string;
  /** Undefined when the alarm no longer exists. */
  readonly state?: AlarmState;
  readonly history: readonly AlarmHistoryItem[];
  /** False when the history could not be read; then only the state now is known. */
  readonly historyKnown: boolean;
}

export type Verdict = 'recovered' | 'flapping' | 'unintended-consequence' | 'improving' | 'not-recovered';

export interface VerificationInput {
  /** The alarms that must be back to OK: the incident's own. */
  readonly primary: readonly ObservedAlarm[];
  /** Alarms that must not have gone into ALARM since the action. */
  readonly dependents: readonly ObservedAlarm[];
  readonly actedAt: Date;
  readonly now: Date;
  /** The primary metric's value when the plan was made, to tell an improving metric from a stuck one. */
  readonly valueAtPlan?: number;
  /** Whether a step that helped is kept for the next one to build on (see the catalog's `incremental`). */
  readonly incremental: boolean;
  /**
   * Share of the way from the value at plan time to the threshold that the
   * metric must have moved for an incremental step to count as improving.
   * @default 0.1
   */
  readonly minImprovement?: number;
}

export interface VerificationJudgement {
  readonly healthy: boolean;
  readonly verdict: Verdict;
  /** Whether the workflow undoes the action. */
  readonly undo: boolean;
  readonly alarmState: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  /** Dependent alarms that went into ALARM since the action. */
  readonly tripped: readonly string[];
  readonly summary: string;
}

type State = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** The state a CloudWatch history summary says the alarm moved to (`Alarm updated from OK to ALARM`). */
export function targetStateOf(summary: string): State | undefined {
  const match = / to (OK|ALARM|INSUFFICIENT_DATA)\b/.exec(summary);
  return match === null ? undefined : (match[1] as State);
}

/** The alarm's transitions at or after `since`, oldest first. */
function transitionsSince(alarm: ObservedAlarm, since: Date): { at: Date; to: State }[] {
  return alarm.history
    .map((item) => ({ at: new Date(item.at), to: targetStateOf(item.summary) }))
    .filter((item): item is { at: Date; to: State } => item.to !== undefined && item.at.getTime() >= since.getTime())
    .sort((a, b) => a.at.getTime() - b.at.getTime());
}

/**
 * Whether a dependent alarm was tripped by the action: it went into ALARM
 * after the action. One in ALARM now whose history cannot be read cannot be
 * cleared of it, so it counts as tripped: safety over benefit of the doubt.
 * One that was already in ALARM before the action, and has not moved, does not.
 */
function tripped(alarm: ObservedAlarm, actedAt: Date): boolean {
  if (transitionsSince(alarm, actedAt).some((item) => item.to === 'ALARM')) return true;
  if (alarm.state?.state !== 'ALARM') return false;
  if (!alarm.historyKnown) return true;
  const last = alarm.history.map((item) => new Date(item.at).getTime()).sort((a, b) => b - a)[0];
  return last === undefined ? false : last >= actedAt.getTime();
}

/**
 * Flapping: after the action the alarm went back into ALARM after having
 * been OK (OK → ALARM → OK inside the window). Being OK at this instant is
 * then luck, not recovery.
 */
function relapsed(alarm: ObservedAlarm, actedAt: Date): boolean {
  let sawOk = false;
  for (const item of transitionsSince(alarm, actedAt)) {
    if (item.to === 'OK') sawOk = true;
    else if (item.to === 'ALARM' && sawOk) return true;
  }
  return false;
}

/** Whether the metric moved toward its threshold by at least `share` of the distance it had to go. */
function improved(alarm: AlarmState | undefined, valueAtPlan: number | undefined, share: number): boolean {
  if (alarm?.latestValue === undefined || valueAtPlan === undefined || alarm.threshold === undefined) return false;
  const distance = valueAtPlan - alarm.threshold;
  if (distance === 0) return false;
  const moved = valueAtPlan - alarm.latestValue;
  // Moving toward the threshold means moving in the sign of `distance`, whichever side the alarm fires on.
  return moved / distance >= share;
}

/**
 * Judges an action after its wait. Healthy means every primary alarm is OK
 * and stayed OK once it recovered, and no dependent alarm went into ALARM
 * since the action. Anything else fails, and the action is undone — except
 * an incremental step that moved the metric toward its threshold, which is
 * kept for the next step to build on.
 */
export function judgeVerification(input: VerificationInput): VerificationJudgement {
  const states = input.primary.map((alarm) => alarm.state?.state ?? 'INSUFFICIENT_DATA');
  const alarmState: State = states.includes('ALARM') ? 'ALARM' : states.every((state) => state === 'OK') && states.length > 0 ? 'OK' : 'INSUFFICIENT_DATA';
  const trippedNames = input.dependents.filter((alarm) => tripped(alarm, input.actedAt)).map((alarm) => alarm.name);
  const describe = (alarm: ObservedAlarm) =>
    alarm.state === undefined
      ? `${alarm.name} not found`
      : `${alarm.name} is ${alarm.state.state}${alarm.state.latestValue === undefined ? '' : ` at ${alarm.state.latestValue}`}`;
  const primaryText = input.primary.map(describe).join('; ');

  if (trippedNames.length > 0) {
    return {
      healthy: false,
      verdict: 'unintended-consequence',
      undo: true,
      alarmState,
      tripped: trippedNames,
      summary: `unintended consequence: dependent alarm ${trippedNames.join(', ')} went into ALARM after the action; ${primaryText}`,
    };
  }
  const flapping = input.primary.filter((alarm) => relapsed(alarm, input.actedAt)).map((alarm) => alarm.name);
  if (alarmState === 'OK' && flapping.length === 0) {
    return { healthy: true, verdict: 'recovered', undo: false, alarmState, tripped: [], summary: `recovered: ${primaryText}` };
  }
  if (flapping.length > 0) {
    return {
      healthy: false,
      verdict: 'flapping',
      undo: !input.incremental,
      alarmState,
      tripped: [],
      summary: `flapping: ${flapping.join(', ')} recovered and went back into ALARM after the action; ${primaryText}`,
    };
  }
  const first = input.primary[0]?.state;
  if (input.incremental && improved(first, input.valueAtPlan, input.minImprovement ?? 0.1)) {
    return {
      healthy: false,
      verdict: 'improving',
      undo: false,
      alarmState,
      tripped: [],
      summary: `improving but not recovered: ${primaryText} (was ${input.valueAtPlan} when planned); the step is kept for the next one`,
    };
  }
  const why = alarmState === 'INSUFFICIENT_DATA' ? 'recovery cannot be confirmed' : 'the action did not help';
  return { healthy: false, verdict: 'not-recovered', undo: true, alarmState, tripped: [], summary: `not recovered, ${why}: ${primaryText}` };
}

/** What MeasureIndexEffect found (see `IndexEffectSchema`). */
export interface MeasuredIndexEffect {
  readonly verdict: IndexEffectOutcome;
  readonly summary: string;
}

/**
 * An index is judged first by what it did to its query, measured in the
 * database, then by the alarms as any action. An index whose query did not
 * get faster by the resource's minImprovement (or could not be shown to),
 * or that slowed another busy query, is not healthy and is undone, whatever
 * the alarms say. One that helped is kept; the incident is over when the
 * alarms agree (recovered, no dependent tripped), and otherwise another
 * attempt looks again (the index stays: it did its job).
 */
export function judgeIndexVerification(alarms: VerificationJudgement, effect: MeasuredIndexEffect): VerificationJudgement {
  const measured = `index effect ${effect.verdict}: ${effect.summary}`;
  const alarmsSay = `alarms: ${alarms.summary}`;
  if (effect.verdict === 'regressed-other') {
    return { ...alarms, healthy: false, verdict: 'unintended-consequence', undo: true, summary: `${measured}; the index is undone; ${alarmsSay}` };
  }
  if (effect.verdict !== 'improved') {
    return { ...alarms, healthy: false, verdict: 'not-recovered', undo: true, summary: `${measured}; the index did not help and is undone; ${alarmsSay}` };
  }
  if (alarms.verdict === 'unintended-consequence') return { ...alarms, summary: `${measured}; but ${alarms.summary}` };
  if (alarms.healthy) return { ...alarms, summary: `${measured}; ${alarms.summary}` };
  return { ...alarms, undo: false, summary: `${measured}; the index is kept, but the incident is not over: ${alarms.summary}` };
}
