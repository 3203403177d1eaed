import type { HistoryEvent } from '@aws-sdk/client-sfn';
import type { ExecutionInfo, ExecutionStep } from './report-model.js';

/** Events that say a state's work failed: the error is kept on the state unless a retry follows. */
const FAILURE_DETAILS = [
  'lambdaFunctionFailedEventDetails',
  'lambdaFunctionTimedOutEventDetails',
  'lambdaFunctionStartFailedEventDetails',
  'lambdaFunctionScheduleFailedEventDetails',
  'taskFailedEventDetails',
  'taskTimedOutEventDetails',
  'taskStartFailedEventDetails',
  'taskSubmitFailedEventDetails',
  'activityFailedEventDetails',
  'activityTimedOutEventDetails',
  'activityScheduleFailedEventDetails',
] as const satisfies readonly (keyof HistoryEvent)[];

/** Events that (re)start a state's work: after the first, each one is a retry. */
const SCHEDULED = new Set(['LambdaFunctionScheduled', 'TaskScheduled', 'ActivityScheduled']);

const END_STATUS: Record<string, ExecutionInfo['status']> = {
  ExecutionSucceeded: 'SUCCEEDED',
  ExecutionFailed: 'FAILED',
  ExecutionTimedOut: 'TIMED_OUT',
  ExecutionAborted: 'ABORTED',
};

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    // A truncated payload (over 256 KiB) is not JSON: kept as text, the builder reads nothing from it.
    return text;
  }
}

const timeOf = (event: HistoryEvent) => (event.timestamp instanceof Date ? event.timestamp : new Date(event.timestamp ?? 0)).toISOString();

/**
 * An execution's history (`GetExecutionHistory`, every page, oldest first,
 * with `includeExecutionData`) as the report builder reads it. A deployed
 * report Lambda calls this with the events and the execution's ARN, then
 * `buildIncidentReport(steps, execution)`.
 */
export function stepsFromExecutionHistory(events: readonly HistoryEvent[], executionArn?: string): { execution: ExecutionInfo; steps: ExecutionStep[] } {
  const execution: ExecutionInfo = {
    name: executionArn?.split(':').at(-1),
    ...(executionArn === undefined ? {} : { arn: executionArn }),
    status: 'RUNNING',
  };
  const steps: (ExecutionStep & { scheduled: number })[] = [];
  const sorted = [...events].sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
  let current: (ExecutionStep & { scheduled: number }) | undefined;
  for (const event of sorted) {
    const type = event.type ?? '';
    if (type === 'ExecutionStarted') {
      execution.startedAt = timeOf(event);
      continue;
    }
    if (type in END_STATUS) {
      execution.status = END_STATUS[type]!;
      execution.stoppedAt = timeOf(event);
      const details = event.executionFailedEventDetails ?? event.executionTimedOutEventDetails ?? event.executionAbortedEventDetails;
      if (details?.error !== undefined) execution.error = details.error;
      if (details?.cause !== undefined) execution.cause = details.cause;
      continue;
    }
    if (type.endsWith('StateEntered') && event.stateEnteredEventDetails !== undefined) {
      current = {
        stateName: event.stateEnteredEventDetails.name ?? '?',
        stateType: type.slice(0, -'StateEntered'.length),
        enteredAt: timeOf(event),
        input: parseJson(event.stateEnteredEventDetails.input),
        retries: 0,
        scheduled: 0,
      };
      steps.push(current);
      if (current.stateType === 'Fail') {
        // A Fail state is not left: its error and cause are the execution's.
        const failed = sorted.find((candidate) => candidate.type === 'ExecutionFailed');
        current.error = failed?.executionFailedEventDetails?.error;
        current.cause = failed?.executionFailedEventDetails?.cause;
      }
      continue;
    }
    if (type.endsWith('StateExited') && event.stateExitedEventDetails !== undefined) {
      const name = event.stateExitedEventDetails.name;
      const step = [...steps].reverse().find((candidate) => candidate.stateName === name && candidate.exitedAt === undefined);
      if (step === undefined) continue;
      step.exitedAt = timeOf(event);
      step.output = parseJson(event.stateExitedEventDetails.output);
      continue;
    }
    if (current === undefined) continue;
    if (SCHEDULED.has(type)) {
      current.scheduled += 1;
      if (current.scheduled > 1) {
        current.retries = (current.retries ?? 0) + 1;
        delete current.error;
        delete current.cause;
      }
      continue;
    }
    for (const key of FAILURE_DETAILS) {
      const details = event[key] as { error?: string; cause?: string } | undefined;
      if (details === undefined) continue;
      current.error = details.error ?? (key.includes('TimedOut') ? 'States.Timeout' : 'States.TaskFailed');
      if (details.cause !== undefined) current.cause = details.cause;
      else delete current.cause;
    }
  }
  return { execution, steps: steps.map(({ scheduled: _scheduled, ...step }) => step) };
}
