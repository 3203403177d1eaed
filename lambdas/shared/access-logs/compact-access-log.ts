/**
 * A WAF log record is ~1 KB of JSON, most of it rule bookkeeping; the
 * client address sits near the end, where a length cut would lose it. For
 * the incident's context a request is its action, client and target: this
 * keeps those (in WAF's own field names, so the access-log parser still
 * reads the line) and drops the rest. The timestamp goes too, so identical
 * requests fold into one line with a repeat count. Any other line is
 * returned unchanged.
 */
export function compactAccessLogLine(line: string): string {
  const text = line.trimStart();
  if (!text.startsWith('{') || !text.includes('"httpRequest"')) return line;
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch {
    return line;
  }
  if (typeof record !== 'object' || record === null) return line;
  const { action, terminatingRuleId, httpRequest } = record as Record<string, unknown>;
  if (typeof httpRequest !== 'object' || httpRequest === null) return line;
  const { clientIp, country, httpMethod, uri } = httpRequest as Record<string, unknown>;
  if (typeof clientIp !== 'string') return line;
  return JSON.stringify({ action, terminatingRuleId, httpRequest: { clientIp, country, httpMethod, uri } });
}
