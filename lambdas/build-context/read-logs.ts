import { type CloudWatchLogsClient, FilterLogEventsCommand, type FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { compactAccessLogLine } from '../shared/access-logs/compact-access-log.js';
import { callAws } from '../shared/aws-errors.js';
import type { LogExcerpt, LogLine } from '../shared/workflow.js';
import type { TimeWindow } from './context-window.js';

/** Matching events read per log group (one FilterLogEvents page); the count of matches covers these. */
export const LOG_SCAN_LIMIT = 500;

/** Longest log stream name kept (it usually names the instance or task). */
const MAX_STREAM_CHARS = 100;

export interface LogLimits {
  readonly maxLines: number;
  readonly maxLineChars: number;
}

// Terminal escapes, then every control character but tab, newline and carriage return.
const ANSI_ESCAPES = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/**
 * A log line as the context carries it: terminal escapes and control
 * characters removed, whitespace (including newlines) collapsed to single
 * spaces, and cut to `maxChars` (ending in `…` when cut). The text stays
 * untrusted; this only keeps it short and printable.
 */
export function cleanLogMessage(message: string, maxChars: number): string {
  const clean = message.replace(ANSI_ESCAPES, '').replace(CONTROL_CHARACTERS, '').replace(/\s+/g, ' ').trim();
  return clean.length <= maxChars ? clean : `${clean.slice(0, Math.max(0, maxChars - 1))}…`;
}

/**
 * The lines worth showing from the matched events: identical lines folded
 * into one (with `repeats`), and when more remain than `maxLines`, the first
 * ones (closest to the onset) and the latest ones, oldest first.
 */
export function selectLogLines(events: readonly FilteredLogEvent[], limits: LogLimits): LogLine[] {
  if (limits.maxLines <= 0) return [];
  const folded = new Map<string, LogLine>();
  const ordered = [...events]
    .filter((event) => event.message !== undefined && event.timestamp !== undefined)
    .sort((a, b) => a.timestamp! - b.timestamp!);
  for (const event of ordered) {
    const message = cleanLogMessage(compactAccessLogLine(event.message!), limits.maxLineChars);
    if (message === '') continue;
    const seen = folded.get(message);
    if (seen !== undefined) {
      seen.repeats = (seen.repeats ?? 1) + 1;
      continue;
    }
    folded.set(message, {
      at: new Date(event.timestamp!).toISOString(),
      ...(event.logStreamName === undefined ? {} : { stream: event.logStreamName.slice(0, MAX_STREAM_CHARS) }),
      message,
    });
  }
  const lines = [...folded.values()];
  if (lines.length <= limits.maxLines) return lines;
  const first = Math.ceil(limits.maxLines / 2);
  const latest = limits.maxLines - first;
  return [...lines.slice(0, first), ...(latest === 0 ? [] : lines.slice(-latest))];
}

/** One log group's excerpt from a FilterLogEvents page. */
export function toLogExcerpt(
  logGroupName: string,
  events: readonly FilteredLogEvent[],
  moreAvailable: boolean,
  limits: LogLimits,
): LogExcerpt {
  return {
    logGroupName,
    matchedLines: events.length,
    moreAvailable,
    lines: selectLogLines(events, limits),
  };
}

/** The lines of one log group that match the pattern within the window. */
export async function readLogGroup(
  client: CloudWatchLogsClient,
  logGroupName: string,
  window: TimeWindow,
  filterPattern: string,
  limits: LogLimits,
  abortSignal?: AbortSignal,
): Promise<LogExcerpt> {
  const result = await callAws('FilterLogEvents', () =>
    client.send(
      new FilterLogEventsCommand({
        logGroupName,
        startTime: window.start.getTime(),
        endTime: window.end.getTime(),
        ...(filterPattern === '' ? {} : { filterPattern }),
        limit: LOG_SCAN_LIMIT,
      }),
      { abortSignal },
    ),
  );
  const events = result.events ?? [];
  return toLogExcerpt(logGroupName, events, result.nextToken !== undefined && result.nextToken !== '', limits);
}
