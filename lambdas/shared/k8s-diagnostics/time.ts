/**
 * Kubernetes timestamps. The client-node models type them as `Date`, but a
 * snapshot read as plain JSON (a fixture, a Step Functions payload) carries
 * RFC 3339 strings; both are accepted.
 */
export type KubeTime = Date | string | number | undefined | null;

/** Milliseconds since the epoch, or undefined when absent or unparseable. */
export function timeMs(value: KubeTime): number | undefined {
  if (value === undefined || value === null) return undefined;
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

/** ISO 8601 (UTC), or undefined when absent or unparseable. */
export function toIso(value: KubeTime): string | undefined {
  const ms = timeMs(value);
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

/** The earliest of the given times, as ISO. */
export function earliestIso(values: readonly KubeTime[]): string | undefined {
  let best: number | undefined;
  for (const value of values) {
    const ms = timeMs(value);
    if (ms !== undefined && (best === undefined || ms < best)) best = ms;
  }
  return best === undefined ? undefined : new Date(best).toISOString();
}

/** The first time that is present and parseable, as ISO. */
export function firstIso(...values: KubeTime[]): string | undefined {
  for (const value of values) {
    const iso = toIso(value);
    if (iso !== undefined) return iso;
  }
  return undefined;
}
