/** Text limits for evidence, so one noisy object cannot fill the budget. */

export const MAX_EVIDENCE_LINE_CHARS = 300;
export const MAX_LOG_TAIL_LINES = 20;
export const MAX_EVENTS_PER_FINDING = 5;

/** One line: control characters replaced, whitespace collapsed, cut to `max` characters with an ellipsis. */
export function clip(text: string, max = MAX_EVIDENCE_LINE_CHARS): string {
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, Math.max(0, max - 1))}…`;
}

/** `1 pod` / `3 pods`. */
export function plural(count: number, noun: string, nounPlural = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : nounPlural}`;
}

/** `ns/name`, or `name` for cluster-scoped objects. */
export function qualified(namespace: string | undefined, name: string): string {
  return namespace === undefined || namespace === '' ? name : `${namespace}/${name}`;
}

/** A log line: like `clip`, but keeps leading indentation (a traceback's shape). */
export function clipLogLine(text: string, max = MAX_EVIDENCE_LINE_CHARS): string {
  const flat = text.replace(/\t/g, '  ').replace(/[\u0000-\u001f\u007f]+/g, ' ').trimEnd();
  return flat.length <= max ? flat : `${flat.slice(0, Math.max(0, max - 1))}…`;
}
