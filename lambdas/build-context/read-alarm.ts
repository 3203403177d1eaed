import {
  type AlarmHistoryItem as CloudWatchHistoryItem,
  type CloudWatchClient,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  type MetricAlarm,
} from '@aws-sdk/client-cloudwatch';
import { callAws } from '../shared/aws-errors.js';
import { TargetNotFoundError } from '../shared/errors.js';
import type { AlarmHistoryItem } from '../shared/workflow.js';
import type { TimeWindow } from './context-window.js';

/** Longest history summary kept. */
const MAX_SUMMARY_CHARS = 200;

/**
 * Reads one metric alarm as CloudWatch describes it (the metric, its
 * dimensions and statistic are needed for the metric window). An alarm that
 * no longer exists is `TargetNotFoundError`.
 */
export async function readMetricAlarm(client: CloudWatchClient, name: string, abortSignal?: AbortSignal): Promise<MetricAlarm> {
  const result = await callAws('DescribeAlarms', () =>
    client.send(new DescribeAlarmsCommand({ AlarmNames: [name], AlarmTypes: ['MetricAlarm'] }), { abortSignal }),
  );
  const alarm = result.MetricAlarms?.find((candidate) => candidate.AlarmName === name);
  if (alarm === undefined) throw new TargetNotFoundError(`alarm ${name} no longer exists`);
  return alarm;
}

/** The alarm's state changes as the context shows them, newest first, at most `max`. */
export function toAlarmHistory(items: readonly CloudWatchHistoryItem[], max: number): AlarmHistoryItem[] {
  return items
    .filter((item) => item.Timestamp !== undefined)
    .sort((a, b) => b.Timestamp!.getTime() - a.Timestamp!.getTime())
    .slice(0, max)
    .map((item) => ({
      at: item.Timestamp!.toISOString(),
      summary: (item.HistorySummary ?? 'state changed').slice(0, MAX_SUMMARY_CHARS),
    }));
}

/** The alarm's recent state changes within the window (flapping shows here). */
export async function readAlarmHistory(
  client: CloudWatchClient,
  alarmName: string,
  window: TimeWindow,
  max: number,
  abortSignal?: AbortSignal,
): Promise<AlarmHistoryItem[]> {
  if (max === 0) return [];
  const result = await callAws('DescribeAlarmHistory', () =>
    client.send(
      new DescribeAlarmHistoryCommand({
        AlarmName: alarmName,
        HistoryItemType: 'StateUpdate',
        StartDate: window.start,
        EndDate: window.end,
        MaxRecords: max,
        ScanBy: 'TimestampDescending',
      }),
      { abortSignal },
    ),
  );
  return toAlarmHistory(result.AlarmHistoryItems ?? [], max);
}
