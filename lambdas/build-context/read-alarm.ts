import {
  type CloudWatchClient,
  DescribeAlarmsCommand,
  type MetricAlarm,
} from '@aws-sdk/client-cloudwatch';
import { callAws } from '../shared/aws-errors.js';
import { TargetNotFoundError } from '../shared/errors.js';

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

export { readAlarmHistory, toAlarmHistory } from '../shared/alarm-history.js';
