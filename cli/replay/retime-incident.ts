import type { Incident } from '../../lambdas/shared/incident.js';

/**
 * Moves an incident in time so its onset is `leadMs` before `now`, keeping
 * every interval between its times. An offline replay does this: the
 * simulated world's metrics, logs and alarm history are generated around
 * the present, and a sample's onset weeks ago would find nothing in its
 * context windows. The incident id stays the one the intake derived.
 */
export function retimeIncident(incident: Incident, now: Date, leadMs = 60_000): { incident: Incident; shiftMs: number } {
  const shiftMs = now.getTime() - leadMs - Date.parse(incident.onsetAt);
  if (Math.abs(shiftMs) < 1_000) return { incident, shiftMs: 0 };
  const move = (iso: string) => new Date(Date.parse(iso) + shiftMs).toISOString();
  return {
    incident: {
      ...incident,
      onsetAt: move(incident.onsetAt),
      detectedAt: move(incident.detectedAt),
      evidence: incident.evidence.map((item) => ({ ...item, at: move(item.at) })),
    },
    shiftMs,
  };
}

/** `3d 4h 12m`: a shift as a reader wants it. */
export function describeShift(shiftMs: number): string {
  let minutes = Math.round(Math.abs(shiftMs) / 60_000);
  const days = Math.floor(minutes / 1_440);
  minutes -= days * 1_440;
  const hours = Math.floor(minutes / 60);
  minutes -= hours * 60;
  const parts = [days > 0 ? `${days}d` : '', hours > 0 ? `${hours}h` : '', `${minutes}m`].filter((part) => part !== '');
  return `${shiftMs >= 0 ? 'forward' : 'back'} ${parts.join(' ')}`;
}
