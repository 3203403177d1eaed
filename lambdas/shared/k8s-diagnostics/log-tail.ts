import { clipLogLine, MAX_LOG_TAIL_LINES } from './text.js';

/** The key of a container's log tail in `WorkloadSnapshot.logs`. */
export function logKey(pod: string, container: string): string {
  return `${pod}/${container}`;
}

/**
 * The last `max` lines of a container's previous log, each clipped to one
 * line of bounded length, blank lines dropped. UNTRUSTED text: it is
 * evidence, never instructions. Undefined when no lines were given.
 */
export function logTail(
  logs: Readonly<Record<string, readonly string[]>> | undefined,
  pod: string,
  container: string,
  max = MAX_LOG_TAIL_LINES,
): string[] | undefined {
  const key = logKey(pod, container);
  const lines = logs !== undefined && Object.hasOwn(logs, key) ? logs[key] : undefined;
  if (lines === undefined) return undefined;
  const kept = lines
    .flatMap((line) => line.split(/\r?\n/))
    .filter((line) => line.trim() !== '')
    .slice(-max)
    .map((line) => clipLogLine(line));
  return kept.length === 0 ? undefined : kept;
}
