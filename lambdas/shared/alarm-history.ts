import { type AlarmHistoryItem as CloudWatchHistoryItem, type CloudWatchClient, DescribeAlarmHistoryCommand } from '@aws-sdk/client-cloudwatch';
import { callAws } from './aws-errors.js';
import type { AlarmHistoryItem } from './workflow.js';

/** Longest history summary kept. */
const MAX_SUMMARY_CHARS = 200;

/** A span of time to read. */
export interface HistoryWindow {
  readonly start: Date;
  readonly end: Date;
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
  window: HistoryWindow,
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
