import type { CoreV1Event } from '@kubernetes/client-node';
import { clip, MAX_EVENTS_PER_FINDING } from './text.js';
import { earliestIso, timeMs } from './time.js';

/** Events, as the analyzers read them: by involved object, Warnings first. */

export interface ObjectRef {
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

/** How many times the event happened (`count`, or the event series' count, or 1). */
export function eventCount(event: CoreV1Event): number {
  return event.count ?? event.series?.count ?? 1;
}

/** When the event first happened. */
export function eventFirstSeen(event: CoreV1Event): number | undefined {
  return timeMs(event.firstTimestamp) ?? timeMs(event.eventTime) ?? timeMs(event.lastTimestamp) ?? timeMs(event.metadata?.creationTimestamp);
}

/** When the event last happened. */
export function eventLastSeen(event: CoreV1Event): number | undefined {
  return (
    timeMs(event.series?.lastObservedTime) ??
    timeMs(event.lastTimestamp) ??
    timeMs(event.eventTime) ??
    timeMs(event.firstTimestamp) ??
    timeMs(event.metadata?.creationTimestamp)
  );
}

export function isWarning(event: CoreV1Event): boolean {
  return event.type === 'Warning';
}

/** Whether the event is about this object (namespace compared when both sides have one). */
export function isAbout(event: CoreV1Event, ref: ObjectRef): boolean {
  const involved = event.involvedObject;
  if (involved?.kind !== ref.kind || involved.name !== ref.name) return false;
  const namespace = involved.namespace ?? event.metadata?.namespace;
  return ref.namespace === undefined || namespace === undefined || namespace === ref.namespace;
}

/** The events about an object, most recent first. */
export function eventsAbout(events: readonly CoreV1Event[] | undefined, ref: ObjectRef): CoreV1Event[] {
  return (events ?? [])
    .filter((event) => isAbout(event, ref))
    .sort((a, b) => (eventLastSeen(b) ?? 0) - (eventLastSeen(a) ?? 0));
}

/** The Warning events about an object, most recent first. */
export function warningsAbout(events: readonly CoreV1Event[] | undefined, ref: ObjectRef): CoreV1Event[] {
  return eventsAbout(events, ref).filter(isWarning);
}

/** `Warning BackOff ×12: Back-off restarting failed container app in pod web-1`. */
export function formatEvent(event: CoreV1Event): string {
  const count = eventCount(event);
  const head = `${event.type ?? 'Normal'} ${event.reason ?? 'Unknown'}${count > 1 ? ` ×${count}` : ''}`;
  return clip(event.message ? `${head}: ${event.message}` : head);
}

/** Formatted evidence for a finding: up to `max` events, or undefined when there are none. */
export function eventEvidence(events: readonly CoreV1Event[], max = MAX_EVENTS_PER_FINDING): string[] | undefined {
  return events.length === 0 ? undefined : events.slice(0, max).map(formatEvent);
}

/** When the earliest of the events first happened, as ISO. */
export function earliestEventIso(events: readonly CoreV1Event[]): string | undefined {
  return earliestIso(events.map(eventFirstSeen));
}
