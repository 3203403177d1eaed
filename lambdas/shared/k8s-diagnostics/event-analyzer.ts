import type { CoreV1Event } from '@kubernetes/client-node';
import { eventCount, eventFirstSeen, eventLastSeen, formatEvent, isWarning } from './events.js';
import { escalate, type Finding } from './finding.js';
import { optionalAt } from './finding-parts.js';
import type { WorkloadSnapshot } from './snapshot.js';
import { clip, plural, qualified } from './text.js';
import { earliestIso, toIso } from './time.js';

/**
 * Warning events that no other finding covers, one finding per involved
 * object and reason with the occurrences summed. An object that already has
 * a finding carries its own Warning events as evidence, so its events are
 * left out here.
 */

export interface EventAnalyzerContext extends WorkloadSnapshot {
  /** Findings already made by the other analyzers. */
  readonly reported?: readonly Finding[];
}

/** From this many occurrences a Warning is medium rather than low. */
export const FREQUENT_WARNING_COUNT = 10;

const objectKey = (kind: string, namespace: string | undefined, name: string) => `${kind}|${namespace ?? ''}|${name}`;

function coveredObjects(reported: readonly Finding[]): Set<string> {
  const covered = new Set<string>();
  for (const finding of reported) {
    if (finding.kind === 'Event') continue;
    covered.add(objectKey(finding.kind, finding.namespace, finding.name));
    const lastJob = finding.evidence.details?.lastJob;
    if (finding.kind === 'CronJob' && lastJob !== undefined) covered.add(objectKey('Job', finding.namespace, lastJob));
  }
  return covered;
}

interface Group {
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly reason: string;
  readonly events: CoreV1Event[];
}

export function analyzeEvents(events: readonly CoreV1Event[], related: EventAnalyzerContext = {}): Finding[] {
  const covered = coveredObjects(related.reported ?? []);
  const groups = new Map<string, Group>();
  for (const event of events) {
    const involved = event.involvedObject;
    if (!isWarning(event) || involved?.kind === undefined || involved.name === undefined) continue;
    const namespace = involved.namespace ?? event.metadata?.namespace;
    if (covered.has(objectKey(involved.kind, namespace, involved.name))) continue;
    const reason = event.reason ?? 'Unknown';
    const key = `${objectKey(involved.kind, namespace, involved.name)}|${reason}`;
    const group = groups.get(key) ?? { kind: involved.kind, name: involved.name, ...(namespace ? { namespace } : {}), reason, events: [] };
    group.events.push(event);
    groups.set(key, group);
  }

  const findings: Array<Finding & { count: number }> = [];
  for (const group of groups.values()) {
    const count = group.events.reduce((sum, event) => sum + eventCount(event), 0);
    const latest = [...group.events].sort((a, b) => (eventLastSeen(b) ?? 0) - (eventLastSeen(a) ?? 0))[0] as CoreV1Event;
    const lastSeen = toIso(eventLastSeen(latest));
    findings.push({
      count,
      kind: 'Event',
      name: `${group.kind}/${group.name}`,
      ...(group.namespace ? { namespace: group.namespace } : {}),
      reason: 'WarningEvent',
      severity: count >= FREQUENT_WARNING_COUNT ? 'medium' : 'low',
      message: clip(
        `${plural(count, `Warning ${group.reason} event`)} on ${group.kind} ${qualified(group.namespace, group.name)}${latest.message ? `: ${latest.message}` : '.'}`,
      ),
      ...optionalAt(earliestIso(group.events.map(eventFirstSeen))),
      evidence: {
        events: [formatEvent(latest)],
        details: {
          involvedKind: group.kind,
          involvedName: group.name,
          eventReason: group.reason,
          count: String(count),
          ...(lastSeen === undefined ? {} : { lastSeen }),
          ...(latest.source?.component ? { source: latest.source.component } : {}),
        },
      },
      suggestion: escalate('A Warning event with no matching failure elsewhere; context for a person, not a cause on its own.'),
    });
  }
  return findings.sort((a, b) => b.count - a.count).map(({ count: _count, ...finding }) => finding);
}
