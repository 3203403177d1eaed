import type { V1ObjectMeta } from '@kubernetes/client-node';

/**
 * Every write also stamps this annotation on the object's own metadata (not
 * the pod template, so it starts no rollout). It names the incident, attempt
 * and step, which makes a retried apply or undo recognise its own earlier
 * write, and tells whoever runs `kubectl describe` who changed the object.
 */
export const CHANGE_ANNOTATION = 'self-healing-aws/change';

export interface ChangeMarker {
  readonly incidentId: string;
  readonly action: string;
  readonly step: 'apply' | 'undo';
  /** The apply attempt; an undo names the incident only. */
  readonly attempt?: number;
  readonly at: string;
}

export function markerValue(marker: ChangeMarker): string {
  return JSON.stringify(marker);
}

export function readMarker(metadata: Pick<V1ObjectMeta, 'annotations'> | undefined): ChangeMarker | undefined {
  const raw = metadata?.annotations?.[CHANGE_ANNOTATION];
  if (raw === undefined) return undefined;
  try {
    const parsed = JSON.parse(raw) as Partial<ChangeMarker>;
    if (typeof parsed.incidentId !== 'string' || typeof parsed.action !== 'string' || (parsed.step !== 'apply' && parsed.step !== 'undo')) return undefined;
    return parsed as ChangeMarker;
  } catch {
    return undefined;
  }
}

/** Whether the object already carries this very write. */
export function isMarkedBy(
  metadata: Pick<V1ObjectMeta, 'annotations'> | undefined,
  expected: Pick<ChangeMarker, 'incidentId' | 'action' | 'step'> & { attempt?: number },
): boolean {
  const marker = readMarker(metadata);
  return (
    marker !== undefined &&
    marker.incidentId === expected.incidentId &&
    marker.action === expected.action &&
    marker.step === expected.step &&
    (expected.attempt === undefined || marker.attempt === expected.attempt)
  );
}

/** RFC 6901 escaping of one JSON Pointer segment. */
export function pointerSegment(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** RFC 3339 to the second, as `kubectl rollout restart` writes it. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
