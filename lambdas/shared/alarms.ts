import { type CloudWatchClient, DescribeAlarmsCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { callAws } from './aws-errors.js';
import type { AlarmState } from './workflow.js';

/** The newest datapoint an alarm evaluated, from its StateReasonData, when present. */
export function latestDatapoint(stateReasonData: string | undefined): number | undefined {
  if (stateReasonData === undefined) return undefined;
  try {
    const data = JSON.parse(stateReasonData) as { recentDatapoints?: unknown };
    const points = Array.isArray(data.recentDatapoints) ? data.recentDatapoints : [];
    const last: unknown = points.at(-1);
    return typeof last === 'number' && Number.isFinite(last) ? last : undefined;
  } catch {
    return undefined;
  }
}

export function toAlarmState(alarm: MetricAlarm): AlarmState {
  return {
    name: alarm.AlarmName ?? '',
    state: alarm.StateValue ?? 'INSUFFICIENT_DATA',
    metricName: alarm.MetricName,
    namespace: alarm.Namespace,
    threshold: alarm.Threshold,
    comparisonOperator: alarm.ComparisonOperator,
    latestValue: latestDatapoint(alarm.StateReasonData),
    updatedAt: alarm.StateUpdatedTimestamp?.toISOString(),
  };
}

/** Reads one metric alarm; `undefined` when it does not exist. */
export async function describeAlarm(client: CloudWatchClient, name: string): Promise<AlarmState | undefined> {
  const result = await callAws('DescribeAlarms', () =>
    client.send(new DescribeAlarmsCommand({ AlarmNames: [name], AlarmTypes: ['MetricAlarm'] })),
  );
  const alarm = result.MetricAlarms?.find((candidate) => candidate.AlarmName === name);
  return alarm === undefined ? undefined : toAlarmState(alarm);
}
